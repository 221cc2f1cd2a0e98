#!/usr/bin/env bash
# A real Kubernetes control plane for the tests: etcd + kube-apiserver + kube-controller-manager +
# kube-scheduler, all built from the Go module proxy (wrapper modules in test/harness/k8s/), and kwok
# for three fake nodes (pods become Running/Ready, Job pods Succeeded; no container is ever run).
#
#   kube.sh up      build the binaries if the cache lacks them, start what is not running, wait for
#                   /readyz and the nodes, then write $OMRS_HARNESS_CACHE/state/kube.json
#   kube.sh status  one line per process; exit 0 only when all run and the API server is ready
#   kube.sh stop    stop the processes, remove state/kube.json and the etcd data
#
# Everything listens on 127.0.0.1 only. See test/harness/README.md, section "Kubernetes".
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${OMRS_PROJECT_ROOT:-$(cd "$HERE/../../.." && pwd)}"
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
MODS="$ROOT/test/harness/k8s"

K8S_VERSION=v1.32.4   # must match test/harness/k8s/k8sbin/go.mod
ETCD_VERSION=v3.5.16  # must match test/harness/k8s/etcdbin/go.mod
KWOK_VERSION=v0.7.0   # must match test/harness/k8s/kwokbin/go.mod
BIN="$CACHE/k8s/${K8S_VERSION}-etcd${ETCD_VERSION#v}-kwok${KWOK_VERSION#v}/bin"

API_PORT="${OMRS_KUBE_API_PORT:-16443}"
ETCD_PORT="${OMRS_KUBE_ETCD_PORT:-16379}"
ETCD_PEER_PORT=$((ETCD_PORT + 1))
KCM_PORT="${OMRS_KUBE_KCM_PORT:-16257}"
SCHED_PORT="${OMRS_KUBE_SCHEDULER_PORT:-16259}"
KWOK_PORT="${OMRS_KUBE_KWOK_PORT:-16247}"
NODES=(omrs-node-0 omrs-node-1 omrs-node-2)
CONTEXT=omrs-harness
SERVER="https://127.0.0.1:$API_PORT"

KDIR="$CACHE/kube"
RUN="$KDIR/run"
PKI="$KDIR/pki"
ETCD_DATA="$KDIR/etcd-data"
KUBECONFIG_FILE="$KDIR/kubeconfig"
LOGS="$CACHE/logs"
STATE="$CACHE/state/kube.json"
KUBECTL="${KUBECTL:-$(command -v kubectl || true)}"
GO="${GO:-$(command -v go || echo /usr/local/go/bin/go)}"
PROCS=(etcd kube-apiserver kube-controller-manager kube-scheduler kwok)

log() { echo "kube: $*"; }
die() { echo "kube: ERROR: $*" >&2; exit 1; }

# --- processes -------------------------------------------------------------------------------
pid_of() { # prints the pid if the process recorded in its pid file is alive and is our binary
  local name=$1 pid
  [ -f "$RUN/$name.pid" ] || return 1
  pid=$(cat "$RUN/$name.pid" 2>/dev/null) || return 1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$BIN/$name " || return 1
  echo "$pid"
}

start_proc() { # name args...
  local name=$1; shift
  : >>"$LOGS/kube-$name.log"
  echo "---- $(date -u +%FT%TZ) starting $name" >>"$LOGS/kube-$name.log"
  rm -f "$RUN/$name.pid"
  # The inner shell records its own pid and execs the binary, so the pid file is right even if setsid forks.
  nohup setsid bash -c 'echo $$ >"$0"; exec "$@"' "$RUN/$name.pid" "$BIN/$name" "$@" \
    >>"$LOGS/kube-$name.log" 2>&1 </dev/null &
  local i
  for i in $(seq 1 50); do pid_of "$name" >/dev/null && break; sleep 0.1; done
  log "started $name (pid $(cat "$RUN/$name.pid" 2>/dev/null), log $LOGS/kube-$name.log)"
}

stop_proc() {
  local name=$1 pid i
  if pid=$(pid_of "$name"); then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -9 "$pid" 2>/dev/null || true
    log "stopped $name (pid $pid)"
  fi
  rm -f "$RUN/$name.pid"
}

wait_for() { # seconds description log command...
  local secs=$1 what=$2 logf=$3; shift 3
  local end=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $end ]; then
      echo "kube: ERROR: timed out after ${secs}s waiting for $what; last lines of $logf:" >&2
      tail -n 20 "$logf" >&2 2>/dev/null || true
      exit 1
    fi
    sleep 0.5
  done
}

# --- health checks ---------------------------------------------------------------------------
etcd_healthy() { curl -fsS -m 3 2>/dev/null "http://127.0.0.1:$ETCD_PORT/health" | grep -q '"health":"true"'; }
api_ready() { [ -f "$PKI/token" ] && curl -fsS -m 5 2>/dev/null --cacert "$PKI/ca.crt" -H "Authorization: Bearer $(cat "$PKI/token")" "$SERVER/readyz" | grep -qx ok; }
kcm_healthy() { curl -fsS -m 3 2>/dev/null -k "https://127.0.0.1:$KCM_PORT/healthz" | grep -qx ok; }
sched_healthy() { curl -fsS -m 3 2>/dev/null -k "https://127.0.0.1:$SCHED_PORT/healthz" | grep -qx ok; }
kwok_healthy() { curl -fsS -m 3 2>/dev/null "http://127.0.0.1:$KWOK_PORT/healthz" >/dev/null; }
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" --request-timeout=20s "$@"; }
nodes_ready() {
  local n
  for n in "${NODES[@]}"; do
    [ "$(kc get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] || return 1
  done
}

# --- build -----------------------------------------------------------------------------------
go_env() {
  export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOPATH="$CACHE/go/path"
  export CGO_ENABLED=0 GOFLAGS="-buildvcs=false -mod=mod" GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  # sum.golang.org is not reachable from these machines; the committed go.sum files pin every module.
  export GOSUMDB="${GOSUMDB:-off}"
}

build() {
  local missing=() b
  for b in "${PROCS[@]}"; do [ -x "$BIN/$b" ] || missing+=("$b"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  [ -x "$GO" ] || die "go not found (set GO=/path/to/go); needed to build: ${missing[*]}"
  mkdir -p "$BIN"
  go_env
  local t0=$SECONDS blog="$LOGS/kube-build.log" tmp="$BIN/.tmp.$$" TIMEV=""
  [ -x /usr/bin/time ] && TIMEV="/usr/bin/time -v"   # records peak memory in the build log
  log "building ${missing[*]} into $BIN (cold build takes ~20 min on 2 cores; log $blog)"
  rm -rf "$BIN"/.tmp.*; mkdir -p "$tmp"
  if [[ " ${missing[*]} " == *" kube-"* ]]; then
    local ld="-s -w" p
    for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
      ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
      ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
    done
    (cd "$MODS/k8sbin" && echo "== $(date -u +%FT%TZ) kubernetes $K8S_VERSION" &&
      $TIMEV "$GO" build -p 2 -trimpath -ldflags "$ld" -o "$tmp/" \
        k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler) >>"$blog" 2>&1 ||
      die "build of kube-apiserver/controller-manager/scheduler failed; see $blog"
  fi
  if [[ " ${missing[*]} " == *" etcd "* ]]; then
    (cd "$MODS/etcdbin" && echo "== $(date -u +%FT%TZ) etcd $ETCD_VERSION" &&
      $TIMEV "$GO" build -p 2 -trimpath -ldflags "-s -w" -o "$tmp/etcd" go.etcd.io/etcd/server/v3) \
      >>"$blog" 2>&1 || die "build of etcd failed; see $blog"
  fi
  if [[ " ${missing[*]} " == *" kwok "* ]]; then
    (cd "$MODS/kwokbin" && echo "== $(date -u +%FT%TZ) kwok $KWOK_VERSION" &&
      $TIMEV "$GO" build -p 2 -trimpath -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
        -o "$tmp/kwok" sigs.k8s.io/kwok/cmd/kwok) >>"$blog" 2>&1 || die "build of kwok failed; see $blog"
  fi
  for b in "${missing[@]}"; do mv -f "$tmp/$b" "$BIN/$b"; done
  rm -rf "$tmp"
  log "built ${missing[*]} in $((SECONDS - t0))s"
}

# --- certificates, token, kubeconfig ---------------------------------------------------------
pki() {
  mkdir -p "$PKI"; chmod 700 "$PKI"
  if [ ! -s "$PKI/ca.crt" ] || [ ! -s "$PKI/apiserver.crt" ] || [ ! -s "$PKI/sa.pub" ] || [ ! -s "$PKI/token" ]; then
    log "creating certificates and token in $PKI"
    local plog="$LOGS/kube-pki.log"
    (
      set -e; cd "$PKI"
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 3650 -subj "/CN=omrs-harness-ca"
      cat >apiserver.ext <<EOF
basicConstraints=CA:FALSE
keyUsage=digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local
EOF
      openssl req -newkey rsa:2048 -nodes -keyout apiserver.key -out apiserver.csr -subj "/CN=kube-apiserver"
      openssl x509 -req -in apiserver.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out apiserver.crt -days 3650 -extfile apiserver.ext
      openssl genrsa -out sa.key 2048
      openssl rsa -in sa.key -pubout -out sa.pub
      head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >token.tmp && mv token.tmp token
      echo "$(cat token),omrs-admin,omrs-admin,\"system:masters\"" >tokens.csv
    ) >"$plog" 2>&1 || die "creating certificates failed; see $plog"
  fi
  local tmp="$KUBECONFIG_FILE.tmp.$$"
  cat >"$tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: $CONTEXT
  cluster:
    server: $SERVER
    certificate-authority-data: $(base64 -w0 <"$PKI/ca.crt")
users:
- name: omrs-admin
  user:
    token: $(cat "$PKI/token")
contexts:
- name: $CONTEXT
  context:
    cluster: $CONTEXT
    user: omrs-admin
    namespace: default
current-context: $CONTEXT
EOF
  chmod 600 "$tmp"; mv -f "$tmp" "$KUBECONFIG_FILE"
}

# --- start each component --------------------------------------------------------------------
start_etcd() {
  pid_of etcd >/dev/null && etcd_healthy && return 0
  stop_proc etcd
  local attempt p
  for attempt in 1 2; do
    if [ ! -d "$ETCD_DATA/member" ]; then
      # A new, empty etcd: whatever still runs holds state from the old one, so restart it all.
      for p in kwok kube-scheduler kube-controller-manager kube-apiserver; do stop_proc "$p"; done
    fi
    mkdir -p "$ETCD_DATA"
    start_proc etcd --name=omrs-harness --data-dir="$ETCD_DATA" \
      --listen-client-urls="http://127.0.0.1:$ETCD_PORT" --advertise-client-urls="http://127.0.0.1:$ETCD_PORT" \
      --listen-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls="http://127.0.0.1:$ETCD_PEER_PORT" \
      --initial-cluster="omrs-harness=http://127.0.0.1:$ETCD_PEER_PORT" \
      --unsafe-no-fsync --quota-backend-bytes=2147483648 --log-level=warn
    local end=$((SECONDS + 30))
    while [ $SECONDS -lt $end ]; do
      etcd_healthy && return 0
      pid_of etcd >/dev/null || break
      sleep 0.5
    done
    stop_proc etcd
    [ $attempt = 1 ] && { log "etcd did not become healthy; retrying with a fresh data dir"; rm -rf "$ETCD_DATA"; }
  done
  die "etcd did not become healthy on 127.0.0.1:$ETCD_PORT; see $LOGS/kube-etcd.log"
}

start_apiserver() {
  pid_of kube-apiserver >/dev/null && return 0
  stop_proc kube-apiserver
  start_proc kube-apiserver \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" --etcd-prefix=/registry \
    --bind-address=127.0.0.1 --advertise-address=127.0.0.1 --secure-port="$API_PORT" \
    --endpoint-reconciler-type=none \
    --tls-cert-file="$PKI/apiserver.crt" --tls-private-key-file="$PKI/apiserver.key" \
    --client-ca-file="$PKI/ca.crt" --token-auth-file="$PKI/tokens.csv" \
    --authorization-mode=Node,RBAC --allow-privileged=true \
    --service-cluster-ip-range=10.96.0.0/24 --service-node-port-range=30000-32767 \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI/sa.pub" --service-account-signing-key-file="$PKI/sa.key" \
    --enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultStorageClass,ResourceQuota \
    --profiling=false --v=1
}

start_controller_manager() {
  pid_of kube-controller-manager >/dev/null && return 0
  stop_proc kube-controller-manager
  start_proc kube-controller-manager \
    --kubeconfig="$KUBECONFIG_FILE" --authentication-kubeconfig="$KUBECONFIG_FILE" \
    --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
    --controllers='*' --use-service-account-credentials=true \
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt" \
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key" \
    --service-cluster-ip-range=10.96.0.0/24 --allocate-node-cidrs=false \
    --profiling=false --v=1
}

start_scheduler() {
  pid_of kube-scheduler >/dev/null && return 0
  stop_proc kube-scheduler
  start_proc kube-scheduler \
    --kubeconfig="$KUBECONFIG_FILE" --authentication-kubeconfig="$KUBECONFIG_FILE" \
    --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false --profiling=false --v=1
}

start_kwok() {
  pid_of kwok >/dev/null && return 0
  stop_proc kwok
  # --config points at an empty file so a stray ~/.kwok/kwok.yaml cannot change the stages.
  : >"$RUN/kwok-config.yaml"
  start_proc kwok \
    --kubeconfig="$KUBECONFIG_FILE" --config="$RUN/kwok-config.yaml" \
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --cidr=10.244.0.1/16 --node-ip=10.244.0.1 --node-lease-duration-seconds=40 \
    --server-address="127.0.0.1:$KWOK_PORT"
}

create_nodes() {
  local n manifest=""
  for n in "${NODES[@]}"; do
    manifest+="---
apiVersion: v1
kind: Node
metadata:
  name: $n
  annotations:
    kwok.x-k8s.io/node: fake
    node.alpha.kubernetes.io/ttl: \"0\"
  labels:
    kubernetes.io/hostname: $n
    kubernetes.io/os: linux
    kubernetes.io/arch: amd64
    type: kwok
    omrs.dev/harness: \"true\"
status:
  allocatable: {cpu: \"32\", memory: 64Gi, pods: \"110\", ephemeral-storage: 100Gi}
  capacity: {cpu: \"32\", memory: 64Gi, pods: \"110\", ephemeral-storage: 100Gi}
  nodeInfo:
    architecture: amd64
    operatingSystem: linux
    kubeletVersion: fake
    kubeProxyVersion: fake
"
  done
  printf '%s' "$manifest" | kc apply -f - >>"$LOGS/kube-nodes.log" 2>&1 ||
    die "creating the fake nodes failed; see $LOGS/kube-nodes.log"
}

# --- actions ---------------------------------------------------------------------------------
up() {
  local t0=$SECONDS
  mkdir -p "$RUN" "$LOGS" "$CACHE/state"
  command -v curl >/dev/null || die "curl is required"
  command -v openssl >/dev/null || die "openssl is required"
  [ -x "$KUBECTL" ] || die "kubectl not found on PATH (set KUBECTL=...)"
  rm -f "$STATE"
  build
  pki
  start_etcd
  start_apiserver
  wait_for 120 "kube-apiserver $SERVER/readyz" "$LOGS/kube-kube-apiserver.log" api_ready
  start_controller_manager
  start_scheduler
  wait_for 60 "kube-controller-manager healthz on 127.0.0.1:$KCM_PORT" "$LOGS/kube-kube-controller-manager.log" kcm_healthy
  wait_for 60 "kube-scheduler healthz on 127.0.0.1:$SCHED_PORT" "$LOGS/kube-kube-scheduler.log" sched_healthy
  start_kwok
  wait_for 60 "kwok healthz on 127.0.0.1:$KWOK_PORT" "$LOGS/kube-kwok.log" kwok_healthy
  create_nodes
  wait_for 90 "fake nodes ${NODES[*]} Ready" "$LOGS/kube-kwok.log" nodes_ready
  # The default ServiceAccount must exist before pods can be admitted in a namespace.
  wait_for 60 "ServiceAccount default/default (token controller)" "$LOGS/kube-kube-controller-manager.log" \
    kc -n default get serviceaccount default
  # Final check: every process still alive (a crash loop would show here) and the API ready.
  status >/dev/null || { status >&2; die "a component exited right after start; see $LOGS/kube-*.log"; }
  local tmp="$STATE.tmp.$$"
  printf '{"kubeconfig": "%s", "context": "%s", "server": "%s"}\n' "$KUBECONFIG_FILE" "$CONTEXT" "$SERVER" >"$tmp"
  mv -f "$tmp" "$STATE"
  log "ready in $((SECONDS - t0))s: kubectl --kubeconfig $KUBECONFIG_FILE get nodes"
}

status() {
  local ok=0 name pid health
  for name in "${PROCS[@]}"; do
    if pid=$(pid_of "$name"); then
      case $name in
        etcd) etcd_healthy && health=healthy || health=unhealthy ;;
        kube-apiserver) api_ready && health=ready || health=not-ready ;;
        kube-controller-manager) kcm_healthy && health=healthy || health=unhealthy ;;
        kube-scheduler) sched_healthy && health=healthy || health=unhealthy ;;
        kwok) kwok_healthy && health=healthy || health=unhealthy ;;
      esac
      echo "$name: running (pid $pid) $health"
      case $health in healthy|ready) ;; *) ok=1 ;; esac
    else
      echo "$name: not running"; ok=1
    fi
  done
  return $ok
}

stop() {
  rm -f "$STATE"
  local name
  for name in kwok kube-scheduler kube-controller-manager kube-apiserver etcd; do stop_proc "$name"; done
  rm -rf "$ETCD_DATA"
}

case "${1:-up}" in
  up) up ;;
  build) mkdir -p "$LOGS" && build ;;
  status) status ;;
  stop) stop ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
