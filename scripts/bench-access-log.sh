#!/bin/sh
# Hit-path cost of the access log: two edges in front of one origin, one logging every request
# to a file (JSON), one not; interleaved wrk rounds on one cached 1 KiB URL. Prints req/s per
# round and the ratio of the sums. Loopback only. Usage: scripts/bench-access-log.sh [rounds] [seconds]
set -eu
ROUNDS=${1:-5}
SECONDS_PER_ROUND=${2:-5}
DIR=$(mktemp -d)
trap 'kill $ORIGIN_PID $OFF_PID $ON_PID 2>/dev/null || true; rm -rf "$DIR"' EXIT INT TERM
cd "$(dirname "$0")/.."

wait_url() {
  for _ in $(seq 1 100); do
    url=$(grep -o 'http://127.0.0.1:[0-9]*' "$DIR/$1.out" 2>/dev/null | head -1 || true)
    [ -n "$url" ] && { echo "$url"; return; }
    sleep 0.1
  done
  echo "no URL from $1" >&2; exit 1
}
node dist/origin/main.js --port 0 >"$DIR/origin.out" 2>&1 & ORIGIN_PID=$!
ORIGIN=$(wait_url origin)
node dist/edge/main.js --port 0 --origin "$ORIGIN" --id off --log-level warn >"$DIR/off.out" 2>&1 & OFF_PID=$!
node dist/edge/main.js --port 0 --origin "$ORIGIN" --id on --log-level warn --access-log "$DIR/access.log" >"$DIR/on.out" 2>&1 & ON_PID=$!
OFF=$(wait_url off); ON=$(wait_url on)
curl -s -o /dev/null "$OFF/bench/one-1k"; curl -s -o /dev/null "$ON/bench/one-1k"
wrk -t1 -c50 -d2s "$OFF/bench/one-1k" >/dev/null; wrk -t1 -c50 -d2s "$ON/bench/one-1k" >/dev/null
off_sum=0; on_sum=0
for r in $(seq 1 "$ROUNDS"); do
  off=$(wrk -t1 -c50 -d"${SECONDS_PER_ROUND}s" "$OFF/bench/one-1k" | awk '/Requests\/sec/ {print int($2)}')
  on=$(wrk -t1 -c50 -d"${SECONDS_PER_ROUND}s" "$ON/bench/one-1k" | awk '/Requests\/sec/ {print int($2)}')
  echo "round $r: access log off $off req/s, on $on req/s"
  off_sum=$((off_sum + off)); on_sum=$((on_sum + on))
done
echo "lines logged: $(wc -l <"$DIR/access.log") (more may still be queued)"
awk -v on="$on_sum" -v off="$off_sum" 'BEGIN { printf "ratio on/off over %d rounds: %.3f\n", '"$ROUNDS"', on / off }'
