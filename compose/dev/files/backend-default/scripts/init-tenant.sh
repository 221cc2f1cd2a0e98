#!/bin/sh
# Creates one tenant's database and user, idempotently: running it again converges (the user's
# password is reset to the one in the tenant's Secret). Never prints a password.
set -eu
. /opt/omrs/wait-for-database.sh
TENANT_PASSWORD=$(cat "$TENANT_PASSWORD_FILE")
case "$TENANT_DB$TENANT_USER" in *[!A-Za-z0-9_]*) echo "omrs: bad tenant database or user name" >&2; exit 2 ;; esac
case "$TENANT_PASSWORD" in *[!A-Za-z0-9]*) echo "omrs: the tenant password must be alphanumeric" >&2; exit 2 ;; esac
mariadb --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" -u "$user" --connect-timeout=10 <<SQL
CREATE DATABASE IF NOT EXISTS \`$TENANT_DB\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS '$TENANT_USER'@'%' IDENTIFIED BY '$TENANT_PASSWORD';
ALTER USER '$TENANT_USER'@'%' IDENTIFIED BY '$TENANT_PASSWORD';
GRANT ALL PRIVILEGES ON \`$TENANT_DB\`.* TO '$TENANT_USER'@'%';
FLUSH PRIVILEGES;
SQL
echo "omrs: tenant database $TENANT_DB and user $TENANT_USER are ready"
