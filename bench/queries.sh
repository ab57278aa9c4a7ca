#!/usr/bin/env bash
# Query benchmark: every leaderboard view, `tokenboard query` (which reads the hourly rollups)
# beside the same view over the raw rows (bench/raw/, the views before the rollups) and beside
# DuckDB over the raw Parquet files, on the same workload as bench/ingest.sh.
#
#   bench/queries.sh [ROWS]       # default 2,000,000 records
#
# Environment: PERIOD (day|week|month, default week; the share views use week for month),
# RUNS (timed runs per view, default 5, after one warm-up), NO_BUILD=1 (use the existing
# binary), TOKENBOARD_BIN (default target/release/tokenboard).
#
# Reuses bench/out/workload-ROWS.jsonl (or .jsonl.zst) and bench/out/lake-ROWS when they hold
# ROWS records, else generates and ingests them exactly as bench/ingest.sh does; one lake per
# size, so that 2M and 20M can be compared without re-ingesting.
#
# What is measured:
# - tokenboard: `tokenboard query VIEW --runs N`: the view run N times in one session (planning
#   included), best of RUNS + 1 runs (the first warms up and reads the newest record, which a
#   session reads once: its snapshot never changes).
# - tokenboard raw: the same, with `--sql-file bench/raw/VIEW.sql`: the view computed from the
#   raw rows of `generations` and `attempts` with exact percentiles.
# - DuckDB: tests/crosscheck/duckdb_views.py --lake --timing: each view's query in one warm
#   in-process connection over the table's live Parquet files, the newest record read once
#   before timing, best of RUNS; no process startup, no file listing.
#
# Needs python3 with duckdb (and deltalake to list the live files; else a glob is used).
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000000}
period=${PERIOD:-week}
runs=${RUNS:-5}
out=bench/out
mkdir -p "$out"
bin=${TOKENBOARD_BIN:-target/release/tokenboard}
if [ -z "${NO_BUILD:-}" ] && [ -z "${TOKENBOARD_BIN:-}" ]; then
  # The test command's build, so tests and benchmarks share one compile of the data stack.
  cargo test --release --workspace --features tokenboard/pg --no-run --quiet
fi
case "$period" in
  day|week) share_period=$period ;;
  month) share_period=week ;;
  *) echo "PERIOD must be day, week or month" >&2; exit 1 ;;
esac

# The workload, named and generated as bench/ingest.sh does.
input="$out/workload-$rows.jsonl"
if [ ! -f "$input" ] && [ -f "$input.zst" ]; then
  input="$input.zst"
fi
if [ ! -f "$input" ]; then
  "$bin" --quiet generate --rows "$rows" --days 14 --seed 1 --end 2026-11-20T00:00:00Z --out "$input"
fi

lake="$out/lake-$rows"
stored=$("$bin" --data "$lake" --quiet sql --format csv "SELECT count(*) FROM generations" 2>/dev/null \
  | tail -n 1 || true)
if [ "$stored" != "$rows" ]; then
  echo "ingesting $input into $lake (found ${stored:-no} records)" >&2
  rm -rf "$lake"
  "$bin" --data "$lake" --quiet ingest "$input" > /dev/null
fi

model=$("$bin" --data "$lake" --quiet sql --format csv \
  "SELECT model FROM generations GROUP BY model ORDER BY count(*) DESC, model LIMIT 1" | tail -n 1)

# key (as duckdb_views.py --all names it) and the `tokenboard query` arguments.
keys=() queries=()
add() { keys+=("$1"); queries+=("$2"); }
add "top-models:$period" "top-models --period $period --limit 10"
add "token-share:$share_period" "token-share --period $share_period --limit 10"
add "author-share:$share_period" "author-share --period $share_period --limit 10"
add "top-apps:$period" "top-apps --period $period --limit 10"
add "model-providers:30m:$model" "model-providers --window 30m --model $model"
add "model-providers:1d:$model" "model-providers --window 1d --model $model"
add "model-providers:all:$model" "model-providers --window all --model $model"
add "speed:$period" "speed --period $period --limit 10"
add "context-lengths:$period" "context-lengths --period $period"
add "spend:$period" "spend --period $period --limit 10"

# DuckDB, all views in one process.
python3 tests/crosscheck/duckdb_views.py --lake "$lake" --all --timing --runs "$runs" \
  --periods "$period" --share-periods "$share_period" --windows 30m,1d,all --model "$model" \
  > "$out/queries-duckdb.json"

# tokenboard: each view in one process, `--runs` times in one session after a warm-up run, so
# the figure is the view's query like DuckDB's, without process start.
time_view() {
  # shellcheck disable=SC2086 # the query arguments are words by design
  "$bin" --data "$lake" --quiet query $1 --format json --runs $((runs + 1)) "${@:2}" \
    2>&1 > /dev/null | sed -n 's/.*: best \([0-9.]*\) ms.*/\1/p'
}
: > "$out/queries-tokenboard.tsv"
for i in "${!keys[@]}"; do
  view=${queries[$i]%% *}
  ms=$(time_view "${queries[$i]}")
  raw=$(time_view "${queries[$i]}" --sql-file "bench/raw/${view//-/_}.sql")
  printf '%s\t%s\t%s\n' "${keys[$i]}" "${ms:-error}" "${raw:-error}" >> "$out/queries-tokenboard.tsv"
done

python3 - "$out/queries-duckdb.json" "$out/queries-tokenboard.tsv" "$rows" "$model" "$runs" <<'PY'
import json, sys
duck = json.load(open(sys.argv[1]))
rows, model, runs = int(sys.argv[3]), sys.argv[4], sys.argv[5]
print(f"{rows:,} records; model-providers for {model}; best of {runs} runs")
print()
print("| view | tokenboard ms (rollups) | tokenboard ms (raw rows) | duckdb ms (raw Parquet) | rollups / duckdb |")
print("|---|---:|---:|---:|---:|")
for line in open(sys.argv[2]):
    key, tb, raw = line.rstrip("\n").split("\t")
    d = duck.get(key)
    ratio = ""
    try:
        ratio = f"{float(tb) / d:.2f}"
    except (TypeError, ValueError, ZeroDivisionError):
        pass
    print(f"| {key} | {tb or 'n/a'} | {raw or 'n/a'} | {'' if d is None else f'{d:.1f}'} | {ratio} |")
print()
print("ratio = tokenboard from rollups / duckdb (below 1: tokenboard is faster). All are in-process")
print("times of the same questions, best of the runs after a warm-up; DuckDB and the raw column read")
print("the raw Parquet files, the first column the hourly rollups.")
PY
