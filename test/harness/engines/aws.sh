#!/usr/bin/env bash
# AWS without AWS: moto's server mode (PyPI `moto[server]`, pinned) in a venv under the cache,
# listening on 127.0.0.1:15000. Any AWS SDK or terraform's AWS provider pointed at the endpoint
# with the dummy credentials below talks to it (S3, RDS, EC2/VPC, EKS, IAM, STS, SSM, ...).
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
MOTO_VERSION=5.2.5
PY="${OMRS_PYTHON:-python3}"
VENV="$CACHE/aws/moto-$MOTO_VERSION"
RUN="$CACHE/aws/run"
PIDFILE="$RUN/moto.pid"
PORT=15000
ENDPOINT="http://127.0.0.1:$PORT"
STATE="$CACHE/state/aws.json"
LOG="$CACHE/logs/moto.log"
SETUP_LOG="$CACHE/logs/aws-setup.log"
mkdir -p "$CACHE/state" "$CACHE/logs" "$RUN"

fail() { echo "aws: $1 (log: ${2:-$SETUP_LOG})" >&2; exit 1; }
# Any HTTP answer from moto's dashboard means it is up. (Not /moto-api/data.json: it fails with
# a 500 once an RDS instance exists, and a restart would wipe the emulator's state.)
answers() {
  local code
  code="$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$ENDPOINT/moto-api/" 2>/dev/null || true)"
  [ -n "$code" ] && [ "$code" != 000 ]
}
# A process that exited but was not reaped (a zombie) is not alive.
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
live_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q moto_server && echo "$pid"
}

install() {
  [ -x "$VENV/bin/moto_server" ] && [ -f "$VENV/.complete" ] && return 0
  echo "    pip install moto[server]==$MOTO_VERSION into $VENV"
  echo "=== $(date -Is) venv + pip install moto[server]==$MOTO_VERSION" >>"$SETUP_LOG"
  rm -rf "$VENV"
  { "$PY" -m venv "$VENV" && "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]==$MOTO_VERSION"; } >>"$SETUP_LOG" 2>&1 \
    || fail "step 'pip install moto[server]==$MOTO_VERSION' failed"
  touch "$VENV/.complete"
}

start() {
  if answers; then return 0; fi
  local pid
  if pid="$(live_pid)"; then
    for _ in $(seq 1 20); do answers && return 0; sleep 0.5; done
    echo "    moto_server (pid $pid) does not answer; restarting it"
    kill "$pid" 2>/dev/null || true; sleep 1; kill -9 "$pid" 2>/dev/null || true
  fi
  echo "    starting moto_server on $ENDPOINT (log: $LOG)"
  echo "=== $(date -Is) starting moto_server" >>"$LOG"
  setsid nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$PORT" >>"$LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
  local deadline=$(( $(date +%s) + 60 ))
  until answers; do
    [ "$(date +%s)" -ge "$deadline" ] && fail "step 'start moto_server': no answer on $ENDPOINT within 60s" "$LOG"
    kill -0 "$(cat "$PIDFILE")" 2>/dev/null || fail "step 'start moto_server': it exited" "$LOG"
    sleep 0.5
  done
}

# One `up`/`stop` at a time per engine (parallel `npm run engines` from two shells or CI jobs).
lock() {
  mkdir -p "$CACHE/locks"
  # fd 9 holds the lock: daemons started below get `9>&-` so they do not keep it.
  exec 9>"$CACHE/locks/aws.lock"
  flock -w 1800 9 || { echo "aws: step 'lock': another 'up' or 'stop' held $CACHE/locks/aws.lock for 30 min" >&2; exit 1; }
}

case "${1:-up}" in
  up)
    lock
    install
    start
    echo "    moto $MOTO_VERSION answers on $ENDPOINT"
    printf '{"endpoint":"%s","region":"us-east-1","accessKeyId":"testing","secretAccessKey":"testing","motoVersion":"%s"}\n' \
      "$ENDPOINT" "$MOTO_VERSION" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    ;;
  status)
    if [ -f "$STATE" ] && answers; then echo "aws: up ($ENDPOINT, moto $MOTO_VERSION)"; exit 0; fi
    echo "aws: down"; exit 1
    ;;
  stop)
    lock
    rm -f "$STATE"
    if pid="$(live_pid)"; then kill "$pid"; for _ in $(seq 1 20); do alive "$pid" || break; sleep 0.5; done; kill -9 "$pid" 2>/dev/null || true; fi
    rm -f "$PIDFILE"
    echo "aws: stopped"
    ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
