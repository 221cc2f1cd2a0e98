variable "name" {
  type        = string
  description = "Name prefix of the network's resources (the EKS cluster name)."

  validation {
    condition     = can(regex("^[a-z0-9][-a-z0-9]{0,38}$", var.name))
    error_message = "name must be lower-case letters, digits and '-', at most 39 characters."
  }
}

variable "cluster_name" {
  type        = string
  description = "EKS cluster that will use the subnets (for the kubernetes.io/cluster/<name> discovery tags)."
}

variable "cidr_block" {
  type        = string
  description = "IPv4 CIDR of the VPC; split into 3 private /19 and 3 public /22 style subnets."
  default     = "10.40.0.0/16"

  validation {
    condition     = can(cidrhost(var.cidr_block, 0)) && tonumber(split("/", var.cidr_block)[1]) <= 20
    error_message = "cidr_block must be a valid IPv4 CIDR of /20 or larger."
  }
}

variable "availability_zones" {
  type        = list(string)
  description = "Availability zone names to use, e.g. [\"eu-west-1a\", \"eu-west-1b\", \"eu-west-1c\"]; empty means the region's a, b and c zones."
  default     = []

  validation {
    condition     = length(var.availability_zones) == 0 || (length(var.availability_zones) >= 3 && length(var.availability_zones) <= 6)
    error_message = "Give at least 3 (and at most 6) availability zones, so that a quorum of nodes survives the loss of one."
  }
}

variable "single_nat_gateway" {
  type        = bool
  description = "One NAT gateway for all zones (cheaper, for QA) instead of one per zone (prod)."
  default     = false
}

variable "flow_log_retention_days" {
  type        = number
  description = "Retention of the VPC flow log group, in days."
  default     = 365

  validation {
    condition     = contains([365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.flow_log_retention_days)
    error_message = "flow_log_retention_days must be a CloudWatch retention value of at least 365 days."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource of the module."
  default     = {}
}
