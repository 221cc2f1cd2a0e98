#!/usr/bin/env bash
# Offline scanners for rendered manifests and terraform:
#   kube-score  go install github.com/zegl/kube-score/cmd/kube-score@KUBE_SCORE_VERSION (Go module proxy)
#   checkov     pip install checkov==CHECKOV_VERSION in its own venv (PyPI)
#   tfsec       only with OMRS_SCANNERS_TFSEC=1: go install github.com/aquasecurity/tfsec/cmd/tfsec@TFSEC_VERSION
#               (the last version the proxy serves; 3-5 min to build on 2 cores, and checkov scans
#               terraform too, so it is not built by default)
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
# go may be installed without being on PATH (e.g. /usr/local/go from the official tarball).
[ -x /usr/local/go/bin/go ] && case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) export PATH="$PATH:/usr/local/go/bin" ;; esac
mkdir -p "$CACHE/state" "$CACHE/logs" "$DIR"

fail() { echo "scanners: $1 (log: $LOG)" >&2; exit 1; }
step() { echo "=== $(date -Is) $*" >>"$LOG"; }

# go_tool NAME PACKAGE VERSION: prints the binary path.
go_tool() {
  local name="$1" pkg="$2" version="$3" bin
  bin="$DIR/$name-$version/bin/$name"
  if [ ! -x "$bin" ]; then
    command -v go >/dev/null || fail "step '$name': go is not on PATH"
    echo "    go install $pkg@$version" >&2
    step "go install $pkg@$version"
    local t0; t0=$(date +%s)
    GOBIN="$DIR/$name-$version/bin" CGO_ENABLED=0 GOFLAGS=-buildvcs=false go install -trimpath -ldflags='-s -w' "$pkg@$version" >>"$LOG" 2>&1 \
      || fail "step 'go install $pkg@$version' failed"
    echo "    $name built in $(( $(date +%s) - t0 ))s" >&2
  fi
  echo "$bin"
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
    printf '{"kubeScore":"%s","checkov":"%s"%s}\n' "$ks" "$ck" "$tfjson" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    ;;
  status)
    if [ -f "$STATE" ] && [ -x "$DIR/kube-score-$KUBE_SCORE_VERSION/bin/kube-score" ] && [ -f "$DIR/checkov-$CHECKOV_VERSION/.complete" ]; then
      echo "scanners: up (kube-score $KUBE_SCORE_VERSION, checkov $CHECKOV_VERSION$(grep -q tfsec "$STATE" && echo ", tfsec $TFSEC_VERSION"))"; exit 0
    fi
    echo "scanners: down"; exit 1
    ;;
  stop) rm -f "$STATE"; echo "scanners: state removed (tools kept)" ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
