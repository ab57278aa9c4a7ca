#!/usr/bin/env bash
# A directory of many small log files, as a gateway that rotates its log every minute leaves:
# tokenboard ingests it, then ingests it again (every file already ingested, as a cron job
# re-running over the same directory finds it), and DuckDB reads the same files in the same run.
#
#   bench/many_files.sh [FILES] [LINES]   # default 20,000 files of 5 records each
#
# Needs the Python package duckdb (pip install duckdb==2.0.1) and GNU time (/usr/bin/time).
# Environment: NO_BUILD=1 (use the existing binary), TOKENBOARD_BIN (default
# target/release/tokenboard; setting it also skips the build). Writes under bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
files=${1:-20000}
lines=${2:-5}
out=bench/out
mkdir -p "$out"
[ -n "${NO_BUILD:-}" ] || [ -n "${TOKENBOARD_BIN:-}" ] \
  || cargo test --release --workspace --features tokenboard/pg --no-run --quiet
bin=${TOKENBOARD_BIN:-target/release/tokenboard}
input="$out/many-$files-$lines"
if [ ! -d "$input" ]; then
  mkdir -p "$input.tmp"
  "$bin" --quiet generate --rows $((files * lines)) --days 14 --seed 1 \
      --end 2026-11-20T00:00:00Z --out - \
    | (cd "$input.tmp" && split --lines "$lines" --suffix-length 6 --numeric-suffixes \
         --additional-suffix .jsonl - part-)
  mv "$input.tmp" "$input"
fi

seconds() { # the command; prints its wall seconds
  /usr/bin/time -f "%e" -o "$out/many.time" "$@" > "$out/many.log" 2>&1
  cat "$out/many.time"
}

rm -rf "$out/many-lake" "$out/many-duckdb"
first=$(seconds "$bin" --data "$out/many-lake" --quiet ingest "$input")
again=$(seconds "$bin" --data "$out/many-lake" --quiet ingest "$input")
duckdb=$(seconds python3 bench/duckdb_ingest.py "$input/*.jsonl" "$out/many-duckdb")
rm -rf "$out/many-duckdb"

python3 - "$files" "$lines" "$first" "$again" "$duckdb" <<'PY'
import sys
files, lines = int(sys.argv[1]), int(sys.argv[2])
first, again, duckdb = (float(x) for x in sys.argv[3:6])
records = files * lines
print(f"input: {files:,} files of {lines} records ({records:,} records)")
print(f"{'':28} {'seconds':>8} {'files/s':>9} {'records/s':>10}")
for name, secs in (("tokenboard ingest", first), ("tokenboard ingest, again", again),
                   ("duckdb", duckdb)):
    print(f"{name:28} {secs:8.2f} {files / secs:9,.0f} {records / secs:10,.0f}")
PY
