#!/usr/bin/env bash
# A real container registry on 127.0.0.1: the CNCF Distribution registry (the `registry` image's
# binary), built from the Go module proxy at a pinned version and cached under
# $OMRS_HARNESS_CACHE/registry/<version>/, plain HTTP on 127.0.0.1:15005 (docker treats
# 127.0.0.0/8 as an insecure registry by default, so the harness dockerd pushes and pulls to it
# without TLS), filesystem storage under the cache, deletes enabled, no authentication.
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
# go may be installed without being on PATH (e.g. /usr/local/go from the official tarball).
[ -x /usr/local/go/bin/go ] && case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) export PATH="$PATH:/usr/local/go/bin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
MODULE=github.com/distribution/distribution/v3
VERSION=v3.1.2
# The module's go.sum hash (h1:), checked after download: sum.golang.org is not reachable from
# these machines, so GOSUMDB is off and this pin is what verifies the module itself (its own
# go.sum verifies its dependencies).
MODULE_SUM='h1:/Bv2YIqqSR00HiO49FT93hovy6r9IlrzwUDsJjCN5qg='
PORT="${OMRS_REGISTRY_PORT:-15005}"
ADDRESS="127.0.0.1:$PORT"
DIR="$CACHE/registry/$VERSION"
BIN="$DIR/bin/registry"
CONFIG="$DIR/config.yml"
STORAGE="$CACHE/registry/storage"
RUN="$CACHE/registry/run"
PIDFILE="$RUN/registry.pid"
STATE="$CACHE/state/registry.json"
LOG="$CACHE/logs/registry.log"
SETUP_LOG="$CACHE/logs/registry-setup.log"
mkdir -p "$CACHE/state" "$CACHE/logs" "$RUN" "$STORAGE"

fail() { echo "registry: $1 (log: ${2:-$SETUP_LOG})" >&2; tail -n 5 "${2:-$SETUP_LOG}" 2>/dev/null | sed 's/^/    | /' >&2; exit 1; }
step() { echo "=== $(date -Is) $*" >>"$SETUP_LOG"; }
# The registry answers GET /v2/ with 200 and this header when it is up (and anonymous).
answers() {
  curl -fsS -o /dev/null -m 5 -D - "http://$ADDRESS/v2/" 2>/dev/null | grep -qi '^docker-distribution-api-version: registry/2.0'
}
# A process that exited but was not reaped (a zombie) is not alive.
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
live_pid() {
  [ -f "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && alive "$pid" && tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "registry serve $CONFIG" && echo "$pid"
}

go_env() {
  # The same module and build caches as the other Go builds of the harness (kube.sh).
  export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOPATH="$CACHE/go/path"
  export CGO_ENABLED=0 GOFLAGS="-buildvcs=false" GOTOOLCHAIN="${GOTOOLCHAIN:-local}" GOSUMDB="${GOSUMDB:-off}"
}

build() {
  if [ -x "$BIN" ] && "$BIN" --version >/dev/null 2>&1; then return 0; fi
  command -v go >/dev/null || fail "step 'build': go is not on PATH (needed to build the registry)"
  go_env
  local t0=$SECONDS sum tmp="$DIR/.build.$$" ld pkg="$MODULE/cmd/registry"
  echo "    building $pkg@$VERSION into $DIR/bin (log: $SETUP_LOG)"
  step "go mod download $MODULE@$VERSION"
  sum="$(go mod download -json "$MODULE@$VERSION" 2>>"$SETUP_LOG" | sed -n 's/^\t"Sum": "\(.*\)",$/\1/p')" \
    || fail "step 'go mod download $MODULE@$VERSION' failed"
  [ "$sum" = "$MODULE_SUM" ] || fail "step 'verify $MODULE@$VERSION': module hash '$sum', expected $MODULE_SUM"
  ld="-s -w -X $MODULE/version.version=$VERSION -X $MODULE/version.mainpkg=$MODULE"
  rm -rf "$DIR"/.build.*; mkdir -p "$tmp/bin"
  step "go install $pkg@$VERSION"
  local TIMEV=""; [ -x /usr/bin/time ] && TIMEV="/usr/bin/time -v"   # peak memory into the log
  if ! GOBIN="$tmp/bin" $TIMEV go install -p 2 -trimpath -ldflags "$ld" "$pkg@$VERSION" >"$tmp/install.log" 2>&1; then
    cat "$tmp/install.log" >>"$SETUP_LOG"
    # `go install pkg@version` refuses a module whose go.mod has replace directives: build it as
    # the main module from a copy of the module cache's (read-only) tree instead.
    grep -q 'replace directives' "$tmp/install.log" || fail "step 'go install $pkg@$VERSION' failed"
    step "go build in a copy of $MODULE@$VERSION (the module has replace directives)"
    cp -r "$GOMODCACHE/$MODULE@$VERSION" "$tmp/src" && chmod -R u+w "$tmp/src"
    (cd "$tmp/src" && $TIMEV go build -p 2 -trimpath -ldflags "$ld" -o "$tmp/bin/registry" ./cmd/registry) >>"$SETUP_LOG" 2>&1 \
      || fail "step 'go build ./cmd/registry of $MODULE@$VERSION' failed"
  else
    cat "$tmp/install.log" >>"$SETUP_LOG"
  fi
  "$tmp/bin/registry" --version >>"$SETUP_LOG" 2>&1 || fail "step 'verify': the built registry does not run"
  mkdir -p "$DIR/bin" && mv "$tmp/bin/registry" "$BIN" && rm -rf "$tmp"
  echo "    registry $VERSION built in $(( SECONDS - t0 ))s"
}

configure() {
  cat >"$CONFIG.tmp" <<EOF
# Written by test/harness/engines/registry.sh
version: 0.1
log:
  level: info
  formatter: text
storage:
  filesystem:
    rootdirectory: $STORAGE
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: true
      age: 24h
      interval: 1h
      dryrun: false
http:
  addr: $ADDRESS
  headers:
    X-Content-Type-Options: [nosniff]
catalog:
  maxentries: 10000
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
EOF
  if cmp -s "$CONFIG.tmp" "$CONFIG"; then rm -f "$CONFIG.tmp"; return 0; fi
  mv "$CONFIG.tmp" "$CONFIG"
  # A running registry reads its configuration only at start.
  local pid
  if pid="$(live_pid)"; then echo "    configuration changed: restarting the registry"; halt "$pid"; fi
}

halt() {
  kill "$1" 2>/dev/null || true
  for _ in $(seq 1 20); do alive "$1" || break; sleep 0.25; done
  kill -9 "$1" 2>/dev/null || true
  rm -f "$PIDFILE"
}

start() {
  if answers && live_pid >/dev/null; then return 0; fi
  local pid
  if pid="$(live_pid)"; then
    for _ in $(seq 1 20); do answers && return 0; sleep 0.5; done
    echo "    registry (pid $pid) does not answer; restarting it"
    halt "$pid"
  fi
  if answers; then fail "step 'start': something else answers on $ADDRESS (not our registry; see ss -ltnp)"; fi
  # Nothing runs on the storage now: collect the blobs of deleted manifests and repositories.
  if [ -d "$STORAGE/docker/registry/v2/repositories" ]; then
    step "garbage-collect --delete-untagged"
    OTEL_TRACES_EXPORTER=none "$BIN" garbage-collect --delete-untagged --quiet "$CONFIG" >>"$SETUP_LOG" 2>&1 \
      || echo "    (garbage-collect failed; starting anyway, see $SETUP_LOG)"
  fi
  echo "    starting registry $VERSION on $ADDRESS (log: $LOG)"
  echo "=== $(date -Is) starting registry $VERSION" >>"$LOG"
  # OTEL_TRACES_EXPORTER=none: no OTLP exporter (it would try localhost:4318 for every request).
  OTEL_TRACES_EXPORTER=none setsid nohup "$BIN" serve "$CONFIG" >>"$LOG" 2>&1 </dev/null 9>&- &
  echo $! >"$PIDFILE"
  local deadline=$(( $(date +%s) + 30 ))
  until answers; do
    [ "$(date +%s)" -ge "$deadline" ] && fail "step 'start registry': no answer on http://$ADDRESS/v2/ within 30s" "$LOG"
    alive "$(cat "$PIDFILE")" || fail "step 'start registry': it exited" "$LOG"
    sleep 0.2
  done
}

# One `up`/`stop` at a time per engine (parallel `npm run engines` from two shells or CI jobs).
lock() {
  mkdir -p "$CACHE/locks"
  # fd 9 holds the lock: daemons started below get `9>&-` so they do not keep it.
  exec 9>"$CACHE/locks/registry.lock"
  flock -w 1800 9 || { echo "registry: step 'lock': another 'up' or 'stop' held $CACHE/locks/registry.lock for 30 min" >&2; exit 1; }
}

case "${1:-up}" in
  up)
    lock
    build
    configure
    start
    echo "    registry $VERSION answers on http://$ADDRESS/v2/"
    printf '{"address":"%s","url":"http://%s","version":"%s","storage":"%s"}\n' \
      "$ADDRESS" "$ADDRESS" "$VERSION" "$STORAGE" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    ;;
  status)
    if [ -f "$STATE" ] && answers && live_pid >/dev/null; then echo "registry: up (http://$ADDRESS, distribution $VERSION)"; exit 0; fi
    echo "registry: down"; exit 1
    ;;
  stop)
    lock
    rm -f "$STATE"
    if pid="$(live_pid)"; then halt "$pid"; fi
    rm -f "$PIDFILE"
    echo "registry: stopped (storage kept in $STORAGE)"
    ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
