#!/usr/bin/env bash
# MariaDB on the host for fast seeding and check tests: Debian's mariadb-server 10.11, its own
# data directory under the cache, listening on 127.0.0.1:13306 (not 3306, which containers
# publish) and on a socket; user omrs/omrs with all privileges; the OpenMRS 2.8 fixture loaded
# once into the template database openmrs_template (reloaded only when the fixture changes).
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
FIXTURES="${OMRS_FIXTURES:?OMRS_FIXTURES is not set (run through test/harness/engines.sh)}"
STATE="$CACHE/state/mariadb.json"
MAJOR=10.11
BASE="$CACHE/mariadb/$MAJOR"
DATA="$BASE/data"
RUN="$BASE/run"
SOCK="$RUN/mariadbd.sock"
PIDFILE="$RUN/mariadbd.pid"
CNF="$BASE/my.cnf"
PORT=13306
TEMPLATE=openmrs_template
LOG="$CACHE/logs/mariadb.log"
SETUP_LOG="$CACHE/logs/mariadb-setup.log"
# shellcheck source=../lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/apt.sh"
mkdir -p "$CACHE/state" "$CACHE/logs"

fail() { echo "mariadb: $1 (log: ${2:-$SETUP_LOG})" >&2; exit 1; }
sql() { mariadb --no-defaults --socket="$SOCK" -uroot --batch --skip-column-names "$@"; }
answers() { [ -S "$SOCK" ] && timeout 10 mariadb-admin --no-defaults --socket="$SOCK" -uroot ping >/dev/null 2>&1; }
# A process that exited but was not reaped (a zombie) is not alive.
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
live_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && alive "$pid" && [ "$(cat "/proc/$pid/comm")" = mariadbd ] && echo "$pid"
}

install() {
  if command -v mariadbd >/dev/null && command -v mariadb >/dev/null && command -v mariadb-install-db >/dev/null; then return 0; fi
  echo "    installing mariadb-server mariadb-client (apt)"
  # Debian's postinst would start a server on 3306: apt_install keeps it from doing so.
  apt_install "$SETUP_LOG" mariadb-server mariadb-client || fail "step 'apt-get install mariadb-server' failed"
}

configure() {
  mkdir -p "$DATA" "$RUN"
  touch "$LOG"
  chown mysql:mysql "$DATA" "$RUN" "$LOG"
  cat >"$CNF.tmp" <<EOF
# Written by test/harness/engines/mariadb.sh
[mariadbd]
user = mysql
datadir = $DATA
socket = $SOCK
pid-file = $PIDFILE
port = $PORT
bind-address = 127.0.0.1
log-error = $LOG
local_infile = 1
skip-name-resolve
character-set-server = utf8mb4
collation-server = utf8mb4_unicode_ci
max_connections = 500
innodb_buffer_pool_size = 256M
# Test data only: trade durability for speed.
innodb_flush_log_at_trx_commit = 2
sync_binlog = 0
EOF
  mv "$CNF.tmp" "$CNF"
  if [ ! -d "$DATA/mysql" ]; then
    echo "    initialising the data directory $DATA"
    mariadb-install-db --defaults-file="$CNF" --auth-root-authentication-method=socket --skip-test-db >>"$SETUP_LOG" 2>&1 \
      || fail "step 'mariadb-install-db' failed"
  fi
}

start() {
  if answers; then return 0; fi
  local pid
  if pid="$(live_pid)"; then
    for _ in $(seq 1 30); do answers && return 0; sleep 1; done
    echo "    mariadbd (pid $pid) does not answer; restarting it"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 30); do alive "$pid" || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDFILE" "$SOCK"   # leftovers of a killed server
  echo "    starting mariadbd on 127.0.0.1:$PORT and $SOCK (log: $LOG)"
  # --pidfile: match only our server; without it, any mariadbd on the machine (one in a
  # container, too) counts as "already running".
  start-stop-daemon --start --background --pidfile "$PIDFILE" --exec /usr/sbin/mariadbd -- --defaults-file="$CNF" >>"$SETUP_LOG" 2>&1 9>&- \
    || fail "step 'start mariadbd' failed"
  local deadline=$(( $(date +%s) + 60 ))
  until answers; do
    [ "$(date +%s)" -ge "$deadline" ] && fail "step 'start mariadbd': no answer within 60s" "$LOG"
    sleep 0.5
  done
}

users() {
  sql <<'EOF' >>"$SETUP_LOG" 2>&1 || fail "step 'create user omrs' failed"
CREATE USER IF NOT EXISTS 'omrs'@'127.0.0.1' IDENTIFIED BY 'omrs';
CREATE USER IF NOT EXISTS 'omrs'@'localhost' IDENTIFIED BY 'omrs';
ALTER USER 'omrs'@'127.0.0.1' IDENTIFIED BY 'omrs';
ALTER USER 'omrs'@'localhost' IDENTIFIED BY 'omrs';
GRANT ALL PRIVILEGES ON *.* TO 'omrs'@'127.0.0.1' WITH GRANT OPTION;
GRANT ALL PRIVILEGES ON *.* TO 'omrs'@'localhost' WITH GRANT OPTION;
FLUSH PRIVILEGES;
EOF
}

template() {
  local schema="$FIXTURES/openmrs-2.8-schema.sql" data="$FIXTURES/openmrs-2.8-core-data.sql"
  [ -r "$schema" ] && [ -r "$data" ] || fail "step 'template': fixture files missing under $FIXTURES"
  local hash expected marker count
  hash="$(cat "$schema" "$data" | sha256sum | cut -c1-16)"
  expected="$(grep -c '^CREATE TABLE `' "$schema")"
  marker="$BASE/template-$hash.loaded"
  count="$(sql -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$TEMPLATE'")"
  if [ -f "$marker" ] && [ "$count" = "$expected" ]; then
    TABLES="$count"; return 0
  fi
  echo "    loading the OpenMRS 2.8 fixture into $TEMPLATE ($expected tables)"
  rm -f "$BASE"/template-*.loaded
  {
    sql -e "DROP DATABASE IF EXISTS \`$TEMPLATE\`; CREATE DATABASE \`$TEMPLATE\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci" &&
    sql "$TEMPLATE" <"$schema" &&
    { echo 'SET autocommit=0;'; cat "$data"; echo 'COMMIT;'; } | sql "$TEMPLATE"
  } >>"$SETUP_LOG" 2>&1 || fail "step 'load the fixture into $TEMPLATE' failed"
  count="$(sql -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$TEMPLATE'")"
  [ "$count" = "$expected" ] || fail "step 'template': $count tables in $TEMPLATE, expected $expected"
  touch "$marker"
  TABLES="$count"
}

verify() {
  local n
  n="$(mariadb --no-defaults -h127.0.0.1 -P"$PORT" -uomrs -pomrs --batch --skip-column-names \
        -e "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema='$TEMPLATE'" 2>>"$SETUP_LOG")" \
    || fail "step 'verify': omrs cannot connect over TCP 127.0.0.1:$PORT"
  [ "$n" = "$TABLES" ] || fail "step 'verify': omrs sees $n tables in $TEMPLATE, expected $TABLES"
  echo "    MariaDB $(sql -e 'SELECT VERSION()') answers on 127.0.0.1:$PORT with $n OpenMRS tables in $TEMPLATE"
}

# One `up`/`stop` at a time per engine (parallel `npm run engines` from two shells or CI jobs).
lock() {
  mkdir -p "$CACHE/locks"
  # fd 9 holds the lock: daemons started below get `9>&-` so they do not keep it.
  exec 9>"$CACHE/locks/mariadb.lock"
  flock -w 1800 9 || { echo "mariadb: step 'lock': another 'up' or 'stop' held $CACHE/locks/mariadb.lock for 30 min" >&2; exit 1; }
}

case "${1:-up}" in
  up)
    lock
    install
    configure
    start
    users
    template
    verify
    printf '{"host":"127.0.0.1","port":%d,"user":"omrs","password":"omrs","socketPath":"%s","templateDatabase":"%s","templateTables":%d}\n' \
      "$PORT" "$SOCK" "$TEMPLATE" "$TABLES" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    ;;
  status)
    if [ -f "$STATE" ] && answers; then echo "mariadb: up (127.0.0.1:$PORT, $SOCK)"; exit 0; fi
    echo "mariadb: down"; exit 1
    ;;
  stop)
    lock
    rm -f "$STATE"
    if pid="$(live_pid)"; then
      kill "$pid"
      for _ in $(seq 1 60); do alive "$pid" || break; sleep 0.5; done
      if alive "$pid"; then kill -9 "$pid"; fi
    fi
    echo "mariadb: stopped"
    ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
