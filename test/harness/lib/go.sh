# Sourced by the engine scripts that build Go programs from the Go module proxy. Needs CACHE and a
# `fail` function of the sourcing script.

[ -x /usr/local/go/bin/go ] && case ":$PATH:" in *:/usr/local/go/bin:*) ;; *) export PATH="$PATH:/usr/local/go/bin" ;; esac

# One module cache and one build cache for every Go build of the harness, inside its cache.
go_env() {
  export GOMODCACHE="$CACHE/go/mod" GOCACHE="$CACHE/go/build" GOPATH="$CACHE/go/path"
  export CGO_ENABLED=0 GOFLAGS="-buildvcs=false" GOTOOLCHAIN="${GOTOOLCHAIN:-local}"
  # A module zip may carry its repository's go.work (Prometheus does) naming nested modules the zip
  # leaves out, and workspace mode refuses -mod=mod: build the module alone.
  export GOWORK=off
  # sum.golang.org is not reachable from these machines; module hashes are pinned where it matters.
  export GOSUMDB="${GOSUMDB:-off}"
}

# go_build_module MODULE VERSION PACKAGE OUT LDFLAGS LOG [TAGS]
# Builds PACKAGE (relative, e.g. ./cmd) of MODULE@VERSION into OUT, with the downloaded module as
# the main module: `go install pkg@version` refuses modules whose go.mod has replace or exclude
# directives. TAGS (optional): comma-separated build tags (`go build -tags`). Runs in a subshell,
# so its `exit` and EXIT trap never end or outlive the caller.
go_build_module() {
  local module=$1 version=$2 package=$3 out=$4 ldflags=$5 log=$6 tags=${7:-}
  command -v go >/dev/null || fail "step 'build $module': go is not on PATH"
  go_env
  mkdir -p "$(dirname "$out")"
  (
    echo "=== $(date -Is) $module@$version${tags:+ (tags $tags)}"
    json="$(GOFLAGS="$GOFLAGS -mod=mod" go mod download -json "$module@$version")" || { echo "$json"; exit 1; }
    src="$(echo "$json" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
    [ -n "$src" ] || { echo "$json"; exit 1; }
    work="$(mktemp -d)"
    trap 'rm -rf "$work"' EXIT
    cp -r "$src/." "$work" && chmod -R u+w "$work"
    cd "$work" && GOFLAGS="$GOFLAGS -mod=mod" ${TIMEV:-} go build -p 2 -trimpath ${tags:+-tags "$tags"} -ldflags "$ldflags" -o "$out.tmp.$$" "$package" &&
      mv "$out.tmp.$$" "$out"
  ) >>"$log" 2>&1 || { rm -f "$out".tmp.*; fail "step 'build $module@$version' failed"; }
}
