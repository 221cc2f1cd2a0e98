#!/usr/bin/env bash
# A real Kubernetes control plane for the tests: etcd + kube-apiserver + kube-controller-manager +
# kube-scheduler, all built from the Go module proxy (wrapper modules in test/harness/k8s/), and kwok
# for three fake nodes (pods become Running/Ready, Job pods Succeeded; no container is ever run).
# kwok also serves the nodes' kubelet API over HTTPS, so the API server's pods/log answers with the
# lines of the files in $OMRS_HARNESS_CACHE/kube/pod-logs/ (one per container name) and
# pods/portforward to port 8080 (the gateway's container port) reaches 127.0.0.1:17080, where a
# test listens.
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
# pods/portforward to a pod's port FORWARDED_PORT lands on 127.0.0.1:PF_TARGET_PORT (kwok dials it).
FORWARDED_PORT=8080   # charts/openmrs values.yaml gateway.port (the backend's port is 8080 too)
PF_TARGET_PORT="${OMRS_KUBE_PORT_FORWARD_TARGET_PORT:-17080}"
# A database pod's 3306 lands on the harness MariaDB on the host (test/harness/engines/mariadb.sh),
# so `omrs seed --env` / `omrs db --env` on a cluster reach a real server through pods/portforward.
DB_FORWARDED_PORT=3306
DB_TARGET_PORT="${OMRS_KUBE_DB_FORWARD_TARGET_PORT:-13306}"
NODE_IP=127.0.0.1     # the nodes' InternalIP: where the API server reaches kwok's kubelet endpoint
NODES=(omrs-node-0 omrs-node-1 omrs-node-2)
CONTEXT=omrs-harness
SERVER="https://127.0.0.1:$API_PORT"

KDIR="$CACHE/kube"
RUN="$KDIR/run"
PKI="$KDIR/pki"
ETCD_DATA="$KDIR/etcd-data"
KUBECONFIG_FILE="$KDIR/kubeconfig"
POD_LOGS="$KDIR/pod-logs"
KWOK_CONFIG="$RUN/kwok-config.yaml"
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
# kwok answers HTTP and HTTPS on one port; HTTPS with the harness CA proves it serves our kubelet cert.
kwok_healthy() { curl -fsS -m 3 2>/dev/null --cacert "$PKI/ca.crt" "https://127.0.0.1:$KWOK_PORT/healthz" >/dev/null; }
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_FILE" --context "$CONTEXT" --request-timeout=20s "$@"; }
nodes_ready() {
  local n
  for n in "${NODES[@]}"; do
    [ "$(kc get node "$n" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ] || return 1
  done
}
# The names of the nodes whose status does not point the API server at kwok's kubelet endpoint.
nodes_misaddressed() {
  kc get nodes -l omrs.dev/harness=true -o \
    'jsonpath={range .items[*]}{.metadata.name} {.status.addresses[*].address} {.status.daemonEndpoints.kubeletEndpoint.Port}{"\n"}{end}' |
    awk -v want="$NODE_IP $KWOK_PORT" '{ name = $1; $1 = ""; sub(/^ /, ""); if ($0 != want) print name }'
}
nodes_addressed() { local m; m=$(nodes_misaddressed) && [ -z "$m" ]; }

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
    rm -f "$PKI/kubelet.crt" "$PKI/kubelet.key"   # signed by the old CA
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
  kubelet_cert
}

# kwok's kubelet endpoint serves this certificate (signed by the harness CA, for 127.0.0.1). The API
# server runs without --kubelet-certificate-authority, so it does not verify it (its default), but
# clients that do (kwok_healthy, tests) can.
kubelet_cert() {
  [ -s "$PKI/kubelet.crt" ] && [ -s "$PKI/kubelet.key" ] && return 0
  log "creating the kubelet serving certificate for kwok in $PKI"
  local plog="$LOGS/kube-pki.log" n sans="IP:$NODE_IP,DNS:localhost"
  for n in "${NODES[@]}"; do sans+=",DNS:$n"; done
  (
    set -e; cd "$PKI"
    printf 'basicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
      "$sans" >kubelet.ext
    openssl req -newkey rsa:2048 -nodes -keyout kubelet.key.tmp -out kubelet.csr -subj "/CN=omrs-harness-kubelet"
    openssl x509 -req -in kubelet.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out kubelet.crt.tmp -days 3650 -extfile kubelet.ext
    mv -f kubelet.key.tmp kubelet.key && mv -f kubelet.crt.tmp kubelet.crt
  ) >>"$plog" 2>&1 || die "creating the kubelet certificate failed; see $plog"
}

# --- what kwok's kubelet endpoint serves -----------------------------------------------------
# Container logs in the CRI format the kubelet reads ("<RFC3339Nano> <stream> F <line>"), one file per
# container name of charts/openmrs; default.log for any other container. Rewritten by `up` when they
# differ (a test may append a line to prove that `logs -f` follows), which needs no kwok restart.
LOG_CONTAINERS=(gateway frontend backend mariadb init)
pod_log_lines() {
  case $1 in
    gateway) cat <<'EOF'
2025-01-01T08:00:01.000000000Z stdout F /docker-entrypoint.sh: Configuration complete; ready for start up
2025-01-01T08:00:01.100000000Z stderr F 2025/01/01 08:00:01 [notice] 1#1: start worker processes
2025-01-01T08:00:05.000000000Z stdout F 10.244.0.7 - - [01/Jan/2025:08:00:05 +0000] "GET /omrs-gateway/healthz HTTP/1.1" 200 2 "-" "kube-probe/1.32"
2025-01-01T08:00:09.000000000Z stdout F 10.244.0.1 - - [01/Jan/2025:08:00:09 +0000] "GET /openmrs/spa/home HTTP/1.1" 200 1843 "-" "Mozilla/5.0"
EOF
      ;;
    frontend) cat <<'EOF'
2025-01-01T08:00:01.000000000Z stdout F frontend: serving the SPA from /usr/share/nginx/html at /openmrs/spa
2025-01-01T08:00:02.000000000Z stdout F frontend: importmap.json written with 42 modules
EOF
      ;;
    backend) cat <<'EOF'
2025-01-01T08:00:02.000000000Z stdout F INFO - Slf4JLogger.info(44) |2025-01-01T08:00:02,000| Starting OpenMRS Platform 2.8.0
2025-01-01T08:00:20.000000000Z stdout F INFO - DatabaseUpdater.executeChangelog(235) |2025-01-01T08:00:20,000| Liquibase: database openmrs_default is up to date
2025-01-01T08:00:42.000000000Z stdout F INFO - Listener.contextInitialized(189) |2025-01-01T08:00:42,000| OpenMRS started in 40.2 s
EOF
      ;;
    mariadb) cat <<'EOF'
2025-01-01T08:00:00.500000000Z stderr F 2025-01-01  8:00:00 0 [Note] mariadbd: ready for connections.
2025-01-01T08:00:00.600000000Z stderr F Version: '10.11.6-MariaDB'  socket: '/run/mysqld/mysqld.sock'  port: 3306  mariadb.org binary distribution
EOF
      ;;
    init) cat <<'EOF'
2025-01-01T08:00:01.000000000Z stdout F init: database openmrs_default and user omrs_default are ready
EOF
      ;;
    *) cat <<'EOF'
2025-01-01T08:00:00.000000000Z stdout F omrs-harness: a container without its own log file (kwok serves default.log)
EOF
      ;;
  esac
}

write_if_changed() { # file content
  [ -f "$1" ] && [ "$(cat "$1")" = "$2" ] && return 0
  printf '%s\n' "$2" >"$1.tmp.$$" && mv -f "$1.tmp.$$" "$1"
}

write_pod_logs() {
  mkdir -p "$POD_LOGS"
  local c
  for c in "${LOG_CONTAINERS[@]}" default; do write_if_changed "$POD_LOGS/$c.log" "$(pod_log_lines "$c")"; done
}

# kwok's --config: ClusterLogs (every pod; the file by container name) and ClusterPortForward (every
# pod's port $FORWARDED_PORT to 127.0.0.1:$PF_TARGET_PORT, port $DB_FORWARDED_PORT to the host MariaDB
# on 127.0.0.1:$DB_TARGET_PORT). kwok selects by pod name/namespace only,
# not by labels, so the backend's 8080 reaches the same target as the gateway's.
kwok_config() {
  local c
  echo "apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterLogs
metadata:
  name: omrs-harness-pod-logs
spec:
  logs:"
  for c in "${LOG_CONTAINERS[@]}"; do
    echo "  - containers: [$c]
    logsFile: $POD_LOGS/$c.log"
  done
  echo "  - logsFile: $POD_LOGS/default.log
---
apiVersion: kwok.x-k8s.io/v1alpha1
kind: ClusterPortForward
metadata:
  name: omrs-harness-gateway
spec:
  forwards:
  - ports: [$FORWARDED_PORT]
    target:
      address: 127.0.0.1
      port: $PF_TARGET_PORT
  - ports: [$DB_FORWARDED_PORT]
    target:
      address: 127.0.0.1
      port: $DB_TARGET_PORT"
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

# --enable-hostpath-provisioner: the controller manager's own provisioner (kubernetes.io/host-path,
# for single-machine clusters) makes a volume under /tmp/hostpath_pv for each claim of the default
# StorageClass (storage_class), and deletes it with the claim. --pvclaimbinder-sync-period: the
# volume controller binds and deletes on its sync (15 s by default, on every fresh database claim);
# 1 s keeps an `up` on the harness cluster from waiting on that timer.
start_controller_manager() {
  local args=(
    --kubeconfig="$KUBECONFIG_FILE" --authentication-kubeconfig="$KUBECONFIG_FILE"
    --authorization-kubeconfig="$KUBECONFIG_FILE"
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false
    --controllers='*' --use-service-account-credentials=true
    --service-account-private-key-file="$PKI/sa.key" --root-ca-file="$PKI/ca.crt"
    --cluster-signing-cert-file="$PKI/ca.crt" --cluster-signing-key-file="$PKI/ca.key"
    --service-cluster-ip-range=10.96.0.0/24 --allocate-node-cidrs=false
    --pvclaimbinder-sync-period=1s --enable-hostpath-provisioner=true
    --profiling=false --v=1
  )
  local pid
  if pid=$(pid_of kube-controller-manager); then
    [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "$BIN/kube-controller-manager ${args[*]} " ] && return 0
    log "kube-controller-manager's flags changed: restarting it"
  fi
  stop_proc kube-controller-manager
  start_proc kube-controller-manager "${args[@]}"
}

start_scheduler() {
  pid_of kube-scheduler >/dev/null && return 0
  stop_proc kube-scheduler
  start_proc kube-scheduler \
    --kubeconfig="$KUBECONFIG_FILE" --authentication-kubeconfig="$KUBECONFIG_FILE" \
    --authorization-kubeconfig="$KUBECONFIG_FILE" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false --profiling=false --v=1
}

# Starts kwok, or restarts it when its flags or its --config changed (nothing else is restarted).
# kwok also loads ~/.kwok/kwok.yaml when that exists (pkg/config/flags.go); the harness never writes one.
start_kwok() {
  local args=(
    --kubeconfig="$KUBECONFIG_FILE" --config="$KWOK_CONFIG"
    --manage-all-nodes=false --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake
    --cidr=10.244.0.1/16 --node-ip="$NODE_IP" --node-port="$KWOK_PORT" --node-lease-duration-seconds=40
    --server-address="127.0.0.1:$KWOK_PORT"
    --tls-cert-file="$PKI/kubelet.crt" --tls-private-key-file="$PKI/kubelet.key"
  )
  local config pid
  config="$(kwok_config)"
  if pid=$(pid_of kwok); then
    [ "$(tr '\0' ' ' <"/proc/$pid/cmdline")" = "$BIN/kwok ${args[*]} " ] &&
      [ -f "$KWOK_CONFIG" ] && [ "$(cat "$KWOK_CONFIG")" = "$config" ] && return 0
    log "kwok's flags or config changed: restarting kwok"
  fi
  stop_proc kwok
  # The node leases still name the old kwok (each process has a new identity): a new kwok would wait
  # for them to expire (40 s) before it manages the nodes' pods again. Nobody renews them now.
  if api_ready; then
    kc -n kube-node-lease delete lease "${NODES[@]}" --ignore-not-found >>"$LOGS/kube-nodes.log" 2>&1 || true
  fi
  write_if_changed "$KWOK_CONFIG" "$config"
  start_proc kwok "${args[@]}"
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

# The default StorageClass: claims that name no class get a volume from the hostpath provisioner.
storage_class() {
  kc apply -f - >>"$LOGS/kube-nodes.log" 2>&1 <<'YAML' || die "creating the default StorageClass failed; see $LOGS/kube-nodes.log"
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: standard
  annotations:
    storageclass.kubernetes.io/is-default-class: "true"
provisioner: kubernetes.io/host-path
reclaimPolicy: Delete
volumeBindingMode: Immediate
YAML
}

# The API server reaches a node's kubelet at its preferred address (only an InternalIP here: a Hostname
# would come first and does not resolve) and status.daemonEndpoints.kubeletEndpoint.Port. kwok writes
# both only when it initialises a node that is not Ready yet (and keeps existing addresses), so nodes
# initialised under an older kwok configuration are patched here.
address_nodes() {
  local n patch
  patch="{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"$NODE_IP\"}],\"daemonEndpoints\":{\"kubeletEndpoint\":{\"Port\":$KWOK_PORT}}}}"
  for n in $(nodes_misaddressed); do
    kc patch node "$n" --subresource=status --type=merge -p "$patch" >>"$LOGS/kube-nodes.log" 2>&1 ||
      die "pointing node $n at kwok's kubelet endpoint failed; see $LOGS/kube-nodes.log"
    log "node $n: kubelet endpoint $NODE_IP:$KWOK_PORT"
  done
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
  write_pod_logs
  start_kwok
  wait_for 60 "kwok healthz on https://127.0.0.1:$KWOK_PORT" "$LOGS/kube-kwok.log" kwok_healthy
  create_nodes
  storage_class
  wait_for 90 "fake nodes ${NODES[*]} Ready" "$LOGS/kube-kwok.log" nodes_ready
  address_nodes
  wait_for 10 "nodes pointing at kwok's kubelet endpoint" "$LOGS/kube-nodes.log" nodes_addressed
  # The default ServiceAccount must exist before pods can be admitted in a namespace.
  wait_for 60 "ServiceAccount default/default (token controller)" "$LOGS/kube-kube-controller-manager.log" \
    kc -n default get serviceaccount default
  # Final check: every process still alive (a crash loop would show here) and the API ready.
  status >/dev/null || { status >&2; die "a component exited right after start; see $LOGS/kube-*.log"; }
  local tmp="$STATE.tmp.$$"
  printf '{"kubeconfig": "%s", "context": "%s", "server": "%s", "podLogsDir": "%s", "portForwardTarget": {"address": "127.0.0.1", "port": %s, "podPort": %s}, "databaseForwardTarget": {"address": "127.0.0.1", "port": %s, "podPort": %s}}\n' \
    "$KUBECONFIG_FILE" "$CONTEXT" "$SERVER" "$POD_LOGS" "$PF_TARGET_PORT" "$FORWARDED_PORT" "$DB_TARGET_PORT" "$DB_FORWARDED_PORT" >"$tmp"
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
