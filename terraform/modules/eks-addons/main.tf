# What the omrs chart needs of an EKS cluster beyond the control plane and the nodes:
# - the EBS CSI driver (an EKS add-on, IAM role through IRSA), and a default StorageClass (gp3,
#   encrypted with the cluster's key), so the database and backup claims bind;
# - an ingress controller (Traefik, the default IngressClass, following ExternalName Services: the
#   promotion entry points at the live colour through one), behind an NLB;
# - cert-manager, and the ClusterIssuer the profile's ingress.tls.clusterIssuer names (ACME HTTP-01
#   through Traefik).
# The charts come from their public repositories at apply time; an air-gapped site mirrors them
# and changes `repository` below.

data "aws_partition" "current" {}

locals {
  partition     = data.aws_partition.current.partition
  oidc_host     = replace(var.oidc_issuer_url, "https://", "")
  storage_class = "gp3-encrypted"
  ingress_class = "traefik"
  ebs_csi_sa    = "ebs-csi-controller-sa"
}

# ---- EBS CSI driver: IRSA role for its controller, then the EKS add-on ----

resource "aws_iam_role" "ebs_csi" {
  name = "${var.cluster_name}-ebs-csi"
  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Effect    = "Allow"
      Principal = { Federated = var.oidc_provider_arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.oidc_host}:aud" = "sts.amazonaws.com"
          "${local.oidc_host}:sub" = "system:serviceaccount:kube-system:${local.ebs_csi_sa}"
        }
      }
    }]
  })
  tags = var.tags
}

resource "aws_iam_role_policy_attachment" "ebs_csi" {
  role       = aws_iam_role.ebs_csi.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
}

# Volumes encrypted with the cluster's customer-managed key: the driver must use that key alone.
resource "aws_iam_role_policy" "ebs_csi_kms" {
  name = "use-cluster-key"
  role = aws_iam_role.ebs_csi.id
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [
      {
        Effect = "Allow"
        Action = [
          "kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo",
          "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey",
        ]
        Resource = var.kms_key_arn
      },
      {
        Effect    = "Allow"
        Action    = ["kms:CreateGrant", "kms:ListGrants", "kms:RevokeGrant"]
        Resource  = var.kms_key_arn
        Condition = { Bool = { "kms:GrantIsForAWSResource" = "true" } }
      },
    ]
  })
}

resource "aws_eks_addon" "ebs_csi" {
  cluster_name                = var.cluster_name
  addon_name                  = "aws-ebs-csi-driver"
  service_account_role_arn    = aws_iam_role.ebs_csi.arn
  resolve_conflicts_on_create = "OVERWRITE"
  resolve_conflicts_on_update = "PRESERVE"
  tags                        = var.tags

  depends_on = [aws_iam_role_policy_attachment.ebs_csi, aws_iam_role_policy.ebs_csi_kms]
}

# ---- Ingress controller ----

resource "helm_release" "ingress" {
  name             = "traefik"
  namespace        = "omrs-ingress"
  create_namespace = true
  repository       = "https://traefik.github.io/charts"
  chart            = "traefik"
  version          = "37.3.0"
  values = [yamlencode({
    ingressClass = { enabled = true, isDefaultClass = true, name = local.ingress_class }
    providers = {
      kubernetesIngress = { allowExternalNameServices = true }
      kubernetesCRD     = { enabled = false }
    }
    service = {
      annotations = {
        "service.beta.kubernetes.io/aws-load-balancer-type"   = "nlb"
        "service.beta.kubernetes.io/aws-load-balancer-scheme" = "internet-facing"
      }
    }
  })]
}

# ---- cert-manager and the profile's ClusterIssuer ----

resource "helm_release" "cert_manager" {
  name             = "cert-manager"
  namespace        = "cert-manager"
  create_namespace = true
  repository       = "https://charts.jetstack.io"
  chart            = "cert-manager"
  version          = "v1.18.2"
  values           = [yamlencode({ crds = { enabled = true } })]
}

# The objects that need the CRDs and the driver first: the default StorageClass and the ClusterIssuer.
resource "helm_release" "cluster_config" {
  name      = "omrs-cluster-config"
  namespace = "kube-system"
  chart     = "${path.module}/charts/cluster-config"
  values = [yamlencode({
    storageClass = { name = local.storage_class, kmsKeyId = var.kms_key_arn }
    clusterIssuer = {
      name         = var.cluster_issuer
      email        = var.acme_email
      server       = var.acme_server
      ingressClass = local.ingress_class
    }
  })]

  lifecycle {
    precondition {
      condition     = var.cluster_issuer == "" || var.acme_email != ""
      error_message = "ingress.tls.clusterIssuer needs cluster.eks.addons.acmeEmail: the ACME account of the ClusterIssuer."
    }
  }

  depends_on = [aws_eks_addon.ebs_csi, helm_release.cert_manager, helm_release.ingress]
}
