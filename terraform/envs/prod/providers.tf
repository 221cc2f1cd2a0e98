provider "aws" {
  region = var.region
  # Refuse to touch any account but the profile's (cluster.eks.accountId).
  allowed_account_ids = [var.account_id]

  default_tags {
    tags = {
      "omrs.dev/env"     = var.omrs_env
      "omrs.dev/profile" = var.omrs_profile
      "managed-by"       = "omrs-terraform"
    }
  }
}
