#!/bin/sh
# Starts nginx with the omrs gateway configuration, as a non-root user on a read-only root
# file system. Upstream names are resolved per request through the container's own name server
# (docker: 127.0.0.11; Kubernetes: the cluster DNS), so the gateway starts, and serves the
# maintenance page, before any backend exists. nginx's resolver ignores the search list: names
# get the pod's first search domain when it is a Kubernetes one (<namespace>.svc.<domain>).
set -eu
mkdir -p /tmp/nginx
ns=$(awk '$1 == "nameserver" { h = $2; if (h ~ /:/) h = "[" h "]"; printf "%s ", h }' /etc/resolv.conf)
[ -n "$ns" ] || ns=127.0.0.11
search=$(awk '$1 == "search" { print $2; exit }' /etc/resolv.conf)
case "$search" in *.svc.*) suffix=".$search" ;; *) suffix="" ;; esac
cat >/tmp/nginx/runtime.conf <<CONF
resolver $ns valid=10s ipv6=off;
resolver_timeout 5s;
map \$host \$omrs_dns_suffix { default "$suffix"; }
CONF
echo "omrs gateway: resolver $ns, service suffix '${suffix}'"
exec nginx -e /dev/stderr -c /etc/omrs-gateway/nginx.conf -g 'daemon off;'
