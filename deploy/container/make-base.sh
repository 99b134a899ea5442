#!/bin/sh
# Builds the two local base images the Containerfile starts from, out of this machine's own Node 20
# and the shared libraries it links (no image registry is reachable from the build machines):
#   localhost/edgeworks/node-runtime:20   node, /bin/sh (dash), /usr/bin/env, glibc, a non-root user
#   localhost/edgeworks/node-build:20     the same plus npm, for the Containerfile's build stage
# Usage: deploy/container/make-base.sh        (as root, or a user podman can import for)
set -eu

node_bin=$(command -v node)
npm_dir=$(dirname "$(dirname "$(readlink -f "$(command -v npm)")")")   # .../node_modules/npm
case $("$node_bin" --version) in
  v20.*) ;;
  *) echo "make-base.sh: needs Node 20 on this machine, found $("$node_bin" --version)" >&2; exit 2 ;;
esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
mkdir -p "$root/usr/bin" "$root/bin" "$root/etc" "$root/tmp" "$root/opt" "$root/home/edgeworks"
chmod 1777 "$root/tmp"

# Copies a file to the same path inside the rootfs, following symlinks so the copy is the real bytes.
put() { mkdir -p "$root$(dirname "$1")" && cp -L "$1" "$root$1"; }
# A program and every shared library ldd says it loads (including the dynamic loader).
put_program() {
  put "$1"
  ldd "$1" | awk '$3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' | while read -r lib; do put "$lib"; done
}

put_program "$node_bin"
[ "$node_bin" = /usr/bin/node ] || cp -L "$node_bin" "$root/usr/bin/node"
put_program /bin/dash
ln -s dash "$root/bin/sh"
put_program /usr/bin/env   # the binaries' #!/usr/bin/env node

# Users: root for the build stage, edgeworks (10001) to run as. No shell login for either.
cat >"$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/usr/sbin/nologin
edgeworks:x:10001:10001:edgeworks:/home/edgeworks:/usr/sbin/nologin
PASSWD
cat >"$root/etc/group" <<'GROUP'
root:x:0:
edgeworks:x:10001:
GROUP
chown 10001:10001 "$root/home/edgeworks"
# glibc 2.34+ has files and dns lookups built in; this says to use them.
printf 'hosts: files dns\npasswd: files\ngroup: files\n' >"$root/etc/nsswitch.conf"

tar -C "$root" -c . | podman import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' - localhost/edgeworks/node-runtime:20

mkdir -p "$root/usr/lib/node_modules"
cp -a "$npm_dir" "$root/usr/lib/node_modules/npm"
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/bin/npx"
# npm ci in the build stage reaches the registry through whatever this machine trusts (a site
# proxy's CA included). Only the build image gets the bundle; the runtime image keeps Node's own CAs.
put /etc/ssl/certs/ca-certificates.crt
tar -C "$root" -c . | podman import --change 'ENV PATH=/usr/local/bin:/usr/bin:/bin' \
  --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' - localhost/edgeworks/node-build:20

podman images --filter reference=localhost/edgeworks/node-runtime --filter reference=localhost/edgeworks/node-build
