#!/usr/bin/env bash
# One entry point for every engine the tests use: `npm run engines [-- up|status|stop] [names...]`.
# Each engine lives in test/harness/engines/<name>.sh and answers up|status|stop; `up` is
# idempotent, caches what it builds under $OMRS_HARNESS_CACHE and writes
# $OMRS_HARNESS_CACHE/state/<name>.json with its connection details for test/helpers/engines.ts.
set -euo pipefail
# All in one function, run on the last line: bash reads a script as it runs, so an edit to this
# file during a long `up` (a git pull, an editor) would otherwise run half-old, half-new lines.
main() {
local HERE; HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The folder of engine scripts; a test of this runner points it at scripts of its own.
ENGINES="${OMRS_ENGINES_DIR:-$HERE/engines}"
export OMRS_HARNESS_CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
export OMRS_PROJECT_ROOT="$(cd "$HERE/../.." && pwd)"
export OMRS_FIXTURES="${OMRS_FIXTURES:-$(cd "$OMRS_PROJECT_ROOT/.." && pwd)/shared/fixtures/openmrs}"
ALL=(tools docker compose images mariadb helm aws scanners terraform registry kube kind)

action="${1:-up}"
case "$action" in up|status|stop) shift || true ;; *) action=up ;; esac
names=("$@"); [ ${#names[@]} -eq 0 ] && names=("${ALL[@]}")
[ "$action" = stop ] && names=($(printf '%s\n' "${names[@]}" | tac))

mkdir -p "$OMRS_HARNESS_CACHE/state" "$OMRS_HARNESS_CACHE/logs"
failed=()

# The Kubernetes build is the long pole of a cold run (Go, CPU-bound) while the other engines
# mostly wait on downloads: build it in the background meanwhile. It is a no-op when cached.
kube_build_pid=""
if [ "$action" = up ] && printf '%s\n' "${names[@]}" | grep -qx kube && [ ${#names[@]} -gt 1 ]; then
  "$ENGINES/kube.sh" build >"$OMRS_HARNESS_CACHE/logs/kube-background-build.log" 2>&1 &
  kube_build_pid=$!
fi

for name in "${names[@]}"; do
  if [ "$name" = kube ] && [ -n "$kube_build_pid" ]; then
    wait "$kube_build_pid" || echo "engines: background kube build failed; retrying in the foreground (log: $OMRS_HARNESS_CACHE/logs/kube-background-build.log)" >&2
  fi
  script="$ENGINES/$name.sh"
  if [ ! -x "$script" ]; then echo "engines: unknown engine '$name' (known: ${ALL[*]})" >&2; exit 2; fi
  start=$(date +%s)
  if [ "$action" = up ]; then echo "==> $name"; fi
  if ! "$script" "$action"; then
    failed+=("$name")
    if [ "$action" = up ]; then
      echo "engines: $name failed; its log is under $OMRS_HARNESS_CACHE/logs/" >&2
      # CI keeps only this output: show the end of each log the engine wrote during this run.
      find "$OMRS_HARNESS_CACHE/logs" -maxdepth 1 -name "$name*.log" -newermt "@$start" 2>/dev/null | while read -r log; do
        echo "engines: the end of $log:" >&2
        tail -n 20 "$log" | sed 's/^/      /' >&2
      done
    fi
  elif [ "$action" = up ] && ! status_out="$("$script" status 2>&1)"; then
    # An `up` that exits 0 is not proof: a script can end early (an `exit` in a redirected group
    # once ended mariadb.sh right after its install). Only the engine's own status says it is up.
    failed+=("$name")
    echo "engines: $name reported success but its status says it is not up: ${status_out//$'\n'/ }" >&2
    echo "engines: $name: see its logs under $OMRS_HARNESS_CACHE/logs/ ($(cd "$OMRS_HARNESS_CACHE/logs" && ls -1 "$name"*.log 2>/dev/null | tr '\n' ' '))" >&2
  fi
  if [ "$action" = up ]; then echo "    $name: $(( $(date +%s) - start ))s"; fi
done
if [ ${#failed[@]} -gt 0 ]; then echo "engines: not ready: ${failed[*]}" >&2; exit 1; fi
[ "$action" = up ] && echo "engines: all up: ${names[*]}"
exit 0
}
main "$@"
