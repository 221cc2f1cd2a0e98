#!/usr/bin/env bash
# terraform for the tests (`terraform fmt`, the S3 state backend against the AWS emulator, promote):
# the terraform on PATH when there is one, else OpenTofu (same CLI, MPL) built from the Go module
# proxy into the cache. HashiCorp's terraform cannot be built from the proxy: its module zip lacks
# the nested modules its go.mod replaces. OMRS_HARNESS_OPENTOFU=1 uses OpenTofu even when terraform
# is installed (to test that path). Providers are not here: none can be downloaded (see terraform/README.md).
set -euo pipefail
case ":$PATH:" in *:/usr/local/bin:*) ;; *) export PATH="$PATH:/usr/local/bin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
TOFU_VERSION=v1.10.6
TOFU="$CACHE/terraform/opentofu-$TOFU_VERSION/tofu"
STATE="$CACHE/state/terraform.json"
LOG="$CACHE/logs/terraform.log"
mkdir -p "$CACHE/state" "$CACHE/logs"

fail() { echo "terraform: $1 (log: $LOG)" >&2; exit 1; }
# shellcheck source=../lib/go.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/go.sh"

build_tofu() {
  [ -x "$TOFU" ] && return 0
  echo "    building OpenTofu $TOFU_VERSION from the Go module proxy (a few minutes; log: $LOG)" >&2
  local t0=$SECONDS
  go_build_module github.com/opentofu/opentofu "$TOFU_VERSION" ./cmd/tofu "$TOFU" \
    "-s -w -X github.com/opentofu/opentofu/version.dev=no" "$LOG"
  echo "    OpenTofu built in $(( SECONDS - t0 ))s" >&2
}

find_terraform() {
  if [ "${OMRS_HARNESS_OPENTOFU:-}" = 1 ]; then build_tofu; echo "$TOFU"; return; fi
  if [ -n "${OMRS_TERRAFORM:-}" ] && [ -x "$OMRS_TERRAFORM" ]; then echo "$OMRS_TERRAFORM"; return; fi
  if command -v terraform >/dev/null; then command -v terraform; return; fi
  build_tofu
  echo "$TOFU"
}

case "${1:-up}" in
  up)
    [ -x /usr/bin/time ] && TIMEV="/usr/bin/time -v"
    bin="$(find_terraform)"
    version="$(CHECKPOINT_DISABLE=1 "$bin" version -json 2>>"$LOG" | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n 1 || true)"
    [ -n "$version" ] || fail "step 'verify': $bin version -json printed no version"
    flavour=terraform; [ "$(basename "$bin")" = tofu ] && flavour=opentofu
    echo "    $flavour $version at $bin"
    printf '{"terraform":"%s","flavour":"%s","version":"%s"}\n' "$bin" "$flavour" "$version" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    ;;
  status)
    if [ -f "$STATE" ] && bin="$(sed -n 's/.*"terraform":"\([^"]*\)".*/\1/p' "$STATE")" && [ -x "$bin" ]; then
      echo "terraform: $bin"; exit 0
    fi
    echo "terraform: not set up"; exit 1
    ;;
  stop) rm -f "$STATE" ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
