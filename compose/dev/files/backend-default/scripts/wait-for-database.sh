#!/bin/sh
# Waits until the database accepts a login as $DB_USER (or the user in $DB_USER_FILE), with the
# password in $DB_PASSWORD_FILE, at most $WAIT_SECONDS; on timeout exits 1 naming the database
# and the last error. Passwords come from mounted Secret files, never from the command line.
set -u
if [ -n "${DB_USER_FILE:-}" ] && [ -r "$DB_USER_FILE" ]; then DB_USER=$(cat "$DB_USER_FILE"); fi
user="${DB_USER:-root}"
MYSQL_PWD=$(cat "$DB_PASSWORD_FILE")
export MYSQL_PWD
deadline=$(( $(date +%s) + ${WAIT_SECONDS:-120} ))
attempt=0
while :; do
  attempt=$((attempt + 1))
  if err=$(mariadb --protocol=tcp -h "$DB_HOST" -P "$DB_PORT" -u "$user" --connect-timeout=5 -e 'SELECT 1' 2>&1 >/dev/null); then
    echo "omrs: database $DB_HOST:$DB_PORT accepts $user (attempt $attempt)"
    break
  fi
  if [ "$(date +%s)" -ge "$deadline" ]; then
    echo "omrs: gave up after ${WAIT_SECONDS:-120}s: database $DB_HOST:$DB_PORT did not accept user $user." >&2
    echo "omrs: last error: $err" >&2
    echo "omrs: check that the database is running and reachable (NetworkPolicy, security group) and that the Secret holds the right password." >&2
    exit 1
  fi
  sleep 2
done
