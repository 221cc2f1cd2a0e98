#!/bin/sh
# Dumps every tenant database to /backup/<tenant>/<UTC time>.sql.gz, then deletes dumps older
# than $RETENTION_DAYS. Consistent without locking (InnoDB, --single-transaction).
set -eu
. /opt/omrs/wait-for-database.sh
stamp=$(date -u +%Y%m%dT%H%M%SZ)
for entry in $TENANTS; do
  tenant=${entry%%:*}; db=${entry#*:}
  mkdir -p "/backup/$tenant"
  out="/backup/$tenant/$stamp.sql.gz"
  mariadb-dump --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" -u "$user" \
    --single-transaction --routines --triggers --events --databases "$db" | gzip -c >"$out.partial"
  mv "$out.partial" "$out"
  echo "omrs: backup of $tenant ($db) written to $out ($(wc -c <"$out") bytes)"
done
find /backup -name '*.sql.gz' -type f -mtime +"$RETENTION_DAYS" -print -delete
