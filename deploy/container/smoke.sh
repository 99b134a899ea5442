#!/bin/sh
# Smoke test of the image (not part of CI: it needs podman and the local base images): an origin
# and an edge container on the host network, bound to 127.0.0.1 on ports the kernel picks; the
# same URL twice through the edge must be a miss, then a hit; the edge's admin token comes from a
# mounted credentials directory, and /metrics (which needs it) must count that hit.
# Usage: deploy/container/smoke.sh [IMAGE]     (default localhost/edgeworks:dev)
set -eu
image=${1:-localhost/edgeworks:dev}
run="podman run -d --runtime runc --network host --ulimit nofile=20000:20000 --ulimit nproc=4096:4096"

work=$(mktemp -d)
origin= edge=
cleanup() {
  for c in $edge $origin; do podman rm -f "$c" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# A credential named after its variable, readable only by the image's user (10001).
mkdir "$work/credentials"
head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$work/credentials/EDGE_ADMIN_TOKEN"
token=$(cat "$work/credentials/EDGE_ADMIN_TOKEN")
chown -R 10001:10001 "$work/credentials" && chmod 0500 "$work/credentials" && chmod 0400 "$work/credentials/EDGE_ADMIN_TOKEN"

# Waits for a container's first log line matching a pattern and prints the URL in it.
url_from_logs() {
  for _ in $(seq 1 100); do
    found=$(podman logs "$1" 2>&1 | grep -m1 "$2" | grep -o 'http://127\.0\.0\.1:[0-9]*' | head -n1 || true)
    if [ -n "$found" ]; then echo "$found"; return 0; fi
    sleep 0.1
  done
  echo "smoke: no '$2' line from $1:" >&2; podman logs "$1" >&2; return 1
}

origin=$($run "$image" cdn-origin --host 127.0.0.1 --port 0)
origin_url=$(url_from_logs "$origin" 'listening on')
edge=$($run -v "$work/credentials:/run/credentials/edgeworks:ro" -e CREDENTIALS_DIRECTORY=/run/credentials/edgeworks \
  "$image" cdn-edge --id smoke-e1 --host 127.0.0.1 --port 0 --origin "$origin_url" --admin-host 127.0.0.1 --admin-port 0)
edge_url=$(url_from_logs "$edge" 'listening on')
admin_url=$(url_from_logs "$edge" 'admin on')
echo "origin $origin_url, edge $edge_url, admin $admin_url (image $image)"

first=$(curl -sS -D - -o /dev/null "$edge_url/smoke/hello" | grep -i '^cache-status' | tr -d '\r')
second=$(curl -sS -D - -o /dev/null "$edge_url/smoke/hello" | grep -i '^cache-status' | tr -d '\r')
echo "first:  $first"
echo "second: $second"
echo "origin /_stats: $(curl -sS "$origin_url/_stats")"
hits=$(curl -sS -H "Authorization: Bearer $token" "$admin_url/metrics" | grep '^edge_requests_total{outcome="hit"}')
echo "edge /metrics (token from the mounted credential): $hits"
unauthorized=$(curl -s -o /dev/null -w '%{http_code}' "$admin_url/metrics")
echo "edge /metrics without the token: $unauthorized"

case $first in *fwd=uri-miss*stored*) ;; *) echo "smoke: FAIL: first request was not a stored miss" >&2; exit 1 ;; esac
case $second in *'; hit'*) ;; *) echo "smoke: FAIL: second request was not a hit" >&2; exit 1 ;; esac
[ "$hits" = 'edge_requests_total{outcome="hit"} 1' ] || { echo "smoke: FAIL: /metrics did not count one hit" >&2; exit 1; }
[ "$unauthorized" = 401 ] || { echo "smoke: FAIL: /metrics answered $unauthorized without the token" >&2; exit 1; }
echo "smoke: PASS"
