#!/usr/bin/env bash
# Offline scanners for rendered manifests and terraform:
#   kube-score  go install github.com/zegl/kube-score/cmd/kube-score@KUBE_SCORE_VERSION (Go module proxy)
#   checkov     pip install checkov==CHECKOV_VERSION in its own venv (PyPI)
#   tfsec       only with OMRS_SCANNERS_TFSEC=1: go install github.com/aquasecurity/tfsec/cmd/tfsec@TFSEC_VERSION
#               (the last version the proxy serves; 3-5 min to build on 2 cores, and checkov scans
#               terraform too, so it is not built by default)
#   grafana-check  our own Go program (test/harness/tools/grafana-check) on the Grafana Foundation
#               SDK (Apache-2.0, Go module proxy): Grafana's generated dashboard types, strictly
#               decoded; Grafana itself is under the AGPL and not built here
# Polaris is not installed: the Go module proxy refuses github.com/fairwindsops/polaris (403).
# Each tool is cached under $OMRS_HARNESS_CACHE/scanners/<tool>-<version>/ and checked with --version.
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
STATE="$CACHE/state/scanners.json"
LOG="$CACHE/logs/scanners.log"
DIR="$CACHE/scanners"
PY="${OMRS_PYTHON:-python3}"
KUBE_SCORE_VERSION=v1.20.0
CHECKOV_VERSION=3.3.30
TFSEC_VERSION=v1.26.0
GRAFANA_CHECK_SRC="$(cd "$(dirname "${BASH_SOURCE[0]}")/../tools/grafana-check" && pwd)"
# shellcheck source=../lib/go.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/go.sh"
mkdir -p "$CACHE/state" "$CACHE/logs" "$DIR"

fail() { echo "scanners: $1 (log: $LOG)" >&2; exit 1; }
step() { echo "=== $(date -Is) $*" >>"$LOG"; }

# built_go BIN WHAT CMD...: unless BIN exists, runs CMD (which writes BIN), logged and timed as WHAT;
# prints BIN.
built_go() {
  local bin="$1" what="$2"; shift 2
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || fail "step '$what': go is not on PATH"
    echo "    $what" >&2
    step "$what"
    local t0; t0=$(date +%s)
    mkdir -p "$(dirname "$bin")"
    "$@" >>"$LOG" 2>&1 || fail "step '$what' failed"
    echo "    $(basename "$bin") built in $(( $(date +%s) - t0 ))s" >&2
  fi
  echo "$bin"
}

# go_tool NAME PACKAGE VERSION: prints the binary path.
go_tool() {
  local name="$1" pkg="$2" version="$3"
  built_go "$DIR/$name-$version/bin/$name" "go install $pkg@$version" \
    env GOBIN="$DIR/$name-$version/bin" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -trimpath -ldflags='-s -w' "$pkg@$version"
}

checkov_tool() {
  local venv="$DIR/checkov-$CHECKOV_VERSION"
  if [ ! -f "$venv/.complete" ]; then
    echo "    pip install checkov==$CHECKOV_VERSION into $venv" >&2
    step "venv + pip install checkov==$CHECKOV_VERSION"
    local t0; t0=$(date +%s)
    rm -rf "$venv"
    { "$PY" -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check "checkov==$CHECKOV_VERSION"; } >>"$LOG" 2>&1 \
      || fail "step 'pip install checkov==$CHECKOV_VERSION' failed"
    touch "$venv/.complete"
    echo "    checkov installed in $(( $(date +%s) - t0 ))s" >&2
  fi
  echo "$venv/bin/checkov"
}

# The binary of grafana-check's current sources (cached by their hash).
grafana_check_bin() {
  local hash
  hash="$(cd "$GRAFANA_CHECK_SRC" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)"
  echo "$DIR/grafana-check-$hash/bin/grafana-check"
}

# grafana_check_tool: builds grafana-check if needed; prints the binary's path.
grafana_check_tool() {
  local bin
  bin="$(grafana_check_bin)"
  built_go "$bin" "go build grafana-check (Grafana Foundation SDK)" build_grafana_check "$bin"
}

build_grafana_check() {
  ( go_env && cd "$GRAFANA_CHECK_SRC" && GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags='-s -w' -o "$1.tmp" . ) &&
    mv "$1.tmp" "$1"
}

# One `up`/`stop` at a time per engine (parallel `npm run engines` from two shells or CI jobs).
lock() {
  mkdir -p "$CACHE/locks"
  exec 9>"$CACHE/locks/scanners.lock"
  flock -w 1800 9 || { echo "scanners: step 'lock': another 'up' or 'stop' held $CACHE/locks/scanners.lock for 30 min" >&2; exit 1; }
}

case "${1:-up}" in
  up)
    lock
    ks="$(go_tool kube-score github.com/zegl/kube-score/cmd/kube-score "$KUBE_SCORE_VERSION")"
    ck="$(checkov_tool)"
    gc="$(grafana_check_tool)"
    "$ks" version >>"$LOG" 2>&1 || fail "step 'verify': $ks version failed"
    cv="$("$ck" --version 2>>"$LOG")" || fail "step 'verify': $ck --version failed"
    tfjson=
    if [ "${OMRS_SCANNERS_TFSEC:-0}" = 1 ]; then
      tf="$(go_tool tfsec github.com/aquasecurity/tfsec/cmd/tfsec "$TFSEC_VERSION")"
      "$tf" --version >>"$LOG" 2>&1 || fail "step 'verify': $tf --version failed"
      tfjson=",\"tfsec\":\"$tf\""
      echo "    kube-score $KUBE_SCORE_VERSION, checkov $cv, tfsec $TFSEC_VERSION (polaris: not available from the Go module proxy)"
    else
      echo "    kube-score $KUBE_SCORE_VERSION, checkov $cv (tfsec skipped: OMRS_SCANNERS_TFSEC=1 builds it; polaris: not on the Go module proxy)"
    fi
    printf '{"kubeScore":"%s","checkov":"%s","grafanaCheck":"%s"%s}\n' "$ks" "$ck" "$gc" "$tfjson" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    ;;
  status)
    gc="$(grafana_check_bin)"
    if [ -f "$STATE" ] && [ -x "$DIR/kube-score-$KUBE_SCORE_VERSION/bin/kube-score" ] && [ -f "$DIR/checkov-$CHECKOV_VERSION/.complete" ] && [ -x "$gc" ] && grep -q "\"grafanaCheck\":\"$gc\"" "$STATE"; then
      echo "scanners: up (kube-score $KUBE_SCORE_VERSION, checkov $CHECKOV_VERSION, grafana-check$(grep -q tfsec "$STATE" && echo ", tfsec $TFSEC_VERSION"))"; exit 0
    fi
    echo "scanners: down"; exit 1
    ;;
  stop) rm -f "$STATE"; echo "scanners: state removed (tools kept)" ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
