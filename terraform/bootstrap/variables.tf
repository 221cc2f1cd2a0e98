# The subset of the environment roots' variables that the state backend needs; the same
# terraform.tfvars.json works here (terraform warns about the unused values, nothing more).

variable "omrs_env" {
  type        = string
  description = "omrs environment name, tagged as omrs.dev/env."
}

variable "omrs_profile" {
  type        = string
  description = "omrs profile name, tagged as omrs.dev/profile."
}

variable "region" {
  type        = string
  description = "cluster.eks.region: region of the state bucket and lock table."
}

variable "account_id" {
  type        = string
  description = "cluster.eks.accountId: the only AWS account this root may change."

  validation {
    condition     = can(regex("^\\d{12}$", var.account_id))
    error_message = "account_id must be a 12-digit AWS account id."
  }
}

variable "state_bucket" {
  type        = string
  description = "cluster.eks.stateBucket: S3 bucket to create for Terraform state."
}

variable "lock_table" {
  type        = string
  description = "cluster.eks.lockTable: DynamoDB table to create for state locks."
}
