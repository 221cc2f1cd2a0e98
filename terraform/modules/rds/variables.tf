variable "identifier" {
  type        = string
  description = "RDS instance identifier (the cluster name plus \"-openmrs\" in the environment roots)."

  validation {
    condition     = can(regex("^[a-z][-a-z0-9]{0,54}[a-z0-9]$", var.identifier))
    error_message = "identifier must start with a letter, hold lower-case letters, digits and '-', and be at most 56 characters (suffixes are added)."
  }
}

variable "vpc_id" {
  type        = string
  description = "VPC of the database."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets of the DB subnet group, in at least 2 availability zones."

  validation {
    condition     = length(var.subnet_ids) >= 2
    error_message = "A DB subnet group needs subnets in at least 2 availability zones."
  }
}

variable "allowed_security_group_id" {
  type        = string
  description = "The only security group that may connect on 3306: the EKS node security group."
}

variable "instance_class" {
  type        = string
  description = "RDS instance class (cluster.eks.rds.instanceClass)."
  default     = "db.m6g.large"

  validation {
    condition     = startswith(var.instance_class, "db.") && !startswith(var.instance_class, "db.t2.")
    error_message = "instance_class must be an RDS class like db.m6g.large (db.t2 supports neither Performance Insights nor encryption everywhere)."
  }
}

variable "allocated_storage_gb" {
  type        = number
  description = "Initial storage in GiB (cluster.eks.rds.allocatedStorageGb); storage autoscaling may grow it up to max_allocated_storage_gb."
  default     = 100

  validation {
    condition     = var.allocated_storage_gb >= 20 && var.allocated_storage_gb <= 65536
    error_message = "allocated_storage_gb must be between 20 and 65536."
  }
}

variable "max_allocated_storage_gb" {
  type        = number
  description = "Upper bound of storage autoscaling in GiB; 0 means 4 times allocated_storage_gb."
  default     = 0
}

variable "engine_version" {
  type        = string
  description = "MariaDB major.minor version; minor upgrades are applied automatically in the maintenance window."
  default     = "10.11"

  validation {
    condition     = can(regex("^10\\.11(\\.\\d+)?$", var.engine_version))
    error_message = "OpenMRS 3 is supported here on MariaDB 10.11 (the parameter group family is mariadb10.11)."
  }
}

variable "database_name" {
  type        = string
  description = "Initial database (schema) created on the instance."
  default     = "openmrs"
}

variable "master_username" {
  type        = string
  description = "Master user name. Its password is generated and kept in Secrets Manager by RDS, never in Terraform."
  default     = "omrs_admin"
}

variable "multi_az" {
  type        = bool
  description = "Standby in a second availability zone with synchronous replication (cluster.eks.rds.multiAz)."
  default     = true
}

variable "backup_retention_days" {
  type        = number
  description = "Days of automated backups and point-in-time recovery (cluster.eks.rds.backupRetentionDays)."
  default     = 14

  validation {
    condition     = var.backup_retention_days >= 7 && var.backup_retention_days <= 35
    error_message = "backup_retention_days must be between 7 and 35: blue/green promotion and pre-promotion snapshots rely on automated backups."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Refuse DeleteDBInstance (cluster.eks.rds.deletionProtection)."
  default     = true
}

variable "read_replica" {
  type        = bool
  description = "Create one read replica (reports, analytics) in another availability zone."
  default     = false
}

variable "monitoring_interval" {
  type        = number
  description = "Enhanced monitoring interval in seconds."
  default     = 30

  validation {
    condition     = contains([1, 5, 10, 15, 30, 60], var.monitoring_interval)
    error_message = "monitoring_interval must be one of 1, 5, 10, 15, 30, 60 (0 would switch enhanced monitoring off)."
  }
}

variable "log_retention_days" {
  type        = number
  description = "Retention of the exported database log groups, in days."
  default     = 365
}

variable "backup_window" {
  type        = string
  description = "Daily automated backup window (UTC), outside the maintenance window."
  default     = "01:00-02:00"
}

variable "maintenance_window" {
  type        = string
  description = "Weekly maintenance window (UTC)."
  default     = "sun:03:00-sun:04:00"
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for every resource of the module."
  default     = {}
}
