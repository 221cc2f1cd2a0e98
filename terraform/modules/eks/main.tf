# EKS control plane: private endpoint (public one optional and CIDR-restricted), Kubernetes
# secrets encrypted with a customer-managed KMS key, every control-plane log type to an
# encrypted log group, and an OIDC provider for IAM roles for service accounts (IRSA).

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition    = data.aws_partition.current.partition
  account_root = "arn:${local.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  log_group    = "/aws/eks/${var.cluster_name}/cluster"
  # Exists in every account that has used Auto Scaling; EKS creates it when it first needs it.
  autoscaling_role = "arn:${local.partition}:iam::${data.aws_caller_identity.current.account_id}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"
}

# A key policy, not an IAM policy: "*" as resource is the key itself.
locals {
  kms_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Sid       = "AccountAdministers"
        Effect    = "Allow"
        Principal = { AWS = local.account_root }
        Action    = "kms:*"
        Resource  = "*" # in a key policy "*" means this key
      },
      # Managed node groups launch through Auto Scaling, whose service-linked role must use the
      # key for the encrypted root volumes.
      {
        Sid       = "AutoScalingUsesKeyForNodeVolumes"
        Effect    = "Allow"
        Principal = { AWS = local.autoscaling_role }
        Action    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:DescribeKey"]
        Resource  = "*"
      },
      {
        Sid       = "AutoScalingGrantsForNodeVolumes"
        Effect    = "Allow"
        Principal = { AWS = local.autoscaling_role }
        Action    = "kms:CreateGrant"
        Resource  = "*"
        Condition = { Bool = { "kms:GrantIsForAWSResource" = "true" } }
      },
      {
        Sid       = "CloudWatchLogsUse"
        Effect    = "Allow"
        Principal = { Service = "logs.${data.aws_region.current.name}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:${local.log_group}" } }
      },
    ]
  })
}

resource "aws_kms_key" "cluster" {
  description             = "EKS secrets, node volumes and control-plane logs of ${var.cluster_name}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = local.kms_policy
  tags                    = var.tags
}

resource "aws_kms_alias" "cluster" {
  name          = "alias/eks/${var.cluster_name}"
  target_key_id = aws_kms_key.cluster.key_id
}

# Created before the cluster so that EKS writes into a log group with retention and encryption.
resource "aws_cloudwatch_log_group" "cluster" {
  name              = local.log_group
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.cluster.arn
  tags              = var.tags
}

data "aws_iam_policy_document" "cluster_assume" {
  statement {
    actions = ["sts:AssumeRole", "sts:TagSession"]
    principals {
      type        = "Service"
      identifiers = ["eks.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "cluster" {
  name_prefix        = "${substr(var.cluster_name, 0, 24)}-cluster-"
  assume_role_policy = data.aws_iam_policy_document.cluster_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  role       = aws_iam_role.cluster.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

resource "aws_eks_cluster" "this" {
  name     = var.cluster_name
  version  = var.cluster_version
  role_arn = aws_iam_role.cluster.arn

  enabled_cluster_log_types = ["api", "audit", "authenticator", "controllerManager", "scheduler"]

  vpc_config {
    subnet_ids              = var.private_subnet_ids
    endpoint_private_access = true
    endpoint_public_access  = var.endpoint_public_access
    # Only set with the public endpoint on (EKS accepts public CIDRs only; off, the list is inert).
    public_access_cidrs = var.endpoint_public_access ? var.public_access_cidrs : null
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = aws_kms_key.cluster.arn
    }
  }

  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = true
  }

  tags = var.tags

  lifecycle {
    precondition {
      condition     = !var.endpoint_public_access || length(var.public_access_cidrs) > 0
      error_message = "endpoint_public_access = true needs public_access_cidrs (cluster.eks.publicAccessCidrs): the endpoint is never opened to the whole internet."
    }
  }

  depends_on = [aws_iam_role_policy_attachment.cluster, aws_cloudwatch_log_group.cluster]
}

# ---- IRSA: pods assume IAM roles through the cluster's OIDC issuer ----

resource "aws_iam_openid_connect_provider" "this" {
  url            = aws_eks_cluster.this.identity[0].oidc[0].issuer
  client_id_list = ["sts.amazonaws.com"]
  tags           = var.tags
}
