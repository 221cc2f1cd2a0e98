#!/usr/bin/env bash
# terraform for the tests (`terraform fmt`, the S3 state backend against the AWS emulator, promote):
# the terraform on PATH when there is one, else OpenTofu (same CLI, MPL) built from the Go module
# proxy into the cache. HashiCorp's terraform cannot be built from the proxy: its module zip lacks
# the nested modules its go.mod replaces. OMRS_HARNESS_OPENTOFU=1 uses OpenTofu even when terraform
# is installed (to test that path). Providers are not here: none can be downloaded (see terraform/README.md).
set -euo pipefail
case ":$PATH:" in *:/usr/local/bin:*) ;; *) export PATH="$PATH:/usr/local/bin" ;; esac
[ -x /usr/local/go/bin/go ] && case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) export PATH="$PATH:/usr/local/go/bin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
TOFU_VERSION=v1.10.6
TOFU="$CACHE/terraform/opentofu-$TOFU_VERSION/tofu"
STATE="$CACHE/state/terraform.json"
LOG="$CACHE/logs/terraform.log"
mkdir -p "$CACHE/state" "$CACHE/logs"

fail() { echo "terraform: $1 (log: $LOG)" >&2; exit 1; }

build_tofu() {
  [ -x "$TOFU" ] && return 0
  command -v go >/dev/null || fail "step 'build OpenTofu': go is not on PATH"
  echo "    building OpenTofu $TOFU_VERSION from the Go module proxy (a few minutes; log: $LOG)" >&2
  local t0=$SECONDS src out="$TOFU.tmp.$$"
  export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOPATH="$CACHE/go/path"
  export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod" GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  # A subshell: its `exit` and its EXIT trap must not end or outlive this script.
  (
    echo "=== $(date -Is) OpenTofu $TOFU_VERSION"
    # Its go.mod has a replace directive, which `go install pkg@version` refuses: build the
    # downloaded module as the main module instead.
    src="$(go mod download -json "github.com/opentofu/opentofu@$TOFU_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    [ -n "$src" ] || exit 1
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    cp -r "$src/." "$work" && chmod -R u+w "$work"
    mkdir -p "$(dirname "$TOFU")"
    (cd "$work" && ${TIMEV:-} go build -p 2 -trimpath \
      -ldflags "-s -w -X github.com/opentofu/opentofu/version.dev=no" -o "$out" ./cmd/tofu)
  ) >>"$LOG" 2>&1 || { rm -f "$out"; fail "step 'build OpenTofu $TOFU_VERSION' failed"; }
  mv "$out" "$TOFU"
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
