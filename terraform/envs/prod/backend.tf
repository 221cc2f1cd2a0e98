# Remote state in the bucket and lock table of terraform/bootstrap. Left partial on purpose:
# `omrs promote` passes the values from the profile (cluster.eks.stateBucket, lockTable, region):
#
#   terraform init -backend-config=bucket=<stateBucket> -backend-config=key=omrs/<env>/terraform.tfstate \
#     -backend-config=region=<region> -backend-config=dynamodb_table=<lockTable> -backend-config=encrypt=true
terraform {
  backend "s3" {
    encrypt = true
  }
}
