output "cluster_name" {
  description = "EKS cluster name."
  value       = module.eks.cluster_name
}

output "cluster_arn" {
  description = "EKS cluster ARN; omrs checks that the profile's cluster.context names it."
  value       = module.eks.cluster_arn
}

output "cluster_endpoint" {
  description = "API server endpoint (private unless endpoint_public_access)."
  value       = module.eks.cluster_endpoint
}

output "oidc_provider_arn" {
  description = "IAM OIDC provider of the cluster, for IRSA roles."
  value       = module.eks.oidc_provider_arn
}

output "database_host" {
  description = "RDS address; goes to database.external.host in the profile."
  value       = module.rds.address
}

output "database_replica_host" {
  description = "The read replica's address (cluster.eks.rds.readReplica), null without one; for reporting tools, never the backend's."
  value       = module.rds.replica_address
}

output "database_port" {
  description = "RDS port."
  value       = module.rds.port
}

output "database_master_secret_arn" {
  description = "Secrets Manager secret holding the RDS master password (managed by RDS)."
  value       = module.rds.master_user_secret_arn
}

output "state_backend" {
  description = "Where this root's state lives (from the profile)."
  value       = { bucket = var.state_bucket, lock_table = var.lock_table, region = var.region }
}
