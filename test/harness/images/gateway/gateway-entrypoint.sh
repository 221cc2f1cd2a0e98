#!/bin/sh
# Writes /etc/nginx/omrs-runtime.conf, then runs nginx.
#  - resolver: the name servers of /etc/resolv.conf (docker: 127.0.0.11; kubernetes: cluster DNS).
#  - $omrs_frontend_host / $omrs_backend_host: FRONTEND_HOST (default frontend) and BACKEND_HOST
#    (default backend). nginx's resolver ignores the search list, so a name without a dot gets the
#    first search domain appended when that domain is a Kubernetes one (<ns>.svc.<cluster-domain>),
#    which is what the pod's own resolver would try first.
set -eu
ns=$(awk '$1 == "nameserver" { h = $2; if (h ~ /:/) h = "[" h "]"; printf "%s ", h }' /etc/resolv.conf)
[ -n "$ns" ] || ns=127.0.0.11
search=$(awk '$1 == "search" { print $2; exit }' /etc/resolv.conf)
qualify() {
  case "$1" in
    *.*) echo "$1" ;;
    *) case "$search" in *.svc.*) echo "$1.$search" ;; *) echo "$1" ;; esac ;;
  esac
}
frontend=$(qualify "${FRONTEND_HOST:-frontend}")
backend=$(qualify "${BACKEND_HOST:-backend}")
cat >/etc/nginx/omrs-runtime.conf <<CONF
resolver $ns valid=10s ipv6=off;
resolver_timeout 5s;
map \$host \$omrs_frontend_host { default $frontend; }
map \$host \$omrs_backend_host { default $backend; }
CONF
echo "gateway: resolver $ns; frontend $frontend; backend $backend:8080"
exec "$@"
