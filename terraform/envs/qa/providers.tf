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

# The add-ons' charts go in through the cluster's API endpoint with a token from the AWS CLI: run
# terraform where the endpoint answers (inside the VPC, or from publicAccessCidrs).
provider "helm" {
  kubernetes {
    host                   = module.eks.cluster_endpoint
    cluster_ca_certificate = base64decode(module.eks.cluster_certificate_authority)
    exec {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", module.eks.cluster_name, "--region", var.region]
    }
  }
}
