#!/usr/bin/env bash
# Ingest benchmark: tokenboard against DuckDB on the same generated JSON-lines file, same run.
#
#   bench/ingest.sh [ROWS]        # default 2,000,000 records (~1.3 GB)
#
# Needs the Python package duckdb (pip install duckdb==2.0.1) and GNU time (/usr/bin/time).
# Environment: NO_BUILD=1 (use the existing binary), TOKENBOARD_BIN (default
# target/release/tokenboard; setting it also skips the build).
# Prints records/s, bytes stored per record and peak RSS for both; writes under bench/out/.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000000}
out=bench/out
mkdir -p "$out"
# The test command's build, so tests and benchmarks share one compile of the data stack.
[ -n "${NO_BUILD:-}" ] || [ -n "${TOKENBOARD_BIN:-}" ] \
  || cargo test --release --workspace --features tokenboard/pg --no-run --quiet
bin=${TOKENBOARD_BIN:-target/release/tokenboard}
input="$out/workload-$rows.jsonl"
if [ ! -f "$input" ]; then
  "$bin" --quiet generate --rows "$rows" --days 14 --seed 1 --end 2026-11-20T00:00:00Z --out "$input"
fi
bytes=$(stat -L -c %s "$input")
# Read the input once so both tools start from the page cache.
cat "$input" > /dev/null

measure() { # name, then the command; prints "name seconds peak_kib"
  local name=$1; shift
  /usr/bin/time -f "%e %M" -o "$out/$name.time" "$@" > "$out/$name.log" 2>&1
  echo "$name $(cat "$out/$name.time")"
}

rm -rf "$out/lake"
measure tokenboard "$bin" --data "$out/lake" --quiet ingest "$input" > "$out/results.txt"
# The same ingest without updating the hourly rollups, for their cost.
rm -rf "$out/lake-no-rollups"
measure no-rollups "$bin" --data "$out/lake-no-rollups" --quiet ingest --no-rollups "$input" \
  >> "$out/results.txt"
rm -rf "$out/lake-no-rollups"
rm -rf "$out/duckdb"
measure duckdb python3 bench/duckdb_ingest.py "$input" "$out/duckdb" >> "$out/results.txt"

stored() { find "$1" -name '*.parquet' -printf '%s\n' | awk '{s+=$1} END {print s}'; }
tb_bytes=$(( $(stored "$out/lake/generations") + $(stored "$out/lake/attempts") ))
tb_gen_bytes=$(stored "$out/lake/generations")
dd_bytes=$(stored "$out/duckdb")

python3 - "$rows" "$bytes" "$tb_bytes" "$tb_gen_bytes" "$dd_bytes" "$out/results.txt" <<'PY'
import sys
rows, size, tb_bytes, tb_gen, dd_bytes = (int(x) for x in sys.argv[1:6])
res = {}
for line in open(sys.argv[6]):
    name, secs, kib = line.split()
    res[name] = (float(secs), int(kib))
print(f"input: {rows:,} records, {size/1e9:.2f} GB")
print(f"{'':12} {'seconds':>8} {'records/s':>11} {'bytes/record':>13} {'peak RSS MiB':>13}")
for name, stored in (("tokenboard", tb_bytes), ("duckdb", dd_bytes)):
    secs, kib = res[name]
    print(f"{name:12} {secs:8.2f} {rows/secs:11,.0f} {stored/rows:13.1f} {kib/1024:13.0f}")
print(f"tokenboard generations table alone: {tb_gen/rows:.1f} bytes/record (attempts: {(tb_bytes-tb_gen)/rows:.1f})")
t, d = res["tokenboard"][0], res["duckdb"][0]
print(f"throughput ratio tokenboard/duckdb: {d/t:.2f}x")
n = res["no-rollups"][0]
# Issue #4's measure: the share of ingest throughput that keeping the rollups current takes.
print(f"without the rollups: {n:.2f} s, {rows/n:,.0f} records/s; keeping them current cuts "
      f"ingest throughput by {(1 - n / t) * 100:.1f}% (adds {(t - n) / n * 100:.1f}% to its time)")
PY
