output "ebs_csi_role_arn" {
  description = "IAM role of the EBS CSI controller (IRSA)."
  value       = aws_iam_role.ebs_csi.arn
}

output "storage_class" {
  description = "The default StorageClass (gp3, encrypted with the cluster's key)."
  value       = local.storage_class
}

output "ingress_class" {
  description = "The default IngressClass (Traefik)."
  value       = local.ingress_class
}
