# QA: the same modules as production, from a QA profile; one NAT gateway to save cost.

locals {
  tags = { "omrs.dev/cluster" = var.cluster_name }
}

module "network" {
  source = "../../modules/network"

  name               = var.cluster_name
  cluster_name       = var.cluster_name
  single_nat_gateway = true
  tags               = local.tags
}

module "eks" {
  source = "../../modules/eks"

  cluster_name           = var.cluster_name
  cluster_version        = var.cluster_version
  vpc_id                 = module.network.vpc_id
  private_subnet_ids     = module.network.private_subnet_ids
  endpoint_public_access = var.endpoint_public_access
  public_access_cidrs    = var.public_access_cidrs
  node_instance_type     = var.node_instance_type
  node_min               = var.node_min
  node_max               = var.node_max
  tags                   = local.tags
}

module "rds" {
  source = "../../modules/rds"

  identifier                = "${var.cluster_name}-openmrs"
  vpc_id                    = module.network.vpc_id
  subnet_ids                = module.network.private_subnet_ids
  allowed_security_group_id = module.eks.node_security_group_id
  instance_class            = var.rds_instance_class
  allocated_storage_gb      = var.rds_allocated_storage_gb
  multi_az                  = var.rds_multi_az
  backup_retention_days     = var.rds_backup_retention_days
  deletion_protection       = var.rds_deletion_protection
  read_replica              = var.rds_read_replica
  tags                      = local.tags
}

module "addons" {
  source = "../../modules/eks-addons"

  cluster_name      = module.eks.cluster_name
  oidc_provider_arn = module.eks.oidc_provider_arn
  oidc_issuer_url   = module.eks.oidc_issuer_url
  kms_key_arn       = module.eks.kms_key_arn
  cluster_issuer    = var.cluster_issuer
  acme_email        = var.acme_email
  tags              = local.tags
}
