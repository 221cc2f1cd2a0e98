#!/bin/sh
# Succeeds when the server accepts TCP connections on 3306 (the temporary server of the first-start
# initialisation listens on no port, so this stays failing until the real server is up).
# Upstream's flags (--connect, --innodb_initialized, ...) are accepted and mean the same here.
for arg in "$@"; do case "$arg" in --*) ;; *) echo "healthcheck.sh: unknown argument $arg" >&2; exit 2 ;; esac; done
# The first start writes the healthcheck user's credentials into the data directory (as upstream
# does); without them, mariadb-admin ping still exits 0 when the server answers ("access denied").
cnf=/var/lib/mysql/.my-healthcheck.cnf
if [ -r "$cnf" ]; then
  exec mariadb-admin --defaults-extra-file="$cnf" --protocol=tcp -h127.0.0.1 -P3306 --connect-timeout=3 ping >/dev/null 2>&1
fi
exec mariadb-admin --no-defaults --protocol=tcp -h127.0.0.1 -P3306 -uhealthcheck --connect-timeout=3 ping >/dev/null 2>&1
