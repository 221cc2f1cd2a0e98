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
  # sh has no pipefail: the dump's own exit status goes through a file, or a failed dump would
  # leave a short gzip that looks like a backup. `|| code=$?` keeps set -e from ending the group
  # before it writes the file, and the file of an earlier run or tenant is removed first.
  rm -f /tmp/dump-status
  { code=0
    mariadb-dump --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" -u "$user" \
      --single-transaction --routines --triggers --events --databases "$db" || code=$?
    echo "$code" >/tmp/dump-status; } |
    gzip -c >"$out.partial"
  if [ "$(cat /tmp/dump-status 2>/dev/null)" != 0 ]; then
    rm -f "$out.partial"
    echo "omrs: backup of $tenant ($db) FAILED: mariadb-dump exited $(cat /tmp/dump-status 2>/dev/null || echo '?')" >&2
    exit 1
  fi
  mv "$out.partial" "$out"
  echo "omrs: backup of $tenant ($db) written to $out ($(wc -c <"$out") bytes)"
done
find /backup -name '*.sql.gz' -type f -mtime +"$RETENTION_DAYS" -print -delete
