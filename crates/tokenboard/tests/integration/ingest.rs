//! End-to-end tests of `tokenboard ingest`, run as a real process against a temporary data
//! directory. Expected numbers come from the fixtures' hand-worked tables
//! (tests/fixtures/README.md) or from reading the input with serde_json, never from tokenboard.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is the failure report

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::Stdio;

use serde_json::Value;

use crate::common::{fixture, lake_in, run, tokenboard};

/// Runs SQL and returns the CSV rows without the header.
fn sql(data: &Path, query: &str) -> Vec<Vec<String>> {
    let output = run(tokenboard(data).args(["sql", "--format", "csv", query]));
    let text = String::from_utf8(output.stdout).unwrap();
    text.lines()
        .skip(1)
        .map(|l| l.split(',').map(str::to_owned).collect())
        .collect()
}

fn sql_one(data: &Path, query: &str) -> String {
    let rows = sql(data, query);
    assert_eq!(rows.len(), 1, "{query}: {rows:?}");
    rows[0][0].clone()
}

/// The numbers every table must show after ingesting `files`, computed from the raw JSON.
#[derive(Debug, PartialEq, Eq)]
struct Totals {
    generations: u64,
    tokens: i64,
    attempts: u64,
}

fn expected_totals(files: &[&Path]) -> Totals {
    let mut seen = HashMap::new();
    for file in files {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let id = v["id"].as_str().unwrap().to_owned();
            seen.entry(id).or_insert(v);
        }
    }
    let tokens = seen
        .values()
        .map(|v| {
            v["tokens_prompt"].as_i64().unwrap_or(0) + v["tokens_completion"].as_i64().unwrap_or(0)
        })
        .sum();
    let attempts = seen
        .values()
        .map(|v| {
            v["provider_responses"]
                .as_array()
                .map_or(0, |a| a.len() as u64)
        })
        .sum();
    Totals {
        generations: seen.len() as u64,
        tokens,
        attempts,
    }
}

fn stored_totals(data: &Path) -> Totals {
    Totals {
        generations: sql_one(data, "SELECT count(*) FROM generations").parse().unwrap(),
        tokens: sql_one(
            data,
            "SELECT coalesce(sum(coalesce(tokens_prompt,0) + coalesce(tokens_completion,0)), 0) FROM generations",
        )
        .parse()
        .unwrap(),
        attempts: sql_one(data, "SELECT count(*) FROM attempts").parse().unwrap(),
    }
}

fn generate(dir: &Path, name: &str, rows: u64, seed: u64) -> PathBuf {
    let path = dir.join(name);
    run(tokenboard(dir)
        .args([
            "generate",
            "--rows",
            &rows.to_string(),
            "--days",
            "3",
            "--seed",
            &seed.to_string(),
            "--end",
            "2026-11-20T00:00:00Z",
            "--out",
        ])
        .arg(&path));
    path
}

fn summary_value(stdout: &str, label: &str) -> u64 {
    stdout
        .lines()
        .find_map(|l| l.trim_start().strip_prefix(label))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no {label:?} in summary:\n{stdout}"))
}

/// Reads every Parquet file of a table directly: zstd, row groups of at most 128Ki rows, rows in
/// `created_at` order, and all of one date (the `date=` directory).
fn assert_data_files_are_sorted_zstd_and_dated(table: &Path) {
    use tokenboard_query::datafusion::arrow::array::{Array, TimestampMicrosecondArray};
    use tokenboard_query::datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use tokenboard_query::datafusion::parquet::basic::Compression;

    let mut files = 0;
    for entry in walk(table) {
        if entry.extension().is_none_or(|e| e != "parquet") {
            continue;
        }
        files += 1;
        let dir = entry
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        let date = dir.strip_prefix("date=").expect("partitioned by date");
        let builder =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&entry).unwrap()).unwrap();
        let metadata = builder.metadata().clone();
        for group in metadata.row_groups() {
            assert!(group.num_rows() <= 128 * 1024);
            for column in group.columns() {
                assert!(
                    matches!(column.compression(), Compression::ZSTD(_)),
                    "{entry:?}"
                );
            }
        }
        let column = builder.schema().index_of("created_at").unwrap();
        let mut previous = i64::MIN;
        for batch in builder.build().unwrap() {
            let batch = batch.unwrap();
            let times = batch
                .column(column)
                .as_any()
                .downcast_ref::<TimestampMicrosecondArray>()
                .unwrap();
            for i in 0..times.len() {
                let t = times.value(i);
                assert!(t >= previous, "{entry:?} is not in created_at order");
                previous = t;
                let day = chrono::DateTime::from_timestamp_micros(t)
                    .unwrap()
                    .date_naive();
                assert_eq!(day.to_string(), date, "{entry:?}");
            }
        }
    }
    assert!(files > 0, "no data files under {table:?}");
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            out.extend(walk(&path));
        } else {
            out.push(path);
        }
    }
    out
}

#[test]
fn bad_lines_are_quarantined_and_good_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    let output = run(tokenboard(&data)
        .arg("ingest")
        .arg(fixture("bad_lines.jsonl")));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(summary_value(&stdout, "read"), 15);
    assert_eq!(summary_value(&stdout, "ingested"), 3);
    assert_eq!(summary_value(&stdout, "duplicates skipped"), 1);
    assert_eq!(summary_value(&stdout, "quarantined"), 11);
    assert_eq!(summary_value(&stdout, "attempts"), 3);
    assert!(stdout.contains("shiny_new_field (1)"), "{stdout}");

    let quarantined = sql(
        &data,
        "SELECT line, reason, source FROM quarantine ORDER BY line",
    );
    let got: Vec<(u64, &str)> = quarantined
        .iter()
        .map(|r| (r[0].parse().unwrap(), r[1].as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (2, "not_json"),
            (3, "not_object"),
            (4, "missing_field"),
            (5, "wrong_type"),
            (6, "negative_value"),
            (7, "bad_timestamp"),
            (8, "timestamp_out_of_range"),
            (9, "timestamp_out_of_range"),
            (10, "bad_model"),
            (13, "not_json"),
            (15, "cost_out_of_range"),
        ]
    );
    assert!(
        quarantined
            .iter()
            .all(|r| r[2].ends_with("bad_lines.jsonl"))
    );
    let raw = sql_one(
        &data,
        "SELECT replace(raw, ',', ';') FROM quarantine WHERE line = 3",
    );
    assert_eq!(raw, "[1;2;3]");

    // Good lines around the bad ones are all there, with their numbers.
    let rows = sql(
        &data,
        "SELECT id, CAST(date AS VARCHAR), tokens_prompt + tokens_completion, total_cost, num_attempts \
         FROM generations ORDER BY id",
    );
    assert_eq!(
        rows,
        [
            // Costs are decimals with 12 places.
            ["gen-good-1", "2026-11-19", "120", "0.500000000000", "1"],
            ["gen-good-2", "2026-11-19", "1200", "1.250000000000", "0"],
            ["gen-good-3", "2026-11-19", "10", "0.250000000000", "2"],
        ]
    );
    let attempts = sql(
        &data,
        "SELECT generation_id, attempt, provider_name, status FROM attempts ORDER BY generation_id, attempt",
    );
    assert_eq!(
        attempts,
        [
            ["gen-good-1", "0", "OpenAI", "200"],
            ["gen-good-3", "0", "Together", "503"],
            ["gen-good-3", "1", "Azure", "200"],
        ]
    );
    // 01:30 at +02:00 is stored as 23:30 UTC the day before.
    assert_eq!(
        sql_one(
            &data,
            "SELECT CAST(created_at AS VARCHAR) FROM generations WHERE id = 'gen-good-3'"
        ),
        "2026-11-19T23:30:00Z"
    );
}

#[test]
fn strict_fails_when_anything_is_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    let output = tokenboard(&data)
        .args(["ingest", "--strict"])
        .arg(fixture("bad_lines.jsonl"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(3));
    // Strict still keeps the good lines.
    assert_eq!(sql_one(&data, "SELECT count(*) FROM generations"), "3");
}

/// A directory that holds no log file reads as nothing, which is most often a wrong path or logs
/// named `.log`: the summary says so, naming the directory, and the exit stays 0 (a cron job over
/// a directory that has no logs yet is not failing). Extensions match in any case.
#[test]
fn a_directory_without_log_files_is_named_in_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let rotated = dir.path().join("rotated");
    let upper = dir.path().join("upper");
    std::fs::create_dir_all(&rotated).unwrap();
    std::fs::create_dir_all(&upper).unwrap();
    let line = r#"{"id":"g-1","created_at":"2026-11-19T12:00:00Z","model":"a/b"}"#;
    std::fs::write(rotated.join("gateway.log"), format!("{line}\n")).unwrap();
    std::fs::write(rotated.join("gateway.log.1"), format!("{line}\n")).unwrap();
    std::fs::write(upper.join("GATEWAY.JSONL"), format!("{line}\n")).unwrap();

    let data = dir.path().join("lake");
    let output = run(tokenboard(&data).arg("ingest").arg(&rotated).arg(&upper));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(summary_value(&stdout, "read"), 1, "{stdout}");
    assert_eq!(summary_value(&stdout, "ingested"), 1, "{stdout}");
    let warning = format!(
        "warning: {}: no log files among its 2 files",
        rotated.display()
    );
    assert!(stdout.contains(&warning), "{stdout}");
    assert_eq!(stdout.matches("warning:").count(), 1, "{stdout}");
}

#[test]
fn hostile_inputs_are_accounted_for_without_panics() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    let nested = inputs.join("nested/deeper");
    std::fs::create_dir_all(&nested).unwrap();
    let good = |id: &str| {
        format!(
            r#"{{"id":"{id}","created_at":"2026-11-19T12:00:00Z","model":"a/b","tokens_prompt":5,"tokens_completion":5}}"#
        )
    };

    // Invalid UTF-8 between good lines.
    let mut bytes = format!("{}\n", good("utf-1")).into_bytes();
    bytes.extend_from_slice(
        b"{\"id\":\"bad-\xff\xfe\",\"created_at\":\"2026-11-19T12:00:00Z\",\"model\":\"a/b\"}\n",
    );
    bytes.extend_from_slice(format!("{}\n", good("utf-2")).as_bytes());
    std::fs::write(inputs.join("utf8.jsonl"), bytes).unwrap();

    // A 2 MiB line between good lines.
    let huge = format!(
        r#"{{"id":"huge","created_at":"2026-11-19T12:00:00Z","model":"a/b","pad":"{}"}}"#,
        "x".repeat(2 << 20)
    );
    std::fs::write(
        nested.join("huge.ndjson"),
        format!("{}\n{huge}\n{}\n", good("huge-1"), good("huge-2")),
    )
    .unwrap();

    // An empty file, and a file with a name the walk ignores.
    std::fs::write(inputs.join("empty.jsonl"), "").unwrap();
    std::fs::write(inputs.join("notes.txt"), "not a log").unwrap();

    // A gzip file cut short: the lines before the cut are kept, the cut is reported.
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    for i in 0..2000 {
        writeln!(encoder, "{}", good(&format!("gz-{i}"))).unwrap();
    }
    let gz = encoder.finish().unwrap();
    std::fs::write(inputs.join("cut.jsonl.gz"), &gz[..gz.len() / 2]).unwrap();

    // A zstd file, whole.
    let mut zst = zstd::Encoder::new(Vec::new(), 3).unwrap();
    for i in 0..10 {
        writeln!(zst, "{}", good(&format!("zst-{i}"))).unwrap();
    }
    std::fs::write(nested.join("whole.json.zst"), zst.finish().unwrap()).unwrap();

    // A link to nowhere: unreadable.
    std::os::unix::fs::symlink(dir.path().join("missing"), inputs.join("gone.jsonl")).unwrap();

    let data = dir.path().join("lake");
    let output = tokenboard(&data)
        .arg("ingest")
        .arg(&inputs)
        .output()
        .unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert_eq!(
        output.status.code(),
        Some(2),
        "unreadable inputs exit 2:\n{stdout}\n{stderr}"
    );
    assert!(
        stdout.contains("cut.jsonl.gz"),
        "the cut file is named:\n{stdout}"
    );
    assert!(
        stdout.contains("gone.jsonl"),
        "the dangling link is named:\n{stdout}"
    );

    let gz_kept: u64 = sql_one(
        &data,
        "SELECT count(*) FROM generations WHERE id LIKE 'gz-%'",
    )
    .parse()
    .unwrap();
    assert!(
        gz_kept > 0 && gz_kept < 2000,
        "some gzip lines before the cut: {gz_kept}"
    );
    let ids = sql(
        &data,
        "SELECT id FROM generations WHERE id NOT LIKE 'gz-%' ORDER BY id",
    );
    let ids: Vec<&str> = ids.iter().map(|r| r[0].as_str()).collect();
    let mut want = vec!["huge-1", "huge-2", "utf-1", "utf-2"];
    want.extend((0..10).map(|i| {
        [
            "zst-0", "zst-1", "zst-2", "zst-3", "zst-4", "zst-5", "zst-6", "zst-7", "zst-8",
            "zst-9",
        ][i]
    }));
    want.sort();
    assert_eq!(ids, want);

    let quarantined = sql(&data, "SELECT reason, line FROM quarantine ORDER BY reason");
    assert_eq!(quarantined, [["invalid_utf8", "2"], ["line_too_long", "2"]]);
    let raw_len: usize = sql_one(
        &data,
        "SELECT length(raw) FROM quarantine WHERE reason = 'line_too_long'",
    )
    .parse()
    .unwrap();
    assert_eq!(raw_len, 64 << 10, "the raw text is cut at 64 KiB");

    // Accounting: every line read is ingested, duplicate or quarantined.
    let read = summary_value(&stdout, "read");
    assert_eq!(read, gz_kept + 4 + 10 + 2);
    assert_eq!(summary_value(&stdout, "ingested"), gz_kept + 14);
}

#[test]
fn ingesting_twice_or_overlapping_files_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    let first = generate(dir.path(), "first.jsonl", 3000, 7);
    let second = generate(dir.path(), "second.jsonl", 2000, 8);

    run(tokenboard(&data)
        .args(["ingest", "--commit-rows", "700"])
        .arg(&first));
    let after_first = stored_totals(&data);
    assert_eq!(after_first, expected_totals(&[&first]));

    // The same file again: everything is skipped as already ingested.
    let output = run(tokenboard(&data).arg("ingest").arg(&first));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(summary_value(&stdout, "already ingested"), 3000);
    assert_eq!(summary_value(&stdout, "ingested"), 0);
    assert_eq!(stored_totals(&data), after_first);

    // The same records under another name, mixed with new ones: only the new ones count.
    let mixed = dir.path().join("mixed.jsonl");
    let mut text = std::fs::read_to_string(&second).unwrap();
    text.push_str(&std::fs::read_to_string(&first).unwrap());
    std::fs::write(&mixed, text).unwrap();
    let output = run(tokenboard(&data).arg("ingest").arg(&mixed));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(summary_value(&stdout, "ingested"), 2000);
    assert_eq!(summary_value(&stdout, "duplicates skipped"), 3000);
    assert_eq!(stored_totals(&data), expected_totals(&[&first, &second]));

    // From standard input too.
    let mut child = tokenboard(&data)
        .args(["ingest", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(&second).unwrap())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    assert_eq!(stored_totals(&data), expected_totals(&[&first, &second]));

    assert_data_files_are_sorted_zstd_and_dated(&data.join("generations"));
    assert_data_files_are_sorted_zstd_and_dated(&data.join("attempts"));
    for rollup in [
        "hourly_endpoints",
        "hourly_attempts",
        "hourly_apps",
        "hourly_prompt_sizes",
        "hourly_app_totals",
        "daily_endpoints",
        "daily_attempts",
        "daily_apps",
        "daily_app_totals",
    ] {
        assert_data_files_are_lz4(&data.join(rollup));
    }
}

/// The rollups, read on every page view, are LZ4, but for their sketches, which are left
/// uncompressed (see `writer_properties`).
fn assert_data_files_are_lz4(table: &Path) {
    use tokenboard_query::datafusion::parquet::basic::Compression;
    use tokenboard_query::datafusion::parquet::file::reader::{FileReader, SerializedFileReader};

    let files: Vec<_> = walk(table)
        .into_iter()
        .filter(|f| f.extension().is_some_and(|e| e == "parquet"))
        .collect();
    assert!(!files.is_empty(), "no data files in {table:?}");
    for file in files {
        let reader = SerializedFileReader::new(std::fs::File::open(&file).unwrap()).unwrap();
        for group in reader.metadata().row_groups() {
            for column in group.columns() {
                let expected = match column.column_path().string().as_str() {
                    "ttft" | "throughput" => Compression::UNCOMPRESSED,
                    _ => Compression::LZ4_RAW,
                };
                assert_eq!(column.compression(), expected, "{file:?}");
            }
        }
    }
}

/// With room for fewer ids than a day holds, ingest drops the ids of past dates as the input moves
/// on; a record repeated after its date was dropped (in the same run, and across runs) is still
/// a duplicate, because the date's ids are read back from the table as this run left it.
#[test]
fn duplicates_are_caught_after_their_date_was_dropped_from_memory() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    // 3,000 records over 3 days, in time order: about 1,000 a day.
    let first = generate(dir.path(), "first.jsonl", 3000, 21);
    let second = generate(dir.path(), "second.jsonl", 1500, 22);
    let repeated = dir.path().join("repeated.jsonl");
    let mut text = std::fs::read_to_string(&first).unwrap();
    text.push_str(&std::fs::read_to_string(&second).unwrap());
    text.push_str(&std::fs::read_to_string(&first).unwrap());
    std::fs::write(&repeated, text).unwrap();

    let output = run(tokenboard(&data)
        .args(["ingest", "--commit-rows", "300", "--dedupe-ids", "400"])
        .arg(&repeated)
        .env("RUST_LOG", "tokenboard_ingest::dedupe=debug"));
    let stdout = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("dropped a date's seen ids"),
        "no date was dropped, so nothing was tested:\n{stderr}"
    );
    let expected = expected_totals(&[&first, &second]);
    assert_eq!(summary_value(&stdout, "ingested"), expected.generations);
    assert_eq!(
        summary_value(&stdout, "duplicates skipped"),
        7500 - expected.generations
    );
    assert_eq!(stored_totals(&data), expected);

    // A second run, as small, over the records again under another name: all duplicates.
    let again = dir.path().join("again.jsonl");
    std::fs::copy(&repeated, &again).unwrap();
    let output = run(tokenboard(&data)
        .args(["ingest", "--commit-rows", "300", "--dedupe-ids", "400"])
        .arg(&again));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(summary_value(&stdout, "ingested"), 0);
    assert_eq!(summary_value(&stdout, "duplicates skipped"), 7500);
    assert_eq!(stored_totals(&data), expected);
}

#[test]
fn appended_lines_are_picked_up_and_rewritten_files_start_over() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    let source = generate(dir.path(), "all.jsonl", 1000, 3);
    let text = std::fs::read_to_string(&source).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let log = dir.path().join("gateway.jsonl");

    std::fs::write(&log, lines[..400].join("\n") + "\n").unwrap();
    run(tokenboard(&data).arg("ingest").arg(&log));
    std::fs::write(&log, lines.join("\n") + "\n").unwrap();
    let output = run(tokenboard(&data).arg("ingest").arg(&log));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(summary_value(&stdout, "already ingested"), 400);
    assert_eq!(summary_value(&stdout, "ingested"), 600);
    assert_eq!(stored_totals(&data), expected_totals(&[&source]));

    // The same path with different content: its recorded progress does not apply.
    let other = generate(dir.path(), "other.jsonl", 500, 4);
    std::fs::copy(&other, &log).unwrap();
    let output = run(tokenboard(&data).arg("ingest").arg(&log));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert_eq!(summary_value(&stdout, "already ingested"), 0);
    assert_eq!(summary_value(&stdout, "ingested"), 500);
    assert_eq!(stored_totals(&data), expected_totals(&[&source, &other]));
}

/// Kills the ingest at every commit boundary (before and after each commit, by injected fault),
/// then reruns it: the tables are readable after every crash, and the final numbers are exact.
#[test]
fn a_crash_at_any_commit_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let input = generate(dir.path(), "input.jsonl", 2500, 11);
    // Bad lines too, so the quarantine commits carry rows.
    let mut text = std::fs::read_to_string(&input).unwrap();
    text.push_str("not json\n[]\n");
    std::fs::write(&input, &text).unwrap();
    let expected = expected_totals(&[&generate(dir.path(), "clean.jsonl", 2500, 11)]);

    // 2500 records at 600 per commit: 5 chunks of 3 table commits each.
    let commits = 15;
    for point in
        (1..=commits).flat_map(|n| [format!("before-commit:{n}"), format!("after-commit:{n}")])
    {
        let data = dir.path().join(format!("lake-{}", point.replace(':', "-")));
        let crashed = tokenboard(&data)
            .args(["ingest", "--commit-rows", "600"])
            .arg(&input)
            .env("TOKENBOARD_FAULT", &point)
            .output()
            .unwrap();
        assert!(!crashed.status.success(), "{point}: the fault did not fire");
        // Readable right after the crash, with no partial data.
        let partial = stored_totals(&data);
        assert!(
            partial.generations <= expected.generations,
            "{point}: {partial:?}"
        );

        run(tokenboard(&data)
            .args(["ingest", "--commit-rows", "600"])
            .arg(&input));
        assert_eq!(stored_totals(&data), expected, "{point}");
        assert_eq!(
            sql_one(&data, "SELECT count(*) FROM quarantine"),
            "2",
            "{point}: quarantine rows"
        );
        assert_eq!(
            sql_one(
                &data,
                "SELECT count(*) - count(DISTINCT id) FROM generations"
            ),
            "0",
            "{point}"
        );
    }
}

/// A batch that fails between its `attempts` and `generations` commits (here a file ingest
/// killed before its third commit) leaves attempts whose generations are not stored. Posting
/// the same lines afterwards, as a client retrying does, stores every generation and attempt
/// once.
#[test]
fn posting_after_a_partial_commit_stores_each_attempt_once() {
    let dir = tempfile::tempdir().unwrap();
    let input = generate(dir.path(), "input.jsonl", 500, 31);
    let expected = expected_totals(&[&input]);
    let data = dir.path().join("lake");
    let crashed = tokenboard(&data)
        .arg("ingest")
        .arg(&input)
        .env("TOKENBOARD_FAULT", "before-commit:3")
        .output()
        .unwrap();
    assert!(!crashed.status.success(), "the fault did not fire");
    let partial = stored_totals(&data);
    assert_eq!(
        (partial.generations, partial.attempts),
        (0, expected.attempts),
        "commits 1 and 2 are the quarantine and the attempts"
    );

    let lake = lake_in(&data);
    let body = std::fs::read(&input).unwrap();
    let summaries = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let mut writer = tokenboard_ingest::LiveWriter::open(&lake).await.unwrap();
        let post = tokenboard_ingest::Post {
            source: "retry".to_owned(),
            body,
        };
        writer.write(vec![post]).await.unwrap()
    });
    assert_eq!(summaries[0].accepted, expected.generations);
    assert_eq!(stored_totals(&data), expected);
}

/// SIGKILLs a real ingest at moments set by its own progress messages (the kill lands somewhere
/// after each), reruns it, and checks the totals.
#[test]
fn sigkill_at_many_points_then_rerun_is_exact() {
    let dir = tempfile::tempdir().unwrap();
    let input = generate(dir.path(), "input.jsonl", 4000, 21);
    let expected = expected_totals(&[&input]);
    for kill_after in 1..=8 {
        let data = dir.path().join(format!("lake-{kill_after}"));
        let mut child = tokenboard(&data)
            .args(["ingest", "--commit-rows", "300"])
            .arg(&input)
            .env("RUST_LOG", "tokenboard_ingest=info")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stderr = child.stderr.take().unwrap();
        let mut seen = 0;
        for line in BufReader::new(stderr).lines() {
            if line.unwrap().contains("committed") {
                seen += 1;
                if seen == kill_after {
                    child.kill().unwrap();
                    break;
                }
            }
        }
        let _ = child.wait().unwrap();
        let partial = stored_totals(&data);
        assert!(partial.generations <= expected.generations);

        run(tokenboard(&data)
            .args(["ingest", "--commit-rows", "300"])
            .arg(&input));
        assert_eq!(
            stored_totals(&data),
            expected,
            "killed after {kill_after} commits"
        );
    }
}

#[test]
fn sql_formats() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    run(tokenboard(&data)
        .arg("ingest")
        .arg(fixture("bad_lines.jsonl")));
    let csv = run(tokenboard(&data).args([
        "sql",
        "--format",
        "csv",
        "SELECT model, count(*) AS n FROM generations GROUP BY model ORDER BY model",
    ]));
    assert_eq!(
        String::from_utf8(csv.stdout).unwrap(),
        "model,n\nanthropic/claude-sonnet-4:free,1\nopenai/gpt-4o,2\n"
    );
    let json = run(tokenboard(&data).args([
        "sql",
        "--format",
        "json",
        "SELECT model, count(*) AS n FROM generations GROUP BY model ORDER BY model",
    ]));
    let value: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        value,
        serde_json::json!([
            {"model": "anthropic/claude-sonnet-4:free", "n": 1},
            {"model": "openai/gpt-4o", "n": 2}
        ])
    );
    let bad = tokenboard(&data)
        .args(["sql", "SELECT nope FROM generations"])
        .output()
        .unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("nope"));
}

#[test]
fn unknown_field_names_are_counted_but_not_without_bound() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("unknown.jsonl");
    let lines: Vec<String> = (0..150)
        .map(|i| {
            format!(
                r#"{{"id":"u{i}","created_at":"2026-11-19T00:00:00Z","model":"a/b","field_{i}":1}}"#
            )
        })
        .collect();
    std::fs::write(&input, lines.join("\n")).unwrap();
    let output = run(tokenboard(&dir.path().join("lake"))
        .arg("ingest")
        .arg(&input));
    let stdout = String::from_utf8(output.stdout).unwrap();
    // 100 names are listed, the first in name order; the other 50 share one bucket.
    assert!(stdout.contains("field_0 (1)"), "{stdout}");
    assert!(!stdout.contains("field_99 (1)"), "{stdout}");
    assert!(stdout.contains("(other names) (50)"), "{stdout}");
    assert_eq!(summary_value(&stdout, "ingested"), 150);
}

#[test]
fn feedback_files_are_stored_and_their_bad_lines_quarantined() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("lake");
    let file = dir.path().join("feedback.jsonl");
    std::fs::write(
        &file,
        concat!(
            "{\"generation_id\":\"g1\",\"category\":\"latency\",\"comment\":\"slow\"}\n",
            "{\"generation_id\":\"g2\",\"category\":\"rude\"}\n",
            "{\"generation_id\":\"g3\",\"category\":\"billing\"}\n",
            "{\"category\":\"other\"}\n",
        ),
    )
    .unwrap();
    let output = run(tokenboard(&data).args(["ingest", "--feedback"]).arg(&file));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("4 lines, 2 feedback stored, 2 quarantined"),
        "{stdout}"
    );
    assert!(stdout.contains("line 2: bad_category"), "{stdout}");
    assert!(stdout.contains("line 4: missing_field"), "{stdout}");
    assert_eq!(
        sql(
            &data,
            "SELECT generation_id, category, comment FROM feedback ORDER BY generation_id"
        ),
        [vec!["g1", "latency", "slow"], vec!["g3", "billing", ""]]
    );
    assert_eq!(
        sql(&data, "SELECT line, reason FROM quarantine ORDER BY line"),
        [vec!["2", "bad_category"], vec!["4", "missing_field"]]
    );
    // --strict: quarantined lines make the exit status 3.
    let strict = tokenboard(&data)
        .args(["ingest", "--feedback", "--strict"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(3));
}

/// A copy of the data directory `tests/fixtures/{name}` at `data`, for a test to change.
fn copy_fixture_lake(name: &str, data: &Path) {
    let old = fixture(name);
    for file in walk(&old) {
        let copy = data.join(file.strip_prefix(&old).unwrap());
        std::fs::create_dir_all(copy.parent().unwrap()).unwrap();
        std::fs::copy(&file, &copy).unwrap();
    }
}

/// The (generation id, attempt) pairs that must be marked `ended_in_error`, from the raw JSON:
/// the last entry of `provider_responses` of each record whose finish_reason is `error` (the
/// first record of an id, as ingest keeps).
fn expected_ended_in_error(files: &[&Path]) -> Vec<Vec<String>> {
    let mut seen = std::collections::HashSet::new();
    let mut marked = Vec::new();
    for file in files {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            let id = v["id"].as_str().unwrap().to_owned();
            let attempts = v["provider_responses"].as_array().map_or(0, Vec::len);
            if seen.insert(id.clone()) && v["finish_reason"] == "error" && attempts > 0 {
                marked.push(vec![id, (attempts - 1).to_string()]);
            }
        }
    }
    marked.sort();
    marked
}

/// USD written as a JSON number (`0.25`, `5.9e-6`) in picodollars, from its digits alone.
fn picodollars_of_text(text: &str) -> i128 {
    let (mantissa, exponent) = text
        .split_once(['e', 'E'])
        .map_or((text, 0), |(m, e)| (m, e.parse::<i32>().unwrap()));
    let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    assert!(!mantissa.contains('-'), "{text}");
    // digits * 10^(exponent - fraction digits) USD, and a USD is 10^12 picodollars.
    let digits: i128 = format!("{whole}{fraction}").parse().unwrap();
    let shift = 12 + exponent - fraction.len() as i32;
    assert!(shift >= 0, "{text} has more than 12 decimals");
    digits * 10i128.pow(shift as u32)
}

/// The sum of `total_cost` over the first copy of each id, from the JSON's number text (serde_json
/// prints a number read from the text back as its shortest form, the text itself here).
fn expected_spend_picodollars(files: &[&Path]) -> i128 {
    let mut seen = std::collections::HashSet::new();
    let mut sum = 0;
    for file in files {
        for line in std::fs::read_to_string(file).unwrap().lines() {
            let v: Value = serde_json::from_str(line).unwrap();
            if seen.insert(v["id"].as_str().unwrap().to_owned())
                && let Some(cost) = v.get("total_cost").filter(|c| !c.is_null())
            {
                sum += picodollars_of_text(&cost.to_string());
            }
        }
    }
    sum
}

/// tests/fixtures/lake-before-ended-in-error is what tokenboard wrote before `attempts` had
/// `ended_in_error` and while costs were doubles (commit da84456, `ingest --no-rollups
/// tests/fixtures/views.jsonl`). Readers refuse it with a message that says what to run;
/// `compact` and the next `ingest` each add the column, computed from `generations`, turn the
/// costs into decimals, and keep every row.
#[test]
fn a_lake_from_an_older_version_is_upgraded_by_compact_or_ingest() {
    let views = fixture("views.jsonl");
    for upgrade_by in ["compact", "ingest"] {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        copy_fixture_lake("lake-before-ended-in-error", &data);

        let refused = tokenboard(&data)
            .args(["sql", "SELECT count(*) FROM attempts"])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&refused.stderr);
        assert!(!refused.status.success(), "{stderr}");
        assert!(
            stderr.contains(
                "in the table generations, total_cost holds doubles, not decimals, usage holds \
                 doubles, not decimals, upstream_inference_cost holds doubles, not decimals, \
                 cache_discount holds doubles, not decimals"
            ) && stderr.contains("tokenboard compact"),
            "{stderr}"
        );

        let mut files = vec![views.as_path()];
        let generated;
        if upgrade_by == "compact" {
            run(tokenboard(&data).arg("compact"));
        } else {
            generated = generate(dir.path(), "more.jsonl", 2_000, 5);
            run(tokenboard(&data).arg("ingest").arg(&generated));
            files.push(generated.as_path());
        }
        assert_eq!(
            stored_totals(&data),
            expected_totals(&files),
            "{upgrade_by}"
        );
        let mut marked = sql(
            &data,
            "SELECT generation_id, attempt FROM attempts WHERE ended_in_error",
        );
        marked.sort();
        let expected = expected_ended_in_error(&files);
        assert!(expected.len() >= 3, "{upgrade_by}: {expected:?}");
        assert_eq!(marked, expected, "{upgrade_by}");
        // Exact: a sum of the doubles would be off in the last digits.
        let spend = sql_one(
            &data,
            "SELECT CAST(sum(total_cost) AS VARCHAR) FROM generations",
        );
        assert_eq!(
            picodollars_of_text(&spend),
            expected_spend_picodollars(&files),
            "{upgrade_by}: {spend}"
        );
    }
}

/// tests/fixtures/lake-with-double-spend is what tokenboard wrote while the rollups summed spend
/// as doubles (commit abb9b51, `ingest tests/fixtures/views.jsonl`). The next refresh rebuilds
/// the two tables with a `spend` column, from the raw rows, to the picodollar, and builds the
/// rollup added since (`daily_attempts`); it leaves the other rollups alone, and the refresh
/// after it has nothing to do.
#[test]
fn rollups_with_double_spend_are_rebuilt_with_exact_spend() {
    let views = fixture("views.jsonl");
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    copy_fixture_lake("lake-with-double-spend", &data);
    let output = run(tokenboard(&data).arg("rollup"));
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(
        summary.contains("hourly_endpoints rebuilt")
            && summary.contains("daily_endpoints rebuilt")
            && summary.contains("daily_attempts rebuilt"),
        "{summary}"
    );
    assert_eq!(summary.matches("rebuilt").count(), 3, "{summary}");

    let expected = expected_spend_picodollars(&[views.as_path()]);
    for table in ["hourly_endpoints", "daily_endpoints"] {
        // Compared in SQL: the type's name has a comma, which `sql` would split.
        let decimal = sql_one(
            &data,
            &format!("SELECT bool_and(arrow_typeof(spend) = 'Decimal128(38, 12)') FROM {table}"),
        );
        assert_eq!(decimal, "true", "{table}");
        let spend = sql_one(
            &data,
            &format!("SELECT CAST(sum(spend) AS VARCHAR) FROM {table}"),
        );
        assert_eq!(picodollars_of_text(&spend), expected, "{table}: {spend}");
    }
    let output = run(tokenboard(&data).arg("rollup"));
    let summary = String::from_utf8_lossy(&output.stdout);
    assert!(!summary.contains("rebuilt"), "{summary}");
}
