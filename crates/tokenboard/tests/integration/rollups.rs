//! The rollups kept incrementally equal the rollups rebuilt from scratch, refreshes touch only
//! the hours that changed, and the percentiles they give are within 1% of the exact ones on real
//! request traces. (That every view read from the rollups equals the raw-row answer of an
//! independent engine is the `crosscheck` module.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::util::display::array_value_to_string;
use tokenboard_generate::GeneratorConfig;
use tokenboard_ingest::{IngestOptions, Lake, TableName};
use tokenboard_query::{LakeSession, ModelProvider, View, ViewRequest, Window};
use tokenboard_rollup::{Error, RefreshOptions, TableRefresh, refresh_with};

use crate::common::{fixture, lake_in, repo_root};

async fn ingest(lake: &Lake, file: &Path) {
    let summary =
        tokenboard_ingest::ingest(lake, &[file.to_owned()], &IngestOptions::default(), &|_| {})
            .await
            .unwrap();
    assert_eq!(summary.quarantined_total(), 0, "{summary:?}");
    assert!(summary.ingested > 0, "{summary:?}");
}

fn write_lines(path: &Path, lines: &[&[u8]]) {
    let mut text = Vec::new();
    for line in lines {
        text.extend_from_slice(line);
        text.push(b'\n');
    }
    std::fs::write(path, text).unwrap();
}

/// The workload's lines, without their newlines.
fn lines_of(workload: &[u8]) -> Vec<&[u8]> {
    workload
        .split(|&b| b == b'\n')
        .filter(|line| !line.is_empty())
        .collect()
}

/// A workload cut into three files, every third line each: each file spans all its hours.
fn three_files(dir: &Path, workload: &[u8]) -> Vec<PathBuf> {
    let lines = lines_of(workload);
    (0..3)
        .map(|part| {
            let file = dir.join(format!("part-{part}.jsonl"));
            let mine: Vec<&[u8]> = lines.iter().skip(part).step_by(3).copied().collect();
            write_lines(&file, &mine);
            file
        })
        .collect()
}

fn generated(rows: u64, seed: u64) -> Vec<u8> {
    let config = GeneratorConfig {
        rows,
        days: 3,
        seed,
        end: "2026-11-20T00:00:00Z".parse().unwrap(),
    };
    let mut out = Vec::new();
    tokenboard_generate::generate(&config, &mut out).unwrap();
    out
}

/// Every row of a rollup table as text cells, in key order. Exact, spend too: the rollups sum
/// costs as decimals, so the same hours summed in another order give the same digits.
async fn dump(lake: &Lake, table: TableName) -> Vec<Vec<String>> {
    let keys = dump_keys(table);
    let session = LakeSession::open(lake).await.unwrap();
    let batches = session
        .sql(&format!("SELECT * FROM {} ORDER BY {keys}", table.as_str()))
        .await
        .unwrap();
    rows_of(&batches)
}

/// The columns that order [`dump`]'s rows: the table's key.
fn dump_keys(table: TableName) -> &'static str {
    match table {
        TableName::HourlyEndpoints => "hour, model, provider",
        TableName::HourlyAttempts => "hour, model, provider, status, ended_in_error",
        TableName::HourlyApps => "hour, app_id, model",
        TableName::DailyEndpoints => "date, model, provider",
        TableName::DailyAttempts => "date, model, provider, status, ended_in_error",
        TableName::DailyApps => "date, app_id, model",
        TableName::HourlyAppTotals => "hour, app_id",
        TableName::DailyAppTotals => "date, app_id",
        _ => "hour, prompt_size",
    }
}

fn rows_of(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for batch in batches {
        for row in 0..batch.num_rows() {
            let cells = batch
                .columns()
                .iter()
                .map(|column| array_value_to_string(column, row).unwrap())
                .collect();
            rows.push(cells);
        }
    }
    rows
}

fn assert_same_rows(table: TableName, incremental: &[Vec<String>], rebuilt: &[Vec<String>]) {
    assert_eq!(
        incremental.len(),
        rebuilt.len(),
        "{}: row counts",
        table.as_str()
    );
    for (i, (a, b)) in incremental.iter().zip(rebuilt).enumerate() {
        for (j, (x, y)) in a.iter().zip(b).enumerate() {
            assert_eq!(x, y, "{} row {i} column {j}", table.as_str());
        }
    }
}

/// Every Parquet file of the rollups read by one model's views holds its rows in
/// (model, provider, hour) order, nulls last (hour only in the hourly tables): the page index
/// can then skip the other models' pages. Checked on the files themselves, in file order.
async fn assert_files_in_model_order(lake: &Lake) {
    use datafusion::arrow::datatypes::TimestampMicrosecondType;

    for table in [
        TableName::HourlyEndpoints,
        TableName::HourlyAttempts,
        TableName::DailyEndpoints,
        TableName::DailyAttempts,
    ] {
        // (model, provider with None after every name, hour)
        let keys = assert_each_file_sorted(lake, table, |batch| {
            let models = batch.column_by_name("model").unwrap().as_string::<i32>();
            let providers = batch.column_by_name("provider").unwrap().as_string::<i32>();
            let hours = batch
                .column_by_name("hour")
                .map(|h| h.as_primitive::<TimestampMicrosecondType>().clone());
            (0..batch.num_rows())
                .map(|row| {
                    let provider = if providers.is_null(row) {
                        (true, String::new())
                    } else {
                        (false, providers.value(row).to_owned())
                    };
                    let hour = hours.as_ref().map(|h| h.value(row));
                    (models.value(row).to_owned(), provider, hour)
                })
                .collect()
        })
        .await;
        // The order is checked on many models' rows, not on a file or two of one model.
        let models: std::collections::BTreeSet<_> = keys.into_iter().map(|k| k.0).collect();
        assert!(models.len() > 20, "{}: {models:?}", table.as_str());
    }
}

/// Every Parquet file of the (app, model) rollups holds its rows in (app_id, hour) order, nulls
/// last (hour only in the hourly table): top-apps reads the rows of the few apps it shows, and the
/// page index skips the others', and the hours before the period in its first day's file.
async fn assert_files_in_app_order(lake: &Lake) {
    use datafusion::arrow::datatypes::TimestampMicrosecondType;

    for table in [TableName::HourlyApps, TableName::DailyApps] {
        // (app missing, app, hour): None sorts after every id.
        let keys = assert_each_file_sorted(lake, table, |batch| {
            let apps = batch.column_by_name("app_id").unwrap().as_string::<i32>();
            let hours = batch
                .column_by_name("hour")
                .map(|h| h.as_primitive::<TimestampMicrosecondType>().clone());
            (0..batch.num_rows())
                .map(|row| {
                    let hour = hours.as_ref().map(|h| h.value(row));
                    if apps.is_null(row) {
                        (true, String::new(), hour)
                    } else {
                        (false, apps.value(row).to_owned(), hour)
                    }
                })
                .collect()
        })
        .await;
        let apps: std::collections::BTreeSet<_> =
            keys.into_iter().filter(|k| !k.0).map(|k| k.1).collect();
        assert!(apps.len() > 20, "{}: {apps:?}", table.as_str());
    }
}

/// Panics unless the rows of each live Parquet file of `table`, read in file order, have
/// ascending keys by `keys_of` (which gives a batch's rows' keys); returns every file's keys.
async fn assert_each_file_sorted<K: Ord + std::fmt::Debug>(
    lake: &Lake,
    table: TableName,
    keys_of: impl Fn(&RecordBatch) -> Vec<K>,
) -> Vec<K> {
    use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    let delta = lake.open(table.as_str()).await.unwrap().unwrap();
    let uris: Vec<String> = delta.get_file_uris().unwrap().collect();
    let mut every_key = Vec::new();
    for uri in uris {
        // An absolute URI joined to the table's gives itself, parsed.
        let path = delta
            .table_url()
            .join(&uri)
            .unwrap()
            .to_file_path()
            .unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let mut keys = Vec::new();
        for batch in reader {
            keys.extend(keys_of(&batch.unwrap()));
        }
        if let Some(i) = keys.windows(2).position(|pair| pair[0] > pair[1]) {
            panic!(
                "{} {}: row {} {:?} comes before {:?}",
                table.as_str(),
                path.display(),
                i,
                keys[i],
                keys[i + 1]
            );
        }
        every_key.extend(keys);
    }
    every_key
}

async fn scalar(lake: &Lake, query: &str) -> String {
    let session = LakeSession::open(lake).await.unwrap();
    let batches = session.sql(query).await.unwrap();
    array_value_to_string(batches[0].column(0), 0).unwrap()
}

/// Every rollup table holds the rows its SQL file in `queries/rollups/` gives when DataFusion
/// runs it over all the rows it reads at once (the raw ones for an hourly table, the hourly
/// table's for a daily one): the SQL is the definition; a refresh sums the hourly tables by hand
/// in Rust (`by_hand.rs`), and recomputes only touched hours and days.
async fn assert_rollups_equal_their_sql(lake: &Lake) {
    let session = LakeSession::open(lake).await.unwrap();
    let all_time = |micros| {
        datafusion::common::ScalarValue::TimestampMicrosecond(Some(micros), Some("UTC".into()))
    };
    for (table, file) in [
        (TableName::HourlyEndpoints, "hourly_endpoints.sql"),
        (TableName::HourlyAttempts, "hourly_attempts.sql"),
        (TableName::HourlyApps, "hourly_apps.sql"),
        (TableName::HourlyAppTotals, "hourly_app_totals.sql"),
        (TableName::HourlyPromptSizes, "hourly_prompt_sizes.sql"),
        (TableName::DailyEndpoints, "daily_endpoints.sql"),
        (TableName::DailyAttempts, "daily_attempts.sql"),
        (TableName::DailyApps, "daily_apps.sql"),
        (TableName::DailyAppTotals, "daily_app_totals.sql"),
    ] {
        let sql = std::fs::read_to_string(repo_root().join("queries/rollups").join(file)).unwrap();
        let keys = dump_keys(table);
        let query = format!("SELECT * FROM (\n{sql}\n) AS by_sql ORDER BY {keys}");
        // 2020 to 2100: every record the validation lets in.
        let params = vec![
            ("start", all_time(1_577_836_800_000_000)),
            ("end", all_time(4_102_444_800_000_000)),
        ];
        let by_sql = rows_of(&session.sql_with(&query, params).await.unwrap());
        let by_hand = dump(lake, table).await;
        assert!(!by_sql.is_empty(), "{}", table.as_str());
        assert_same_rows(table, &by_hand, &by_sql);
    }
}

/// A generated workload with, every few lines, a field the rollups treat apart set to null (or
/// to a value they exclude): no provider, no app or origin, unknown token counts, a cancelled
/// error, no TTFT, a zero generation time, no cost, no finish reason.
fn generated_with_nulls(rows: u64, seed: u64) -> Vec<u8> {
    let mut out = Vec::new();
    let workload = generated(rows, seed);
    for (i, line) in lines_of(&workload).into_iter().enumerate() {
        let mut record: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(line).unwrap();
        let edits: [(usize, &str, serde_json::Value); 11] = [
            (7, "provider_name", serde_json::Value::Null),
            (5, "tokens_prompt", serde_json::Value::Null),
            (8, "tokens_completion", serde_json::Value::Null),
            (11, "generation_time", serde_json::json!(0)),
            (13, "cancelled", serde_json::json!(true)),
            (6, "native_tokens_prompt", serde_json::Value::Null),
            (9, "origin", serde_json::Value::Null),
            (10, "app_id", serde_json::Value::Null),
            (17, "latency", serde_json::Value::Null),
            (19, "total_cost", serde_json::Value::Null),
            (23, "finish_reason", serde_json::Value::Null),
        ];
        for (every, field, value) in edits {
            if i % every == 0 {
                record.insert(field.to_owned(), value);
            }
        }
        if i % 26 == 0 {
            record.insert("finish_reason".into(), serde_json::json!("error"));
        }
        serde_json::to_writer(&mut out, &record).unwrap();
        out.push(b'\n');
    }
    out
}

#[tokio::test]
async fn rollups_refreshed_by_hand_and_late_equal_their_sql() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake_in(&dir.path().join("lake"));
    // Every fifth of the first 3,000 lines comes late: the first refresh builds every table, the
    // second recomputes only the hours those lines touch (and the days they fall in), merging
    // them with the rows it keeps.
    let workload = generated_with_nulls(20_000, 5);
    let lines = lines_of(&workload);
    let (early, rest) = lines.split_at(3_000);
    let late: Vec<&[u8]> = early.iter().step_by(5).copied().collect();
    let first: Vec<&[u8]> = early
        .chunks(5)
        .flat_map(|five| &five[1..])
        .chain(rest)
        .copied()
        .collect();
    assert_eq!(first.len() + late.len(), lines.len());
    for (name, part, is_late) in [("first.jsonl", first, false), ("late.jsonl", late, true)] {
        let file = dir.path().join(name);
        write_lines(&file, &part);
        ingest(&lake, &file).await;
        let refresh = tokenboard_rollup::refresh(&lake).await.unwrap();
        if is_late {
            for table in ["hourly_apps", "daily_apps", "daily_app_totals"] {
                let recomputed = &refresh.tables[table];
                assert!(
                    matches!(recomputed, TableRefresh::Hours { .. }),
                    "{table}: {refresh}"
                );
            }
        }
        assert_rollups_equal_their_sql(&lake).await;
    }
    // The nulls made groups of their own.
    let no_provider = scalar(
        &lake,
        "SELECT count(*) FROM hourly_endpoints WHERE provider IS NULL",
    )
    .await;
    assert_ne!(no_provider, "0");
}

#[tokio::test]
async fn incremental_rollups_equal_a_rebuild_and_touch_only_changed_hours() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake_in(&dir.path().join("lake"));

    // The second and third files are late data for every hour the first one filled.
    for (part, file) in three_files(dir.path(), &generated(30_000, 3))
        .iter()
        .enumerate()
    {
        ingest(&lake, file).await;
        let summary = tokenboard_rollup::refresh(&lake).await.unwrap();
        for table in TableName::ROLLUPS {
            let refresh = &summary.tables[table.as_str()];
            match part {
                0 => assert!(
                    matches!(refresh, TableRefresh::Rebuilt { .. }),
                    "{refresh:?}"
                ),
                // The three days, and the hour the window's end spills into at most: for the
                // table by day, that hour's whole day.
                _ => {
                    let expected = if table.is_daily() { 72..=96 } else { 72..=73 };
                    assert!(
                        matches!(refresh, TableRefresh::Hours { hours, .. } if expected.contains(hours)),
                        "{} {refresh:?}",
                        table.as_str()
                    )
                }
            }
        }
    }

    // Late records of one old hour, from another workload: only that hour is recomputed (its
    // day, in the table by day).
    let late = generated(20_000, 4);
    let needle = b"\"created_at\":\"2026-11-18T05";
    let hour: Vec<&[u8]> = lines_of(&late)
        .into_iter()
        .filter(|l| l.windows(needle.len()).any(|w| w == needle))
        .collect();
    assert!(hour.len() > 20, "the late hour has {} records", hour.len());
    let file = dir.path().join("late.jsonl");
    write_lines(&file, &hour);
    let before = scalar(&lake, "SELECT sum(requests) FROM hourly_endpoints").await;
    ingest(&lake, &file).await;
    let summary = tokenboard_rollup::refresh(&lake).await.unwrap();
    for table in TableName::ROLLUPS {
        let hours = if table.is_daily() { 24 } else { 1 };
        assert!(
            matches!(
                summary.tables[table.as_str()],
                TableRefresh::Hours { hours: h, .. } if h == hours
            ),
            "{summary}"
        );
    }
    let after = scalar(&lake, "SELECT sum(requests) FROM hourly_endpoints").await;
    assert_eq!(
        after.parse::<usize>().unwrap(),
        before.parse::<usize>().unwrap() + hour.len()
    );
    // Nothing new: nothing to do.
    let summary = tokenboard_rollup::refresh(&lake).await.unwrap();
    assert!(!summary.changed(), "{summary}");

    // The rollups hold every raw row once.
    assert_eq!(
        scalar(&lake, "SELECT sum(requests) FROM hourly_endpoints").await,
        scalar(&lake, "SELECT count(*) FROM generations").await
    );
    assert_eq!(
        scalar(&lake, "SELECT sum(attempts) FROM hourly_attempts").await,
        scalar(&lake, "SELECT count(*) FROM attempts").await
    );
    assert_eq!(
        scalar(&lake, "SELECT sum(requests) FROM hourly_apps").await,
        scalar(&lake, "SELECT count(*) FROM generations").await
    );
    // The daily sums hold the late hour too: each day's row is its endpoint's raw rows of the
    // day, counted straight from `generations`; its spend to the picodollar, though it is the
    // sum of the day's hourly sums.
    let per_day = "SELECT count(*) FROM (SELECT date, model, provider_name AS provider, \
                   count(*) AS n, sum(coalesce(tokens_completion, 0)) AS c, \
                   sum(total_cost) AS s FROM generations \
                   GROUP BY 1, 2, 3) raw FULL JOIN daily_endpoints d \
                   ON raw.date = d.date AND raw.model = d.model \
                   AND raw.provider IS NOT DISTINCT FROM d.provider \
                   WHERE (raw.n IS DISTINCT FROM d.requests) \
                   OR (raw.c IS DISTINCT FROM d.tokens_completion) \
                   OR (raw.s IS DISTINCT FROM d.spend)";
    assert_eq!(scalar(&lake, per_day).await, "0");
    assert_ne!(
        scalar(&lake, "SELECT count(*) FROM daily_endpoints").await,
        "0"
    );
    // Likewise per (date, model, provider, status, ended_in_error) of `attempts`.
    let per_day = "SELECT count(*) FROM (SELECT date, model, provider_name AS provider, status, \
                   ended_in_error, count(*) AS n FROM attempts GROUP BY 1, 2, 3, 4, 5) raw \
                   FULL JOIN daily_attempts d ON raw.date = d.date AND raw.model = d.model \
                   AND (raw.provider IS NOT DISTINCT FROM d.provider) \
                   AND (raw.status IS NOT DISTINCT FROM d.status) \
                   AND raw.ended_in_error = d.ended_in_error \
                   WHERE raw.n IS DISTINCT FROM d.attempts";
    assert_eq!(scalar(&lake, per_day).await, "0");
    assert_ne!(
        scalar(&lake, "SELECT count(*) FROM daily_attempts").await,
        "0"
    );
    // Likewise per (date, app, model), apps without an id included.
    let per_day = "SELECT count(*) FROM (SELECT date, app_id, model, count(*) AS n, \
                   sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS t, \
                   min(origin) AS o FROM generations GROUP BY 1, 2, 3) raw \
                   FULL JOIN daily_apps d ON raw.date = d.date AND raw.model = d.model \
                   AND raw.app_id IS NOT DISTINCT FROM d.app_id \
                   WHERE (raw.n IS DISTINCT FROM d.requests) OR (raw.t IS DISTINCT FROM d.tokens) \
                   OR (raw.o IS DISTINCT FROM d.origin)";
    assert_eq!(scalar(&lake, per_day).await, "0");
    assert_ne!(scalar(&lake, "SELECT count(*) FROM daily_apps").await, "0");
    // And per (hour, app) and (date, app), every model together.
    let per_hour = "SELECT count(*) FROM (SELECT date_trunc('hour', created_at) AS hour, app_id, \
                    count(*) AS n, \
                    sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS t \
                    FROM generations GROUP BY 1, 2) raw \
                    FULL JOIN hourly_app_totals h ON raw.hour = h.hour \
                    AND raw.app_id IS NOT DISTINCT FROM h.app_id \
                    WHERE (raw.n IS DISTINCT FROM h.requests) OR (raw.t IS DISTINCT FROM h.tokens)";
    assert_eq!(scalar(&lake, per_hour).await, "0");
    let per_day = "SELECT count(*) FROM (SELECT date, app_id, count(*) AS n, \
                   sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS t \
                   FROM generations GROUP BY 1, 2) raw \
                   FULL JOIN daily_app_totals d ON raw.date = d.date \
                   AND raw.app_id IS NOT DISTINCT FROM d.app_id \
                   WHERE (raw.n IS DISTINCT FROM d.requests) OR (raw.t IS DISTINCT FROM d.tokens)";
    assert_eq!(scalar(&lake, per_day).await, "0");
    assert_ne!(
        scalar(&lake, "SELECT count(*) FROM daily_app_totals").await,
        "0"
    );

    assert_files_in_model_order(&lake).await;
    assert_files_in_app_order(&lake).await;
    let mut incremental = Vec::new();
    for table in TableName::ROLLUPS {
        incremental.push(dump(&lake, table).await);
    }
    let summary = tokenboard_rollup::rebuild(&lake).await.unwrap();
    assert!(
        summary
            .tables
            .values()
            .all(|t| matches!(t, TableRefresh::Rebuilt { .. })),
        "{summary}"
    );
    for (table, incremental) in TableName::ROLLUPS.into_iter().zip(&incremental) {
        assert!(!incremental.is_empty());
        assert_same_rows(table, incremental, &dump(&lake, table).await);
    }
    assert_files_in_model_order(&lake).await;
    assert_files_in_app_order(&lake).await;
}

/// How many commits `table` has had: its version, counted from its first.
async fn commits(lake: &Lake, table: TableName) -> u64 {
    let table = lake.open(table.as_str()).await.unwrap();
    table.and_then(|t| t.version()).map_or(0, |v| v + 1)
}

/// Whether some hourly rollup is missing raw rows.
async fn rollups_short_of_raw_rows(lake: &Lake) -> bool {
    let sum = |column, table| async move {
        let query = format!("SELECT sum({column}) FROM {table}");
        scalar(lake, &query).await.parse::<i64>().unwrap_or(0)
    };
    let generations = sum("1", "generations").await;
    let mut short = sum("attempts", "hourly_attempts").await < sum("1", "attempts").await;
    for table in [
        "hourly_endpoints",
        "hourly_apps",
        "hourly_app_totals",
        "hourly_prompt_sizes",
    ] {
        short |= sum("requests", table).await < generations;
    }
    short
}

/// The table a refresh stopped in, as [`RefreshOptions::fault_after_partial_commit`] asks.
fn stopped_in(stopped: Result<tokenboard_rollup::RefreshSummary, Error>) -> &'static str {
    match stopped {
        Err(Error::Fault { table }) => table,
        other => panic!("the refresh was not stopped: {other:?}"),
    }
}

/// Days whose rows pass `commit_bytes` are written in several commits (here as soon as a date
/// is done). Stopped right after a table's first of them, as a crash there would stop it, a
/// rebuild leaves the table without some dates and a refresh leaves some dates' late rows out;
/// the next plain refresh finishes either, to the rows of the tables' SQL.
#[tokio::test]
async fn rollups_committed_in_parts_are_finished_after_a_crash_between_them() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake_in(&dir.path().join("lake"));
    let files = three_files(dir.path(), &generated(9_000, 7));
    let commit_each_date = |rebuild, fault_after_partial_commit| RefreshOptions {
        rebuild,
        commit_bytes: 1,
        fault_after_partial_commit,
    };
    ingest(&lake, &files[0]).await;
    tokenboard_rollup::refresh(&lake).await.unwrap();
    let dates = scalar(&lake, "SELECT count(DISTINCT date) FROM generations").await;
    assert!(dates.parse::<u64>().unwrap() >= 3, "{dates} dates");

    // A rebuild stopped after a table's first commit, which replaced the table with a date or
    // two: the next refresh rebuilds that table.
    let table = stopped_in(refresh_with(&lake, &commit_each_date(true, true)).await);
    assert!(rollups_short_of_raw_rows(&lake).await);
    let summary = tokenboard_rollup::refresh(&lake).await.unwrap();
    assert!(
        matches!(summary.tables[table], TableRefresh::Rebuilt { .. }),
        "{table}: {summary}"
    );
    assert_rollups_equal_their_sql(&lake).await;

    // Late rows for every hour, refreshed in parts and stopped after a table's first: that
    // commit recorded no progress, so the next refresh recomputes every touched hour.
    ingest(&lake, &files[1]).await;
    let table = stopped_in(refresh_with(&lake, &commit_each_date(false, true)).await);
    assert!(rollups_short_of_raw_rows(&lake).await);
    let summary = tokenboard_rollup::refresh(&lake).await.unwrap();
    assert!(
        matches!(summary.tables[table], TableRefresh::Hours { hours, .. } if hours >= 72),
        "{table}: {summary}"
    );
    assert_rollups_equal_their_sql(&lake).await;

    // Not stopped: more than one commit for every table, and the same rows as their SQL.
    ingest(&lake, &files[2]).await;
    let mut before = Vec::new();
    for table in TableName::ROLLUPS {
        before.push(commits(&lake, table).await);
    }
    refresh_with(&lake, &commit_each_date(false, false))
        .await
        .unwrap();
    for (table, before) in TableName::ROLLUPS.into_iter().zip(before) {
        let made = commits(&lake, table).await - before;
        assert!(made >= 2, "{}: {made} commits", table.as_str());
    }
    assert_rollups_equal_their_sql(&lake).await;
    assert_files_in_model_order(&lake).await;
    assert_files_in_app_order(&lake).await;
}

#[tokio::test]
async fn a_lake_with_no_good_rows_rolls_up_to_empty_tables() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake_in(&dir.path().join("lake"));
    let file = dir.path().join("bad.jsonl");
    std::fs::write(&file, "{\"bad\": 1}\nnot json\n").unwrap();
    let summary = tokenboard_ingest::ingest(&lake, &[file], &IngestOptions::default(), &|_| {})
        .await
        .unwrap();
    assert_eq!((summary.ingested, summary.quarantined_total()), (0, 2));
    let refresh = tokenboard_rollup::refresh(&lake).await.unwrap();
    for table in TableName::ROLLUPS {
        assert_eq!(
            refresh.tables[table.as_str()],
            TableRefresh::Rebuilt { rows: 0 },
            "{refresh}"
        );
    }
    assert!(!tokenboard_rollup::refresh(&lake).await.unwrap().changed());
    assert!(top_models(&lake).await.is_empty());
}

/// One llmperf request (tests/fixtures/README.md says what the mapping invents).
struct Request {
    provider: String,
    model: String,
    ttft_ms: Option<f64>,
    throughput: Option<f64>,
    status: u16,
}

/// Maps tests/fixtures/llmperf/llmperf_requests_flat.csv to log records; returns the requests
/// as the test sees them, and the records as JSON lines.
fn llmperf() -> (Vec<Request>, Vec<u8>) {
    let path = fixture("llmperf/llmperf_requests_flat.csv");
    let mut reader = csv::Reader::from_path(&path).unwrap();
    let headers = reader.headers().unwrap().clone();
    let column = |name: &str| headers.iter().position(|h| h == name).unwrap();
    let (provider, size, run, index) = (
        column("provider"),
        column("model_size"),
        column("run_timestamp_unix"),
        column("request_index"),
    );
    let (input, output, ttft, e2e, error) = (
        column("number_input_tokens"),
        column("number_output_tokens"),
        column("ttft_s"),
        column("end_to_end_latency_s"),
        column("error_code"),
    );
    let mut requests = Vec::new();
    let mut lines = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let record = record.unwrap();
        let number = |i: usize| record[i].parse::<f64>().ok();
        let status: u16 = match &record[error] {
            "" => 200,
            "429" => 429,
            _ => 500,
        };
        let started = record[run].parse::<i64>().unwrap() + record[index].parse::<i64>().unwrap();
        let created_at = DateTime::<Utc>::from_timestamp(started, 0).unwrap();
        let model = format!("meta-llama/llama-2-{}-chat", &record[size]);
        let ttft_ms = number(ttft).filter(|_| status == 200).map(|s| s * 1000.0);
        let generation_ms = match (number(e2e), ttft_ms) {
            (Some(e2e), Some(ttft)) if status == 200 => Some(e2e * 1000.0 - ttft),
            _ => None,
        };
        let completion = number(output).filter(|_| status == 200);
        let throughput = match (completion, generation_ms) {
            (Some(tokens), Some(ms)) if tokens > 0.0 && ms > 0.0 => Some(tokens / (ms / 1000.0)),
            _ => None,
        };
        let line = serde_json::json!({
            "id": format!("llmperf-{row}"),
            "created_at": created_at.to_rfc3339(),
            "model": model,
            "provider_name": &record[provider],
            "tokens_prompt": number(input).map(|t| t as i64),
            "tokens_completion": completion.map(|t| t as i64),
            "latency": ttft_ms,
            "generation_time": generation_ms,
            "finish_reason": if status == 200 { "stop" } else { "error" },
            "provider_responses": [{"provider": &record[provider], "status": status}],
        });
        lines.extend_from_slice(line.to_string().as_bytes());
        lines.push(b'\n');
        requests.push(Request {
            provider: record[provider].to_owned(),
            model,
            ttft_ms,
            throughput,
            status,
        });
    }
    (requests, lines)
}

/// `percentile_cont` of sorted values, computed directly.
fn exact(values: &[f64], q: f64) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let rank = q * (values.len() - 1) as f64;
    let below = rank.floor() as usize;
    let fraction = rank - below as f64;
    Some(if fraction == 0.0 {
        values[below]
    } else {
        values[below] + fraction * (values[below + 1] - values[below])
    })
}

#[tokio::test]
async fn real_llmperf_percentiles_within_one_percent_of_exact() {
    let (requests, lines) = llmperf();
    assert_eq!(requests.len(), 2845);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("llmperf.jsonl");
    std::fs::write(&file, lines).unwrap();
    let lake = lake_in(&dir.path().join("lake"));
    ingest(&lake, &file).await;
    tokenboard_rollup::refresh(&lake).await.unwrap();
    assert_rollups_equal_their_sql(&lake).await;
    let session = LakeSession::open(&lake).await.unwrap();

    let mut compared = 0;
    for size in ["7b", "13b", "70b"] {
        let model = format!("meta-llama/llama-2-{size}-chat");
        // The runs span five weeks: `all` reads them from the rollups.
        let rows: Vec<ModelProvider> = session
            .view(
                &ViewRequest::new(View::ModelProviders)
                    .model(&model)
                    .window(Window::All),
            )
            .await
            .unwrap()
            .rows("model-providers")
            .unwrap();
        assert!(rows.len() >= 5, "{model}: {} providers", rows.len());
        for row in rows {
            let mine: Vec<&Request> = requests
                .iter()
                .filter(|r| r.model == model && r.provider == row.provider)
                .collect();
            assert_eq!(
                row.requests as usize,
                mine.len(),
                "{model} {}",
                row.provider
            );
            let successes = mine.iter().filter(|r| r.status == 200).count();
            let failures = mine.iter().filter(|r| r.status == 500).count();
            assert_eq!(row.attempts as usize, successes + failures);
            let mut ttft: Vec<f64> = mine.iter().filter_map(|r| r.ttft_ms).collect();
            let mut throughput: Vec<f64> = mine.iter().filter_map(|r| r.throughput).collect();
            ttft.sort_by(f64::total_cmp);
            throughput.sort_by(f64::total_cmp);
            for (name, got, values, q) in [
                ("ttft_p50", row.ttft_p50, &ttft, 0.5),
                ("ttft_p75", row.ttft_p75, &ttft, 0.75),
                ("ttft_p90", row.ttft_p90, &ttft, 0.9),
                ("ttft_p99", row.ttft_p99, &ttft, 0.99),
                ("throughput_p50", row.throughput_p50, &throughput, 0.5),
                ("throughput_p90", row.throughput_p90, &throughput, 0.9),
            ] {
                let truth = exact(values, q);
                match (got, truth) {
                    (Some(got), Some(truth)) => {
                        let error = (got - truth).abs() / truth;
                        assert!(
                            error <= 0.01 + 1e-12,
                            "{model} {} {name}: sketch {got}, exact {truth} ({:.3}%)",
                            row.provider,
                            error * 100.0
                        );
                        compared += 1;
                    }
                    (None, None) => {}
                    other => panic!("{model} {} {name}: {other:?}", row.provider),
                }
            }
        }
    }
    assert!(compared > 80, "only {compared} percentiles compared");
}

async fn files_per_day(lake: &Lake, table: &str) -> std::collections::BTreeMap<String, usize> {
    let table = lake.open(table).await.unwrap().unwrap();
    let mut days = std::collections::BTreeMap::new();
    for uri in table.get_file_uris().unwrap() {
        let day = uri
            .split('/')
            .find_map(|p| p.strip_prefix("date="))
            .unwrap();
        *days.entry(day.to_owned()).or_default() += 1;
    }
    days
}

async fn top_models(lake: &Lake) -> Vec<tokenboard_query::TopModel> {
    let session = LakeSession::open(lake).await.unwrap();
    session
        .view(&ViewRequest::new(View::TopModels).limit(1000))
        .await
        .unwrap()
        .rows("top-models")
        .unwrap()
}

/// Equal, but for float sums taken in another order (the rewritten files order rows anew).
fn assert_same_answer(got: &[tokenboard_query::TopModel], expected: &[tokenboard_query::TopModel]) {
    let close = |a: f64, b: f64| (a - b).abs() <= 1e-12 * a.abs().max(b.abs());
    assert_eq!(got.len(), expected.len());
    for (a, b) in got.iter().zip(expected) {
        let same_floats = close(a.spend, b.spend)
            && close(a.share.unwrap_or(0.0), b.share.unwrap_or(0.0))
            && close(a.change.unwrap_or(0.0), b.change.unwrap_or(0.0));
        let mut a = a.clone();
        (a.spend, a.share, a.change) = (b.spend, b.share, b.change);
        assert!(same_floats && a == *b, "{a:?} / {b:?}");
    }
}

#[tokio::test]
async fn compaction_merges_closed_days_drops_duplicates_and_changes_no_answer() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake_in(&dir.path().join("lake"));
    for file in three_files(dir.path(), &generated(12_000, 5)) {
        ingest(&lake, &file).await;
    }
    tokenboard_rollup::refresh(&lake).await.unwrap();
    let answer = top_models(&lake).await;
    let rows = scalar(&lake, "SELECT count(*) FROM generations").await;

    // What two concurrent ingests can leave behind: 25 rows of a closed day stored twice.
    let session = LakeSession::open(&lake).await.unwrap();
    let copies = session
        .sql("SELECT * FROM generations WHERE date = DATE '2026-11-18' ORDER BY id LIMIT 25")
        .await
        .unwrap();
    let schema = TableName::Generations.schema();
    let copies: Vec<RecordBatch> = copies
        .iter()
        .map(|batch| {
            let columns = schema
                .fields()
                .iter()
                .zip(batch.columns())
                .map(|(f, c)| datafusion::arrow::compute::cast(c, f.data_type()).unwrap())
                .collect();
            RecordBatch::try_new(schema.clone(), columns).unwrap()
        })
        .collect();
    let table = lake.open("generations").await.unwrap().unwrap();
    table
        .write(copies)
        .with_save_mode(deltalake::protocol::SaveMode::Append)
        .await
        .unwrap();
    tokenboard_rollup::refresh(&lake).await.unwrap();
    assert_ne!(
        top_models(&lake).await,
        answer,
        "the duplicates are counted"
    );

    let before = files_per_day(&lake, "generations").await;
    assert_eq!(before.len(), 3, "{before:?}");
    assert!(before.values().all(|&n| n >= 3), "{before:?}");
    let summaries = tokenboard_ingest::compact(&lake).await.unwrap();
    let generations = &summaries["generations"];
    assert_eq!(generations.rows_before - generations.rows_after, 25);
    assert_eq!(generations.days.len(), 2, "every day but the newest");
    let after = files_per_day(&lake, "generations").await;
    let newest = before.keys().next_back().unwrap();
    for (day, files) in &after {
        let expected = if day == newest { before[day] } else { 1 };
        assert_eq!(*files, expected, "{day}: {after:?}");
    }
    assert_eq!(
        scalar(&lake, "SELECT count(*) FROM generations").await,
        rows
    );
    assert_eq!(
        scalar(&lake, "SELECT count(DISTINCT id) FROM generations").await,
        rows
    );
    // Rows in a rewritten day are in time order, as ingest writes them.
    assert_eq!(
        scalar(
            &lake,
            "SELECT count(*) FROM (SELECT created_at < lag(created_at) OVER () AS back \
             FROM generations WHERE date = DATE '2026-11-18') WHERE back"
        )
        .await,
        "0"
    );

    let refresh = tokenboard_rollup::refresh(&lake).await.unwrap();
    assert!(refresh.changed(), "{refresh}");
    assert_same_answer(&top_models(&lake).await, &answer);
    // Compacting again has nothing to do.
    let again = tokenboard_ingest::compact(&lake).await.unwrap();
    assert!(again.values().all(|s| s.days.is_empty()), "{again:?}");

    // Four refreshes replaced rollup files. Within the retention they all stay; past it (here
    // none), only the files the tables still use stay, and the answers are the same.
    let stale = |counts: &[(usize, usize)]| counts.iter().any(|(disk, live)| disk > live);
    let counts = rollup_files(&lake).await;
    assert!(stale(&counts), "{counts:?}");
    let retention = tokenboard_rollup::VACUUM_RETENTION;
    assert_eq!(
        tokenboard_rollup::vacuum(&lake, retention).await.unwrap(),
        0
    );
    assert_eq!(rollup_files(&lake).await, counts);
    let deleted = tokenboard_rollup::vacuum(&lake, chrono::Duration::zero())
        .await
        .unwrap();
    let expected: usize = counts.iter().map(|(disk, live)| disk - live).sum();
    assert_eq!(deleted, expected);
    let counts = rollup_files(&lake).await;
    assert!(!stale(&counts), "{counts:?}");
    assert_same_answer(&top_models(&lake).await, &answer);
    let refresh = tokenboard_rollup::rebuild(&lake).await.unwrap();
    assert!(refresh.changed(), "{refresh}");
    assert_same_answer(&top_models(&lake).await, &answer);
}

/// Per rollup table: the Parquet files in its directory, and those its current version uses.
async fn rollup_files(lake: &Lake) -> Vec<(usize, usize)> {
    let mut counts = Vec::new();
    for table in TableName::ROLLUPS {
        let delta = lake.open(table.as_str()).await.unwrap().unwrap();
        let live = delta.get_file_uris().unwrap().count();
        let root = delta.table_url().to_file_path().unwrap();
        let mut on_disk = 0;
        let mut pending = vec![root];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else if path.extension().is_some_and(|e| e == "parquet") {
                    on_disk += 1;
                }
            }
        }
        counts.push((on_disk, live));
    }
    counts
}
