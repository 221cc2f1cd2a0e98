# Creates the state bucket and lock table that the environment roots' "s3" backend uses.
# Run once per account with local state (`terraform -chdir=terraform/bootstrap apply`), then
# keep terraform.tfstate of this root safe or migrate it into the bucket it created.

module "state_backend" {
  source = "../modules/state-backend"

  bucket_name     = var.state_bucket
  lock_table_name = var.lock_table
}

output "backend_config" {
  description = "The -backend-config values for terraform init of the environment roots."
  value = {
    bucket         = module.state_backend.bucket
    dynamodb_table = module.state_backend.lock_table
    region         = var.region
    encrypt        = true
    kms_key_id     = module.state_backend.kms_key_arn
  }
}
