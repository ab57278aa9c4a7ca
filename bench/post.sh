#!/usr/bin/env bash
# Write-API benchmark: `tokenboard serve` on a fresh lake with an ingest token, 8 clients POSTing
# generated logs to /api/v1/ingest for a minute while a poller reads the score feed
# (bench/post_load.py); then the lake's row count is checked against what the server
# acknowledged.
#
#   bench/post.sh
#
# Environment: CLIENTS (default 8), SECONDS_RUN (default 60), LINES (lines per post, default
# 200), ROWS (generated input, default 1000000), NO_BUILD=1 (use the existing binary),
# TOKENBOARD_BIN (default target/release/tokenboard). Client and server share this machine's cores.
set -euo pipefail
cd "$(dirname "$0")/.."
clients=${CLIENTS:-8}
seconds=${SECONDS_RUN:-60}
lines=${LINES:-200}
rows=${ROWS:-1000000}
bin=${TOKENBOARD_BIN:-target/release/tokenboard}
if [ -z "${NO_BUILD:-}" ] && [ -z "${TOKENBOARD_BIN:-}" ]; then
  cargo test --release --workspace --features tokenboard/pg --no-run --quiet
fi

work=$(mktemp -d)
log="$work/server.log"
token=bench-token-$(date +%s%N)
"$bin" --quiet generate --rows "$rows" --days 1 --out "$work/logs.jsonl"
server=
trap 'kill $server 2> /dev/null; rm -rf "$work"' EXIT
source bench/serve.sh
export TOKENBOARD_INGEST_TOKEN=$token
start_server "$log" --data "$work/lake" serve --addr 127.0.0.1:0

report=$(python3 bench/post_load.py --url "$base" --token "$token" --input "$work/logs.jsonl" \
  --clients "$clients" --seconds "$seconds" --lines "$lines")
echo "$report"
kill $server
wait $server 2> /dev/null || true
stored=$("$bin" --data "$work/lake" --quiet sql --format csv "SELECT count(*) AS n FROM generations" | tail -n 1)
acknowledged=$(python3 -c 'import json, sys; print(json.loads(sys.argv[1])["lines_acknowledged"])' "$report")
commits=$(ls "$work/lake/generations/_delta_log" | grep -c '\.json$')
echo "generations stored: $stored, lines acknowledged: $acknowledged, generations commits: $commits"
[ "$stored" = "$acknowledged" ] || { echo "MISMATCH: the lake does not hold what was acknowledged" >&2; exit 1; }
