#!/usr/bin/env bash
# Docker Compose v5 for the tests that run the exported compose files (`omrs compose export`) with
# compose itself: built from the Go module proxy (github.com/docker/compose/v5) into the cache, keyed
# by version. v5 talks to the harness engine (Docker 20.10, API 1.41): its client negotiates the API
# version down. Debian's docker-compose (v1 1.29, test/harness/engines/tools.sh) stays for
# `docker-compose config` checks. The binary also works as a docker CLI plugin.
set -euo pipefail
case ":$PATH:" in *:/usr/local/bin:*) ;; *) export PATH="$PATH:/usr/local/bin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
COMPOSE_VERSION=v5.6.0
BIN="$CACHE/compose/$COMPOSE_VERSION/docker-compose"
STATE="$CACHE/state/compose.json"
LOG="$CACHE/logs/compose.log"
mkdir -p "$CACHE/state" "$CACHE/logs"

fail() { echo "compose: $1 (log: $LOG)" >&2; exit 1; }
# shellcheck source=../lib/go.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/go.sh"

build() {
  [ -x "$BIN" ] && return 0
  echo "    building Docker Compose $COMPOSE_VERSION from the Go module proxy (about 10 min cold on 2 cores; log: $LOG)" >&2
  local t0=$SECONDS
  go_build_module github.com/docker/compose/v5 "$COMPOSE_VERSION" ./cmd "$BIN" \
    "-s -w -X github.com/docker/compose/v5/internal.Version=$COMPOSE_VERSION" "$LOG"
  echo "    Docker Compose built in $(( SECONDS - t0 ))s" >&2
}

case "${1:-up}" in
  up)
    build
    version="$("$BIN" version --short 2>>"$LOG" || true)"
    [ -n "$version" ] || fail "step 'verify': $BIN version printed nothing"
    # It must reach the engine: `ls` lists the compose projects through the Docker API.
    "$BIN" ls >>"$LOG" 2>&1 || fail "step 'verify': $BIN ls cannot reach the Docker engine"
    echo "    docker compose $version at $BIN"
    printf '{"compose":"%s","version":"%s"}\n' "$BIN" "$version" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    ;;
  status)
    if [ -f "$STATE" ] && bin="$(sed -n 's/.*"compose":"\([^"]*\)".*/\1/p' "$STATE")" && [ -x "$bin" ]; then
      echo "compose: $bin ($("$bin" version --short 2>/dev/null || echo '?'))"; exit 0
    fi
    echo "compose: not set up"; exit 1
    ;;
  stop) rm -f "$STATE" ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
