#!/bin/bash
# Entry point of omrs-test/mariadb (test image): initialises an empty data directory the way the
# upstream mariadb image does, then runs the server in the foreground as PID 1 (SIGTERM stops it).
set -euo pipefail
log() { echo "$(date -u '+%F %T') [entrypoint] $*"; }

if [ "${1:-}" != "" ] && [ "${1#-}" != "$1" ]; then set -- mariadbd "$@"; fi
case "${1:-}" in mariadbd|mysqld) ;; *) exec "$@" ;; esac
shift; set -- mariadbd "$@"

var() { local v="${!1:-}"; [ -n "$v" ] || v="${!2:-}"; printf '%s' "$v"; }
ROOT_PASSWORD="$(var MARIADB_ROOT_PASSWORD MYSQL_ROOT_PASSWORD)"
ALLOW_EMPTY="$(var MARIADB_ALLOW_EMPTY_ROOT_PASSWORD MYSQL_ALLOW_EMPTY_PASSWORD)"
RANDOM_ROOT="$(var MARIADB_RANDOM_ROOT_PASSWORD MYSQL_RANDOM_ROOT_PASSWORD)"
ROOT_HOST="$(var MARIADB_ROOT_HOST MYSQL_ROOT_HOST)"; ROOT_HOST="${ROOT_HOST:-%}"
DATABASE="$(var MARIADB_DATABASE MYSQL_DATABASE)"
USER_NAME="$(var MARIADB_USER MYSQL_USER)"
USER_PASSWORD="$(var MARIADB_PASSWORD MYSQL_PASSWORD)"
DATADIR=/var/lib/mysql
SOCKET=/run/mysqld/mysqld.sock

# As root (docker run without --user) the server drops to mysql; as the image's user (the chart's
# runAsUser 999, a read-only root) the folders are already writable and --user would be refused.
as_user=()
if [ "$(id -u)" = 0 ]; then
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld "$DATADIR"
  as_user=(--user=mysql)
fi

if [ ! -d "$DATADIR/mysql" ]; then
  if [ -z "$ROOT_PASSWORD" ] && [ -z "$ALLOW_EMPTY" ] && [ -z "$RANDOM_ROOT" ]; then
    echo "error: database is uninitialized and password option is not specified" >&2
    echo "  You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD and MARIADB_RANDOM_ROOT_PASSWORD" >&2
    exit 1
  fi
  if [ -n "$RANDOM_ROOT" ]; then
    ROOT_PASSWORD="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
    log "GENERATED ROOT PASSWORD: $ROOT_PASSWORD"
  fi
  log "initialising the data directory $DATADIR"
  mariadb-install-db "${as_user[@]}" --datadir="$DATADIR" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >/dev/null
  log "starting a temporary server (no network)"
  mariadbd "${as_user[@]}" --datadir="$DATADIR" --skip-networking --socket="$SOCKET" "${@:2}" &
  tmp_pid=$!
  alive() { [ -e "/proc/$1" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$1/status" 2>/dev/null; }
  for i in $(seq 1 60); do
    mariadb-admin --no-defaults --socket="$SOCKET" -uroot ping >/dev/null 2>&1 && break
    # Not `kill -0`: the server runs as mysql, and root without CAP_KILL (the chart drops it) may not signal it.
    alive "$tmp_pid" || { echo "error: the temporary server died" >&2; exit 1; }
    sleep 0.5
  done
  HC_PASSWORD="$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  printf '[client]\nuser=healthcheck\npassword=%s\nprotocol=tcp\nhost=127.0.0.1\nport=3306\n' "$HC_PASSWORD" >"$DATADIR/.my-healthcheck.cnf"
  [ "$(id -u)" = 0 ] && chown mysql:mysql "$DATADIR/.my-healthcheck.cnf"; chmod 0600 "$DATADIR/.my-healthcheck.cnf"
  q() { printf '%s' "$1" | sed "s/\\\\/\\\\\\\\/g; s/'/\\\\'/g"; }   # quote for a SQL string
  qi() { printf '%s' "$1" | sed 's/`/``/g'; }                        # quote for an identifier
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "DELETE FROM mysql.global_priv WHERE user NOT IN ('mysql.sys','mariadb.sys','root','PUBLIC') OR (user='root' AND host <> 'localhost');"
    echo "FLUSH PRIVILEGES;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY '$(q "$ROOT_PASSWORD")';"
    if [ "$ROOT_HOST" != localhost ]; then
      echo "CREATE USER 'root'@'$(q "$ROOT_HOST")' IDENTIFIED BY '$(q "$ROOT_PASSWORD")';"
      echo "GRANT ALL ON *.* TO 'root'@'$(q "$ROOT_HOST")' WITH GRANT OPTION;"
    fi
    if [ -n "$DATABASE" ]; then
      echo "CREATE DATABASE IF NOT EXISTS \`$(qi "$DATABASE")\`;"
    fi
    if [ -n "$USER_NAME" ] && [ -n "$USER_PASSWORD" ]; then
      echo "CREATE USER '$(q "$USER_NAME")'@'%' IDENTIFIED BY '$(q "$USER_PASSWORD")';"
      [ -n "$DATABASE" ] && echo "GRANT ALL ON \`$(qi "$DATABASE")\`.* TO '$(q "$USER_NAME")'@'%';"
    fi
    # Like upstream: a healthcheck user that can only connect, its password in the data directory.
    echo "CREATE USER 'healthcheck'@'127.0.0.1' IDENTIFIED BY '$HC_PASSWORD';"
    echo "CREATE USER 'healthcheck'@'localhost' IDENTIFIED BY '$HC_PASSWORD';"
    echo "FLUSH PRIVILEGES;"
  } | mariadb --no-defaults --socket="$SOCKET" -uroot
  rootcli=(mariadb --no-defaults --socket="$SOCKET" -uroot)
  [ -n "$ROOT_PASSWORD" ] && rootcli+=("-p$ROOT_PASSWORD")
  for f in /docker-entrypoint-initdb.d/*; do
    [ -e "$f" ] || continue
    case "$f" in
      *.sh)     log "running $f"; . "$f" ;;
      *.sql)    log "loading $f"; "${rootcli[@]}" ${DATABASE:+"$DATABASE"} <"$f" ;;
      *.sql.gz) log "loading $f"; gunzip -c "$f" | "${rootcli[@]}" ${DATABASE:+"$DATABASE"} ;;
      *)        log "ignoring $f" ;;
    esac
  done
  log "stopping the temporary server"
  # A shutdown through the socket, for the same reason (no signal to a process of another user).
  mariadb-admin --no-defaults --socket="$SOCKET" -uroot ${ROOT_PASSWORD:+"-p$ROOT_PASSWORD"} shutdown
  wait "$tmp_pid" || true
  log "initialisation done"
fi

log "starting mariadbd"
exec "$@" "${as_user[@]}"
