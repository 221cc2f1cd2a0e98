# Sourced by the engine scripts that install Debian packages.
#
# apt_install LOG PACKAGE...
# On a machine that has just booted, apt-daily, unattended-upgrades or PackageKit may hold dpkg's
# lock; apt-get gives up at once by default. Wait for the lock instead (10 min), retry a failed
# `apt-get update` (a mirror mid-sync answers with mismatched hashes), and keep services that
# packages start on install (mariadb on 3306, docker) from starting: the engines start their own.
# Output goes to LOG; on failure its last lines are printed, so CI shows why.
apt_install() {
  local log="$1"; shift
  local lock=(-o DPkg::Lock::Timeout=600)
  local policy=/usr/sbin/policy-rc.d added="" rc=0 try
  echo "=== $(date -Is) apt-get install $*" >>"$log"
  if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; added=1; fi
  for try in 1 2 3; do
    rc=0
    apt-get "${lock[@]}" update >>"$log" 2>&1 &&
      DEBIAN_FRONTEND=noninteractive apt-get "${lock[@]}" install -y --no-install-recommends "$@" >>"$log" 2>&1 || rc=$?
    [ "$rc" = 0 ] && break
    echo "=== apt-get failed (exit $rc, try $try of 3)" >>"$log"
    # An install cut short leaves dpkg half-configured; the next try needs it finished.
    DEBIAN_FRONTEND=noninteractive dpkg --configure -a >>"$log" 2>&1 || true
    sleep $((try * 10))
  done
  [ -n "$added" ] && rm -f "$policy"
  if [ "$rc" != 0 ]; then
    echo "    apt-get install $* failed (exit $rc); the end of $log:" >&2
    tail -n 15 "$log" | sed 's/^/      /' >&2
  fi
  return "$rc"
}
