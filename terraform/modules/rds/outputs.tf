output "address" {
  description = "Host name of the primary instance (database.external.host in the profile)."
  value       = aws_db_instance.this.address
}

output "port" {
  description = "Port of the primary instance."
  value       = aws_db_instance.this.port
}

output "database_name" {
  description = "Initial database on the instance."
  value       = aws_db_instance.this.db_name
}

output "resource_id" {
  description = "DBI resource id, for rds-db:connect IAM policies (IAM database authentication)."
  value       = aws_db_instance.this.resource_id
}

output "master_user_secret_arn" {
  description = "Secrets Manager secret that RDS created for the master password (read it through External Secrets / IRSA; it is never in Terraform state)."
  value       = aws_db_instance.this.master_user_secret[0].secret_arn
}

output "security_group_id" {
  description = "Security group of the database."
  value       = aws_security_group.db.id
}

output "replica_address" {
  description = "Host name of the read replica, or null without one."
  value       = var.read_replica ? aws_db_instance.replica[0].address : null
}

output "kms_key_arn" {
  description = "KMS key of the database's storage, snapshots, Performance Insights and master secret."
  value       = aws_db_instance.this.kms_key_id
}
