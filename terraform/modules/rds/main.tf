# MariaDB 10.11 for OpenMRS on RDS: encrypted with a customer-managed key, Multi-AZ, backups,
# deletion protection and a final snapshot, IAM authentication, TLS required, utf8mb4, reachable
# only from the EKS nodes, with its master password generated and held by Secrets Manager.

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}
data "aws_region" "current" {}

locals {
  partition    = data.aws_partition.current.partition
  account_root = "arn:${local.partition}:iam::${data.aws_caller_identity.current.account_id}:root"
  log_exports  = ["audit", "error", "general", "slowquery"]
  max_storage  = var.max_allocated_storage_gb > 0 ? var.max_allocated_storage_gb : var.allocated_storage_gb * 4
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
      {
        Sid       = "CloudWatchLogsUse"
        Effect    = "Allow"
        Principal = { Service = "logs.${data.aws_region.current.name}.amazonaws.com" }
        Action    = ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*", "kms:Describe*"]
        Resource  = "*"
        Condition = { ArnLike = { "kms:EncryptionContext:aws:logs:arn" = "arn:${local.partition}:logs:${data.aws_region.current.name}:${data.aws_caller_identity.current.account_id}:log-group:/aws/rds/instance/${var.identifier}*" } }
      },
    ]
  })
}

resource "aws_kms_key" "db" {
  description             = "Storage, Performance Insights, master secret and logs of ${var.identifier}"
  enable_key_rotation     = true
  deletion_window_in_days = 30
  policy                  = local.kms_policy
  tags                    = var.tags
}

resource "aws_kms_alias" "db" {
  name          = "alias/rds/${var.identifier}"
  target_key_id = aws_kms_key.db.key_id
}

resource "aws_db_subnet_group" "this" {
  name_prefix = "${var.identifier}-"
  description = "Private subnets of ${var.identifier}"
  subnet_ids  = var.subnet_ids
  tags        = var.tags

  lifecycle {
    create_before_destroy = true
  }
}

# ---- network: 3306 from the EKS nodes only, no egress ----

resource "aws_security_group" "db" {
  name_prefix = "${var.identifier}-db-"
  description = "MariaDB of ${var.identifier}: 3306 from the EKS node security group only"
  vpc_id      = var.vpc_id
  tags        = merge(var.tags, { Name = "${var.identifier}-db" })

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_vpc_security_group_ingress_rule" "mariadb_from_nodes" {
  security_group_id            = aws_security_group.db.id
  description                  = "MariaDB from the EKS nodes"
  ip_protocol                  = "tcp"
  from_port                    = 3306
  to_port                      = 3306
  referenced_security_group_id = var.allowed_security_group_id
  tags                         = var.tags
}

# ---- engine settings ----

resource "aws_db_parameter_group" "this" {
  name_prefix = "${var.identifier}-mariadb1011-"
  family      = "mariadb10.11"
  description = "OpenMRS on MariaDB 10.11: utf8mb4, TLS required, slow query log"
  tags        = var.tags

  # OpenMRS needs utf8mb4 throughout (names and obs in any script).
  parameter {
    name         = "character_set_server"
    value        = "utf8mb4"
    apply_method = "immediate"
  }

  parameter {
    name         = "character_set_client"
    value        = "utf8mb4"
    apply_method = "immediate"
  }

  parameter {
    name         = "character_set_connection"
    value        = "utf8mb4"
    apply_method = "immediate"
  }

  parameter {
    name         = "character_set_database"
    value        = "utf8mb4"
    apply_method = "immediate"
  }

  parameter {
    name         = "character_set_results"
    value        = "utf8mb4"
    apply_method = "immediate"
  }

  parameter {
    name         = "collation_server"
    value        = "utf8mb4_unicode_ci"
    apply_method = "immediate"
  }

  parameter {
    name         = "collation_connection"
    value        = "utf8mb4_unicode_ci"
    apply_method = "immediate"
  }

  # Encryption in transit: plain-text connections are refused.
  parameter {
    name         = "require_secure_transport"
    value        = "1"
    apply_method = "immediate"
  }

  parameter {
    name         = "tls_version"
    value        = "TLSv1.2,TLSv1.3"
    apply_method = "pending-reboot"
  }

  parameter {
    name         = "slow_query_log"
    value        = "1"
    apply_method = "immediate"
  }

  parameter {
    name         = "long_query_time"
    value        = "2"
    apply_method = "immediate"
  }

  parameter {
    name         = "log_output"
    value        = "FILE"
    apply_method = "immediate"
  }

  # OpenMRS stores large obs/complex values and module uploads; 128 MiB leaves room above the
  # gateway's 50 MiB request limit.
  parameter {
    name         = "max_allowed_packet"
    value        = "134217728"
    apply_method = "immediate"
  }

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_db_option_group" "this" {
  name_prefix              = "${var.identifier}-mariadb1011-"
  option_group_description = "OpenMRS on MariaDB 10.11: server audit log"
  engine_name              = "mariadb"
  major_engine_version     = "10.11"
  tags                     = var.tags

  option {
    option_name = "MARIADB_AUDIT_PLUGIN"

    option_settings {
      name  = "SERVER_AUDIT_EVENTS"
      value = "CONNECT,QUERY_DDL,QUERY_DCL"
    }
  }

  lifecycle {
    create_before_destroy = true
  }
}

# Created before the instance so that exported logs land in encrypted groups with a retention.
resource "aws_cloudwatch_log_group" "db" {
  for_each = toset(local.log_exports)

  name              = "/aws/rds/instance/${var.identifier}/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = aws_kms_key.db.arn
  tags              = var.tags
}

# ---- enhanced monitoring ----

data "aws_iam_policy_document" "monitoring_assume" {
  statement {
    actions = ["sts:AssumeRole"]
    principals {
      type        = "Service"
      identifiers = ["monitoring.rds.amazonaws.com"]
    }
  }
}

resource "aws_iam_role" "monitoring" {
  name_prefix        = "${substr(var.identifier, 0, 24)}-rds-mon-"
  assume_role_policy = data.aws_iam_policy_document.monitoring_assume.json
  tags               = var.tags
}

resource "aws_iam_role_policy_attachment" "monitoring" {
  role       = aws_iam_role.monitoring.name
  policy_arn = "arn:${local.partition}:iam::aws:policy/service-role/AmazonRDSEnhancedMonitoringRole"
}

# ---- the instance ----

resource "aws_db_instance" "this" {
  identifier     = var.identifier
  engine         = "mariadb"
  engine_version = var.engine_version
  instance_class = var.instance_class
  db_name        = var.database_name
  port           = 3306

  username                      = var.master_username
  manage_master_user_password   = true
  master_user_secret_kms_key_id = aws_kms_key.db.arn

  allocated_storage     = var.allocated_storage_gb
  max_allocated_storage = local.max_storage
  storage_type          = "gp3"
  storage_encrypted     = true
  kms_key_id            = aws_kms_key.db.arn

  multi_az               = var.multi_az
  db_subnet_group_name   = aws_db_subnet_group.this.name
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  ca_cert_identifier     = "rds-ca-rsa2048-g1"
  parameter_group_name   = aws_db_parameter_group.this.name
  option_group_name      = aws_db_option_group.this.name

  iam_database_authentication_enabled = true

  backup_retention_period   = var.backup_retention_days
  backup_window             = var.backup_window
  maintenance_window        = var.maintenance_window
  copy_tags_to_snapshot     = true
  delete_automated_backups  = false
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.identifier}-final"

  auto_minor_version_upgrade  = true
  allow_major_version_upgrade = false
  # Changes wait for the maintenance window unless omrs applies them deliberately.
  apply_immediately = false

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.db.arn
  performance_insights_retention_period = 7

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = aws_iam_role.monitoring.arn

  enabled_cloudwatch_logs_exports = local.log_exports

  tags = var.tags

  depends_on = [aws_cloudwatch_log_group.db, aws_iam_role_policy_attachment.monitoring]
}

resource "aws_db_instance" "replica" {
  count = var.read_replica ? 1 : 0

  identifier          = "${var.identifier}-replica"
  replicate_source_db = aws_db_instance.this.identifier
  instance_class      = var.instance_class

  storage_encrypted     = true
  kms_key_id            = aws_kms_key.db.arn
  max_allocated_storage = local.max_storage

  multi_az               = var.multi_az # a replica of a Multi-AZ primary stays available too
  vpc_security_group_ids = [aws_security_group.db.id]
  publicly_accessible    = false
  ca_cert_identifier     = "rds-ca-rsa2048-g1"
  parameter_group_name   = aws_db_parameter_group.this.name
  option_group_name      = aws_db_option_group.this.name

  iam_database_authentication_enabled = true

  backup_retention_period   = var.backup_retention_days
  copy_tags_to_snapshot     = true
  deletion_protection       = var.deletion_protection
  skip_final_snapshot       = false
  final_snapshot_identifier = "${var.identifier}-replica-final"

  auto_minor_version_upgrade = true
  apply_immediately          = false

  performance_insights_enabled          = true
  performance_insights_kms_key_id       = aws_kms_key.db.arn
  performance_insights_retention_period = 7

  monitoring_interval = var.monitoring_interval
  monitoring_role_arn = aws_iam_role.monitoring.arn

  enabled_cloudwatch_logs_exports = local.log_exports

  tags = var.tags
}
