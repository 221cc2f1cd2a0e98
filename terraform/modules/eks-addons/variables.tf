variable "cluster_name" {
  type        = string
  description = "Name of the EKS cluster the add-ons go into."
}

variable "oidc_provider_arn" {
  type        = string
  description = "ARN of the cluster's IAM OIDC provider (IRSA trust of the EBS CSI controller)."
}

variable "oidc_issuer_url" {
  type        = string
  description = "OIDC issuer URL of the cluster (https://…), whose host names the trust condition keys."
}

variable "kms_key_arn" {
  type        = string
  description = "The cluster's customer-managed KMS key: the default StorageClass encrypts volumes with it."
}

variable "cluster_issuer" {
  type        = string
  description = "ingress.tls.clusterIssuer of the profile: the cert-manager ClusterIssuer to create (empty: none)."
  default     = ""

  validation {
    condition     = var.cluster_issuer == "" || can(regex("^[a-z0-9][-a-z0-9.]{0,62}$", var.cluster_issuer))
    error_message = "cluster_issuer must be a Kubernetes object name (lower-case letters, digits, '-' and '.')."
  }
}

variable "acme_email" {
  type        = string
  description = "cluster.eks.addons.acmeEmail: the ACME (Let's Encrypt) account of the ClusterIssuer."
  default     = ""
}

variable "acme_server" {
  type        = string
  description = "ACME directory of the ClusterIssuer."
  default     = "https://acme-v02.api.letsencrypt.org/directory"
}

variable "tags" {
  type        = map(string)
  description = "Tags of the IAM role and the EKS add-on."
  default     = {}
}
