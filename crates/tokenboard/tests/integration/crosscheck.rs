//! Cross-checks of tokenboard against engines it shares no code with.
//!
//! - Every leaderboard view (`tokenboard query`, DataFusion over the Delta tables) against an
//!   independent DuckDB implementation written from queries/README.md
//!   (`tests/crosscheck/duckdb_views.py`), both run on the same generated workload plus a set of
//!   hand-written edge cases.
//! - The Delta tables ingest writes, read back by the Python `deltalake` package
//!   (`tests/crosscheck/read_lake.py`).
//!
//! Both need Python 3 with `duckdb` and `deltalake` (CI installs them). Without them the tests
//! FAIL, loudly: a cross-check that silently skips checks nothing. `$PYTHON` overrides `python3`.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::common::{describe, fixture, repo_root, run, tokenboard};

/// Records for one model (`EDGE_MODEL`) that the generator never writes, placed near the end of
/// the generated workload (which ends at 2026-11-20T00:00:00Z): a 2xx last attempt of a
/// generation that ended in `error`, a 2xx fallback before a failure, null / 400 / 413 / 422
/// statuses, 401–404, 418, 301 and 100, a provider that only answered 429, attempts and
/// generations without a provider, the `provider` alias, the `{"data": ...}` envelope, an
/// offset timestamp, app_id as string and number, null tokens / costs / latencies, a duplicate
/// id, the newest record of all (edge-13, at µs precision) with records exactly at and just after
/// the 30m window's exclusive start (edge-11, edge-12), records exactly at `data_through`
/// (edge-14, outside every period) and exactly at the day period's start (edge-15, inside), and
/// prompt sizes on every context-length boundary, over 1M and unknown.
const EDGE_CASES: &str = r#"{"id":"edge-01","created_at":"2026-11-19T23:40:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"error","latency":120,"generation_time":900,"tokens_prompt":50,"tokens_completion":0,"total_cost":0,"provider_responses":[{"provider_name":"Alpha","status":200,"latency":100}]}
{"id":"edge-02","created_at":"2026-11-19T23:41:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","latency":300,"generation_time":2000,"tokens_prompt":1200,"tokens_completion":300,"native_tokens_prompt":1250,"native_tokens_completion":310,"native_tokens_cached":600,"total_cost":0.001,"provider_responses":[{"provider":"Beta","status":503,"latency":40},{"provider_name":"Alpha","status":200,"latency":280}]}
{"id":"edge-03","created_at":"2026-11-19T23:42:00Z","model":"crosscheck/edge-cases:free","provider_name":"Beta","finish_reason":"error","provider_responses":[{"provider_name":"Alpha","status":200,"latency":90},{"provider_name":"Beta","status":500,"latency":15}]}
{"id":"edge-04","created_at":"2026-11-19T23:43:00Z","model":"crosscheck/edge-cases:free","provider_name":"Gamma","finish_reason":"stop","latency":410,"generation_time":1500,"tokens_prompt":900,"tokens_completion":120,"native_tokens_prompt":950,"total_cost":0.0004,"app_id":"edge-app","origin":"https://b.example","provider_responses":[{"provider_name":"Gamma","status":null},{"provider_name":"Gamma","status":400},{"provider_name":"Gamma","status":413},{"provider_name":"Gamma","status":422},{"provider_name":"Gamma","status":201,"latency":400}]}
{"id":"edge-05","created_at":"2026-11-19T23:44:00Z","model":"crosscheck/edge-cases:free","provider_name":"Gamma","finish_reason":"length","latency":505,"generation_time":4000,"tokens_prompt":3000,"tokens_completion":1000,"native_tokens_prompt":3100,"native_tokens_completion":1020,"native_tokens_reasoning":200,"native_tokens_cached":0,"total_cost":0.002,"app_id":"edge-app","origin":"https://a.example","provider_responses":[{"provider_name":"Delta","status":401},{"provider_name":"Delta","status":402},{"provider_name":"Delta","status":403},{"provider_name":"Delta","status":404},{"provider_name":"Delta","status":418},{"provider_name":"Delta","status":301},{"provider_name":"Delta","status":100},{"provider_name":"Gamma","status":200,"latency":500}]}
{"id":"edge-06","created_at":"2026-11-19T23:45:00Z","model":"crosscheck/edge-cases:free","provider_name":"Gamma","finish_reason":"tool_calls","latency":380,"generation_time":1000,"tokens_prompt":100,"tokens_completion":25,"total_cost":null,"app_id":7,"provider_responses":[{"provider_name":"OnlyLimited","status":429,"latency":5},{"provider_name":"Gamma","status":200,"latency":370}]}
{"id":"edge-07","created_at":"2026-11-20T01:46:00+02:00","model":"crosscheck/edge-cases:free","provider_name":"Gamma","finish_reason":"stop","latency":333.5,"generation_time":2500.25,"tokens_prompt":10,"tokens_completion":999,"total_cost":0.0001,"provider_responses":[{"status":500,"latency":1},{"provider_name":"Gamma","status":200,"latency":330}]}
{"id":"edge-08","created_at":"2026-11-19T23:47:00Z","model":"crosscheck/edge-cases:free","finish_reason":null,"cancelled":true,"tokens_prompt":400,"provider_responses":[{"provider_name":"Alpha","status":200,"latency":210}]}
{"data":{"id":"edge-09","created_at":"2026-11-19T23:48:00.5Z","model":"crosscheck/edge-cases:free","provider_name":"Gamma","finish_reason":"content_filter","latency":null,"tokens_prompt":null,"tokens_completion":null,"provider_responses":[{"provider":"Gamma","status":200}]}}
{"id":"edge-10","created_at":"2026-11-19T23:49:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"weird_reason","latency":150,"generation_time":0,"tokens_prompt":70,"tokens_completion":0,"native_tokens_prompt":100,"native_tokens_cached":null,"total_cost":0,"provider_responses":[{"provider_name":"Alpha","status":200,"latency":140}]}
{"id":"edge-02","created_at":"2026-11-19T23:50:00Z","model":"crosscheck/edge-cases:free","provider_name":"Beta","finish_reason":"stop","tokens_prompt":999999,"tokens_completion":1,"total_cost":99,"provider_responses":[{"provider_name":"Beta","status":200}]}
{"id":"edge-11","created_at":"2026-11-19T23:29:59.999999Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","latency":1000,"tokens_prompt":1,"tokens_completion":1,"provider_responses":[{"provider_name":"Alpha","status":500},{"provider_name":"Alpha","status":200}]}
{"id":"edge-12","created_at":"2026-11-19T23:30:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","latency":2000,"generation_time":3000,"tokens_prompt":2,"tokens_completion":2,"provider_responses":[{"provider_name":"Alpha","status":502},{"provider_name":"Alpha","status":200}]}
{"id":"edge-13","created_at":"2026-11-19T23:59:59.999999Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","latency":250,"generation_time":800,"tokens_prompt":5,"tokens_completion":8,"total_cost":0,"provider_responses":[{"provider_name":"Alpha","status":200,"latency":240}]}
{"id":"edge-14","created_at":"2026-11-19T23:00:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","tokens_prompt":77,"tokens_completion":7,"provider_responses":[{"provider_name":"Alpha","status":200}]}
{"id":"edge-15","created_at":"2026-11-18T23:00:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"tool_calls","tokens_prompt":1500000,"tokens_completion":10,"native_tokens_prompt":1000,"native_tokens_completion":10,"native_tokens_reasoning":5,"native_tokens_cached":100,"total_cost":0,"provider_responses":[{"provider_name":"Alpha","status":200}]}
{"id":"edge-16","created_at":"2026-11-19T22:30:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","tokens_prompt":null,"tokens_completion":50,"native_tokens_completion":55,"provider_responses":[]}
{"id":"edge-17","created_at":"2026-11-19T22:31:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","tokens_prompt":1000,"tokens_completion":1,"provider_responses":null}
{"id":"edge-18","created_at":"2026-11-19T22:32:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","tokens_prompt":100000,"tokens_completion":1}
{"id":"edge-19","created_at":"2026-11-19T22:33:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","tokens_prompt":999999,"tokens_completion":1,"native_tokens_reasoning":3}
{"id":"edge-20","created_at":"2026-11-19T22:34:00Z","model":"crosscheck/edge-cases:free","provider_name":"Alpha","finish_reason":"stop","tokens_prompt":9999,"tokens_completion":1,"total_cost":0.5}
"#;
const EDGE_MODEL: &str = "crosscheck/edge-cases:free";

/// Limit passed to every view that takes one.
const LIMIT: u32 = 10;
/// The percentile accuracy tokenboard promises (README, queries/README.md): 1% of the exact
/// `percentile_cont`.
const RELATIVE_ACCURACY: f64 = 0.01;
const PERIODS: &[&str] = &["day", "week", "month"];
const SHARE_PERIODS: &[&str] = &["day", "week"];
const WINDOWS: &[&str] = &["30m", "1d", "all"];

/// The columns of every view, in order (queries/README.md).
const COLUMNS: &[(&str, &[&str])] = &[
    (
        "top-models",
        &[
            "rank",
            "model",
            "author",
            "tokens",
            "prompt_tokens",
            "completion_tokens",
            "requests",
            "spend",
            "share",
            "change",
        ],
    ),
    ("token-share", &["bucket_start", "model", "tokens", "share"]),
    (
        "author-share",
        &["bucket_start", "author", "tokens", "share"],
    ),
    (
        "top-apps",
        &[
            "rank",
            "app_id",
            "origin",
            "tokens",
            "requests",
            "share",
            "top_models",
        ],
    ),
    (
        "model-providers",
        &[
            "model",
            "provider",
            "requests",
            "attempts",
            "uptime",
            "uptime_low",
            "uptime_high",
            "rate_limited_share",
            "ttft_p50",
            "ttft_p75",
            "ttft_p90",
            "ttft_p99",
            "throughput_p50",
            "throughput_p90",
            "price_per_mtok",
            "cache_hit_rate",
            "finish_stop",
            "finish_length",
            "finish_tool_calls",
            "finish_content_filter",
            "finish_error",
            "finish_other",
            "successes",
            "rate_limited",
        ],
    ),
    (
        "speed",
        &[
            "rank",
            "model",
            "author",
            "requests",
            "ttft_p50",
            "throughput_p50",
            "fastest_provider",
            "fastest_throughput_p50",
        ],
    ),
    (
        "context-lengths",
        &[
            "bucket",
            "requests",
            "share",
            "tokens",
            "tool_call_share",
            "reasoning_token_share",
            "cache_hit_share",
        ],
    ),
    (
        "spend",
        &[
            "level", "rank", "name", "author", "spend", "share", "requests", "tokens",
        ],
    ),
];

fn columns(view: &str) -> &'static [&'static str] {
    COLUMNS
        .iter()
        .find(|(v, _)| *v == view)
        .unwrap_or_else(|| panic!("no columns for view {view}"))
        .1
}

/// Relative tolerance of a float column. DuckDB's percentiles are exact (`quantile_cont`);
/// tokenboard's come from DDSketches merged across hours, guaranteed within
/// `RELATIVE_ACCURACY` (1%) of the exact `percentile_cont`. Between two exact engines the
/// interpolation may be written `a + (b − a)·f` or `a·(1 − f) + b·f`, which differ in the last
/// bits. Everything else is a sum or a ratio of sums; spend is exact where both sides summed the
/// stored decimals (see `difference`).
fn relative_tolerance(column: &str, approximate: bool) -> f64 {
    let percentile = column.starts_with("ttft_")
        || column.starts_with("throughput_")
        || column == "fastest_throughput_p50";
    match (percentile, approximate) {
        (true, true) => RELATIVE_ACCURACY * (1.0 + 1e-9),
        (true, false) => 1e-6,
        _ => 1e-9,
    }
}

/// Absolute slack for values that should be 0: the Wilson lower bound at uptime 0 comes out as
/// ±1e-17 or exactly 0 depending on how the formula is arranged.
const ABSOLUTE_TOLERANCE: f64 = 1e-12;

fn script(name: &str) -> PathBuf {
    repo_root().join("tests/crosscheck").join(name)
}

fn python_program() -> String {
    std::env::var("PYTHON").unwrap_or_else(|_| "python3".to_owned())
}

/// Fails the test, with instructions, when Python or its packages are missing: never a skip.
fn require_python(modules: &str) {
    let program = python_program();
    let output = Command::new(&program)
        .args(["-c", &format!("import {modules}")])
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run `{program}` ({e}). The cross-check needs Python 3 with duckdb and \
                 deltalake: `pip install duckdb==2.0.1 deltalake==1.6.6` (set $PYTHON to use \
                 another interpreter). It is never skipped."
            )
        });
    assert!(
        output.status.success(),
        "`{program} -c 'import {modules}'` failed: {}\nThe cross-check needs `pip install \
         duckdb==2.0.1 deltalake==1.6.6`. It is never skipped.",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Runs a script under tests/crosscheck and parses its JSON output.
fn python_json(command: &mut Command) -> Value {
    let output = run(command);
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "`{}` printed no JSON ({e}):\n{}",
            describe(command),
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

fn python(script_name: &str) -> Command {
    let mut command = Command::new(python_program());
    command.arg(script(script_name)).current_dir(repo_root());
    command
}

/// The keys of the first object of a JSON array of flat objects, in the order they are written
/// (serde_json's `Value` does not keep it).
fn first_object_keys(text: &str) -> Vec<String> {
    let Some(start) = text.find('{') else {
        return Vec::new();
    };
    let body = &text[start + 1..];
    let bytes = body.as_bytes();
    let (mut keys, mut depth, mut expect_key, mut i) = (Vec::new(), 0usize, true, 0usize);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let from = i;
                i += 1;
                while bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                if expect_key && depth == 0 {
                    keys.push(serde_json::from_str(&body[from..=i]).unwrap());
                    expect_key = false;
                }
            }
            b',' if depth == 0 => expect_key = true,
            b'{' | b'[' => depth += 1,
            b'}' | b']' if depth == 0 => break,
            b'}' | b']' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    keys
}

/// A timestamp written with `Z` or `+00:00` (or any offset), as µs since the epoch.
fn instant(text: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|t| t.timestamp_micros())
}

/// Why `theirs` (tokenboard) differs from `ours` (DuckDB) in `column`, if it does. With
/// `exact_spend`, both summed the stored decimal costs and made the sum a double once: their
/// spend must be the same double. (DuckDB over the JSON sums doubles, in its own order.)
fn difference(
    column: &str,
    ours: &Value,
    theirs: &Value,
    approximate: bool,
    exact_spend: bool,
) -> Option<String> {
    match (ours, theirs) {
        (Value::Null, Value::Null) => None,
        // Integers (counts, tokens, ranks) are exact, and must be written as integers.
        (Value::Number(a), Value::Number(b)) if !a.is_f64() => {
            (a != b).then(|| "integers differ (exact comparison)".to_owned())
        }
        (Value::Number(a), Value::Number(b)) => {
            let (x, y) = (a.as_f64().unwrap(), b.as_f64().unwrap());
            if exact_spend && column == "spend" {
                return (x != y).then(|| format!("spend differs by {:e} (exact)", (x - y).abs()));
            }
            let tolerance = relative_tolerance(column, approximate);
            // Relative to the exact value (ours): that is what the sketch guarantees.
            let slack = tolerance * x.abs() + ABSOLUTE_TOLERANCE;
            ((x - y).abs() > slack || x.is_nan() != y.is_nan())
                .then(|| format!("differ by {:e} (> relative {tolerance:e})", (x - y).abs()))
        }
        (Value::String(a), Value::String(b)) => {
            if a == b {
                return None;
            }
            match (instant(a), instant(b)) {
                (Some(x), Some(y)) if x == y => None,
                _ => Some("strings differ".to_owned()),
            }
        }
        _ => Some("types differ".to_owned()),
    }
}

/// Compares two engines' rows of one view; returns one line per difference. `approximate`: the
/// second engine's percentiles come from sketches.
fn compare_rows(
    key: &str,
    view: &str,
    (our_name, ours): (&str, &[Value]),
    (their_name, theirs): (&str, &[Value]),
    approximate: bool,
    exact_spend: bool,
) -> Vec<String> {
    let cols = columns(view);
    let mut problems = Vec::new();
    let label = |row: &Value| -> String {
        let first = cols
            .iter()
            .find(|c| row.get(**c).is_some_and(Value::is_string))
            .copied()
            .unwrap_or("rank");
        format!("{first}={}", row.get(first).unwrap_or(&Value::Null))
    };
    if ours.len() != theirs.len() {
        problems.push(format!(
            "{key}: {our_name} has {} rows, {their_name} has {}",
            ours.len(),
            theirs.len()
        ));
    }
    for (i, (a, b)) in ours.iter().zip(theirs).enumerate() {
        let (Some(a_obj), Some(b_obj)) = (a.as_object(), b.as_object()) else {
            problems.push(format!("{key} row {i}: not objects: {a} / {b}"));
            continue;
        };
        let mut their_keys: Vec<&str> = b_obj.keys().map(String::as_str).collect();
        their_keys.sort_unstable();
        let mut expected: Vec<&str> = cols.to_vec();
        expected.sort_unstable();
        if their_keys != expected {
            problems.push(format!(
                "{key} row {i}: {their_name} has columns {their_keys:?}, the spec {expected:?}"
            ));
        }
        for column in cols {
            let (x, y) = (
                a_obj.get(*column).unwrap_or(&Value::Null),
                b_obj.get(*column).unwrap_or(&Value::Null),
            );
            if let Some(why) = difference(column, x, y, approximate, exact_spend) {
                problems.push(format!(
                    "{key} row {i} ({} / {}), column {column}: {our_name} {x}, {their_name} {y}: \
                     {why}",
                    label(a),
                    label(b)
                ));
            }
        }
    }
    if ours.len() != theirs.len() {
        let labels = |rows: &[Value]| rows.iter().map(label).collect::<Vec<_>>().join(", ");
        problems.push(format!(
            "{key}: {our_name} rows [{}]\n    {their_name} rows [{}]",
            labels(ours),
            labels(theirs)
        ));
    }
    problems
}

/// The speed view ranks models by p50 throughput, which tokenboard reads from sketches: two
/// models (or providers) whose exact p50s are within twice the sketch's accuracy may trade
/// places. So rows are matched by model; a model on one side only must sit at the limit's edge;
/// a different fastest provider must be as fast within that accuracy; and tokenboard's ranks must
/// follow its own p50s.
fn compare_speed(key: &str, ours: &[Value], theirs: &[Value]) -> Vec<String> {
    let close = |a: f64, b: f64| (a - b).abs() <= 2.0 * RELATIVE_ACCURACY * a.abs().max(b.abs());
    let p50 = |row: &Value| row["throughput_p50"].as_f64().unwrap_or(f64::NAN);
    let mut problems = Vec::new();
    let edge = |rows: &[Value]| rows.last().map_or(f64::NAN, p50);
    for (side, rows, other, other_edge) in [
        ("duckdb", ours, theirs, edge(theirs)),
        ("tokenboard", theirs, ours, edge(ours)),
    ] {
        for row in rows {
            if !other.iter().any(|o| o["model"] == row["model"]) && !close(p50(row), other_edge) {
                problems.push(format!(
                    "{key}: {} only in {side}, p50 {} not at the other side's edge {other_edge}",
                    row["model"],
                    p50(row)
                ));
            }
        }
    }
    for a in ours {
        let Some(b) = theirs.iter().find(|b| b["model"] == a["model"]) else {
            continue;
        };
        let a = a.clone();
        let mut b = b.clone();
        if a["fastest_provider"] != b["fastest_provider"] {
            let (x, y) = (
                a["fastest_throughput_p50"].as_f64().unwrap_or(f64::NAN),
                b["fastest_throughput_p50"].as_f64().unwrap_or(f64::NAN),
            );
            if close(x, y) {
                b["fastest_provider"] = a["fastest_provider"].clone();
                b["fastest_throughput_p50"] = a["fastest_throughput_p50"].clone();
            }
        }
        b["rank"] = a["rank"].clone();
        problems.extend(compare_rows(
            key,
            "speed",
            ("duckdb", std::slice::from_ref(&a)),
            ("tokenboard", std::slice::from_ref(&b)),
            true,
            false,
        ));
    }
    for (i, pair) in theirs.windows(2).enumerate() {
        if p50(&pair[0]) < p50(&pair[1]) || pair[0]["rank"].as_u64() != Some(i as u64 + 1) {
            problems.push(format!("{key}: tokenboard row {i} out of order"));
        }
    }
    problems
}

/// The first `max` lines, and how many more there are.
fn truncated(lines: &[String], max: usize) -> String {
    let mut text = lines[..lines.len().min(max)].join("\n");
    if lines.len() > max {
        write!(text, "\n... and {} more lines", lines.len() - max).unwrap();
    }
    text
}

/// One view invocation: the key duckdb_views.py --all prints, and the `tokenboard query` args.
struct Job {
    key: String,
    view: &'static str,
    args: Vec<String>,
}

fn jobs(models: &[String]) -> Vec<Job> {
    let mut out = Vec::new();
    let limit = LIMIT.to_string();
    for (view, _) in COLUMNS {
        let view: &'static str = view;
        match view {
            "model-providers" => {
                for model in models {
                    for window in WINDOWS {
                        out.push(Job {
                            key: format!("{view}:{window}:{model}"),
                            view,
                            args: vec![
                                "--window".into(),
                                (*window).into(),
                                "--model".into(),
                                model.clone(),
                            ],
                        });
                    }
                }
            }
            "token-share" | "author-share" => {
                for period in SHARE_PERIODS {
                    out.push(Job {
                        key: format!("{view}:{period}"),
                        view,
                        args: vec![
                            "--period".into(),
                            (*period).into(),
                            "--limit".into(),
                            limit.clone(),
                        ],
                    });
                }
            }
            _ => {
                for period in PERIODS {
                    let mut args = vec!["--period".into(), (*period).into()];
                    if view != "context-lengths" {
                        args.extend(["--limit".into(), limit.clone()]);
                    }
                    out.push(Job {
                        key: format!("{view}:{period}"),
                        view,
                        args,
                    });
                }
            }
        }
    }
    out
}

/// The most requested model, and the most requested `:free` one, by plain SQL.
fn pick_models(data: &Path) -> Vec<String> {
    let pick = |filter: &str| -> String {
        let query = format!(
            "SELECT model, count(*) AS n FROM generations WHERE {filter} \
             GROUP BY model ORDER BY n DESC, model LIMIT 1"
        );
        let output = run(tokenboard(data).args(["sql", "--format", "json", &query]));
        let rows: Value = serde_json::from_slice(&output.stdout).unwrap();
        rows[0]["model"]
            .as_str()
            .unwrap_or_else(|| panic!("{query}: no model in {rows}"))
            .to_owned()
    };
    let top = pick(&format!("model <> '{EDGE_MODEL}'"));
    let free = pick(&format!("model LIKE '%:free' AND model <> '{EDGE_MODEL}'"));
    vec![top, free, EDGE_MODEL.to_owned()]
}

#[test]
fn crosscheck_views_against_duckdb() {
    require_python("duckdb");
    let dir = tempfile::tempdir().unwrap();
    let workload = dir.path().join("workload.jsonl");
    let edges = dir.path().join("edge-cases.jsonl");
    let data = dir.path().join("lake");
    // 35 days so that every month, week and day window, and the 30 daily buckets, hold data.
    run(tokenboard(&data)
        .args([
            "generate", "--rows", "200000", "--days", "35", "--seed", "7",
        ])
        .args(["--end", "2026-11-20T00:00:00Z", "--out"])
        .arg(&workload));
    std::fs::write(&edges, EDGE_CASES).unwrap();
    let output = run(tokenboard(&data).arg("ingest").arg(&workload).arg(&edges));
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(
        summary.contains("duplicates skipped  1"),
        "edge-02 appears twice: {summary}"
    );

    let models = pick_models(&data);
    let jobs = jobs(&models);

    // DuckDB, once over the JSON lines (its own parsing, dedupe and unnesting of attempts) and
    // once over the Parquet files tokenboard wrote.
    let mut duckdb_args: Vec<String> = vec!["--all".into(), "--limit".into(), LIMIT.to_string()];
    for (flag, list) in [
        ("--periods", PERIODS),
        ("--share-periods", SHARE_PERIODS),
        ("--windows", WINDOWS),
    ] {
        duckdb_args.extend([flag.to_owned(), list.join(",")]);
    }
    for model in &models {
        duckdb_args.extend(["--model".to_owned(), model.clone()]);
    }
    let mut from_json = python("duckdb_views.py");
    from_json
        .arg("--json")
        .arg(&workload)
        .arg(&edges)
        .args(&duckdb_args);
    let mut from_lake = python("duckdb_views.py");
    from_lake.arg("--lake").arg(&data).args(&duckdb_args);
    let (json_command, lake_command) = (describe(&from_json), describe(&from_lake));
    let expected = python_json(&mut from_json);
    let lake = python_json(&mut from_lake);

    let mut expected_keys: Vec<&str> = jobs.iter().map(|j| j.key.as_str()).collect();
    let mut got_keys: Vec<&str> = expected
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    expected_keys.sort_unstable();
    got_keys.sort_unstable();
    assert_eq!(got_keys, expected_keys, "{json_command}");

    let mut problems = Vec::new();
    let mut compared_rows = 0;
    for job in &jobs {
        let ours = expected[&job.key].as_array().unwrap();
        compared_rows += ours.len();
        // tokenboard's stored tables, read by DuckDB, give what DuckDB computes from the JSON.
        problems.extend(compare_rows(
            &job.key,
            job.view,
            ("duckdb --json", ours),
            ("duckdb --lake", lake[&job.key].as_array().unwrap()),
            false,
            false,
        ));

        let mut query = tokenboard(&data);
        query
            .args(["query", job.view])
            .args(&job.args)
            .args(["--format", "json"]);
        let output = query.output().expect("running tokenboard query");
        if !output.status.success() {
            problems.push(format!(
                "{}: `{}` failed ({}): {}",
                job.key,
                describe(&query),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            ));
            continue;
        }
        let text = String::from_utf8(output.stdout).unwrap();
        let theirs: Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!(
                    "{}: tokenboard printed no JSON ({e}): {text}",
                    job.key
                ));
                continue;
            }
        };
        let Some(theirs) = theirs.as_array() else {
            problems.push(format!("{}: tokenboard printed no array: {text}", job.key));
            continue;
        };
        if !theirs.is_empty() {
            let order = first_object_keys(&text);
            if order != columns(job.view) {
                problems.push(format!(
                    "{}: tokenboard's column order {order:?}, the spec's {:?}",
                    job.key,
                    columns(job.view)
                ));
            }
        }
        let before = problems.len();
        if job.view == "speed" {
            problems.extend(compare_speed(&job.key, ours, theirs));
        } else {
            // Against DuckDB over the same stored tables, which the JSON's answer was just
            // compared with: the spend of both is then the exact decimal sum.
            problems.extend(compare_rows(
                &job.key,
                job.view,
                ("duckdb --lake", lake[&job.key].as_array().unwrap()),
                ("tokenboard", theirs),
                true,
                true,
            ));
        }
        if problems.len() > before {
            problems.push(format!("  reproduce: {}", describe(&query)));
        }
    }
    // Keep the check honest: the workload must give every kind of view something to compare.
    for must_have_rows in [
        "top-models:day",
        "top-apps:week",
        "top-apps:month",
        "speed:day",
        "token-share:day",
        "author-share:week",
        "spend:week",
    ] {
        assert!(
            !expected[must_have_rows].as_array().unwrap().is_empty(),
            "{must_have_rows} is empty: the workload no longer exercises it ({json_command})"
        );
    }
    for window in WINDOWS {
        for model in &models {
            let key = format!("model-providers:{window}:{model}");
            assert!(
                !expected[&key].as_array().unwrap().is_empty(),
                "{key} is empty: the workload no longer exercises it ({json_command})"
            );
        }
    }
    assert!(
        problems.is_empty(),
        "{} differences over {} views ({compared_rows} rows):\n{}\n\nduckdb: {json_command}\n\
         duckdb --lake: {lake_command}",
        problems.iter().filter(|p| !p.starts_with("  ")).count(),
        jobs.len(),
        truncated(&problems, 200)
    );
}

#[test]
fn delta_tables_readable_by_python_deltalake() {
    require_python("deltalake");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    run(tokenboard(&data)
        .arg("ingest")
        .arg(fixture("bad_lines.jsonl")));
    let mut command = python("read_lake.py");
    command.arg(&data);
    let totals = python_json(&mut command);
    let context = describe(&command);

    // tests/fixtures/README.md: 3 generations (1,330 tokens, $2.00), 3 attempts, 11 quarantined.
    assert_eq!(totals["generations"]["rows"], 3, "{context}: {totals}");
    assert_eq!(totals["generations"]["tokens"], 1330, "{context}: {totals}");
    let spend = totals["generations"]["spend"].as_f64().unwrap();
    assert!((spend - 2.0).abs() < 1e-9, "{context}: spend {spend}");
    assert_eq!(totals["attempts"]["rows"], 3, "{context}: {totals}");
    assert_eq!(totals["quarantine"]["rows"], 11, "{context}: {totals}");
    let reasons = &totals["quarantine"]["reasons"];
    for (reason, n) in [
        ("not_json", 2),
        ("not_object", 1),
        ("missing_field", 1),
        ("wrong_type", 1),
        ("negative_value", 1),
        ("bad_timestamp", 1),
        ("timestamp_out_of_range", 2),
        ("bad_model", 1),
        ("cost_out_of_range", 1),
    ] {
        assert_eq!(
            reasons[reason], n,
            "{context}: quarantine reason {reason}: {totals}"
        );
    }
    for table in ["generations", "attempts", "quarantine"] {
        assert!(
            totals["version"][table].as_u64().is_some(),
            "{context}: no Delta version for {table}: {totals}"
        );
    }
}
