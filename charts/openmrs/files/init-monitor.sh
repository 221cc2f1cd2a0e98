#!/bin/sh
# Creates the database user of the metrics exporter, idempotently: running it again converges (the
# password is reset to the one in the exporter's Secret). Its grants let it read server status
# only, no table of any tenant. Never prints a password.
set -eu
. /opt/omrs/wait-for-database.sh
MONITOR_PASSWORD=$(cat "$MONITOR_PASSWORD_FILE")
case "$MONITOR_USER" in *[!A-Za-z0-9_]*) echo "omrs: bad monitoring user name" >&2; exit 2 ;; esac
case "$MONITOR_PASSWORD" in *[!A-Za-z0-9]*) echo "omrs: the monitoring password must be alphanumeric" >&2; exit 2 ;; esac
mariadb --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" -u "$user" --connect-timeout=10 <<SQL
CREATE USER IF NOT EXISTS '$MONITOR_USER'@'%' IDENTIFIED BY '$MONITOR_PASSWORD' WITH MAX_USER_CONNECTIONS 3;
ALTER USER '$MONITOR_USER'@'%' IDENTIFIED BY '$MONITOR_PASSWORD';
GRANT PROCESS, REPLICATION CLIENT ON *.* TO '$MONITOR_USER'@'%';
GRANT SELECT ON performance_schema.* TO '$MONITOR_USER'@'%';
FLUSH PRIVILEGES;
SQL
echo "omrs: monitoring user $MONITOR_USER is ready"
