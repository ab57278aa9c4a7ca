//! The write API and the score feed, through the whole router: posts are validated, quarantined,
//! deduplicated and committed before their answer; bad requests get the right 4xx and cost no
//! stored data; and a scripted outage, slowdown and throttling steer the weights as a router
//! needs. Expected numbers are counted from the posted lines, never read back from our output.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

use std::io::Write;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use chrono::{DateTime, DurationRound, TimeZone, Utc};
use futures_util::StreamExt;
use http_body_util::BodyExt;
use serde_json::{Value, json};
use tokenboard_generate::{GeneratorConfig, Scenario, ScriptedIncident, generate_scenario};
use tokenboard_ingest::Lake;
use tokenboard_query::LakeSession;
use tokenboard_site::{IngestConfig, Site, router};
use tower::ServiceExt;

use crate::common::lake_in;

const TOKEN: &str = "test-token-0123456789";

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    json: Value,
}

async fn send(site: &Site, request: Request<Body>) -> Answer {
    let response = router(site.clone()).oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let json = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        json,
    }
}

fn post(route: &str, token: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::post(route);
    if let Some(token) = token {
        request = request.header(header::AUTHORIZATION, format!("Bearer {token}"));
    }
    request.body(body.into()).unwrap()
}

async fn get(site: &Site, uri: &str) -> Answer {
    send(site, Request::get(uri).body(Body::empty()).unwrap()).await
}

/// A site with the write API on, over a data directory that does not exist yet.
async fn open(dir: &std::path::Path, config: impl FnOnce(&mut IngestConfig)) -> (Site, Lake) {
    let lake = lake_in(&dir.join("lake"));
    let mut settings = IngestConfig::new(TOKEN.to_owned());
    config(&mut settings);
    let site = Site::open_with_ingest(lake.clone(), settings)
        .await
        .unwrap();
    (site, lake)
}

async fn count(lake: &Lake, sql: &str) -> i64 {
    let session = LakeSession::open(lake).await.unwrap();
    let batches = session.sql(sql).await.unwrap();
    let column = batches[0].column(0);
    column
        .as_any()
        .downcast_ref::<datafusion::arrow::array::Int64Array>()
        .unwrap()
        .value(0)
}

fn record(id: &str, minute: u32, provider: &str, status: u16) -> String {
    json!({
        "id": id,
        "created_at": format!("2026-11-20T12:{minute:02}:00Z"),
        "model": "acme/m1",
        "provider_name": provider,
        "tokens_prompt": 100,
        "tokens_completion": 50,
        "total_cost": 0.00015,
        "latency": 200,
        "generation_time": 1000,
        "finish_reason": if status == 200 { "stop" } else { "error" },
        "provider_responses": [{"provider_name": provider, "status": status}],
    })
    .to_string()
}

#[tokio::test]
async fn posts_are_validated_deduplicated_and_committed_before_the_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (site, lake) = open(dir.path(), |_| {}).await;
    let body = [
        record("g1", 1, "p1", 200),
        record("g2", 2, "p1", 200),
        record("g1", 1, "p1", 200),
        "not json".to_owned(),
        r#"{"id":"g9","created_at":"2026-11-20T12:00:00Z"}"#.to_owned(),
    ]
    .join("\n");
    let answer = send(&site, post("/api/v1/ingest", Some(TOKEN), body.clone())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(answer.json["lines"], 5);
    assert_eq!(answer.json["accepted"], 2);
    assert_eq!(answer.json["duplicates"], 1);
    assert_eq!(answer.json["quarantined"], 2);
    assert_eq!(answer.json["rejected"][0]["line"], 4);
    assert_eq!(answer.json["rejected"][0]["reason"], "not_json");
    assert_eq!(answer.json["rejected"][1]["line"], 5);
    assert_eq!(answer.json["rejected"][1]["reason"], "missing_field");
    assert_eq!(answer.headers[header::CACHE_CONTROL], "no-store");

    // Committed before the answer: a fresh reader sees the rows.
    assert_eq!(count(&lake, "SELECT count(*) FROM generations").await, 2);
    assert_eq!(count(&lake, "SELECT count(*) FROM attempts").await, 2);
    assert_eq!(
        count(
            &lake,
            "SELECT count(*) FROM quarantine WHERE line IN (4, 5)"
        )
        .await,
        2
    );

    // A retried post stores nothing twice.
    let again = send(&site, post("/api/v1/ingest", Some(TOKEN), body)).await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(
        (
            again.json["accepted"].clone(),
            again.json["duplicates"].clone()
        ),
        (json!(0), json!(3))
    );
    assert_eq!(count(&lake, "SELECT count(*) FROM generations").await, 2);

    // Only bad lines: unprocessable, and still in the quarantine.
    let bad = send(&site, post("/api/v1/ingest", Some(TOKEN), "{}\n[]")).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json["quarantined"], 2);
    assert_eq!(count(&lake, "SELECT count(*) FROM quarantine").await, 6);

    // gzip bodies are accepted.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(record("g3", 3, "p1", 200).as_bytes()).unwrap();
    let mut request = post("/api/v1/ingest", Some(TOKEN), gz.finish().unwrap());
    request
        .headers_mut()
        .insert(header::CONTENT_ENCODING, "gzip".parse().unwrap());
    let zipped = send(&site, request).await;
    assert_eq!(zipped.status, StatusCode::OK, "{}", zipped.json);
    assert_eq!(zipped.json["accepted"], 1);
    assert_eq!(count(&lake, "SELECT count(*) FROM generations").await, 3);
}

#[tokio::test]
async fn bad_requests_get_the_right_status_and_cost_no_data() {
    let dir = tempfile::tempdir().unwrap();
    let (site, lake) = open(dir.path(), |c| {
        c.max_body_bytes = 4096;
        c.body_timeout = Duration::from_millis(300);
    })
    .await;
    let good = record("keep", 1, "p1", 200);
    assert_eq!(
        send(&site, post("/api/v1/ingest", Some(TOKEN), good.clone()))
            .await
            .status,
        StatusCode::OK
    );

    let no_token = send(&site, post("/api/v1/ingest", None, good.clone())).await;
    assert_eq!(no_token.status, StatusCode::UNAUTHORIZED);
    let wrong = send(&site, post("/api/v1/ingest", Some("guess"), good.clone())).await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.json["error"].as_str().unwrap().contains("token"));
    let feedback_no_token = send(&site, post("/api/v1/feedback", None, "{}")).await;
    assert_eq!(feedback_no_token.status, StatusCode::UNAUTHORIZED);

    let big = vec![b'\n'; 5000];
    let too_big = send(&site, post("/api/v1/ingest", Some(TOKEN), big)).await;
    assert_eq!(too_big.status, StatusCode::PAYLOAD_TOO_LARGE);

    // 10 MB of newlines compress to about 10 KB... and are cut at 4 KiB inflated.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(&vec![b'\n'; 10 << 20]).unwrap();
    let bomb = gz.finish().unwrap();
    assert!(bomb.len() < 20_000);
    let mut request = post("/api/v1/ingest", Some(TOKEN), bomb);
    request
        .headers_mut()
        .insert(header::CONTENT_ENCODING, "gzip".parse().unwrap());
    assert_eq!(
        send(&site, request).await.status,
        StatusCode::PAYLOAD_TOO_LARGE
    );

    // An encoding the server does not inflate, and gzip that is not gzip.
    let mut request = post("/api/v1/ingest", Some(TOKEN), good.clone());
    request
        .headers_mut()
        .insert(header::CONTENT_ENCODING, "br".parse().unwrap());
    assert_eq!(
        send(&site, request).await.status,
        StatusCode::UNSUPPORTED_MEDIA_TYPE
    );
    let mut request = post("/api/v1/ingest", Some(TOKEN), "not gzip at all");
    request
        .headers_mut()
        .insert(header::CONTENT_ENCODING, "gzip".parse().unwrap());
    let corrupt = send(&site, request).await;
    assert_eq!(corrupt.status, StatusCode::BAD_REQUEST);
    assert!(
        corrupt.json["error"]
            .as_str()
            .unwrap()
            .contains("could not be read")
    );

    // A client that sends part of its body and stalls is cut off.
    let stalled =
        futures_util::stream::once(async { Ok::<_, std::io::Error>(b"{\"id\":".to_vec()) })
            .chain(futures_util::stream::pending());
    let slow = send(
        &site,
        post("/api/v1/ingest", Some(TOKEN), Body::from_stream(stalled)),
    )
    .await;
    assert_eq!(slow.status, StatusCode::REQUEST_TIMEOUT);

    // Nothing of the refused posts was stored; the first post is intact.
    assert_eq!(count(&lake, "SELECT count(*) FROM generations").await, 1);
    assert_eq!(count(&lake, "SELECT count(*) FROM quarantine").await, 0);

    // Without a token configured, the write API is off.
    let read_only = Site::open(lake.clone()).await.unwrap();
    let off = send(&read_only, post("/api/v1/ingest", Some(TOKEN), good)).await;
    assert_eq!(off.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn concurrent_posts_are_all_stored_once_and_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    // A short queue, so that a flood meets 429s rather than waiting without bound.
    let (site, lake) = open(dir.path(), |c| c.queue = 4).await;
    let mut tasks = Vec::new();
    for client in 0..8 {
        let site = site.clone();
        tasks.push(tokio::spawn(async move {
            let mut accepted = 0;
            let mut refused = 0;
            for n in 0..25 {
                let body = (0..20)
                    .map(|i| record(&format!("c{client}-{n}-{i}"), (i % 50) as u32, "p1", 200))
                    .collect::<Vec<_>>()
                    .join("\n");
                let answer = send(&site, post("/api/v1/ingest", Some(TOKEN), body)).await;
                match answer.status {
                    StatusCode::OK => accepted += answer.json["accepted"].as_i64().unwrap(),
                    StatusCode::TOO_MANY_REQUESTS => refused += 1,
                    other => panic!("unexpected {other}: {}", answer.json),
                }
            }
            (accepted, refused)
        }));
    }
    let mut acknowledged = 0;
    let mut refused_posts = 0;
    for task in tasks {
        let (a, r) = task.await.unwrap();
        acknowledged += a;
        refused_posts += r;
    }
    // Every acknowledged line is stored, and nothing else: 8 × 25 posts of 20 new ids each.
    assert_eq!(acknowledged, (200 - refused_posts) * 20);
    assert_eq!(
        count(&lake, "SELECT count(*) FROM generations").await,
        acknowledged
    );
    assert_eq!(
        count(&lake, "SELECT count(DISTINCT id) FROM generations").await,
        acknowledged
    );
}

#[tokio::test]
async fn feedback_counts_once_its_generation_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let (site, lake) = open(dir.path(), |_| {}).await;
    // Feedback first, for generations not seen yet; one of them reported twice.
    let feedback = [
        r#"{"generation_id":"a1","category":"latency"}"#,
        r#"{"generation_id":"a1","category":"latency","comment":"slow"}"#,
        r#"{"generation_id":"a2","category":"incoherence"}"#,
        r#"{"generation_id":"zz","category":"other"}"#,
    ]
    .join("\n");
    let answer = send(&site, post("/api/v1/feedback", Some(TOKEN), feedback)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.json);
    assert_eq!(answer.json["accepted"], 4);
    let bad = send(
        &site,
        post(
            "/api/v1/feedback",
            Some(TOKEN),
            r#"{"generation_id":"a1","category":"rude"}"#,
        ),
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.json["rejected"][0]["reason"], "bad_category");
    assert!(
        bad.json["rejected"][0]["detail"]
            .as_str()
            .unwrap()
            .starts_with("category")
    );
    assert_eq!(count(&lake, "SELECT count(*) FROM feedback").await, 4);

    // 100 generations on p1 (a1, a2 among them), all successful.
    let logs = (0..100)
        .map(|i| record(&format!("a{i}"), (i % 50) as u32, "p1", 200))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(
        send(&site, post("/api/v1/ingest", Some(TOKEN), logs))
            .await
            .status,
        StatusCode::OK
    );
    site.caught_up().await;
    let scores = get(&site, "/api/v1/scores?window=1d").await;
    assert_eq!(scores.status, StatusCode::OK, "{}", scores.json);
    let endpoint = &scores.json["models"][0]["endpoints"][0];
    assert_eq!(endpoint["provider"], "p1");
    assert_eq!(endpoint["requests"], 100);
    // a1 and a2 (a1 reported twice counts once; zz has no generation): 2 of 100.
    assert_eq!(endpoint["negative_feedback"], 2);
    assert_eq!(endpoint["negative_feedback_rate"], 0.02);

    // The model page shows the same share.
    let page = router(site.clone())
        .oneshot(
            Request::get("/models/acme/m1?window=1d")
                .body(Body::empty())
                .unwrap(),
        )
        .await
        .unwrap();
    let html = String::from_utf8(
        page.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(
        html.contains("<th class=\"num wide\">Reported</th>"),
        "{html}"
    );
    assert!(html.contains("<td class=\"num wide\">2.0%</td>"), "{html}");
}

#[tokio::test]
async fn the_feed_answers_304_while_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    let (site, _) = open(dir.path(), |_| {}).await;
    let logs = (0..120)
        .map(|i| {
            record(
                &format!("r{i}"),
                (i % 50) as u32,
                if i % 2 == 0 { "p1" } else { "p2" },
                200,
            )
        })
        .collect::<Vec<_>>()
        .join("\n");
    send(&site, post("/api/v1/ingest", Some(TOKEN), logs)).await;
    site.caught_up().await;
    let first = get(&site, "/api/v1/scores").await;
    assert_eq!(first.status, StatusCode::OK);
    assert_eq!(first.json["formula"], "tokenboard-weights/v1");
    assert_eq!(first.json["window"], "30m");
    assert_eq!(first.json["window_end"], "2026-11-20T12:49:00Z");
    assert_eq!(first.json["data_through"], "2026-11-20T12:00:00Z");
    assert!(
        first.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("must-revalidate")
    );
    // 60 attempts each: fewer than 100, so both explore, at equal weights.
    let endpoints = first.json["models"][0]["endpoints"].as_array().unwrap();
    assert_eq!(endpoints.len(), 2);
    for endpoint in endpoints {
        assert_eq!(endpoint["status"], "insufficient_data");
        assert_eq!(endpoint["weight"], 0.5);
    }
    let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    let request = Request::get("/api/v1/scores")
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    assert_eq!(send(&site, request).await.status, StatusCode::NOT_MODIFIED);

    // A new log line moves the window's end: a new feed, a new ETag.
    send(
        &site,
        post("/api/v1/ingest", Some(TOKEN), record("r999", 55, "p1", 200)),
    )
    .await;
    site.caught_up().await;
    let request = Request::get("/api/v1/scores")
        .header(header::IF_NONE_MATCH, &etag)
        .body(Body::empty())
        .unwrap();
    let changed = send(&site, request).await;
    assert_eq!(changed.status, StatusCode::OK);
    assert_ne!(changed.headers[header::ETAG].to_str().unwrap(), etag);

    assert_eq!(
        get(&site, "/api/v1/scores?window=7d").await.status,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        get(&site, "/api/v1/scores?model=no/such").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        get(&site, "/api/v1/scores?bogus=1").await.status,
        StatusCode::BAD_REQUEST
    );
}

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 19, hour, minute, 0).unwrap()
}

fn endpoint<'a>(feed: &'a Value, provider: &str) -> &'a Value {
    feed["models"][0]["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["provider"] == provider)
        .unwrap_or_else(|| panic!("{provider} missing from {feed}"))
}

/// DESIGN.md §4 in motion: qwen/qwen3-4b on Alibaba, Fireworks and DeepInfra. From 13:30 Alibaba
/// is down for 20 minutes; from 13:40 Fireworks is four times slower; from 14:10 DeepInfra
/// answers half its attempts with 429. The logs of 13:00–14:40 are posted a minute at a time and
/// the 5-minute feed is read after each minute.
#[tokio::test]
async fn the_weights_follow_an_outage_a_slowdown_and_throttling() {
    let model = "qwen/qwen3-4b";
    let incident = |provider: &str, from: (u32, u32), to: (u32, u32)| ScriptedIncident {
        provider: provider.to_owned(),
        start: at(from.0, from.1),
        end: at(to.0, to.1),
        errors: 0.0,
        rate_limited: 0.0,
        slowdown: 1.0,
    };
    let scenario = Scenario {
        model: model.to_owned(),
        incidents: vec![
            ScriptedIncident {
                errors: 1.0,
                ..incident("Alibaba", (13, 30), (13, 50))
            },
            ScriptedIncident {
                slowdown: 4.0,
                ..incident("Fireworks", (13, 40), (15, 0))
            },
            ScriptedIncident {
                rate_limited: 0.5,
                ..incident("DeepInfra", (14, 10), (15, 0))
            },
        ],
    };
    let config = GeneratorConfig {
        rows: 200_000,
        days: 1,
        seed: 7,
        end: Utc.with_ymd_and_hms(2026, 11, 20, 0, 0, 0).unwrap(),
    };
    let mut out = Vec::new();
    generate_scenario(&config, &scenario, &mut out).unwrap();
    // Lines by minute of 13:00–14:40 (the output is in time order).
    let mut minutes: std::collections::BTreeMap<DateTime<Utc>, Vec<&str>> = Default::default();
    for line in std::str::from_utf8(&out).unwrap().lines() {
        let created: Value = serde_json::from_str(line).unwrap();
        let t: DateTime<Utc> = created["created_at"].as_str().unwrap().parse().unwrap();
        if t >= at(13, 0) && t < at(14, 40) {
            let minute = t.duration_trunc(chrono::Duration::minutes(1)).unwrap();
            minutes.entry(minute).or_default().push(line);
        }
    }
    assert_eq!(minutes.len(), 100);

    let dir = tempfile::tempdir().unwrap();
    let (site, _) = open(dir.path(), |_| {}).await;
    let mut throughput_before = None;
    for (minute, lines) in &minutes {
        let answer = send(&site, post("/api/v1/ingest", Some(TOKEN), lines.join("\n"))).await;
        assert_eq!(answer.status, StatusCode::OK);
        assert_eq!(
            answer.json["accepted"].as_u64().unwrap(),
            lines.len() as u64
        );
        site.caught_up().await;
        let feed = get(&site, "/api/v1/scores?window=5m").await.json;
        let now = *minute + chrono::Duration::minutes(1);
        if now < at(13, 5) {
            continue; // the first window is still filling
        }
        let scores = &feed["models"][0];
        assert_eq!(scores["model"], model);
        let endpoints = scores["endpoints"].as_array().unwrap();
        assert_eq!(endpoints.len(), 3, "{now}: {scores}");
        let total: f64 = endpoints
            .iter()
            .map(|e| e["weight"].as_f64().unwrap())
            .sum();
        assert!((total - 1.0).abs() < 1e-9, "{now}: weights sum to {total}");
        for e in endpoints {
            let weight = e["weight"].as_f64().unwrap();
            if e["status"] == "down" {
                assert_eq!(weight, 0.0, "{now}: {e}");
            } else {
                assert!(weight >= 0.02 - 1e-12, "{now}: {e}");
            }
        }

        let alibaba = endpoint(&feed, "Alibaba");
        if now >= at(13, 32) && now <= at(13, 50) {
            assert_eq!(alibaba["status"], "down", "{now}: {alibaba}");
            assert_eq!(alibaba["weight"], 0.0);
            assert!(
                scores["fallbacks"]
                    .as_array()
                    .unwrap()
                    .contains(&json!("Alibaba"))
            );
        }
        if now < at(13, 30) || now >= at(13, 56) {
            assert_ne!(alibaba["status"], "down", "{now}: {alibaba}");
            assert!(
                alibaba["weight"].as_f64().unwrap() > 0.02,
                "{now}: {alibaba}"
            );
        }

        let fireworks = endpoint(&feed, "Fireworks");
        let order: Vec<&str> = scores["by_throughput"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        if now == at(13, 30) {
            throughput_before = fireworks["throughput_p50"].as_f64();
            assert_ne!(order.last(), Some(&"Fireworks"), "{now}: {order:?}");
        }
        if now >= at(13, 46) {
            let slowed = fireworks["throughput_p50"].as_f64().unwrap();
            assert!(
                slowed < throughput_before.unwrap() / 3.0,
                "{now}: {fireworks}"
            );
            assert_eq!(order.last(), Some(&"Fireworks"), "{now}: {order:?}");
        }

        let deepinfra = endpoint(&feed, "DeepInfra");
        let rate_limited = deepinfra["rate_limited_share"].as_f64().unwrap_or(0.0);
        if now >= at(14, 16) {
            assert!(rate_limited > 0.3, "{now}: {deepinfra}");
            // Throttling is not an outage.
            assert_eq!(deepinfra["status"], "healthy", "{now}: {deepinfra}");
        } else if now < at(14, 10) {
            assert!(rate_limited < 0.1, "{now}: {deepinfra}");
        }
    }
}
