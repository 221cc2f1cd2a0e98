#!/usr/bin/env bash
# Small command-line tools the tests and engines drive: tmux (the Ink UI checked in a real terminal),
# Debian's docker-compose v1 (checks that `omrs compose export` writes a file compose accepts), jq
# (the kind engine edits OCI specs and image manifests with it) and openssl (a kind test makes the
# certificate an Ingress serves).
set -euo pipefail
STATE="$OMRS_HARNESS_CACHE/state/tools.json"
LOG="$OMRS_HARNESS_CACHE/logs/tools.log"
# shellcheck source=../lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/apt.sh"
PACKAGES=(tmux docker-compose jq openssl)

missing() { for p in "${PACKAGES[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || echo "$p"; done; }

case "${1:-up}" in
  up)
    need=($(missing))
    if [ ${#need[@]} -gt 0 ]; then
      echo "    installing ${need[*]} (log: $LOG)"
      apt_install "$LOG" "${need[@]}" || { echo "tools: apt-get install ${need[*]} failed; see $LOG" >&2; exit 1; }
    fi
    printf '{"tmux":"%s","dockerCompose":"%s"}\n' "$(command -v tmux)" "$(command -v docker-compose)" >"$STATE"
    ;;
  status)
    need=($(missing)); [ ${#need[@]} -eq 0 ] && echo "tools: ${PACKAGES[*]} installed" || { echo "tools: missing ${need[*]}"; exit 1; } ;;
  stop) rm -f "$STATE" ;;
esac
