variable "cluster_name" {
  type        = string
  description = "Name of the EKS cluster (cluster.eks.clusterName)."

  validation {
    condition     = can(regex("^[a-z0-9][-a-z0-9]{0,62}$", var.cluster_name))
    error_message = "cluster_name must be lower-case letters, digits and '-', at most 63 characters."
  }
}

variable "cluster_version" {
  type        = string
  description = "Kubernetes minor version of the control plane (cluster.eks.version), e.g. \"1.32\"."

  validation {
    condition     = can(regex("^1\\.(2[89]|3[0-9])$", var.cluster_version))
    error_message = "cluster_version must be a Kubernetes minor version EKS supports, 1.28 or later, like \"1.32\"."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the cluster."
}

variable "private_subnet_ids" {
  type        = list(string)
  description = "Private subnets for the control-plane ENIs and the nodes, one per availability zone."

  validation {
    condition     = length(var.private_subnet_ids) >= 3
    error_message = "Give private subnets in at least 3 availability zones."
  }
}

variable "endpoint_public_access" {
  type        = bool
  description = "Also expose the API server endpoint publicly (cluster.eks.endpointPublicAccess). The private endpoint is always on."
  default     = false
}

variable "public_access_cidrs" {
  type        = list(string)
  description = "CIDRs allowed to reach the public endpoint (cluster.eks.publicAccessCidrs). Required, and never 0.0.0.0/0, when the public endpoint is on."
  default     = []

  validation {
    condition     = alltrue([for c in var.public_access_cidrs : can(cidrhost(c, 0)) && c != "0.0.0.0/0" && c != "::/0"])
    error_message = "public_access_cidrs must be valid CIDRs and must not open the endpoint to the whole internet (0.0.0.0/0)."
  }
}

variable "node_instance_type" {
  type        = string
  description = "EC2 instance type of the managed node group (cluster.eks.nodes.instanceType)."
  default     = "m6i.large"
}

variable "node_min" {
  type        = number
  description = "Minimum (and initial) number of nodes (cluster.eks.nodes.min)."
  default     = 3

  validation {
    condition     = var.node_min >= 3
    error_message = "node_min must be at least 3: one node per availability zone, so that 3 replicas with anti-affinity can be scheduled."
  }
}

variable "node_max" {
  type        = number
  description = "Maximum number of nodes (cluster.eks.nodes.max)."
  default     = 6
}

variable "node_disk_gb" {
  type        = number
  description = "Size of each node's encrypted root volume, in GiB."
  default     = 50
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the control-plane log group, in days."
  default     = 365
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource of the module."
  default     = {}
}
