#!/usr/bin/env bash
# Query benchmark: every leaderboard view, `tokenboard query` (which reads the hourly rollups)
# beside the same view over the raw rows (bench/raw/, the views before the rollups) and beside
# DuckDB over the raw Parquet files, on the same workload as bench/ingest.sh.
#
#   bench/queries.sh [ROWS]       # default 2,000,000 records
#
# Environment: PERIOD (day|week|month, default week; the share views use week for month),
# RUNS (timed runs per view, default 5, after one warm-up), ROUNDS (default 3), NO_BUILD=1
# (use the existing binary), TOKENBOARD_BIN (default target/release/tokenboard).
#
# The engines take turns, DuckDB then tokenboard, ROUNDS times, and the table reports each
# one's median over the rounds of its best-of-RUNS, with the range of the per-round ratios: on
# a shared machine one engine's best can move by half between minutes, and a single round's
# ratio then says more about the minute than about the engines.
#
# Reuses bench/out/workload-ROWS.jsonl (or .jsonl.zst) and bench/out/lake-ROWS when they hold
# ROWS records, else generates and ingests them exactly as bench/ingest.sh does; one lake per
# size, so that 2M and 20M can be compared without re-ingesting.
#
# What is measured:
# - tokenboard: `tokenboard query VIEW --runs N`: the view run N times in one session (planning
#   included), best of RUNS + 1 runs (the first warms up and reads the newest record, which a
#   session reads once: its snapshot never changes). Beside it, the median time its runs spent
#   planning (binding the values into the prepared plan, then physical planning), which no
#   amount of data changes.
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
rounds=${ROUNDS:-3}
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

# tokenboard: each view in one process, `--runs` times in one session after a warm-up run, so
# the figure is the view's query like DuckDB's, without process start.
# Prints the best time and the median planning time, in ms.
time_view() {
  # shellcheck disable=SC2086 # the query arguments are words by design
  "$bin" --data "$lake" --quiet query $1 --format json --runs $((runs + 1)) "${@:2}" \
    2>&1 > /dev/null | sed -n 's/.*: best \([0-9.]*\) ms.*planning: median \([0-9.]*\) ms.*/\1 \2/p'
}
: > "$out/queries-tokenboard.tsv"
for round in $(seq "$rounds"); do
  echo "round $round of $rounds" >&2
  # DuckDB, all views in one process.
  python3 tests/crosscheck/duckdb_views.py --lake "$lake" --all --timing --runs "$runs" \
    --periods "$period" --share-periods "$share_period" --windows 30m,1d,all --model "$model" \
    > "$out/queries-duckdb-$round.json"
  for i in "${!keys[@]}"; do
    view=${queries[$i]%% *}
    read -r ms planning <<< "$(time_view "${queries[$i]}")"
    read -r raw _ <<< "$(time_view "${queries[$i]}" --sql-file "bench/raw/${view//-/_}.sql")"
    printf '%s\t%s\t%s\t%s\t%s\n' "${keys[$i]}" "$round" "${ms:-error}" "${raw:-error}" \
      "${planning:-error}" >> "$out/queries-tokenboard.tsv"
  done
done

python3 - "$out" "$rows" "$model" "$runs" "$rounds" <<'PY'
import json, statistics, sys
out, rows, model, runs, rounds = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
duck = [json.load(open(f"{out}/queries-duckdb-{r}.json")) for r in range(1, rounds + 1)]
tb, raw, planning, keys = {}, {}, {}, []
for line in open(f"{out}/queries-tokenboard.tsv"):
    key, r, ms, raw_ms, planning_ms = line.rstrip("\n").split("\t")
    if key not in keys:
        keys.append(key)
    for table, value in ((tb, ms), (raw, raw_ms), (planning, planning_ms)):
        try:
            table.setdefault(key, {})[int(r)] = float(value)
        except ValueError:
            pass

def median(values):
    return statistics.median(values) if values else None

def cell(value):
    return "n/a" if value is None else f"{value:.1f}"

print(f"{rows:,} records; model-providers for {model}; best of {runs} runs per round, {rounds} rounds")
print()
print("| view | tokenboard ms (rollups) | of which planning | tokenboard ms (raw rows) "
      "| duckdb ms (raw Parquet) | rollups / duckdb | per-round ratios |")
print("|---|---:|---:|---:|---:|---:|---:|")
for key in keys:
    mine = tb.get(key, {})
    theirs = {r: d[key] for r, d in enumerate(duck, 1) if d.get(key)}
    m, d = median(list(mine.values())), median(list(theirs.values()))
    ratio = f"{m / d:.2f}" if m is not None and d else ""
    per_round = [mine[r] / theirs[r] for r in mine if r in theirs]
    spread = f"{min(per_round):.2f}–{max(per_round):.2f}" if per_round else ""
    plan = median(list(planning.get(key, {}).values()))
    print(f"| {key} | {cell(m)} | {cell(plan)} | {cell(median(list(raw.get(key, {}).values())))} "
          f"| {cell(d)} | {ratio} | {spread} |")
print()
print("Each figure is the median over the rounds of that engine's best run in the round. ratio =")
print("tokenboard from rollups / duckdb (below 1: tokenboard is faster); per-round ratios are each")
print("round's, lowest to highest. All are in-process times of the same questions after a warm-up;")
print("DuckDB and the raw column read the raw Parquet files, the first column the hourly rollups.")
print("Planning is the median over every run of the time spent binding the values and planning")
print("the physical plan: the floor under the rollups column, whatever the data's size.")
PY
