variable "bucket_name" {
  type        = string
  description = "Name of the S3 bucket that holds Terraform state (cluster.eks.stateBucket in the profile)."

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be a valid S3 bucket name: 3-63 lower-case letters, digits, '.' and '-'."
  }
}

variable "lock_table_name" {
  type        = string
  description = "Name of the DynamoDB table that holds Terraform state locks (cluster.eks.lockTable in the profile)."

  validation {
    condition     = can(regex("^[A-Za-z0-9_.-]{3,255}$", var.lock_table_name))
    error_message = "lock_table_name must be 3-255 characters of letters, digits, '_', '.' and '-'."
  }
}

variable "noncurrent_version_retention_days" {
  type        = number
  description = "How long old versions of state files are kept, in days (they are the way back from a bad apply)."
  default     = 90

  validation {
    condition     = var.noncurrent_version_retention_days >= 30
    error_message = "Keep old state versions for at least 30 days."
  }
}

variable "kms_deletion_window_days" {
  type        = number
  description = "Waiting period before the state KMS key is deleted after it is scheduled for deletion."
  default     = 30

  validation {
    condition     = var.kms_deletion_window_days >= 7 && var.kms_deletion_window_days <= 30
    error_message = "kms_deletion_window_days must be between 7 and 30."
  }
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource of the module (the provider's default_tags apply too)."
  default     = {}
}
