# One variable per env key of the profile under cluster.eks (plus the two identity tags).
# omrs writes terraform.tfvars.json from the profile with src/promote/tfvars.ts; a unit test
# keeps the two lists identical.

variable "omrs_env" {
  type        = string
  description = "omrs environment name, tagged on every resource as omrs.dev/env."

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", var.omrs_env))
    error_message = "omrs_env must be DNS-safe."
  }
}

variable "omrs_profile" {
  type        = string
  description = "Name of the omrs profile the environment comes from, tagged as omrs.dev/profile."
}

variable "region" {
  type        = string
  description = "cluster.eks.region: AWS region of the environment."

  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-\\d$", var.region))
    error_message = "region must be an AWS region like \"eu-west-1\"."
  }
}

variable "account_id" {
  type        = string
  description = "cluster.eks.accountId: the only AWS account this root may change."

  validation {
    condition     = can(regex("^\\d{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "cluster_name" {
  type        = string
  description = "cluster.eks.clusterName: name of the EKS cluster, prefix of the other resources."

  validation {
    condition     = can(regex("^[a-z0-9][-a-z0-9]{0,38}$", var.cluster_name))
    error_message = "cluster_name must be lower-case letters, digits and '-', at most 39 characters (RDS and IAM names are derived from it)."
  }
}

variable "cluster_version" {
  type        = string
  description = "cluster.eks.version: Kubernetes minor version, e.g. \"1.32\"."
}

variable "endpoint_public_access" {
  type        = bool
  description = "cluster.eks.endpointPublicAccess: also expose the API endpoint publicly (restricted to public_access_cidrs)."
  default     = false
}

variable "public_access_cidrs" {
  type        = list(string)
  description = "cluster.eks.publicAccessCidrs: who may reach the public endpoint; never 0.0.0.0/0."
  default     = []
}

variable "node_instance_type" {
  type        = string
  description = "cluster.eks.nodes.instanceType: EC2 type of the managed nodes."
}

variable "node_min" {
  type        = number
  description = "cluster.eks.nodes.min: minimum node count (at least 3)."

  validation {
    condition     = var.node_min >= 3
    error_message = "Production needs at least 3 nodes (cluster.eks.nodes.min >= 3)."
  }
}

variable "node_max" {
  type        = number
  description = "cluster.eks.nodes.max: maximum node count."
}

variable "rds_instance_class" {
  type        = string
  description = "cluster.eks.rds.instanceClass: RDS instance class."
}

variable "rds_allocated_storage_gb" {
  type        = number
  description = "cluster.eks.rds.allocatedStorageGb: initial storage in GiB."
}

variable "rds_multi_az" {
  type        = bool
  description = "cluster.eks.rds.multiAz: standby in a second availability zone."

  validation {
    condition     = var.rds_multi_az
    error_message = "Production runs Multi-AZ (cluster.eks.rds.multiAz: true)."
  }
}

variable "rds_backup_retention_days" {
  type        = number
  description = "cluster.eks.rds.backupRetentionDays: automated backup retention (7-35)."

  validation {
    condition     = var.rds_backup_retention_days >= 7 && var.rds_backup_retention_days <= 35
    error_message = "cluster.eks.rds.backupRetentionDays must be between 7 and 35 in production."
  }
}

variable "rds_deletion_protection" {
  type        = bool
  description = "cluster.eks.rds.deletionProtection: must stay true in production."

  validation {
    condition     = var.rds_deletion_protection
    error_message = "Production keeps RDS deletion protection on (cluster.eks.rds.deletionProtection: true); a planned teardown switches it off by hand."
  }
}

variable "rds_read_replica" {
  type        = bool
  description = "cluster.eks.rds.readReplica: one read replica in another availability zone (reports, analytics)."
  default     = false
}

variable "state_bucket" {
  type        = string
  description = "cluster.eks.stateBucket: S3 bucket of the state (used through -backend-config; recorded in outputs)."
}

variable "lock_table" {
  type        = string
  description = "cluster.eks.lockTable: DynamoDB lock table of the state (used through -backend-config; recorded in outputs)."
}

variable "cluster_issuer" {
  type        = string
  description = "ingress.tls.clusterIssuer: the cert-manager ClusterIssuer the add-ons create (empty: none)."
  default     = ""
}

variable "acme_email" {
  type        = string
  description = "cluster.eks.addons.acmeEmail: the ACME account of that ClusterIssuer."
  default     = ""
}
