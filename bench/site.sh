#!/usr/bin/env bash
# Site benchmark: wrk on loopback against `tokenboard serve`, for the rankings page and its JSON,
# answered from the cache (one warm-up request renders each first).
#
#   bench/site.sh [LAKE]      # default: the demo's data/lake, prepared with `demo --no-serve`
#
# Environment: DURATION (default 15s), CONNECTIONS (default 64), THREADS (wrk threads, default
# 2), NO_BUILD=1 (use the existing binary), TOKENBOARD_BIN (default target/release/tokenboard).
# Needs wrk (Debian's package) and curl. Both wrk and the server share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
lake=${1:-data/lake}
duration=${DURATION:-15s}
connections=${CONNECTIONS:-64}
threads=${THREADS:-2}
bin=${TOKENBOARD_BIN:-target/release/tokenboard}
if [ -z "${NO_BUILD:-}" ] && [ -z "${TOKENBOARD_BIN:-}" ]; then
  # The test command's build, so tests and benchmarks share one compile of the data stack.
  cargo test --release --workspace --features tokenboard/pg --no-run --quiet
fi
command -v wrk > /dev/null || { echo "bench/site.sh needs wrk (apt-get install wrk)" >&2; exit 1; }

if [ ! -d "$lake/generations/_delta_log" ]; then
  echo "preparing the demo data in $lake" >&2
  "$bin" --data "$lake" --quiet demo --no-serve > /dev/null
fi

log=$(mktemp)
server=
trap 'kill $server 2> /dev/null; rm -f "$log"' EXIT
source bench/serve.sh
start_server "$log" --data "$lake" serve --addr 127.0.0.1:0

printf '%-22s %12s %10s %10s %10s\n' route "requests/s" p50 p99 "first (s)"
# The last row asks for gzip as browsers do: the answer is cached, its compression is not.
for case in / /api/v1/rankings "/ gzip"; do
  route=${case%% *}
  headers=()
  [ "$case" = "$route" ] || headers=(-H "Accept-Encoding: gzip")
  first=$(curl -s -o /dev/null -w '%{time_total}' "$base$route")
  out=$(wrk -t"$threads" -c"$connections" -d"$duration" --latency "${headers[@]}" "$base$route")
  rps=$(awk '/^Requests\/sec/ { print $2 }' <<< "$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<< "$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<< "$out")
  errors=$(awk '/Non-2xx|Socket errors/' <<< "$out")
  printf '%-22s %12s %10s %10s %10s\n' "$case" "$rps" "$p50" "$p99" "$first"
  [ -z "$errors" ] || echo "  $errors"
done
