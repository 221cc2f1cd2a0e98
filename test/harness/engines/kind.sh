#!/usr/bin/env bash
# Real Kubernetes nodes for the tests: a kind cluster whose node image is built on this machine, nothing
# pulled. kind v0.33.0, kubelet/kubeadm/kubectl/kube-proxy v1.32.4 and the node's other images come from
# the Go module proxy, the node's OS (systemd, containerd, runc, CNI plugins) from Debian bookworm.
#
#   kind.sh up      build what the cache lacks, start the kind Docker engine, create the cluster from
#                   kind/dev.yaml unless it runs, wait for Ready nodes, prove a pod runs, write
#                   $OMRS_HARNESS_CACHE/state/kind.json
#   kind.sh status  exit 0 only when the engine answers, every node is Ready and a pod runs to Ready
#   kind.sh stop    delete the cluster, stop the kind Docker engine, remove state/kind.json (keeps caches)
#   kind.sh build   only build the binaries and images (no cluster)
#
# This host refuses `docker run --privileged` (its capability bounding set lacks CAP_SYS_RESOURCE) and
# kind starts its nodes privileged, so the cluster lives in a Docker engine of its own (socket
# /run/omrs-kind-docker.sock) whose default OCI runtime is test/harness/kind/omrs-kind-runc: runc minus
# the capabilities the host does not have. The harness's main dockerd is not touched. See
# test/harness/README.md, section "kind".
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="${OMRS_PROJECT_ROOT:-$(cd "$HERE/../../.." && pwd)}"
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
SRC="$ROOT/test/harness/kind"

KIND_VERSION=v0.33.0
K8S_VERSION=v1.32.4        # test/harness/kind/nodebin/go.mod; kube-apiserver & co. come from the kube engine's build
ETCD_VERSION=v3.5.16       # the kube engine's etcd build
CRICTL_VERSION=v1.34.0     # sigs.k8s.io/cri-tools: the oldest the Go proxy serves
COREDNS_VERSION=v1.14.3    # test/harness/kind/corednsbin/go.mod: the oldest the Go proxy serves
LPP_VERSION=v0.0.30        # github.com/rancher/local-path-provisioner: the only version the Go proxy serves
TRAEFIK_VERSION=v3.6.12    # github.com/traefik/traefik/v3: the cluster's ingress controller (test/harness/kind/ingress)
KUBE_ROUTER_VERSION=v2.1.0 # github.com/cloudnativelabs/kube-router/v2: NetworkPolicy enforcement (test/harness/kind/netpol)
REV=1                      # bump to rebuild the images and the node image
KEY="k8s-$K8S_VERSION-kind-$KIND_VERSION-r$REV"
DIR="$CACHE/kind/$KEY"
BIN="$DIR/bin"
KUBE_BIN="$CACHE/k8s/$K8S_VERSION-etcd${ETCD_VERSION#v}-kwok0.7.0/bin"   # test/harness/engines/kube.sh
LOGS="$CACHE/logs"
BLOG="$LOGS/kind-build.log"
LOG="$LOGS/kind.log"
STATE="$CACHE/state/kind.json"

# The tags kubeadm v1.32 and kind v0.33's manifests name. The images behind them are built here; the
# CoreDNS one holds CoreDNS $COREDNS_VERSION, kindnetd's the harness's kindnetd stand-in (labels say so).
IMG_APISERVER=registry.k8s.io/kube-apiserver:$K8S_VERSION
IMG_CM=registry.k8s.io/kube-controller-manager:$K8S_VERSION
IMG_SCHED=registry.k8s.io/kube-scheduler:$K8S_VERSION
IMG_PROXY=registry.k8s.io/kube-proxy:$K8S_VERSION
IMG_PAUSE=registry.k8s.io/pause:3.10
IMG_ETCD=registry.k8s.io/etcd:${ETCD_VERSION#v}-0
IMG_COREDNS=registry.k8s.io/coredns/coredns:v1.11.3
IMG_KINDNETD=docker.io/kindest/kindnetd:v20260820-69b56db7
IMG_LPP=docker.io/kindest/local-path-provisioner:v20260820-69b56db7
IMG_LPH=docker.io/kindest/local-path-helper:v20260131-7181c60a
IMG_TRAEFIK=omrs-kind/traefik:$TRAEFIK_VERSION
IMG_KUBE_ROUTER=omrs-kind/kube-router:$KUBE_ROUTER_VERSION
NETPOL_MANIFEST="$SRC/netpol/kube-router.yaml"
IMG_KUBECTL=omrs-test/kubectl:$K8S_VERSION   # busybox + kubectl: `omrs env gc-cronjob --image` in the tests
INGRESS_MANIFEST="$SRC/ingress/traefik.yaml"
INGRESS_HTTP_PORT=30080      # NodePorts of the ingress controller, on every node's address
INGRESS_HTTPS_PORT=30443
BASE_IMAGE="omrs-kind/base:$KEY"
NODE_IMAGE="omrs-kind/node:$KEY"
DEBIAN=omrs-test/debian:bookworm
NETBASE="omrs-kind/netbase:$KEY"
LABEL=omrs.test.context-hash

# The kind Docker engine: its own socket, data, bridge (no iptables of its own: the main dockerd owns them).
KD_SOCK=/run/omrs-kind-docker.sock
KD_PIDFILE=/run/omrs-kind-docker.pid
KD_EXEC=/run/omrs-kind-docker
KD_DATA=/var/lib/omrs-kind-docker
KD_LOG="$LOGS/kind-dockerd.log"
KD_BRIDGE=okd0
KD_BRIDGE_ADDR=172.31.250.1/24
KIND_NET_BRIDGE=okind0         # the bridge of the "kind" network the nodes share
KIND_NET_SUBNET=172.31.251.0/24
KIND_NET_GATEWAY=172.31.251.1  # the host, as pods and nodes reach it (state: hostAddress)
RUNTIME="$CACHE/kind/omrs-kind-runc"

CLUSTER_CONFIG="$ROOT/kind/dev.yaml"
# The hash of the cluster config the running cluster was created from: a changed kind/dev.yaml
# (a node's containerd patch, a port mapping) only takes effect in a new cluster.
CONFIG_STAMP="$CACHE/kind/cluster-config.sha256"
# The harness registry (engines/registry.sh) as the nodes reach it: the same name as on the host.
REGISTRY_PORT="${OMRS_REGISTRY_PORT:-15005}"
CLUSTER="$(awk '/^name:/ {print $2; exit}' "$CLUSTER_CONFIG" 2>/dev/null || true)"; CLUSTER="${CLUSTER:-kind}"
KUBECONFIG_FILE="$CACHE/kind/kubeconfig"
PROBE_IMAGE=omrs-test/busybox:1

log() { echo "kind: $*"; }
die() { echo "kind: $*" >&2; exit 1; }
fail() { die "$1 (log: $BLOG)"; }
# go_env: the harness's shared Go module and build caches (test/harness/lib/go.sh).
# shellcheck source=../lib/go.sh
. "$HERE/../lib/go.sh"
kdocker() { DOCKER_API_VERSION=1.41 DOCKER_HOST="unix://$KD_SOCK" docker "$@"; }
mdocker() { DOCKER_API_VERSION=1.41 DOCKER_HOST=unix:///var/run/docker.sock docker "$@"; }
kindc() { DOCKER_API_VERSION=1.41 DOCKER_HOST="unix://$KD_SOCK" "$BIN/kind" "$@"; }
kc() { "$BIN/kubectl" --kubeconfig "$KUBECONFIG_FILE" --request-timeout=30s "$@"; }

# step NAME COMMAND...: runs COMMAND with its output in the build log, logging its duration.
step() {
  local name=$1; shift
  local t0=$SECONDS
  echo "== $(date -u +%FT%TZ) $name" >>"$BLOG"
  if ! "$@" >>"$BLOG" 2>&1; then
    echo "== $(date -u +%FT%TZ) $name FAILED after $((SECONDS - t0))s" >>"$BLOG"
    tail -n 15 "$BLOG" >&2
    die "step '$name' failed (log: $BLOG)"
  fi
  echo "== $(date -u +%FT%TZ) $name done in $((SECONDS - t0))s" >>"$BLOG"
  log "$name: $((SECONDS - t0))s"
}

# --- binaries --------------------------------------------------------------------------------
k8s_ldflags() {
  local ld="-s -w" p
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$(echo "$K8S_VERSION" | cut -d. -f2)"
    ld="$ld -X $p.gitTreeState=clean -X $p.buildDate=1970-01-01T00:00:00Z"
  done
  echo "$ld"
}

build_node_binaries() {
  (cd "$SRC/nodebin" && GOFLAGS="$GOFLAGS -mod=mod" /usr/bin/time -v go build -p 2 -trimpath -ldflags "$(k8s_ldflags)" -o "$BIN/.tmp/" \
    k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kubeadm k8s.io/kubernetes/cmd/kubectl \
    k8s.io/kubernetes/cmd/kube-proxy)
  local b; for b in kubelet kubeadm kubectl kube-proxy; do mv -f "$BIN/.tmp/$b" "$BIN/$b"; done
}
# The kindnetd stand-in is test code that changes: built again when its sources do (the hash beside it).
standin_hash() { tree_hash "$SRC/nodebin/kindnetd-standin"; }
build_kindnetd_standin() {
  (cd "$SRC/nodebin" && GOFLAGS="$GOFLAGS -mod=mod" go build -trimpath -ldflags "-s -w" -o "$BIN/.tmp/kindnetd-standin" ./kindnetd-standin)
  mv -f "$BIN/.tmp/kindnetd-standin" "$BIN/kindnetd-standin"
  standin_hash >"$BIN/kindnetd-standin.src"
}
build_kind() {
  GOBIN="$BIN/.tmp" /usr/bin/time -v go install -p 2 -trimpath -ldflags "-s -w" "sigs.k8s.io/kind@$KIND_VERSION"
  mv -f "$BIN/.tmp/kind" "$BIN/kind"
}
# The only version the Go proxy serves; a test-harness component, never part of omrs (see netpol/kube-router.yaml).
build_kube_router() {
  GOBIN="$BIN/.tmp" /usr/bin/time -v go install -p 2 -trimpath \
    -ldflags "-s -w -X github.com/cloudnativelabs/kube-router/v2/pkg/version.Version=$KUBE_ROUTER_VERSION" \
    "github.com/cloudnativelabs/kube-router/v2/cmd/kube-router@$KUBE_ROUTER_VERSION"
  mv -f "$BIN/.tmp/kube-router" "$BIN/kube-router"
}
build_crictl() {
  GOBIN="$BIN/.tmp" /usr/bin/time -v go install -p 2 -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/cri-tools/pkg/version.Version=$CRICTL_VERSION" "sigs.k8s.io/cri-tools/cmd/crictl@$CRICTL_VERSION"
  mv -f "$BIN/.tmp/crictl" "$BIN/crictl"
}
build_coredns() {
  (cd "$SRC/corednsbin" && GOFLAGS="$GOFLAGS -mod=mod" /usr/bin/time -v go build -p 2 -trimpath -ldflags "-s -w" -o "$BIN/.tmp/coredns" .)
  mv -f "$BIN/.tmp/coredns" "$BIN/coredns"
}
build_lpp() {
  GOBIN="$BIN/.tmp" /usr/bin/time -v go install -p 2 -trimpath -ldflags "-s -w" "github.com/rancher/local-path-provisioner@$LPP_VERSION"
  mv -f "$BIN/.tmp/local-path-provisioner" "$BIN/local-path-provisioner"
}
# Traefik's go.mod has replace directives, so `go install module@version` refuses it: build in a
# writable copy of the module (its web UI's files ship in the module).
build_traefik() {
  local src work="$BIN/.tmp/traefik-src"
  src="$(cd / && GOFLAGS= go mod download -json "github.com/traefik/traefik/v3@$TRAEFIK_VERSION" | jq -r .Dir)"
  rm -rf "$work"; cp -r "$src" "$work"; chmod -R u+w "$work"
  (cd "$work" && GOFLAGS="$GOFLAGS -mod=mod" CGO_ENABLED=0 /usr/bin/time -v go build -p 2 -trimpath \
    -ldflags "-s -w -X github.com/traefik/traefik/v3/pkg/version.Version=$TRAEFIK_VERSION" -o "$BIN/.tmp/traefik" ./cmd/traefik)
  mv -f "$BIN/.tmp/traefik" "$BIN/traefik"
  rm -rf "$work"
}
# The pause container of Kubernetes itself (build/pause/linux/pause.c of the k8s.io/kubernetes module).
build_pause() {
  local src
  src="$(cd "$SRC/nodebin" && GOFLAGS="$GOFLAGS -mod=mod" go list -m -f '{{.Dir}}' k8s.io/kubernetes)/build/pause/linux/pause.c"
  gcc -Os -Wall -Werror -static -DVERSION=v3.10-omrs -o "$BIN/.tmp/pause" "$src"
  mv -f "$BIN/.tmp/pause" "$BIN/pause"
}

build_binaries() {
  mkdir -p "$BIN/.tmp" "$LOGS"
  go_env
  [ -x "$BIN/kubelet" ] && [ -x "$BIN/kubeadm" ] && [ -x "$BIN/kubectl" ] && [ -x "$BIN/kube-proxy" ] ||
    step "go build kubelet kubeadm kubectl kube-proxy $K8S_VERSION" build_node_binaries
  [ -x "$BIN/kindnetd-standin" ] && [ "$(cat "$BIN/kindnetd-standin.src" 2>/dev/null)" = "$(standin_hash)" ] ||
    step "go build kindnetd-standin" build_kindnetd_standin
  [ -x "$BIN/kind" ] || step "go install kind $KIND_VERSION" build_kind
  [ -x "$BIN/crictl" ] || step "go install crictl $CRICTL_VERSION" build_crictl
  [ -x "$BIN/coredns" ] || step "go build coredns $COREDNS_VERSION" build_coredns
  [ -x "$BIN/local-path-provisioner" ] || step "go install local-path-provisioner $LPP_VERSION" build_lpp
  [ -x "$BIN/pause" ] || step "gcc pause" build_pause
  [ -x "$BIN/traefik" ] || step "go build traefik $TRAEFIK_VERSION" build_traefik
  [ -x "$BIN/kube-router" ] || step "go install kube-router $KUBE_ROUTER_VERSION" build_kube_router
  local b
  for b in kube-apiserver kube-controller-manager kube-scheduler etcd; do
    [ -x "$KUBE_BIN/$b" ] || { step "kube engine build (kube-apiserver, controller-manager, scheduler, etcd)" "$HERE/kube.sh" build; break; }
  done
  rm -rf "$BIN/.tmp"
}

# --- the kind Docker engine ------------------------------------------------------------------
alive() { [ -r "/proc/$1/stat" ] && [ "$(cut -d' ' -f3 "/proc/$1/stat")" != Z ]; }
kd_pid() {
  [ -f "$KD_PIDFILE" ] || return 1
  local pid; pid="$(cat "$KD_PIDFILE" 2>/dev/null || true)"
  [ -n "$pid" ] && alive "$pid" && [ "$(cat "/proc/$pid/comm")" = dockerd ] && echo "$pid"
}
kd_answers() { timeout 10 env DOCKER_API_VERSION=1.41 DOCKER_HOST="unix://$KD_SOCK" docker info --format '{{.DefaultRuntime}}' 2>/dev/null | grep -qx omrs-kind; }

# Bridged traffic between the nodes passes the host's FORWARD chain (br_netfilter), whose policy the
# main dockerd sets to DROP; accept what enters or leaves the kind engine's bridges.
kd_forward_rules() {
  local br
  for br in "$KD_BRIDGE" "$KIND_NET_BRIDGE"; do
    iptables -C FORWARD -i "$br" -j ACCEPT 2>/dev/null || iptables -I FORWARD 1 -i "$br" -j ACCEPT
    iptables -C FORWARD -o "$br" -j ACCEPT 2>/dev/null || iptables -I FORWARD 1 -o "$br" -j ACCEPT
  done
}

kd_start() {
  install -m 0755 "$SRC/omrs-kind-runc" "$RUNTIME.new" && mv -f "$RUNTIME.new" "$RUNTIME"
  if kd_answers; then kd_forward_rules; return 0; fi
  local pid
  if pid="$(kd_pid)"; then
    local i; for i in $(seq 1 30); do kd_answers && { kd_forward_rules; return 0; }; sleep 1; done
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 20); do alive "$pid" || break; sleep 1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  local cpid; cpid="$(cat "$KD_EXEC/containerd/containerd.pid" 2>/dev/null || true)"
  if [ -n "$cpid" ] && ! { alive "$cpid" && [ "$(cat "/proc/$cpid/comm")" = containerd ]; }; then
    rm -f "$KD_EXEC/containerd/containerd.pid"
  fi
  ip link show "$KD_BRIDGE" >/dev/null 2>&1 ||
    { ip link add name "$KD_BRIDGE" type bridge && ip addr add "$KD_BRIDGE_ADDR" dev "$KD_BRIDGE" && ip link set "$KD_BRIDGE" up; }
  mkdir -p "$KD_DATA" "$KD_EXEC"
  rm -f "$KD_PIDFILE" "$KD_SOCK"
  echo "=== $(date -Is) starting the kind dockerd" >>"$KD_LOG"
  setsid nohup dockerd --host="unix://$KD_SOCK" --pidfile="$KD_PIDFILE" --exec-root="$KD_EXEC" \
    --data-root="$KD_DATA" --bridge="$KD_BRIDGE" --iptables=false --ip-masq=false \
    --add-runtime "omrs-kind=$RUNTIME" --default-runtime omrs-kind \
    --live-restore --log-opt max-size=20m --log-opt max-file=2 >>"$KD_LOG" 2>&1 </dev/null 9>&- &
  local end=$((SECONDS + 90))
  until kd_answers; do
    [ $SECONDS -lt $end ] || { tail -n 10 "$KD_LOG" >&2; die "step 'start the kind dockerd': no answer on $KD_SOCK within 90s (log: $KD_LOG)"; }
    sleep 1
  done
  kd_forward_rules
  log "kind dockerd answers on $KD_SOCK (log $KD_LOG)"
}

kd_stop() {
  local pid i
  if pid="$(kd_pid)"; then
    kill "$pid" 2>/dev/null || true
    for i in $(seq 1 30); do alive "$pid" || break; sleep 1; done
    alive "$pid" && kill -9 "$pid" 2>/dev/null || true
  fi
}

# --- images ----------------------------------------------------------------------------------
tree_hash() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }
label_of() { kdocker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null || true; }

# kbuild TAG CONTEXT: docker build in the kind engine unless TAG carries the hash of CONTEXT.
kbuild() {
  local tag=$1 ctx=$2 hash
  hash="$(tree_hash "$ctx")"
  [ "$(label_of "$tag")" = "$hash" ] && return 0
  step "docker build $tag" env DOCKER_API_VERSION=1.41 DOCKER_HOST="unix://$KD_SOCK" DOCKER_BUILDKIT=0 \
    docker build --pull=false --network host --label "$LABEL=$hash" -t "$tag" "$ctx"
}

debian_image() {
  local tar="$CACHE/images/rootfs/debian-bookworm-minbase-r1.tar" want=rootfs-bookworm-r1
  [ "$(label_of "$DEBIAN")" = "$want" ] && return 0
  [ -s "$tar" ] || die "step 'debian image': $tar is missing; run: npm run engines -- up images"
  step "docker import $DEBIAN" env DOCKER_API_VERSION=1.41 DOCKER_HOST="unix://$KD_SOCK" docker import \
    --change "LABEL $LABEL=$want" --change 'CMD ["/bin/bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$tar" "$DEBIAN"
}

# component_context NAME FROM [FILE...]: a build context with a Dockerfile FROM the given image that
# copies the files into /usr/local/bin (the Dockerfile body comes on stdin).
component_context() {
  local name=$1 from=$2; shift 2
  local ctx="$DIR/contexts/$name"
  rm -rf "$ctx"; mkdir -p "$ctx"
  [ $# -eq 0 ] || cp "$@" "$ctx/" || die "step 'context $name': copying $* failed"
  { echo "FROM $from"; cat; } >"$ctx/Dockerfile"
  echo "$ctx"
}

build_images() {
  debian_image
  local ctx
  ctx="$(component_context netbase "$DEBIAN" </dev/null)"
  cat >>"$ctx/Dockerfile" <<'EOF'
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      iptables conntrack ipset kmod iproute2 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin
EOF
  kbuild "$NETBASE" "$ctx"

  # The node base image.
  ctx="$DIR/contexts/base"
  rm -rf "$ctx"; mkdir -p "$ctx"
  cp "$SRC/base/Dockerfile" "$SRC/base/ctr-compat" "$ctx/"
  local kind_src
  kind_src="$(cd / && go_env && GOFLAGS= go mod download -json "sigs.k8s.io/kind@$KIND_VERSION" | jq -r .Dir)"
  [ -d "$kind_src/images/base/files" ] || die "step 'base context': kind's node files not found in $kind_src"
  cp -r "$kind_src/images/base/files" "$ctx/files"
  chmod -R u+w "$ctx/files"
  cp "$BIN/crictl" "$ctx/"
  kbuild "$BASE_IMAGE" "$ctx"

  local k=$K8S_VERSION
  kbuild "$IMG_APISERVER" "$(component_context apiserver "$DEBIAN" "$KUBE_BIN/kube-apiserver" <<EOF
COPY kube-apiserver /usr/local/bin/kube-apiserver
LABEL omrs.test.source="k8s.io/kubernetes $k, built by the harness kube engine"
EOF
)"
  kbuild "$IMG_CM" "$(component_context controller-manager "$DEBIAN" "$KUBE_BIN/kube-controller-manager" <<EOF
COPY kube-controller-manager /usr/local/bin/kube-controller-manager
LABEL omrs.test.source="k8s.io/kubernetes $k, built by the harness kube engine"
EOF
)"
  kbuild "$IMG_SCHED" "$(component_context scheduler "$DEBIAN" "$KUBE_BIN/kube-scheduler" <<EOF
COPY kube-scheduler /usr/local/bin/kube-scheduler
LABEL omrs.test.source="k8s.io/kubernetes $k, built by the harness kube engine"
EOF
)"
  kbuild "$IMG_ETCD" "$(component_context etcd "$DEBIAN" "$KUBE_BIN/etcd" <<EOF
COPY etcd /usr/local/bin/etcd
LABEL omrs.test.source="go.etcd.io/etcd/server/v3 $ETCD_VERSION, built by the harness kube engine"
EOF
)"
  # kube-proxy picks the iptables backend that already holds the node's rules, as the node does.
  ctx="$(component_context kube-proxy "$NETBASE" "$BIN/kube-proxy" "$SRC/images/kube-proxy-launcher" <<EOF
COPY kube-proxy /usr/local/bin/kube-proxy.bin
COPY kube-proxy-launcher /usr/local/bin/kube-proxy
LABEL omrs.test.source="k8s.io/kubernetes $k"
EOF
)"
  kbuild "$IMG_PROXY" "$ctx"
  kbuild "$IMG_KINDNETD" "$(component_context kindnetd "$NETBASE" "$BIN/kindnetd-standin" <<'EOF'
COPY kindnetd-standin /bin/kindnetd
CMD ["/bin/kindnetd"]
LABEL omrs.test.source="test/harness/kind/nodebin/kindnetd-standin: the harness's kindnetd STAND-IN (test code)"
EOF
)"
  kbuild "$IMG_COREDNS" "$(component_context coredns "$DEBIAN" "$BIN/coredns" <<EOF
COPY coredns /coredns
ENTRYPOINT ["/coredns"]
LABEL omrs.test.source="github.com/coredns/coredns $COREDNS_VERSION (kubeadm's tag names v1.11.3)"
EOF
)"
  kbuild "$IMG_LPP" "$(component_context local-path-provisioner "$DEBIAN" "$BIN/local-path-provisioner" <<EOF
COPY local-path-provisioner /usr/local/bin/local-path-provisioner
LABEL omrs.test.source="github.com/rancher/local-path-provisioner $LPP_VERSION"
EOF
)"
  kbuild "$IMG_LPH" "$(component_context local-path-helper "$DEBIAN" <<'EOF'
LABEL omrs.test.source="Debian bookworm (the helper pods run sh, mkdir, rm)"
EOF
)"
  kbuild "$IMG_TRAEFIK" "$(component_context traefik "$DEBIAN" "$BIN/traefik" <<EOF
COPY traefik /usr/local/bin/traefik
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/traefik"]
LABEL omrs.test.source="github.com/traefik/traefik/v3 $TRAEFIK_VERSION"
EOF
)"
  kbuild "$IMG_KUBE_ROUTER" "$(component_context kube-router "$NETBASE" "$BIN/kube-router" <<EOF
COPY kube-router /usr/local/bin/kube-router
ENTRYPOINT ["/usr/local/bin/kube-router"]
LABEL omrs.test.source="github.com/cloudnativelabs/kube-router/v2 $KUBE_ROUTER_VERSION"
EOF
)"
  kbuild "$IMG_PAUSE" "$(component_context pause scratch "$BIN/pause" <<'EOF'
COPY pause /pause
USER 65535:65535
ENTRYPOINT ["/pause"]
LABEL omrs.test.source="k8s.io/kubernetes build/pause/linux/pause.c"
EOF
)"
}

# --- node image --------------------------------------------------------------------------------
# kind's `build node-image --type file` takes a kubernetes-server tarball: kubeadm, kubelet and kubectl
# plus four image archives, whose tags it treats as built; every other image kubeadm or kind's manifests
# name it fetches from a registry. So the archive of kube-proxy also carries the other images. kind reads
# an archive's tags from the first of `repositories` and `manifest.json` (only the first image of the
# latter), containerd imports by manifest.json: both list every image under its fully qualified name
# (docker save shortens docker.io/ ones, which kind would then not recognise), `repositories` first.
save_archive() { # OUT TAG...
  local out=$1; shift
  local tmp="$out.d" tags='{}' repos='{}' t short
  rm -rf "$tmp"; mkdir -p "$tmp"
  kdocker save "$@" | tar -C "$tmp" -xf -
  for t in "$@"; do
    short=${t#docker.io/}; short=${short#library/}
    tags="$(jq -c --arg k "$short" --arg v "$t" '. + {($k): $v}' <<<"$tags")"
    repos="$(jq -c --arg k "${short%:*}" --arg v "${t%:*}" '. + {($k): $v}' <<<"$repos")"
  done
  jq --argjson tags "$tags" 'map(.RepoTags |= map($tags[.] // .))' "$tmp/manifest.json" >"$tmp/manifest.json.new"
  mv -f "$tmp/manifest.json.new" "$tmp/manifest.json"
  jq --argjson repos "$repos" 'with_entries(.key |= ($repos[.] // .))' "$tmp/repositories" >"$tmp/repositories.new"
  mv -f "$tmp/repositories.new" "$tmp/repositories"
  (cd "$tmp" && find . -mindepth 1 -maxdepth 1 ! -name manifest.json ! -name repositories -printf '%P\n' |
    LC_ALL=C sort >../.members && tar -cf "$out" repositories manifest.json -T ../.members && rm -f ../.members)
  rm -rf "$tmp"
}

server_tarball() {
  local tb="$DIR/kubernetes-server-linux-amd64.tar.gz" work="$DIR/server"
  rm -rf "$work"; mkdir -p "$work/kubernetes/server/bin"
  echo "$K8S_VERSION" >"$work/kubernetes/version"
  cp "$BIN/kubeadm" "$BIN/kubelet" "$BIN/kubectl" "$work/kubernetes/server/bin/"
  local b="$work/kubernetes/server/bin"
  save_archive "$b/kube-apiserver.tar" "$IMG_APISERVER"
  save_archive "$b/kube-controller-manager.tar" "$IMG_CM"
  save_archive "$b/kube-scheduler.tar" "$IMG_SCHED"
  save_archive "$b/kube-proxy.tar" "$IMG_PROXY" "$IMG_PAUSE" "$IMG_ETCD" "$IMG_COREDNS" "$IMG_KINDNETD" "$IMG_LPP" "$IMG_LPH"
  tar -C "$work" -cf - kubernetes | gzip -1 >"$tb.tmp" && mv -f "$tb.tmp" "$tb"
  rm -rf "$work"
}

# The node image is rebuilt when any input image or binary changed: its label holds their ids.
node_inputs_hash() {
  {
    kdocker image inspect -f '{{.Id}}' "$BASE_IMAGE" "$IMG_APISERVER" "$IMG_CM" "$IMG_SCHED" "$IMG_PROXY" \
      "$IMG_PAUSE" "$IMG_ETCD" "$IMG_COREDNS" "$IMG_KINDNETD" "$IMG_LPP" "$IMG_LPH"
    sha256sum "$BIN/kubeadm" "$BIN/kubelet" "$BIN/kubectl" | cut -c1-64
  } | sha256sum | cut -c1-16
}

node_image() {
  local want; want="$(node_inputs_hash)"
  [ "$(label_of "$NODE_IMAGE")" = "$want" ] && return 0
  step "kubernetes-server tarball for kind" server_tarball
  step "kind build node-image $NODE_IMAGE" kindc build node-image --type file \
    "$DIR/kubernetes-server-linux-amd64.tar.gz" --base-image "$BASE_IMAGE" --image "$NODE_IMAGE.unlabelled"
  # kind's builder commits without labels; add the inputs' hash so a warm `up` skips all of this.
  step "label $NODE_IMAGE" sh -c "printf 'FROM %s\nLABEL %s=%s\n' '$NODE_IMAGE.unlabelled' '$LABEL' '$want' |
    DOCKER_API_VERSION=1.41 DOCKER_HOST='unix://$KD_SOCK' DOCKER_BUILDKIT=0 docker build --pull=false -t '$NODE_IMAGE' -"
  kdocker rmi "$NODE_IMAGE.unlabelled" >/dev/null 2>&1 || true
  kdocker image prune -f >/dev/null 2>&1 || true   # the previous node image (1.2 GB), now untagged
  rm -f "$DIR/kubernetes-server-linux-amd64.tar.gz"
}

build() {
  mkdir -p "$DIR" "$LOGS"
  build_binaries
  kd_start
  build_images
  node_image
}

# --- cluster ----------------------------------------------------------------------------------
# The "kind" network exists before kind looks for it, on a bridge of a known name (kd_forward_rules).
kind_network() {
  kdocker network inspect kind >/dev/null 2>&1 && return 0
  kdocker network create -d bridge -o "com.docker.network.bridge.name=$KIND_NET_BRIDGE" \
    -o com.docker.network.bridge.enable_ip_masquerade=false --subnet "$KIND_NET_SUBNET" \
    --gateway "$KIND_NET_GATEWAY" kind >>"$LOG" 2>&1 ||
    die "step 'kind network': docker network create failed (log: $LOG)"
}

cluster_nodes() { kdocker ps -a --filter "label=io.x-k8s.kind.cluster=$CLUSTER" --format '{{.Names}} {{.State}}'; }
nodes_ready() {
  local out; out="$(kc get nodes -o 'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null)" || return 1
  [ -n "$out" ] && ! grep -qv '^True$' <<<"$out" && [ "$(grep -c . <<<"$out")" = "$(cluster_nodes | grep -c .)" ]
}

# The node containers whose image is not the current node image (built again since they started).
stale_nodes() {
  local want n; want="$(kdocker image inspect -f '{{.Id}}' "$NODE_IMAGE")"
  for n in $(cluster_nodes | awk '{print $1}'); do
    [ "$(kdocker inspect -f '{{.Image}}' "$n")" = "$want" ] || echo "$n"
  done
}

config_hash() { sha256sum "$CLUSTER_CONFIG" | cut -c1-64; }

cluster() {
  local nodes stale config; nodes="$(cluster_nodes)"; stale="$(stale_nodes)"; config="$(config_hash)"
  if [ -n "$nodes" ] && [ -z "$stale" ] && ! grep -qv ' running$' <<<"$nodes" && [ -s "$KUBECONFIG_FILE" ] &&
    [ "$(cat "$CONFIG_STAMP" 2>/dev/null)" = "$config" ] && kc get --raw /readyz >/dev/null 2>&1; then
    log "cluster $CLUSTER runs ($(grep -c . <<<"$nodes") nodes)"
  else
    if [ -n "$stale" ]; then
      step "kind delete cluster $CLUSTER (its nodes run an older node image)" kindc delete cluster --name "$CLUSTER"
    elif [ -n "$nodes" ] && [ "$(cat "$CONFIG_STAMP" 2>/dev/null)" != "$config" ]; then
      step "kind delete cluster $CLUSTER ($CLUSTER_CONFIG changed since it was created)" kindc delete cluster --name "$CLUSTER"
    elif [ -n "$nodes" ]; then
      step "kind delete cluster $CLUSTER (not all nodes run)" kindc delete cluster --name "$CLUSTER"
    fi
    kind_network
    step "kind create cluster $CLUSTER ($CLUSTER_CONFIG)" kindc create cluster --name "$CLUSTER" --image "$NODE_IMAGE" \
      --config "$CLUSTER_CONFIG" --kubeconfig "$KUBECONFIG_FILE" --retain
    echo "$config" >"$CONFIG_STAMP"
    kdocker image prune -f >/dev/null 2>&1 || true   # an older node image the deleted nodes still held
  fi
  local end=$((SECONDS + 300))
  until nodes_ready; do
    [ $SECONDS -lt $end ] || { kc get nodes -o wide >&2 || true; die "step 'nodes Ready': not all nodes Ready within 300s (log: $LOG)"; }
    sleep 3
  done
  registry_route
  registry_hosts
  load_probe_image
  load_kubectl_image
  ingress_controller
  network_policies
}

# The harness registry listens on the host's loopback. A connection from the kind network to the
# host's address on it, port $REGISTRY_PORT, is sent there (route_localnet lets the kernel route a
# packet from the bridge to 127.0.0.1); nothing else reaches the registry from outside the host.
REGISTRY_RULE=(PREROUTING -i "$KIND_NET_BRIDGE" -d "$KIND_NET_GATEWAY" -p tcp --dport "$REGISTRY_PORT"
  -j DNAT --to-destination "127.0.0.1:$REGISTRY_PORT")
registry_route() {
  sysctl -qw "net.ipv4.conf.$KIND_NET_BRIDGE.route_localnet=1" ||
    die "step 'registry route': sysctl net.ipv4.conf.$KIND_NET_BRIDGE.route_localnet=1 failed"
  registry_routed || iptables -t nat -I "${REGISTRY_RULE[@]}" ||
    die "step 'registry route': iptables -t nat -I ${REGISTRY_RULE[*]} failed"
}
registry_routed() {
  iptables -t nat -C "${REGISTRY_RULE[@]}" 2>/dev/null &&
    [ "$(sysctl -n "net.ipv4.conf.$KIND_NET_BRIDGE.route_localnet" 2>/dev/null)" = 1 ]
}

# Every node's containerd pulls 127.0.0.1:$REGISTRY_PORT/… from the harness registry through that
# route (kind/dev.yaml points containerd at /etc/containerd/certs.d; the file is read on each pull).
registry_hosts() {
  local n dir="/etc/containerd/certs.d/127.0.0.1:$REGISTRY_PORT" hosts
  hosts="$(printf 'server = "http://%s:%s"\n\n[host."http://%s:%s"]\n  capabilities = ["pull", "resolve"]\n' \
    "$KIND_NET_GATEWAY" "$REGISTRY_PORT" "$KIND_NET_GATEWAY" "$REGISTRY_PORT")"
  for n in $(cluster_nodes | awk '{print $1}'); do
    kdocker exec -i "$n" sh -c "mkdir -p '$dir' && cat >'$dir/hosts.toml'" <<<"$hosts" ||
      die "step 'registry hosts': writing $dir/hosts.toml in node $n failed"
  done
}

# load_image IMAGE: into every node's containerd unless all have it, the same image id as in the
# kind engine (a rebuilt image keeps its tag).
load_image() {
  local n missing=0 id; id="$(kdocker image inspect -f '{{.Id}}' "$1")"
  for n in $(cluster_nodes | awk '{print $1}'); do
    [ "$(kdocker exec "$n" crictl inspecti -o go-template --template '{{.status.id}}' "$1" 2>/dev/null)" = "$id" ] || missing=1
  done
  [ $missing = 0 ] || step "kind load docker-image $1" kindc load docker-image --name "$CLUSTER" "$1"
}

# Traefik as the cluster's ingress controller, on NodePorts $INGRESS_HTTP_PORT/$INGRESS_HTTPS_PORT.
ingress_controller() {
  load_image "$IMG_TRAEFIK"
  sed "s#IMAGE#$IMG_TRAEFIK#" "$INGRESS_MANIFEST" | kc apply -f - >>"$LOG" 2>&1 ||
    die "step 'ingress controller': kubectl apply of $INGRESS_MANIFEST failed (log: $LOG)"
  kc -n omrs-ingress rollout status deployment/traefik --timeout=180s >>"$LOG" 2>&1 ||
    die "step 'ingress controller': traefik did not become ready within 180s (kubectl --kubeconfig $KUBECONFIG_FILE -n omrs-ingress get pods)"
}
# kube-router's firewall on every node: the cluster's NetworkPolicies are enforced.
network_policies() {
  load_image "$IMG_KUBE_ROUTER"
  # The image id in the pod template: a rebuilt image (same tag) rolls the DaemonSet.
  sed -e "s#IMAGE_ID#$(kdocker image inspect -f '{{.Id}}' "$IMG_KUBE_ROUTER")#" -e "s#IMAGE#$IMG_KUBE_ROUTER#" "$NETPOL_MANIFEST" |
    kc apply -f - >>"$LOG" 2>&1 ||
    die "step 'network policies': kubectl apply of $NETPOL_MANIFEST failed (log: $LOG)"
  kc -n kube-system rollout status daemonset/kube-router --timeout=180s >>"$LOG" 2>&1 ||
    die "step 'network policies': kube-router is not ready on every node within 180s (kubectl --kubeconfig $KUBECONFIG_FILE -n kube-system get pods -l k8s-app=kube-router)"
}
netpol_ready() {
  local ds; ds="$(kc -n kube-system get daemonset kube-router -o 'jsonpath={.status.desiredNumberScheduled} {.status.numberReady}' 2>/dev/null)" || return 1
  [ -n "${ds% *}" ] && [ "${ds% *}" = "${ds#* }" ]
}
ingress_ready() {
  [ "$(kc -n omrs-ingress get deployment traefik -o 'jsonpath={.status.readyReplicas}' 2>/dev/null)" = 1 ]
}
node_address() { kdocker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$CLUSTER-control-plane"; }

# The probe image comes from the main engine (images engine) into the nodes' containerd.
load_probe_image() {
  local id; id="$(mdocker image inspect -f '{{.Id}}' "$PROBE_IMAGE" 2>/dev/null)" || die "step 'probe image': $PROBE_IMAGE missing in the main docker engine; run: npm run engines -- up images"
  [ "$(kdocker image inspect -f '{{.Id}}' "$PROBE_IMAGE" 2>/dev/null)" = "$id" ] || mdocker save "$PROBE_IMAGE" | kdocker load >>"$LOG" 2>&1
  load_image "$PROBE_IMAGE"
}

# The gc CronJob's image (any image with sh and kubectl): busybox and the kubectl built here, as
# the CronJob runs it (non-root, read-only root).
load_kubectl_image() {
  kbuild "$IMG_KUBECTL" "$(component_context kubectl "$PROBE_IMAGE" "$BIN/kubectl" <<EOF
COPY kubectl /bin/kubectl
LABEL omrs.test.source="k8s.io/kubernetes $K8S_VERSION cmd/kubectl, on $PROBE_IMAGE"
EOF
)"
  load_image "$IMG_KUBECTL"
}

# A pod of a locally built image runs on a real kubelet and becomes Ready, then goes away.
pod_runs() {
  local ns=default pod="omrs-kind-probe-$$-$RANDOM"
  kc -n "$ns" run "$pod" --image="$PROBE_IMAGE" --image-pull-policy=Never --restart=Never \
    --labels=omrs.dev/harness-probe=true --command -- sh -c 'echo omrs-kind-probe-ready; exec sleep 300' >/dev/null &&
    kc -n "$ns" wait --for=condition=Ready "pod/$pod" --timeout=120s >/dev/null &&
    kc -n "$ns" logs "$pod" | grep -qx omrs-kind-probe-ready
  local rc=$?
  kc -n "$ns" delete pod "$pod" --wait=false --grace-period=0 --force >/dev/null 2>&1 || true
  return $rc
}

# The host's address on the kind network, read from its bridge: Docker 20.10 leaves the gateway out
# of a network's IPAM config unless it was given at creation (older harness networks were not).
host_address() {
  local a; a="$(ip -4 -o addr show dev "$KIND_NET_BRIDGE" 2>/dev/null | awk '{print $4; exit}')"
  [ -n "$a" ] || die "step 'state': bridge $KIND_NET_BRIDGE of the kind network has no IPv4 address (ip -4 addr show dev $KIND_NET_BRIDGE)"
  echo "${a%/*}"
}

write_state() {
  local server; server="$(kc config view --minify -o 'jsonpath={.clusters[0].cluster.server}')"
  local node; node="$(node_address)"
  local host; host="$(host_address)"
  printf '{"kubeconfig":"%s","context":"kind-%s","cluster":"%s","server":"%s","dockerHost":"unix://%s","nodeImage":"%s","kind":"%s","kubectl":"%s","kubectlImage":"%s","nodes":%s,"hostAddress":"%s","ingress":{"http":"http://%s:%s","https":"https://%s:%s","namespace":"omrs-ingress"}}\n' \
    "$KUBECONFIG_FILE" "$CLUSTER" "$CLUSTER" "$server" "$KD_SOCK" "$NODE_IMAGE" "$BIN/kind" "$BIN/kubectl" "$IMG_KUBECTL" \
    "$(cluster_nodes | grep -c .)" "$host" "$node" "$INGRESS_HTTP_PORT" "$node" "$INGRESS_HTTPS_PORT" >"$STATE.tmp" && mv -f "$STATE.tmp" "$STATE"
}

lock() {
  mkdir -p "$CACHE/locks"
  exec 9>"$CACHE/locks/kind.lock"
  flock -w 3600 9 || die "step 'lock': another 'up' or 'stop' held $CACHE/locks/kind.lock for 60 min"
}

up() {
  local t0=$SECONDS
  mkdir -p "$LOGS" "$CACHE/state"
  command -v jq >/dev/null || die "step 'tools': jq is missing; run: npm run engines -- up tools"
  command -v dockerd >/dev/null || die "step 'tools': dockerd is missing; run: npm run engines -- up docker"
  rm -f "$STATE"
  build
  cluster
  pod_runs || die "step 'pod runs': a $PROBE_IMAGE pod did not become Ready (kubectl --kubeconfig $KUBECONFIG_FILE get pods -A)"
  write_state
  log "ready in $((SECONDS - t0))s: kubectl --kubeconfig $KUBECONFIG_FILE get nodes"
}

status() {
  kd_answers || { echo "kind: down (no kind dockerd on $KD_SOCK)"; return 1; }
  [ -f "$STATE" ] || { echo "kind: down (no state file)"; return 1; }
  nodes_ready || { echo "kind: down (cluster $CLUSTER: not every node is Ready)"; return 1; }
  pod_runs || { echo "kind: down (cluster $CLUSTER: a probe pod did not run to Ready)"; return 1; }
  ingress_ready || { echo "kind: down (cluster $CLUSTER: the ingress controller omrs-ingress/traefik is not ready)"; return 1; }
  netpol_ready || { echo "kind: down (cluster $CLUSTER: kube-system/kube-router, the NetworkPolicy enforcement, is not ready on every node)"; return 1; }
  registry_routed || { echo "kind: down (no route from the kind network to the harness registry on 127.0.0.1:$REGISTRY_PORT)"; return 1; }
  echo "kind: up (cluster $CLUSTER, $(cluster_nodes | grep -c .) nodes Ready, a pod ran, ingress on :$INGRESS_HTTP_PORT/:$INGRESS_HTTPS_PORT, NetworkPolicies enforced, nodes pull from 127.0.0.1:$REGISTRY_PORT; $KUBECONFIG_FILE)"
}

stop() {
  rm -f "$STATE"
  if kd_answers && [ -x "$BIN/kind" ] && [ -n "$(cluster_nodes)" ]; then
    kindc delete cluster --name "$CLUSTER" >>"$LOG" 2>&1 || true
  fi
  kd_stop
  echo "kind: stopped (images and binaries kept in $DIR and $KD_DATA)"
}

main() {
  case "${1:-up}" in
    up) lock; up ;;
    build) lock; build ;;
    status) status ;;
    stop) lock; stop ;;
    *) echo "usage: $0 up|status|stop|build" >&2; exit 2 ;;
  esac
}
# One line: bash has read it all before it runs, so an edit of this file during a long `up` is harmless.
main "$@"; exit $?
