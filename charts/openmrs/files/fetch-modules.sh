#!/bin/sh
# Fetches the profile's OpenMRS modules into $MODULES_DIR, beside the distribution's own (copied
# there first): each line of $MODULES is "<id> <file> <sha256> <url>". A module replaces the
# distribution's file of the same id. A file whose SHA-256 differs from the profile's stops the
# pod: the last lines of this log become the container's termination message.
set -eu
dir="${MODULES_DIR:?}"
echo "$MODULES" | while read -r id file sha256 url; do
  [ -n "$id" ] || continue
  part="$dir/.$file.part"
  # No `wget -T`: Debian's busybox 1.35 (the tests' image) crashes on it; omrs's step deadline bounds the wait.
  if ! wget -q -O "$part" "$url"; then
    rm -f "$part"
    echo "omrs: module $id: could not fetch $url (is the module repository or its mirror reachable?)" >&2
    exit 1
  fi
  got=$(sha256sum "$part" | cut -d ' ' -f 1)
  if [ "$got" != "$sha256" ]; then
    rm -f "$part"
    echo "omrs: module $id: sha256 mismatch for $url: the profile expects $sha256, the file has $got" >&2
    echo "omrs: fix openmrs.modules[].sha256 in the profile or the file on the mirror; nothing was installed" >&2
    exit 1
  fi
  rm -f "$dir/$id"-[0-9]*.omod
  mv "$part" "$dir/$file"
  echo "omrs: module $id: $file ($got)"
done
