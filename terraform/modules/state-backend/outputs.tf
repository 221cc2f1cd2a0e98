output "bucket" {
  description = "Name of the state bucket, for -backend-config=bucket=..."
  value       = aws_s3_bucket.state.id
}

output "bucket_arn" {
  description = "ARN of the state bucket."
  value       = aws_s3_bucket.state.arn
}

output "lock_table" {
  description = "Name of the lock table, for -backend-config=dynamodb_table=..."
  value       = aws_dynamodb_table.lock.name
}

output "kms_key_arn" {
  description = "ARN of the KMS key that encrypts state and locks, for -backend-config=kms_key_id=..."
  value       = aws_kms_key.state.arn
}
