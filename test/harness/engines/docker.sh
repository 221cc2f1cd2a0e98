#!/usr/bin/env bash
# Docker engine for the tests: Debian's docker.io (engine 20.10, API 1.41) with dockerd started
# in the background (no systemd). `up` installs it if missing, starts dockerd unless it answers,
# recovers from a dead dockerd (kill -9: stale pid file, stale socket, a containerd that no longer
# serves) and writes state/docker.json.
# OMRS_DOCKERD_ROOT=<dir> runs a second, isolated dockerd under <dir> instead (socket, pid file,
# exec and data roots, its own bridge, no iptables, no state file): the harness's own tests use it to
# exercise crash recovery without touching the engine the other tests use.
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
STATE="$CACHE/state/docker.json"
LOG="$CACHE/logs/dockerd.log"
SETUP_LOG="$CACHE/logs/docker-setup.log"
# shellcheck source=../lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/apt.sh"
SOCK=/var/run/docker.sock
PIDFILE=/var/run/docker.pid
EXEC_ROOT=/var/run/docker
LOCKFILE="$CACHE/locks/docker.lock"
INSTANCE_ARGS=()
if [ -n "${OMRS_DOCKERD_ROOT:-}" ]; then
  ROOT="$OMRS_DOCKERD_ROOT"
  mkdir -p "$ROOT"
  SOCK="$ROOT/docker.sock" PIDFILE="$ROOT/docker.pid" EXEC_ROOT="$ROOT/exec"
  STATE="$ROOT/state.json" LOG="$ROOT/dockerd.log" LOCKFILE="$ROOT/lock"
  # Its own bridge: with --bridge=none dockerd deletes docker0, the main engine's bridge.
  BRIDGE="odk-$(basename "$ROOT" | tr -cd '[:alnum:]' | tail -c 8)"
  INSTANCE_ARGS=(--exec-root="$EXEC_ROOT" --data-root="$ROOT/data" --bridge="$BRIDGE" --iptables=false)
fi
# The docker CLI at /usr/local/bin may be newer (v28) than the engine; it negotiates the API
# version, but pinning it keeps every client (CLI, scripts) on what the engine speaks.
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}"
export DOCKER_HOST="unix://$SOCK"
mkdir -p "$CACHE/state" "$CACHE/logs"

fail() { echo "docker: $1 (log: ${2:-$SETUP_LOG})" >&2; exit 1; }
answers() { timeout 10 docker info --format '{{.ServerVersion}}' >/dev/null 2>&1; }

# A process that exited but was not reaped (a zombie) is not alive.
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
dockerd_pid() {
  # The pid in the pid file, only if it is a live dockerd.
  [ -f "$PIDFILE" ] || return 1
  local pid; pid="$(cat "$PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && alive "$pid" && [ "$(cat "/proc/$pid/comm")" = dockerd ] && echo "$pid"
}

install() {
  if command -v dockerd >/dev/null 2>&1 && command -v iptables >/dev/null 2>&1; then return 0; fi
  echo "    installing docker.io (apt)"
  apt_install "$SETUP_LOG" docker.io iptables || fail "step 'apt-get install docker.io' failed"
}

# dockerd's own containerd. A pid file left by a killed dockerd may name a process that is gone,
# reused or hung; the new dockerd then waits on it and gives up ("failed to start containerd").
CONTAINERD_PIDFILE="$EXEC_ROOT/containerd/containerd.pid"
containerd_pid() {
  [ -f "$CONTAINERD_PIDFILE" ] || return 1
  local pid; pid="$(tr -d '[:space:]' <"$CONTAINERD_PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && alive "$pid" && [ "$(cat "/proc/$pid/comm")" = containerd ] && echo "$pid"
}
clear_stale_containerd() {
  if ! containerd_pid >/dev/null; then rm -f "$CONTAINERD_PIDFILE"; fi
}
kill_containerd() {
  local pid
  if pid="$(containerd_pid)"; then kill -9 "$pid" 2>/dev/null || true; fi
  rm -f "$CONTAINERD_PIDFILE"
}

# Starts dockerd and waits until it answers. Returns 1 when dockerd exits first, 2 on timeout.
launch_dockerd() {
  rm -f "$PIDFILE" "$SOCK"
  if [ -n "${BRIDGE:-}" ] && ! ip link show "$BRIDGE" >/dev/null 2>&1; then
    ip link add name "$BRIDGE" type bridge && ip addr add 172.31.254.1/24 dev "$BRIDGE"
  fi
  echo "=== $(date -Is) starting dockerd" >>"$LOG"
  # --live-restore: containers keep running across a dockerd crash or restart (a test's stack
  # survives `kill -9 dockerd` + `up`). Container logs are capped so the disk does not fill.
  setsid nohup dockerd --host="unix://$SOCK" --pidfile="$PIDFILE" "${INSTANCE_ARGS[@]}" --live-restore \
    --log-opt max-size=20m --log-opt max-file=2 >>"$LOG" 2>&1 </dev/null 9>&- &
  local pid=$! deadline=$(( $(date +%s) + 90 ))
  until answers; do
    alive "$pid" || return 1
    [ "$(date +%s)" -lt "$deadline" ] || return 2
    sleep 1
  done
}

start() {
  if answers; then return 0; fi
  local pid
  if pid="$(dockerd_pid)"; then
    # Alive but not answering yet (starting): give it time before declaring it hung.
    for _ in $(seq 1 30); do answers && return 0; sleep 1; done
    echo "    dockerd (pid $pid) does not answer; restarting it"
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 20); do alive "$pid" || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  clear_stale_containerd
  echo "    starting dockerd (log: $LOG)"
  local rc=0
  launch_dockerd || rc=$?
  if [ "$rc" = 1 ]; then
    # A containerd that survived the old dockerd but no longer serves: start both afresh.
    echo "    dockerd exited: $(tail -n 1 "$LOG"); restarting it with a fresh containerd"
    kill_containerd
    rc=0
    launch_dockerd || rc=$?
  fi
  case "$rc" in
    0) ;;
    1) fail "step 'start dockerd': dockerd exited: $(tail -n 1 "$LOG")" "$LOG" ;;
    *) fail "step 'start dockerd': no answer from 'docker info' within 90s" "$LOG" ;;
  esac
}

verify() {
  local v; v="$(timeout 10 docker version --format '{{.Server.APIVersion}}' 2>>"$SETUP_LOG")" || fail "step 'verify': docker version failed"
  [ -S "$SOCK" ] || fail "step 'verify': no socket at $SOCK" "$LOG"
  echo "    dockerd answers (API $v) on $SOCK"
}

# One `up`/`stop` at a time per engine (parallel `npm run engines` from two shells or CI jobs).
lock() {
  mkdir -p "$(dirname "$LOCKFILE")"
  # fd 9 holds the lock: daemons started below get `9>&-` so they do not keep it.
  exec 9>"$LOCKFILE"
  flock -w 1800 9 || { echo "docker: step 'lock': another 'up' or 'stop' held $LOCKFILE for 30 min" >&2; exit 1; }
}

case "${1:-up}" in
  up)
    lock
    install
    start
    verify
    printf '{"socketPath":"%s","apiVersion":"%s"}\n' "$SOCK" "$DOCKER_API_VERSION" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    ;;
  status)
    if [ -f "$STATE" ] && answers; then echo "docker: up ($SOCK, $(docker version --format '{{.Server.Version}}' 2>/dev/null))"; exit 0; fi
    echo "docker: down"; exit 1
    ;;
  stop)
    lock
    rm -f "$STATE"
    if pid="$(dockerd_pid)"; then
      kill "$pid"
      for _ in $(seq 1 30); do alive "$pid" || break; sleep 1; done
      if alive "$pid"; then kill -9 "$pid"; fi
    fi
    if [ -n "${OMRS_DOCKERD_ROOT:-}" ]; then
      # An isolated instance leaves nothing behind: its containerd and the data root's mounts
      # (dockerd bind-mounts it onto itself; a killed dockerd leaves one per start) and its bridge.
      kill_containerd
      while grep -q " $ROOT/data " /proc/mounts; do umount "$ROOT/data" || break; done
      ip link delete "$BRIDGE" 2>/dev/null || true
    fi
    echo "docker: stopped"
    ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
