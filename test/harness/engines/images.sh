#!/usr/bin/env bash
# Test images, built locally (no registry can be reached, nothing is pulled):
#   omrs-test/debian:bookworm  debootstrap --variant=minbase rootfs, imported (tarball cached)
#   omrs-test/busybox:1        busybox-static rootfs, imported (a 2 MB image for one-shot jobs)
#   omrs-test/mariadb:10.11    real MariaDB (test/harness/images/mariadb)
#   omrs-test/gateway:1        real nginx with the OpenMRS 3 gateway routes (images/gateway)
#   omrs-test/frontend:1       real nginx serving a static stand-in SPA (images/frontend)
#   omrs-test/backend:1        the OpenMRS backend STAND-IN (images/backend-standin, Go)
#   omrs-test/aws-cli:1        the AWS CLI from Debian (images/aws-cli): the backup's S3 upload
#   omrs-test/prometheus:3     real Prometheus 3 (images/prometheus), Go module from the proxy,
#                              only Kubernetes service discovery compiled in, no web UI assets
#   omrs-test/mysqld-exporter:0.16  real Prometheus MySQL exporter (images/mysqld-exporter), Go
#                              module from the proxy
#   omrs-test/victoria-logs:1.52  real VictoriaLogs, the log store (images/victoria-logs), Go module
#   omrs-test/vlagent:1.52     real vlagent, its log shipper (images/vlagent), same module
#   omrs-test/pushgateway:1.11 real Prometheus Pushgateway (images/pushgateway), Go module: where
#                              the backups report their successes
#   omrs-test/node-exporter:1.9 real Prometheus node exporter (images/node-exporter), Go module:
#                              how full the database's volume is
#   omrs-test/nginx-exporter:1.4 real NGINX Prometheus exporter (images/nginx-exporter), Go module:
#                              the gateway's metrics from its stub_status
#   omrs-test/blackbox-exporter:0.27 real Prometheus blackbox exporter (images/blackbox-exporter),
#                              Go module: the certificates the Ingress hosts serve
# The Go binaries are built with test/harness/lib/go.sh and cached by module version under
# $CACHE/images/<name>/<version>/; both images are FROM omrs-test/busybox:1.
# An image is rebuilt only when it is missing or the hash of its inputs (build context, base
# image id) differs from its label omrs.test.context-hash. Needs the docker engine.
set -euo pipefail
case ":$PATH:" in *:/usr/sbin:*) ;; *) export PATH="$PATH:/usr/local/sbin:/usr/sbin:/sbin" ;; esac
CACHE="${OMRS_HARNESS_CACHE:-/var/cache/omrs-harness}"
ROOT="${OMRS_PROJECT_ROOT:?OMRS_PROJECT_ROOT is not set (run through test/harness/engines.sh)}"
FIXTURES="${OMRS_FIXTURES:?OMRS_FIXTURES is not set (run through test/harness/engines.sh)}"
SRC="$ROOT/test/harness/images"
STATE="$CACHE/state/images.json"
DIR="$CACHE/images"
LOG="$CACHE/logs/images.log"
export DOCKER_API_VERSION="${DOCKER_API_VERSION:-1.41}" DOCKER_HOST=unix:///var/run/docker.sock
# go may be installed without being on PATH (e.g. /usr/local/go from the official tarball).
[ -x /usr/local/go/bin/go ] && case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) export PATH="$PATH:/usr/local/go/bin" ;; esac
mkdir -p "$CACHE/state" "$CACHE/logs" "$DIR/rootfs"

SUITE=bookworm
ROOTFS_REV=1          # bump to rebuild the debian rootfs tarball
BASE=omrs-test/debian:bookworm
BUSYBOX=omrs-test/busybox:1
MARIADB=omrs-test/mariadb:10.11
GATEWAY=omrs-test/gateway:1
FRONTEND=omrs-test/frontend:1
BACKEND=omrs-test/backend:1
AWSCLI=omrs-test/aws-cli:1
PROMETHEUS=omrs-test/prometheus:3
MYSQLD_EXPORTER=omrs-test/mysqld-exporter:0.16
VICTORIA_LOGS=omrs-test/victoria-logs:1.52
VLAGENT=omrs-test/vlagent:1.52
PUSHGATEWAY=omrs-test/pushgateway:1.11
NODE_EXPORTER=omrs-test/node-exporter:1.9
NGINX_EXPORTER=omrs-test/nginx-exporter:1.4
BLACKBOX_EXPORTER=omrs-test/blackbox-exporter:0.27
LABEL=omrs.test.context-hash
# Go modules built into images. The binaries are cached by module version: after changing the
# tags or ldflags below without a new version, delete $CACHE/images/<name>/<version>/.
PROMETHEUS_MODULE=github.com/prometheus/prometheus
PROMETHEUS_MODULE_VERSION=v0.316.0   # Prometheus 3.16.0 (3.x is tagged v0.3XX.Y for Go)
PROMETHEUS_VERSION=3.16.0            # its VERSION file: what `prometheus --version` prints
# plugins/*.go: only Kubernetes and DNS service discovery (+ static, file, http); the chart finds
# the gateway replicas by DNS.
PROMETHEUS_TAGS=remove_all_sd,enable_kubernetes_sd,enable_dns_sd
MYSQLD_EXPORTER_MODULE=github.com/prometheus/mysqld_exporter
MYSQLD_EXPORTER_VERSION=v0.16.0
VICTORIA_LOGS_MODULE=github.com/VictoriaMetrics/VictoriaLogs
VICTORIA_LOGS_VERSION=v1.52.2
PUSHGATEWAY_MODULE=github.com/prometheus/pushgateway
PUSHGATEWAY_VERSION=v1.11.5
NODE_EXPORTER_MODULE=github.com/prometheus/node_exporter
NODE_EXPORTER_VERSION=v1.9.1
# The module's old path: the proxy serves no version of github.com/nginx/nginx-prometheus-exporter.
NGINX_EXPORTER_MODULE=github.com/nginxinc/nginx-prometheus-exporter
NGINX_EXPORTER_VERSION=v1.4.0
# The proxy lists no version of it, but serves this one when asked by name.
BLACKBOX_EXPORTER_MODULE=github.com/prometheus/blackbox_exporter
BLACKBOX_EXPORTER_VERSION=v0.27.0

fail() { echo "images: $1 (log: $LOG)" >&2; exit 1; }
# shellcheck source=../lib/go.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/go.sh"
# shellcheck source=../lib/apt.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/apt.sh"
step() { echo "=== $(date -Is) $*" >>"$LOG"; }
label_of() { docker image inspect -f "{{index .Config.Labels \"$LABEL\"}}" "$1" 2>/dev/null || true; }
# Hash of the files of a directory: names and contents.
tree_hash() { (cd "$1" && find . -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-16; }

require_docker() {
  timeout 10 docker info >/dev/null 2>&1 || fail "step 'docker': the docker engine does not answer; run: npm run engines -- up docker"
}

ensure_tools() {
  local missing=()
  command -v debootstrap >/dev/null || missing+=(debootstrap)
  dpkg -s busybox-static >/dev/null 2>&1 || missing+=(busybox-static)
  command -v go >/dev/null || fail "step 'tools': go is not on PATH (needed to build the backend stand-in, Prometheus and mysqld_exporter)"
  if [ ${#missing[@]} -gt 0 ]; then
    echo "    installing ${missing[*]} (apt)"
    step "apt-get install ${missing[*]}"
    apt_install "$LOG" "${missing[@]}" || fail "step 'apt-get install ${missing[*]}' failed"
  fi
}

base_image() {
  local tar="$DIR/rootfs/debian-$SUITE-minbase-r$ROOTFS_REV.tar"
  local want="rootfs-$SUITE-r$ROOTFS_REV"
  [ "$(label_of "$BASE")" = "$want" ] && return 0
  if [ ! -s "$tar" ]; then
    echo "    debootstrap --variant=minbase $SUITE (log: $LOG)"
    step "debootstrap"
    local t0; t0=$(date +%s)
    local root="$DIR/rootfs/.build-$SUITE"
    rm -rf "$root"
    debootstrap --variant=minbase "$SUITE" "$root" http://deb.debian.org/debian >>"$LOG" 2>&1 \
      || fail "step 'debootstrap $SUITE' failed"
    # Like docker's own debian images: updates and security sources, no daemons started by
    # package scripts, no recommends, no docs, no apt caches.
    cat >"$root/etc/apt/sources.list" <<EOF
deb http://deb.debian.org/debian $SUITE main
deb http://deb.debian.org/debian $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
    printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"; chmod +x "$root/usr/sbin/policy-rc.d"
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$root/etc/apt/apt.conf.d/90omrs-test"
    printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/info/*\npath-exclude /usr/share/locale/*\npath-include /usr/share/locale/locale.alias\n' \
      >"$root/etc/dpkg/dpkg.cfg.d/90omrs-test"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
      "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/var/log/*.log
    tar --numeric-owner -C "$root" -cf "$tar.tmp" . || fail "step 'tar the rootfs' failed"
    mv "$tar.tmp" "$tar"
    rm -rf "$root"
    echo "    rootfs built in $(( $(date +%s) - t0 ))s ($(du -h "$tar" | cut -f1))"
  fi
  step "docker import $BASE"
  docker import --change "LABEL $LABEL=$want" --change 'CMD ["/bin/bash"]' \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' "$tar" "$BASE" >>"$LOG" 2>&1 \
    || fail "step 'docker import $BASE' failed"
  echo "    imported $BASE"
}

busybox_image() {
  local ver; ver="$(dpkg-query -W -f '${Version}' busybox-static)"
  local want="busybox-$ver"
  [ "$(label_of "$BUSYBOX")" = "$want" ] && return 0
  local tar="$DIR/rootfs/busybox-${ver//[:+~]/_}.tar" root="$DIR/rootfs/.build-busybox"
  if [ ! -s "$tar" ]; then
    step "busybox rootfs $ver"
    rm -rf "$root"; mkdir -p "$root"/{bin,etc,tmp,root,var/www,proc,sys,dev}
    chmod 1777 "$root/tmp"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
      [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
    done
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
    tar --numeric-owner -C "$root" -cf "$tar.tmp" . && mv "$tar.tmp" "$tar" || fail "step 'busybox rootfs' failed"
    rm -rf "$root"
  fi
  step "docker import $BUSYBOX"
  docker import --change "LABEL $LABEL=$want" --change 'CMD ["sh"]' --change 'ENV PATH=/bin' "$tar" "$BUSYBOX" >>"$LOG" 2>&1 \
    || fail "step 'docker import $BUSYBOX' failed"
  echo "    imported $BUSYBOX"
}

# build TAG CONTEXT_DIR [FROM]: docker build unless the image carries the hash of CONTEXT_DIR + the
# id of its base image FROM (default the debian base).
build() {
  local tag="$1" ctx="$2" from="${3:-$BASE}" base_id hash
  base_id="$(docker image inspect -f '{{.Id}}' "$from")"
  hash="$(printf '%s %s' "$(tree_hash "$ctx")" "$base_id" | sha256sum | cut -c1-16)"
  if [ "$(label_of "$tag")" = "$hash" ]; then return 0; fi
  echo "    docker build $tag (log: $LOG)"
  step "docker build $tag from $ctx"
  local t0; t0=$(date +%s)
  DOCKER_BUILDKIT=0 docker build --pull=false --label "$LABEL=$hash" -t "$tag" "$ctx" >>"$LOG" 2>&1 \
    || fail "step 'docker build $tag' failed"
  echo "    built $tag in $(( $(date +%s) - t0 ))s"
}

backend_context() {
  # The Go binary is built on the host and cached by the hash of its sources.
  local src="$SRC/backend-standin" srchash bin ctx="$DIR/backend-context"
  srchash="$(tree_hash "$src")"
  bin="$DIR/backend-standin/$srchash/openmrs-standin"
  if [ ! -x "$bin" ]; then
    echo "    go build the backend stand-in"
    step "go build backend-standin"
    mkdir -p "$(dirname "$bin")"
    (cd "$src" && CGO_ENABLED=0 GOFLAGS=-buildvcs=false go build -trimpath -ldflags='-s -w' -o "$bin.tmp" .) >>"$LOG" 2>&1 \
      || fail "step 'go build backend-standin' failed"
    mv "$bin.tmp" "$bin"
  fi
  rm -rf "$ctx.tmp"; mkdir -p "$ctx.tmp/sql"
  cp "$src/Dockerfile" "$ctx.tmp/"
  cp "$bin" "$ctx.tmp/openmrs-standin"
  cp "$FIXTURES/openmrs-2.8-schema.sql" "$FIXTURES/openmrs-2.8-core-data.sql" "$ctx.tmp/sql/" \
    || fail "step 'backend context': fixture SQL missing under $FIXTURES"
  chmod 0644 "$ctx.tmp"/sql/*
  rm -rf "$ctx"; mv "$ctx.tmp" "$ctx"
  BACKEND_CTX="$ctx"
}

# go_module_binary NAME MODULE VERSION PACKAGE BINARY LDFLAGS [TAGS]: the static binary of a Go
# module version from the proxy (lib/go.sh, CGO off), built once into $DIR/NAME/VERSION/BINARY.
# Sets GO_BIN. go_build_module exports the harness's Go environment: run it in a subshell so the
# backend stand-in build keeps its own.
go_module_binary() {
  local name="$1" module="$2" version="$3" package="$4" binary="$5" ldflags="$6" tags="${7:-}"
  # The tags are part of the key: the same version built with other plugins is another binary.
  GO_BIN="$DIR/$name/$version${tags:+-${tags//,/-}}/$binary"
  [ -x "$GO_BIN" ] && return 0
  echo "    go build $module@$version${tags:+ (tags $tags)} from the Go module proxy (log: $LOG)"
  step "go build $module@$version"
  local t0=$SECONDS
  ( go_build_module "$module" "$version" "$package" "$GO_BIN" "$ldflags" "$LOG" "$tags" ) || exit 1
  echo "    $binary $version built in $(( SECONDS - t0 ))s ($(du -h "$GO_BIN" | cut -f1))"
}

# version_ldflags VERSION REVISION: strip, and the prometheus/common/version fields as upstream's
# .promu.yml sets them (the proxy does not record every module's commit: REVISION is its version).
version_ldflags() {
  local v=github.com/prometheus/common/version
  printf -- '-s -w -X %s.Version=%s -X %s.Revision=%s -X %s.Branch=HEAD -X %s.BuildUser=omrs-harness -X %s.BuildDate=%s' \
    "$v" "$1" "$v" "$2" "$v" "$v" "$v" "$(date -u +%Y%m%d-%H:%M:%S)"
}

# go_image_context NAME BINARY: $DIR/NAME-context = the files of images/NAME + the binary GO_BIN.
# Sets GO_CTX.
go_image_context() {
  local name="$1" binary="$2" ctx="$DIR/$1-context"
  rm -rf "$ctx.tmp"; mkdir -p "$ctx.tmp"
  cp -r "$SRC/$name/." "$ctx.tmp/"
  cp "$GO_BIN" "$ctx.tmp/$binary"
  rm -rf "$ctx"; mv "$ctx.tmp" "$ctx"
  GO_CTX="$ctx"
}

prometheus_image() {
  go_module_binary prometheus "$PROMETHEUS_MODULE" "$PROMETHEUS_MODULE_VERSION" ./cmd/prometheus prometheus \
    "$(version_ldflags "$PROMETHEUS_VERSION" "$PROMETHEUS_MODULE_VERSION")" "$PROMETHEUS_TAGS"
  go_image_context prometheus prometheus
  build "$PROMETHEUS" "$GO_CTX" "$BUSYBOX"
}

# promu_image NAME MODULE VERSION BINARY TAG: a Prometheus-family program whose main package is the
# module's root, built with the prometheus/common/version fields, into TAG FROM busybox.
promu_image() {
  local name=$1 module=$2 version=$3 binary=$4 tag=$5
  go_module_binary "$name" "$module" "$version" . "$binary" "$(version_ldflags "${version#v}" "$version")"
  go_image_context "$name" "$binary"
  build "$tag" "$GO_CTX" "$BUSYBOX"
}

mysqld_exporter_image() {
  promu_image mysqld-exporter "$MYSQLD_EXPORTER_MODULE" "$MYSQLD_EXPORTER_VERSION" mysqld_exporter "$MYSQLD_EXPORTER"
}

pushgateway_image() {
  promu_image pushgateway "$PUSHGATEWAY_MODULE" "$PUSHGATEWAY_VERSION" pushgateway "$PUSHGATEWAY"
}

node_exporter_image() {
  promu_image node-exporter "$NODE_EXPORTER_MODULE" "$NODE_EXPORTER_VERSION" node_exporter "$NODE_EXPORTER"
}

nginx_exporter_image() {
  promu_image nginx-exporter "$NGINX_EXPORTER_MODULE" "$NGINX_EXPORTER_VERSION" nginx-prometheus-exporter "$NGINX_EXPORTER"
}

blackbox_exporter_image() {
  promu_image blackbox-exporter "$BLACKBOX_EXPORTER_MODULE" "$BLACKBOX_EXPORTER_VERSION" blackbox_exporter "$BLACKBOX_EXPORTER"
}

# Both from one module: the server and its shipper; each binary is cached on its own.
victoria_logs_images() {
  local buildinfo=github.com/VictoriaMetrics/VictoriaMetrics/lib/buildinfo.Version
  go_module_binary victoria-logs "$VICTORIA_LOGS_MODULE" "$VICTORIA_LOGS_VERSION" ./app/victoria-logs victoria-logs \
    "-s -w -X $buildinfo=victoria-logs-$VICTORIA_LOGS_VERSION"
  go_image_context victoria-logs victoria-logs
  build "$VICTORIA_LOGS" "$GO_CTX" "$BUSYBOX"
  go_module_binary vlagent "$VICTORIA_LOGS_MODULE" "$VICTORIA_LOGS_VERSION" ./app/vlagent vlagent \
    "-s -w -X $buildinfo=vlagent-$VICTORIA_LOGS_VERSION"
  go_image_context vlagent vlagent
  build "$VLAGENT" "$GO_CTX" "$BUSYBOX"
}

verify() {
  local t
  for t in "$BASE" "$BUSYBOX" "$MARIADB" "$GATEWAY" "$FRONTEND" "$BACKEND" "$AWSCLI" "$PROMETHEUS" "$MYSQLD_EXPORTER" "$VICTORIA_LOGS" "$VLAGENT" "$PUSHGATEWAY" "$NODE_EXPORTER" "$NGINX_EXPORTER" "$BLACKBOX_EXPORTER"; do
    docker image inspect "$t" >/dev/null 2>&1 || fail "step 'verify': image $t is missing"
  done
  docker run --rm --label omrs.test=1 --network none "$BUSYBOX" true >>"$LOG" 2>&1 \
    || fail "step 'verify': a busybox container does not run"
}

# One `up`/`stop` at a time per engine (parallel `npm run engines` from two shells or CI jobs).
lock() {
  mkdir -p "$CACHE/locks"
  exec 9>"$CACHE/locks/images.lock"
  flock -w 1800 9 || { echo "images: step 'lock': another 'up' or 'stop' held $CACHE/locks/images.lock for 30 min" >&2; exit 1; }
}

case "${1:-up}" in
  up)
    lock
    require_docker
    ensure_tools
    base_image
    busybox_image
    build "$MARIADB" "$SRC/mariadb"
    build "$GATEWAY" "$SRC/gateway"
    build "$FRONTEND" "$SRC/frontend"
    backend_context
    build "$BACKEND" "$BACKEND_CTX"
    build "$AWSCLI" "$SRC/aws-cli"
    [ -x /usr/bin/time ] && TIMEV="/usr/bin/time -v"
    prometheus_image
    mysqld_exporter_image
    victoria_logs_images
    pushgateway_image
    node_exporter_image
    nginx_exporter_image
    blackbox_exporter_image
    verify
    printf '{"tags":{"mariadb":"%s","gateway":"%s","frontend":"%s","backend":"%s","busybox":"%s","awsCli":"%s","prometheus":"%s","mysqldExporter":"%s","victoriaLogs":"%s","vlagent":"%s","pushgateway":"%s","nodeExporter":"%s","nginxExporter":"%s","blackboxExporter":"%s","debian":"%s"}}\n' \
      "$MARIADB" "$GATEWAY" "$FRONTEND" "$BACKEND" "$BUSYBOX" "$AWSCLI" "$PROMETHEUS" "$MYSQLD_EXPORTER" "$VICTORIA_LOGS" "$VLAGENT" "$PUSHGATEWAY" "$NODE_EXPORTER" "$NGINX_EXPORTER" "$BLACKBOX_EXPORTER" "$BASE" >"$STATE.tmp" && mv "$STATE.tmp" "$STATE"
    echo "    images ready: $MARIADB $GATEWAY $FRONTEND $BACKEND $BUSYBOX $AWSCLI $PROMETHEUS $MYSQLD_EXPORTER $VICTORIA_LOGS $VLAGENT $PUSHGATEWAY $NODE_EXPORTER $NGINX_EXPORTER $BLACKBOX_EXPORTER"
    ;;
  status)
    if [ -f "$STATE" ] && timeout 10 docker image inspect "$MARIADB" "$GATEWAY" "$FRONTEND" "$BACKEND" "$BUSYBOX" "$AWSCLI" \
        "$PROMETHEUS" "$MYSQLD_EXPORTER" "$VICTORIA_LOGS" "$VLAGENT" "$PUSHGATEWAY" "$NODE_EXPORTER" "$NGINX_EXPORTER" "$BLACKBOX_EXPORTER" >/dev/null 2>&1; then
      echo "images: up ($MARIADB $GATEWAY $FRONTEND $BACKEND $BUSYBOX $AWSCLI $PROMETHEUS $MYSQLD_EXPORTER $VICTORIA_LOGS $VLAGENT $PUSHGATEWAY $NODE_EXPORTER $NGINX_EXPORTER $BLACKBOX_EXPORTER)"; exit 0
    fi
    echo "images: down"; exit 1
    ;;
  stop)
    lock
    # Images are the cache: keep them, only forget the state.
    rm -f "$STATE"; echo "images: state removed (images kept)"
    ;;
  *) echo "usage: $0 up|status|stop" >&2; exit 2 ;;
esac
