//! Every catalog view on small fixtures whose answers were worked out by hand from
//! queries/README.md. The main fixture is tests/fixtures/views.jsonl (ten records, described in
//! tests/fixtures/README.md); top-apps and speed need thousands of rows, so their fixtures are
//! written here from a few loops whose sums are easy to do on paper.
//!
//! The newest record of views.jsonl is 2026-11-20T12:30Z, so data_through = 12:00, the day
//! period is [11-19T12:00, 11-20T12:00), the previous day [11-18T12:00, 11-19T12:00).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

use std::io::Write;
use std::path::{Path, PathBuf};

use tokenboard_query::*;

use crate::common::{fixture, ingest_with_rollups, lake_in};

async fn lake_from(files: &[PathBuf], dir: &Path) -> LakeSession {
    let lake = lake_in(dir);
    ingest_with_rollups(&lake, files).await;
    LakeSession::open(&lake).await.unwrap()
}

async fn fixture_session(dir: &Path) -> LakeSession {
    lake_from(&[fixture("views.jsonl")], dir).await
}

async fn rows<T: serde::de::DeserializeOwned>(
    session: &LakeSession,
    request: ViewRequest,
) -> Vec<T> {
    let name = request.view.name();
    session.view(&request).await.unwrap().rows(name).unwrap()
}

/// (bucket start, model, tokens) of each token-share row.
fn share_cells(rows: &[ModelShare]) -> Vec<(String, &str, i64)> {
    rows.iter()
        .map(|r| (r.bucket_start.to_rfc3339(), r.model.as_str(), r.tokens))
        .collect()
}

/// (author, tokens) of each author-share row.
fn author_tokens(rows: &[AuthorShare]) -> Vec<(&str, i64)> {
    rows.iter().map(|r| (r.author.as_str(), r.tokens)).collect()
}

/// (bucket start, tokens, requests) of each model-daily row.
fn day_cells(rows: &[ModelDay]) -> Vec<(String, i64, i64)> {
    rows.iter()
        .map(|d| (d.bucket_start.to_rfc3339(), d.tokens, d.requests))
        .collect()
}

#[track_caller]
fn close(actual: Option<f64>, expected: f64) {
    let actual = actual.unwrap_or(f64::NAN);
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "expected {expected}, got {actual}"
    );
}

#[tokio::test]
async fn top_models_day_ties_variants_and_change() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    let result = session
        .view(&ViewRequest::new(View::TopModels).period(Period::Day))
        .await
        .unwrap();
    assert_eq!(
        result.data_through.unwrap().to_rfc3339(),
        "2026-11-20T12:00:00+00:00"
    );
    let top: Vec<TopModel> = result.rows("top-models").unwrap();
    let names: Vec<&str> = top.iter().map(|r| r.model.as_str()).collect();
    // a/x:free and b/y tie at 150 tokens: the name decides. v6 (12:30) is in the filling hour.
    assert_eq!(names, ["a/x", "a/x:free", "b/y", "c/z"]);
    assert_eq!(top.iter().map(|r| r.rank).collect::<Vec<_>>(), [1, 2, 3, 4]);
    let ax = &top[0];
    assert_eq!(ax.author, "a");
    // v1 150 + v2 1200 + v9 0 + v10 5.
    assert_eq!(
        (ax.tokens, ax.prompt_tokens, ax.completion_tokens),
        (1355, 1105, 250)
    );
    assert_eq!(ax.requests, 4);
    close(Some(ax.spend), 0.013);
    close(ax.share, 1355.0 / 1655.0);
    // Previous day: v5 with 50 tokens.
    close(ax.change, (1355.0 - 50.0) / 50.0);
    // a/x:free had a request the day before, but no tokens: no change, not infinity.
    assert_eq!(top[1].change, None);
    assert_eq!(top[1].author, "a");
    assert_eq!(
        (
            top[2].tokens,
            top[2].prompt_tokens,
            top[2].completion_tokens
        ),
        (150, 150, 0)
    );
    assert_eq!(top[2].spend, 0.0, "a null total_cost adds nothing");
    // c/z: only the required fields.
    assert_eq!((top[3].tokens, top[3].requests), (0, 1));
    close(top[3].share, 0.0);

    let limited: Vec<TopModel> = rows(
        &session,
        ViewRequest::new(View::TopModels)
            .period(Period::Day)
            .limit(2),
    )
    .await;
    assert_eq!(limited.len(), 2);
}

#[tokio::test]
async fn top_models_week_has_an_empty_previous_window() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    // The day first, on the same session: the week must bind its own parameters into the plan
    // the session prepared for top-models, not reuse the day's.
    let day: Vec<TopModel> = rows(
        &session,
        ViewRequest::new(View::TopModels).period(Period::Day),
    )
    .await;
    assert_eq!((day[0].tokens, day[0].requests), (1355, 4));
    let top: Vec<TopModel> = rows(
        &session,
        ViewRequest::new(View::TopModels).period(Period::Week),
    )
    .await;
    assert_eq!(top[0].model, "a/x");
    assert_eq!((top[0].tokens, top[0].requests), (1405, 5));
    close(Some(top[0].spend), 0.014);
    assert!(top.iter().all(|r| r.change.is_none()));
    assert_eq!(top[1].requests, 2, "a/x:free: v3 and v8");
}

#[tokio::test]
async fn token_and_author_share_buckets() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    let share: Vec<ModelShare> = rows(
        &session,
        ViewRequest::new(View::TokenShare)
            .period(Period::Day)
            .limit(2),
    )
    .await;
    let got = share_cells(&share);
    let older = "2026-11-18T12:00:00+00:00".to_owned();
    let newer = "2026-11-19T12:00:00+00:00".to_owned();
    assert_eq!(
        got,
        [
            (older.clone(), "a/x", 50),
            (older.clone(), "a/x:free", 0),
            (newer.clone(), "a/x", 1355),
            (newer.clone(), "a/x:free", 150),
            // b/y 150 + c/z 0: a/x:free won the tie for the top two by name.
            (newer.clone(), "Others", 150),
        ]
    );
    close(share[0].share, 1.0);
    close(share[2].share, 1355.0 / 1655.0);
    close(share[4].share, 150.0 / 1655.0);

    let authors: Vec<AuthorShare> = rows(
        &session,
        ViewRequest::new(View::AuthorShare)
            .period(Period::Day)
            .limit(1),
    )
    .await;
    let got = author_tokens(&authors);
    assert_eq!(got, [("a", 50), ("a", 1505), ("Others", 150)]);
    close(authors[1].share, 1505.0 / 1655.0);

    let weekly: Vec<ModelShare> = rows(
        &session,
        ViewRequest::new(View::TokenShare).period(Period::Week),
    )
    .await;
    assert!(
        weekly
            .iter()
            .all(|r| r.bucket_start.to_rfc3339() == "2026-11-13T12:00:00+00:00"),
        "one weekly bucket holds everything: {weekly:?}"
    );
    // The bucket [11-13T12:00, 11-20T12:00) reads its whole days (11-14 to 11-19: v3, v4, v5,
    // v8) from daily_endpoints and 11-20, which its end cuts, by the hour (v1, v2, v7, v9, v10).
    let got: Vec<(&str, i64)> = weekly
        .iter()
        .map(|r| (r.model.as_str(), r.tokens))
        .collect();
    assert_eq!(
        got,
        [("a/x", 1405), ("a/x:free", 150), ("b/y", 150), ("c/z", 0)]
    );
    let month = session
        .view(&ViewRequest::new(View::TokenShare).period(Period::Month))
        .await;
    assert!(matches!(month, Err(Error::BucketPeriod(_))));
}

/// A record at 2026-11-21T00:00:30Z makes data_through a midnight: every bucket is then whole UTC
/// days, read from daily_endpoints alone. v6 (11-20 12:30) is now inside the last day; the new
/// record (d/w) is in the still-filling hour.
#[tokio::test]
async fn buckets_ending_at_midnight_are_whole_days() {
    let dir = tempfile::tempdir().unwrap();
    let midnight = dir.path().join("midnight.jsonl");
    std::fs::write(
        &midnight,
        r#"{"id":"m1","created_at":"2026-11-21T00:00:30Z","model":"d/w","provider_name":"P1","finish_reason":"stop","tokens_prompt":1,"tokens_completion":1}"#,
    )
    .unwrap();
    let session = lake_from(
        &[fixture("views.jsonl"), midnight],
        &dir.path().join("lake"),
    )
    .await;
    let share: Vec<ModelShare> = rows(
        &session,
        ViewRequest::new(View::TokenShare).period(Period::Day),
    )
    .await;
    let got = share_cells(&share);
    let day = |d: u32| format!("2026-11-{d}T00:00:00+00:00");
    assert_eq!(
        got,
        [
            (day(18), "a/x:free", 0),
            (day(19), "a/x:free", 150),
            (day(19), "b/y", 150),
            (day(19), "a/x", 50),
            // v1, v2, v9, v10 and v6: 150 + 1,200 + 0 + 5 + 20.
            (day(20), "a/x", 1375),
            (day(20), "c/z", 0),
        ]
    );
    let weekly: Vec<ModelShare> = rows(
        &session,
        ViewRequest::new(View::TokenShare).period(Period::Week),
    )
    .await;
    let got = share_cells(&weekly);
    assert_eq!(
        got,
        [
            (day(14), "a/x", 1425),
            (day(14), "a/x:free", 150),
            (day(14), "b/y", 150),
            (day(14), "c/z", 0),
        ]
    );
    let authors: Vec<AuthorShare> = rows(
        &session,
        ViewRequest::new(View::AuthorShare).period(Period::Week),
    )
    .await;
    let got = author_tokens(&authors);
    assert_eq!(got, [("a", 1575), ("b", 150), ("c", 0)]);
    let days: Vec<ModelDay> = rows(
        &session,
        ViewRequest::new(View::ModelDaily)
            .model("a/x")
            .period(Period::Day),
    )
    .await;
    let got = day_cells(&days);
    assert_eq!(got, [(day(19), 50, 1), (day(20), 1375, 5)]);
}

#[tokio::test]
async fn model_providers_uptime_429s_and_percentiles() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    let providers: Vec<ModelProvider> = rows(
        &session,
        ViewRequest::new(View::ModelProviders)
            .model("a/x")
            .window(Window::Day),
    )
    .await;
    let names: Vec<&str> = providers.iter().map(|r| r.provider.as_str()).collect();
    assert_eq!(names, ["P1", "P2", "P3"]);
    let [p1, p2, p3] = &providers[..] else {
        unreachable!()
    };

    // P1 served v1 and v6 (v6 is the newest record: windows include it); both attempts 200.
    assert_eq!((p1.requests, p1.attempts), (2, 2));
    close(p1.uptime, 1.0);
    close(p1.uptime_low, 0.342_380_223_954_649_4);
    close(p1.uptime_high, 1.0);
    close(p1.rate_limited_share, 0.0);
    close(p1.ttft_p50, 400.0);
    close(p1.ttft_p75, 500.0);
    close(p1.ttft_p90, 560.0);
    close(p1.ttft_p99, 596.0);
    // 50 / 1.2 s and 10 / 1.6 s.
    let (fast, slow) = (50.0 / 1.2, 10.0 / 1.6);
    close(p1.throughput_p50, (fast + slow) / 2.0);
    close(p1.throughput_p90, slow + 0.9 * (fast - slow));
    close(p1.price_per_mtok, 0.0032 / 170.0 * 1e6);
    close(p1.cache_hit_rate, 0.4);
    close(p1.finish_stop, 1.0);
    close(p1.finish_other, 0.0);

    // P2 served v2 (200) and v10 (400: the caller's fault, excluded from uptime).
    assert_eq!((p2.requests, p2.attempts), (2, 1));
    close(p2.uptime, 1.0);
    close(p2.ttft_p99, 400.0);
    close(p2.throughput_p50, 200.0 / 2.4);
    close(p2.price_per_mtok, 0.01 / 1205.0 * 1e6);
    close(p2.cache_hit_rate, 0.0);
    close(p2.finish_tool_calls, 0.5);
    close(p2.finish_error, 0.5);

    // P3 only ever answered 429: it appears, with no uptime and a rate-limited share of 1.
    assert_eq!((p3.requests, p3.attempts), (0, 0));
    assert_eq!((p3.uptime, p3.uptime_low, p3.ttft_p50), (None, None, None));
    close(p3.rate_limited_share, 1.0);

    // 5m: only v6.
    let recent: Vec<ModelProvider> = rows(
        &session,
        ViewRequest::new(View::ModelProviders)
            .model("a/x")
            .window(Window::FiveMinutes),
    )
    .await;
    let got: Vec<(&str, i64, i64)> = recent
        .iter()
        .map(|r| (r.provider.as_str(), r.requests, r.attempts))
        .collect();
    assert_eq!(got, [("P1", 1, 1), ("P3", 0, 0)]);
}

#[tokio::test]
async fn model_providers_count_an_errored_200_as_a_failure() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    // v4 (b/y) is outside 1d, inside all: P2 answered 502, then P1 answered 200 but the
    // generation ended in `error`.
    let day: Vec<ModelProvider> = rows(
        &session,
        ViewRequest::new(View::ModelProviders)
            .model("b/y")
            .window(Window::Day),
    )
    .await;
    assert!(day.is_empty());
    let all: Vec<ModelProvider> = rows(
        &session,
        ViewRequest::new(View::ModelProviders)
            .model("b/y")
            .window(Window::All),
    )
    .await;
    let got: Vec<(&str, i64, i64)> = all
        .iter()
        .map(|r| (r.provider.as_str(), r.requests, r.attempts))
        .collect();
    assert_eq!(got, [("P2", 1, 1), ("P1", 0, 1)]);
    for row in &all {
        close(row.uptime, 0.0);
        close(row.uptime_low, 0.0);
        close(row.uptime_high, 0.793_450_688_208_197_3);
    }
    assert_eq!(all[0].price_per_mtok, Some(0.0));
    assert_eq!(all[0].ttft_p50, None, "no latency was logged");
    close(all[0].finish_error, 1.0);

    let unknown: Vec<ModelProvider> = rows(
        &session,
        ViewRequest::new(View::ModelProviders).model("nobody/nothing"),
    )
    .await;
    assert!(unknown.is_empty());
    let missing = session
        .view(&ViewRequest::new(View::ModelProviders).window(Window::Week))
        .await;
    assert!(matches!(missing, Err(Error::MissingModel(_))));
    // Every endpoint at once is the score feed's question, allowed over its short windows.
    let everything: Vec<ModelProvider> = rows(
        &session,
        ViewRequest::new(View::ModelProviders).window(Window::Day),
    )
    .await;
    // (11-19T12:30, 11-20T12:30]: a/x served on P1 (v1, v6) and P2 (v2, v10), a/x:free on P1
    // (v3). P2's successes are v2's alone: v10's only attempt is a 400, the caller's error, which
    // is not counted. P3 served nothing; v2, v6 and v9 each met a 429 there first.
    let got: Vec<(&str, &str, i64, i64, i64)> = everything
        .iter()
        .map(|r| {
            (
                r.model.as_str(),
                r.provider.as_str(),
                r.requests,
                r.successes,
                r.rate_limited,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("a/x", "P1", 2, 2, 0),
            ("a/x", "P2", 2, 1, 0),
            ("a/x:free", "P1", 1, 1, 0),
            ("a/x", "P3", 0, 0, 3),
        ]
    );
}

/// Windows that cross an hour boundary. The newest record is at 10:10, so 30m is (09:40, 10:10]
/// and holds rows on both sides of 10:00; 5m is (10:05, 10:10]; 1d holds every row, the hour
/// from 10:00 on in the rollups. A window of an hour or less reads raw rows only, so 30m must
/// count the rows after 10:00 from `generations` and `attempts` exactly as 1d counts them from
/// the rollups.
#[tokio::test]
async fn model_providers_windows_across_an_hour_boundary() {
    let dir = tempfile::tempdir().unwrap();
    let record = |id: &str, at: &str, finish: &str, responses: &str| {
        format!(
            r#"{{"id":"{id}","created_at":"2026-11-20T{at}Z","model":"h/x","provider_name":"P","finish_reason":"{finish}","latency":100,"tokens_prompt":10,"tokens_completion":5,"provider_responses":[{responses}]}}"#
        )
    };
    let ok = r#"{"provider_name":"P","status":200,"latency":100}"#;
    let limited_then_ok = format!(r#"{{"provider_name":"P","status":429}},{ok}"#);
    let lines = [
        record("h1", "09:35:00", "stop", ok),
        record("h2", "09:45:00", "stop", ok),
        record("h3", "09:59:59.5", "stop", ok),
        record("h4", "10:00:00", "stop", &limited_then_ok),
        // Its 200 counts as a failure: the generation ended in `error`.
        record("h5", "10:06:00", "error", ok),
        record("h6", "10:10:00", "stop", ok),
    ];
    let input = write_lines(dir.path(), "hours.jsonl", &lines);
    let session = lake_from(&[input], &dir.path().join("lake")).await;
    let counts = |rows: Vec<ModelProvider>| {
        let [row] = rows.as_slice() else {
            panic!("one endpoint expected, got {rows:?}")
        };
        (row.requests, row.attempts, row.successes, row.rate_limited)
    };
    let window = |window| {
        ViewRequest::new(View::ModelProviders)
            .model("h/x")
            .window(window)
    };
    // h2..h6: five attempts (h4's 429 aside), h5's the failure; one rate limit.
    let thirty: Vec<ModelProvider> = rows(&session, window(Window::ThirtyMinutes)).await;
    close(thirty[0].rate_limited_share, 1.0 / 6.0);
    assert_eq!(counts(thirty), (5, 5, 4, 1));
    assert_eq!(
        counts(rows(&session, window(Window::FiveMinutes)).await),
        (2, 2, 1, 0)
    );
    assert_eq!(
        counts(rows(&session, window(Window::Day)).await),
        (6, 6, 5, 1)
    );
}

#[tokio::test]
async fn feedback_counts_reported_generations_once_per_endpoint() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake_in(dir.path());
    // Feedback may arrive before its generation: store it first.
    let lines = [
        r#"{"generation_id":"v1","category":"latency"}"#,
        r#"{"generation_id":"v1","category":"latency","comment":"again"}"#,
        r#"{"generation_id":"v1","category":"other"}"#,
        r#"{"generation_id":"v2","category":"incoherence"}"#,
        r#"{"generation_id":"v3","category":"billing"}"#,
        r#"{"generation_id":"v4","category":"api_error"}"#,
        r#"{"generation_id":"never-logged","category":"other"}"#,
    ]
    .join("\n");
    let mut writer = tokenboard_ingest::LiveWriter::open(&lake).await.unwrap();
    let stored = writer
        .write_feedback_lines("feedback.jsonl", lines.into_bytes())
        .await
        .unwrap();
    assert_eq!((stored.lines, stored.accepted), (7, 7));
    let session = lake_from(&[fixture("views.jsonl")], dir.path()).await;

    // The day (11-19T12:30, 11-20T12:30] holds v1, v2, v3 (v4 is at 11-19T12:00).
    let day: Vec<FeedbackRow> = rows(
        &session,
        ViewRequest::new(View::Feedback).window(Window::Day),
    )
    .await;
    let got: Vec<(&str, &str, i64, i64, i64, i64, i64)> = day
        .iter()
        .map(|r| {
            (
                r.model.as_str(),
                r.provider.as_str(),
                r.negative_feedback,
                r.latency,
                r.other,
                r.incoherence,
                r.billing,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            // v1 reported three times in two categories: one generation.
            ("a/x", "P1", 1, 1, 1, 0, 0),
            ("a/x", "P2", 1, 0, 0, 1, 0),
            ("a/x:free", "P1", 1, 0, 0, 0, 1),
        ]
    );
    let all: Vec<FeedbackRow> = rows(
        &session,
        ViewRequest::new(View::Feedback)
            .window(Window::All)
            .model("b/y"),
    )
    .await;
    assert_eq!(all.len(), 1);
    assert_eq!(
        (
            all[0].provider.as_str(),
            all[0].negative_feedback,
            all[0].api_error
        ),
        ("P2", 1, 1)
    );
}

#[tokio::test]
async fn model_providers_of_one_provider_across_models() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    let endpoints: Vec<ModelProvider> = rows(
        &session,
        ViewRequest::new(View::ModelProviders)
            .provider("P1")
            .window(Window::All),
    )
    .await;
    let got: Vec<(&str, &str, i64, i64)> = endpoints
        .iter()
        .map(|r| {
            (
                r.model.as_str(),
                r.provider.as_str(),
                r.requests,
                r.attempts,
            )
        })
        .collect();
    // P1 served a/x in v1, v5 and v6 (three 200s); a/x:free in v3 (a 200) and v8 (no attempt
    // logged); for b/y it only made v4's last attempt, a 200 of a generation that ended in error.
    assert_eq!(
        got,
        [
            ("a/x", "P1", 3, 3),
            ("a/x:free", "P1", 2, 1),
            ("b/y", "P1", 0, 1)
        ]
    );
    close(endpoints[0].uptime, 1.0);
    close(endpoints[1].uptime, 1.0);
    close(endpoints[2].uptime, 0.0);
    // a/x on P1: 150 + 50 + 20 tokens for $0.003 + $0.001 + $0.0002.
    close(endpoints[0].price_per_mtok, 0.0042 / 220.0 * 1e6);

    // Both filters: P3 only ever answered a/x with 429s (v2, v6, v9).
    let p3: Vec<ModelProvider> = rows(
        &session,
        ViewRequest::new(View::ModelProviders)
            .model("a/x")
            .provider("P3")
            .window(Window::All),
    )
    .await;
    assert_eq!(p3.len(), 1);
    assert_eq!((p3[0].requests, p3[0].attempts), (0, 0));
    close(p3[0].rate_limited_share, 1.0);
}

#[tokio::test]
async fn model_daily_buckets_end_at_data_through() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    let days: Vec<ModelDay> = rows(
        &session,
        ViewRequest::new(View::ModelDaily)
            .model("a/x")
            .period(Period::Day),
    )
    .await;
    let got = day_cells(&days);
    // Days end at 12:00: v5 (11-19 11:59:59) is the day before; v1, v2, v9 and v10 are the last
    // day (150 + 1,200 + 0 + 5 tokens); v6 (12:30) is in the still-filling hour.
    assert_eq!(
        got,
        [
            ("2026-11-18T12:00:00+00:00".to_owned(), 50, 1),
            ("2026-11-19T12:00:00+00:00".to_owned(), 1355, 4)
        ]
    );
    close(Some(days[0].spend), 0.001);
    close(Some(days[1].spend), 0.013);
    // One weekly bucket, [11-13T12:00, 11-20T12:00): v5 from the whole day 11-19 in
    // daily_endpoints, the rest from the hours of 11-20 before 12:00.
    let weeks: Vec<ModelDay> = rows(
        &session,
        ViewRequest::new(View::ModelDaily)
            .model("a/x")
            .period(Period::Week),
    )
    .await;
    let got = day_cells(&weeks);
    assert_eq!(got, [("2026-11-13T12:00:00+00:00".to_owned(), 1405, 5)]);
    close(Some(weeks[0].spend), 0.014);
    assert!(matches!(
        ViewRequest::new(View::ModelDaily).validate(),
        Err(Error::MissingModel(_))
    ));
}

#[tokio::test]
async fn context_lengths_buckets_and_shares() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    let buckets: Vec<ContextLength> = rows(
        &session,
        ViewRequest::new(View::ContextLengths).period(Period::Day),
    )
    .await;
    let got: Vec<(&str, i64, i64)> = buckets
        .iter()
        .map(|r| (r.bucket.as_str(), r.requests, r.tokens))
        .collect();
    assert_eq!(
        got,
        [
            ("<1K", 4, 455),
            ("1K-10K", 1, 1200),
            ("10K-100K", 0, 0),
            ("100K-1M", 0, 0),
            (">=1M", 0, 0),
            ("all", 7, 1655),
        ]
    );
    let small = &buckets[0];
    close(small.share, 4.0 / 7.0);
    close(small.tool_call_share, 0.0);
    close(small.reasoning_token_share, 0.2);
    close(small.cache_hit_share, 0.4);
    let large = &buckets[1];
    close(large.tool_call_share, 1.0);
    assert_eq!(
        large.reasoning_token_share, None,
        "v2 logged no reasoning tokens"
    );
    close(large.cache_hit_share, 0.0);
    close(buckets[2].share, 0.0);
    assert_eq!(buckets[2].tool_call_share, None);
    let all = &buckets[5];
    close(all.share, 1.0);
    close(all.tool_call_share, 1.0 / 7.0);
    close(all.reasoning_token_share, 10.0 / 250.0);
    close(all.cache_hit_share, 40.0 / 1100.0);
}

#[tokio::test]
async fn spend_by_author_and_model() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    let spend: Vec<SpendRow> = rows(
        &session,
        ViewRequest::new(View::Spend).period(Period::Day).limit(2),
    )
    .await;
    let got: Vec<(&str, u64, &str, i64, i64)> = spend
        .iter()
        .map(|r| {
            (
                r.level.as_str(),
                r.rank,
                r.name.as_str(),
                r.requests,
                r.tokens,
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("author", 1, "a", 5, 1505),
            // b and c both spent 0: the name decides.
            ("author", 2, "b", 1, 150),
            ("model", 1, "a/x", 4, 1355),
            ("model", 2, "a/x:free", 1, 150),
        ]
    );
    close(Some(spend[0].spend), 0.013);
    close(spend[0].share, 1.0);
    close(spend[1].share, 0.0);
    assert_eq!(spend[3].author, "a");
}

/// Writes `lines` as a JSON-lines file in `dir`.
fn write_lines(dir: &Path, name: &str, lines: &[String]) -> PathBuf {
    let path = dir.join(name);
    let mut file = std::fs::File::create(&path).unwrap();
    for line in lines {
        writeln!(file, "{line}").unwrap();
    }
    path
}

/// One line at 2026-11-20T08:00Z plus `i` seconds.
fn line(id: String, i: usize, model: &str, fields: &str) -> String {
    format!(
        r#"{{"id":"{id}","created_at":"2026-11-20T08:{:02}:{:02}Z","model":"{model}"{fields}}}"#,
        i / 60 % 60,
        i % 60
    )
}

#[tokio::test]
async fn top_apps_threshold_and_top_models() {
    let mut lines = Vec::new();
    // app-1: 1,000 requests. b/y 500 × 20 tokens, a/x 300 × 10, c/z 150 × 2, d/w 50 × 1.
    let plan = [
        ("b/y", 500, 20),
        ("a/x", 300, 10),
        ("c/z", 150, 2),
        ("d/w", 50, 1),
    ];
    for (model, count, tokens) in plan {
        for i in 0..count {
            let origin = if i % 2 == 0 {
                "https://b.example"
            } else {
                "https://a.example"
            };
            lines.push(line(
                format!("app1-{model}-{i}"),
                i,
                model,
                &format!(r#","tokens_prompt":{tokens},"app_id":"app-1","origin":"{origin}""#),
            ));
        }
    }
    // app-2: 999 requests, one short of the threshold.
    for i in 0..999 {
        lines.push(line(
            format!("app2-{i}"),
            i,
            "a/x",
            r#","tokens_prompt":1,"app_id":"app-2""#,
        ));
    }
    // No app: 5 requests of 100 tokens.
    for i in 0..5 {
        lines.push(line(
            format!("none-{i}"),
            i,
            "a/x",
            r#","tokens_prompt":100"#,
        ));
    }
    lines.push(r#"{"id":"newest","created_at":"2026-11-20T12:30:00Z","model":"a/x"}"#.to_owned());
    let dir = tempfile::tempdir().unwrap();
    let input = write_lines(dir.path(), "apps.jsonl", &lines);
    let session = lake_from(&[input], &dir.path().join("lake")).await;

    let apps: Vec<TopApp> = rows(
        &session,
        ViewRequest::new(View::TopApps).period(Period::Day),
    )
    .await;
    assert_eq!(apps.len(), 1, "{apps:?}");
    let app = &apps[0];
    assert_eq!((app.rank, app.app_id.as_str()), (1, "app-1"));
    assert_eq!(app.origin.as_deref(), Some("https://a.example"));
    assert_eq!((app.tokens, app.requests), (13_350, 1000));
    close(app.share, 13_350.0 / 14_849.0);
    assert_eq!(app.top_models, "b/y, a/x, c/z");
}

#[tokio::test]
async fn speed_thresholds_and_fastest_provider() {
    let mut lines = Vec::new();
    let mut add = |model: &str, provider: &str, count: usize, completion: u32, latency: u32| {
        for i in 0..count {
            lines.push(line(
                format!("{model}-{provider}-{i}"),
                i,
                model,
                &format!(
                    r#","provider_name":"{provider}","tokens_completion":{completion},"generation_time":1000,"latency":{latency}"#
                ),
            ));
        }
    };
    // s/fast: 60 requests at 200 tok/s on PA (too few samples to be the fastest provider), 100
    // at 50 tok/s on PB. The median of 160 values is the mean of the 80th and 81st: 50 and 50.
    add("s/fast", "PA", 60, 200, 100);
    add("s/fast", "PB", 100, 50, 300);
    add("s/mid", "PC", 100, 100, 200);
    // 99 requests: under the threshold of 100.
    add("s/slow", "PD", 99, 10, 900);
    // Five more s/mid requests on PE, which has no throughput (no generation time): no sketch,
    // so PE can't be the fastest, but must not hide PC either.
    for i in 0..5 {
        lines.push(line(
            format!("s/mid-PE-{i}"),
            i,
            "s/mid",
            r#","provider_name":"PE","tokens_completion":100,"latency":200"#,
        ));
    }
    lines.push(r#"{"id":"newest","created_at":"2026-11-20T12:30:00Z","model":"a/x"}"#.to_owned());
    let dir = tempfile::tempdir().unwrap();
    let input = write_lines(dir.path(), "speed.jsonl", &lines);
    let session = lake_from(&[input], &dir.path().join("lake")).await;

    let speed: Vec<SpeedRow> =
        rows(&session, ViewRequest::new(View::Speed).period(Period::Day)).await;
    let got: Vec<(u64, &str, i64, Option<&str>)> = speed
        .iter()
        .map(|r| {
            (
                r.rank,
                r.model.as_str(),
                r.requests,
                r.fastest_provider.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            (1, "s/mid", 105, Some("PC")),
            (2, "s/fast", 160, Some("PB"))
        ]
    );
    close(speed[0].throughput_p50, 100.0);
    close(speed[0].ttft_p50, 200.0);
    close(speed[1].throughput_p50, 50.0);
    close(speed[1].ttft_p50, 300.0);
    close(speed[1].fastest_throughput_p50, 50.0);
    assert_eq!(speed[1].author, "s");
}

#[tokio::test]
async fn an_empty_lake_answers_every_view_with_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake_in(dir.path());
    let session = LakeSession::open(&lake).await.unwrap();
    for view in View::ALL {
        let request = ViewRequest::new(view).model("a/x").period(Period::Day);
        let result = session.view(&request).await.unwrap();
        assert_eq!(result.num_rows(), 0, "{view}");
        assert_eq!(result.data_through, None);
        // With no newest record there are no values to bind: nothing is planned.
        assert_eq!(result.planning, std::time::Duration::ZERO, "{view}");
    }
}

/// Every view reports the time its run spent planning: never none, as the physical plan is made
/// for each run's values, and never more than the whole run took. The first run of a view, which
/// also parses and optimizes its SQL, and a later one, which reuses that plan, both do.
#[tokio::test]
async fn each_run_reports_its_planning_within_its_time() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    for view in View::ALL {
        let request = ViewRequest::new(view).model("a/x").period(Period::Day);
        for run in ["first", "later"] {
            let started = std::time::Instant::now();
            let result = session.view(&request).await.unwrap();
            let whole = started.elapsed();
            let planning = result.planning;
            assert!(planning > std::time::Duration::ZERO, "{view} {run}");
            assert!(
                planning <= whole,
                "{view} {run}: planned {planning:?} in {whole:?}"
            );
        }
    }
}

#[test]
fn requests_are_checked_before_any_data_is_read() {
    assert!(matches!("top".parse::<View>(), Err(Error::UnknownView(_))));
    assert!(matches!(
        "year".parse::<Period>(),
        Err(Error::UnknownPeriod(_))
    ));
    assert!(matches!(
        "1h".parse::<Window>(),
        Err(Error::UnknownWindow(_))
    ));
    assert!(matches!(
        ViewRequest::new(View::TopModels).limit(0).validate(),
        Err(Error::Limit(0))
    ));
    assert!(matches!(
        ViewRequest::new(View::TopModels)
            .limit(MAX_LIMIT + 1)
            .validate(),
        Err(Error::Limit(_))
    ));
    for view in View::ALL {
        assert_eq!(view.name().parse::<View>().unwrap(), view);
    }
}

/// A view leaves every Parquet footer it read in the session's cache with its page index, so
/// later scans of the file prune pages without reading that index again. DataFusion's opener
/// loads the index apart from the footer and does not cache it (apache/datafusion#23978);
/// without our reader factory every entry here would say `page_index: false`.
#[tokio::test]
async fn cached_footers_hold_their_page_indexes() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    let providers: Vec<ModelProvider> = rows(
        &session,
        ViewRequest::new(View::ModelProviders)
            .model("a/x")
            .window(Window::Week),
    )
    .await;
    assert_eq!(providers.len(), 3);
    let cache = session
        .context()
        .runtime_env()
        .cache_manager
        .get_file_metadata_cache();
    let entries = cache.list_entries();
    // At least one file of hourly_endpoints and one of hourly_attempts.
    assert!(entries.len() >= 2, "{entries:?}");
    for (path, entry) in entries {
        let info = entry.value.file_metadata.extra_info();
        assert_eq!(
            info.get("page_index").map(String::as_str),
            Some("true"),
            "{path}"
        );
    }
}

/// The tables are read through their snapshot's file list (src/snapshot_table.rs): filters on
/// `date` choose files, every other filter still applies, and a Parquet file the Delta log does
/// not list, as a writer killed before its commit leaves behind, is never read. Counts by hand
/// from views.jsonl: 11-18 holds v8; 11-19 v3, v4, v5; 11-20 the other six.
#[tokio::test]
async fn scans_read_only_the_snapshots_files_and_prune_dates() {
    let dir = tempfile::tempdir().unwrap();
    let lake_dir = dir.path().join("lake");
    drop(fixture_session(&lake_dir).await);
    let day = lake_dir.join("generations/date=2026-11-20");
    let live = std::fs::read_dir(&day)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .find(|path| path.extension().is_some_and(|ext| ext == "parquet"))
        .unwrap();
    std::fs::copy(&live, day.join("part-stray-c000.zstd.parquet")).unwrap();
    let lake = lake_in(&lake_dir);
    let session = LakeSession::open(&lake).await.unwrap();

    for (query, expected) in [
        ("SELECT count(*) FROM generations", 10),
        (
            "SELECT count(*) FROM generations WHERE date = DATE '2026-11-19'",
            3,
        ),
        (
            "SELECT count(*) FROM generations WHERE date > DATE '2026-11-20'",
            0,
        ),
        // v5 on 11-19; v1, v2, v6, v9, v10 on 11-20 (v3 is a/x:free).
        (
            "SELECT count(*) FROM generations WHERE date >= DATE '2026-11-19' AND model = 'a/x'",
            6,
        ),
        // Not a filter on `date` alone, so it cannot choose files: v8 and v4.
        (
            "SELECT count(*) FROM generations WHERE date = DATE '2026-11-18' OR model = 'b/y'",
            2,
        ),
        // v1, v6, v9, v10.
        (
            "SELECT count(*) FROM generations WHERE created_at >= TIMESTAMP '2026-11-20T11:00:00Z'",
            4,
        ),
        // provider_responses: v1 1, v2 2, v6 2, v7 none, v9 1, v10 1.
        (
            "SELECT count(*) FROM attempts WHERE date = DATE '2026-11-20'",
            7,
        ),
    ] {
        assert_eq!(single_integer(&session, query).await, expected, "{query}");
    }
}

/// A view's filters on `date` are planned with placeholders, bound at each run. They choose the
/// files, and no operator filters the rows on `date` again (`is_date_filter` in
/// src/snapshot_table.rs). Top-apps reads its daily tables with a filter on `date` alone, so
/// those scans need no filter at all, and its hourly scans keep only the filter on `hour`.
#[tokio::test]
async fn prepared_date_filters_choose_files_and_filter_no_rows() {
    let dir = tempfile::tempdir().unwrap();
    let session = fixture_session(dir.path()).await;
    let request = ViewRequest::new(View::TopApps).period(Period::Week);
    let ViewSql::One(sql) = View::TopApps.sql() else {
        panic!("top-apps is one statement");
    };
    let explain = format!("EXPLAIN {sql}");
    let result = session.view_with_sql(&request, &explain).await.unwrap();
    let mut physical = String::new();
    for batch in &result.batches {
        let text = |column: usize| {
            datafusion::arrow::compute::cast(
                batch.column(column),
                &datafusion::arrow::datatypes::DataType::Utf8,
            )
            .unwrap()
        };
        let (kinds, plans) = (text(0), text(1));
        let kinds = kinds
            .as_any()
            .downcast_ref::<datafusion::arrow::array::StringArray>();
        let plans = plans
            .as_any()
            .downcast_ref::<datafusion::arrow::array::StringArray>();
        for (kind, plan) in kinds.unwrap().iter().zip(plans.unwrap().iter()) {
            if kind == Some("physical_plan") {
                physical.push_str(plan.unwrap());
            }
        }
    }
    let scans = physical.matches("DataSourceExec").count();
    // The ranking reads daily_app_totals and hourly_app_totals, then the shown apps' models
    // daily_apps and hourly_apps.
    assert_eq!(scans, 4, "{physical}");
    let filters: Vec<&str> = physical
        .lines()
        .filter(|line| line.contains("FilterExec") && line.contains("hour@"))
        .collect();
    assert_eq!(filters.len(), 2, "{physical}");
    for line in physical.lines().filter(|line| line.contains("FilterExec")) {
        assert!(!line.contains("date@"), "{line}");
    }
}

/// The single integer `query` answers.
async fn single_integer(session: &LakeSession, query: &str) -> i64 {
    let batches = session.sql(query).await.unwrap();
    let value = datafusion::arrow::compute::cast(
        batches[0].column(0),
        &datafusion::arrow::datatypes::DataType::Int64,
    )
    .unwrap();
    value
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Int64Array>()
        .unwrap()
        .value(0)
}

/// A reopened session (the site's and the Postgres server's move to a new commit) reads what
/// was committed since, leaves the old session's snapshot as it was, and shares the old
/// session's runtime, so it starts with the Parquet footers the old one cached.
#[tokio::test]
async fn reopen_reads_new_commits_and_keeps_cached_footers() {
    let dir = tempfile::tempdir().unwrap();
    let lake_dir = dir.path().join("lake");
    let old = fixture_session(&lake_dir).await;
    let requests = "SELECT sum(requests) FROM hourly_endpoints";
    // views.jsonl has ten records, each one request.
    assert_eq!(single_integer(&old, requests).await, 10);

    let lake = lake_in(&lake_dir);
    let late = write_lines(
        dir.path(),
        "late.jsonl",
        &[line("late-1".into(), 0, "a/x", r#","provider_name":"P1""#)],
    );
    ingest_with_rollups(&lake, &[late]).await;

    let new = old.reopen().await.unwrap();
    assert!(std::sync::Arc::ptr_eq(
        &old.context().runtime_env(),
        &new.context().runtime_env()
    ));
    let footers = new
        .context()
        .runtime_env()
        .cache_manager
        .get_file_metadata_cache()
        .len();
    assert!(footers > 0, "the old session's query cached no footers");
    assert_eq!(single_integer(&new, requests).await, 11);
    assert_eq!(
        single_integer(&new, "SELECT count(*) FROM generations").await,
        11
    );
    assert_eq!(single_integer(&old, requests).await, 10);
}
