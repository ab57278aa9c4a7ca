//! The whole router, route by route, on tests/fixtures/views.jsonl, whose numbers are worked out
//! by hand in the `views` module (newest record 2026-11-20T12:30Z, so data_through is
//! 12:00 and the day period is [11-19T12:00, 11-20T12:00)). HTML is checked with CSS selectors,
//! JSON by value.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::float_cmp)]

use std::io::Write;
use std::path::Path;

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use scraper::{Html, Selector};
use tokenboard_ingest::Lake;
use tokenboard_site::{Site, router};
use tower::ServiceExt;

use crate::common::{fixture, ingest_with_rollups, lake_in};

async fn fixture_site(dir: &Path) -> (Site, Lake) {
    let lake = lake_in(dir);
    ingest_with_rollups(&lake, &[fixture("views.jsonl")]).await;
    (Site::open(lake.clone()).await.unwrap(), lake)
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: String,
    raw: Vec<u8>,
}

fn gunzip(bytes: &[u8]) -> String {
    let mut text = String::new();
    std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(bytes), &mut text).unwrap();
    text
}

impl Answer {
    fn html(&self) -> Html {
        assert!(
            self.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/html"),
            "{:?}",
            self.headers
        );
        Html::parse_document(&self.body)
    }

    fn json(&self) -> serde_json::Value {
        assert_eq!(self.headers[header::CONTENT_TYPE], "application/json");
        serde_json::from_str(&self.body).unwrap()
    }
}

async fn get_with(site: &Site, uri: &str, headers: &[(header::HeaderName, &str)]) -> Answer {
    let mut request = Request::get(uri);
    for (name, value) in headers {
        request = request.header(name, *value);
    }
    let response = router(site.clone())
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Answer {
        status,
        headers,
        // Lossy: a compressed body is read through `raw`.
        body: String::from_utf8_lossy(&bytes).into_owned(),
        raw: bytes.to_vec(),
    }
}

async fn get(site: &Site, uri: &str) -> Answer {
    get_with(site, uri, &[]).await
}

fn texts(html: &Html, selector: &str) -> Vec<String> {
    let selector = Selector::parse(selector).unwrap();
    html.select(&selector)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

#[track_caller]
fn close(actual: &serde_json::Value, expected: f64) {
    let actual = actual.as_f64().unwrap_or(f64::NAN);
    assert!(
        (actual - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "expected {expected}, got {actual}"
    );
}

#[tokio::test]
async fn rankings_page_shows_the_days_models_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let (site, _) = fixture_site(dir.path()).await;
    let answer = get(&site, "/?period=day").await;
    assert_eq!(answer.status, StatusCode::OK);
    let html = answer.html();
    // Ties at 150 tokens are broken by name; v6 (12:30) is in the still-filling hour.
    assert_eq!(
        texts(&html, "#top-models tbody td:nth-child(2) a.model"),
        ["a/x", "a/x:free", "b/y", "c/z"]
    );
    // a/x: 1,355 of 1,655 tokens; the day before it had 50.
    let first_row = texts(&html, "#top-models tbody tr:first-child td");
    assert_eq!(first_row[3], "81.9%");
    assert_eq!(first_row[4], "+2610.0%");
    assert_eq!(first_row[5], "4");
    assert_eq!(
        texts(&html, "#top-models a.model")
            .first()
            .map(String::as_str),
        Some("a/x")
    );
    let links: Vec<String> = html
        .select(&Selector::parse("#top-models a.model").unwrap())
        .map(|a| a.value().attr("href").unwrap().to_owned())
        .collect();
    assert_eq!(links[1], "/models/a/x:free");
    assert_eq!(
        texts(&html, "nav.switch a[aria-current=page]"),
        ["Day"],
        "the period switch marks the current period"
    );
    assert_eq!(texts(&html, "#data-through"), ["2026-11-20 12:00 UTC"]);
    // Six prompt-size rows: five buckets and `all`.
    assert_eq!(texts(&html, "#context-lengths tbody tr").len(), 6);
    // The share chart has a legend entry per series and a rectangle with a hover title.
    assert!(!texts(&html, "#token-share ul.legend li").is_empty());
    assert!(!texts(&html, "#token-share svg rect title").is_empty());
}

#[tokio::test]
async fn rankings_api_json_and_csv() {
    let dir = tempfile::tempdir().unwrap();
    let (site, _) = fixture_site(dir.path()).await;
    let json = get(&site, "/api/v1/rankings?period=day").await.json();
    assert_eq!(json["period"], "day");
    assert_eq!(json["share_buckets"], "day");
    assert_eq!(json["data_through"], "2026-11-20T12:00:00Z");
    assert!(json["versions"]["generations"].is_u64());
    let top = &json["top_models"][0];
    assert_eq!(top["model"], "a/x");
    assert_eq!(top["tokens"], 1355);
    assert_eq!(top["prompt_tokens"], 1105);
    assert_eq!(top["completion_tokens"], 250);
    assert_eq!(top["requests"], 4);
    close(&top["spend"], 0.013);
    close(&top["share"], 1355.0 / 1655.0);
    close(&top["change"], (1355.0 - 50.0) / 50.0);
    // a/x:free had a request the day before but no tokens: its change is null, not infinity.
    assert_eq!(json["top_models"][1]["change"], serde_json::Value::Null);

    let csv = get(&site, "/api/v1/rankings?period=day&format=csv").await;
    assert_eq!(csv.status, StatusCode::OK);
    assert!(
        csv.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let mut lines = csv.body.lines();
    assert_eq!(
        lines.next(),
        Some(
            "rank,model,author,tokens,prompt_tokens,completion_tokens,requests,spend,share,change"
        )
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("1,a/x,a,1355,1105,250,4,")
    );
    let contexts = get(
        &site,
        "/api/v1/rankings?period=day&format=csv&section=context_lengths",
    )
    .await;
    assert!(contexts.body.starts_with("bucket,requests,share,tokens,"));
    assert_eq!(contexts.body.lines().count(), 7);
}

#[tokio::test]
async fn model_page_and_api_show_each_provider() {
    let dir = tempfile::tempdir().unwrap();
    let (site, _) = fixture_site(dir.path()).await;
    let html = get(&site, "/models/a/x?window=1d").await.html();
    assert_eq!(texts(&html, "h1"), ["a/x"]);
    assert_eq!(
        texts(&html, "#providers table.endpoints tbody td:first-child"),
        ["P1", "P2", "P3"]
    );
    // P1: two 200s in the day; Wilson 95% interval (34.2%, 100%).
    let p1 = texts(&html, "#providers table.endpoints tbody tr:first-child td");
    assert_eq!(p1[1], "2");
    assert_eq!(p1[2], "100.0% (34.2%–100.0%, n = 2)");
    assert_eq!(p1[4], "400 ms");
    // P3 only answered 429: no uptime, all of its attempts rate-limited.
    let p3 = texts(&html, "#providers table.endpoints tbody tr:nth-child(3) td");
    assert_eq!(p3[2], "–");
    assert_eq!(p3[3], "100.0%");
    // The day before (v5) and the last day: two bars.
    assert_eq!(texts(&html, "#daily svg rect title").len(), 2);

    let json = get(&site, "/api/v1/models/a/x?window=1d").await.json();
    assert_eq!(json["model"], "a/x");
    assert_eq!(json["window"], "1d");
    let p1 = &json["providers"][0];
    assert_eq!(p1["provider"], "P1");
    close(&p1["ttft_p50"], 400.0);
    close(&p1["uptime_low"], 0.342_380_223_954_649_4);
    close(&p1["price_per_mtok"], 0.0032 / 170.0 * 1e6);
    assert_eq!(json["daily"][1]["tokens"], 1355);
}

#[tokio::test]
async fn provider_and_author_pages() {
    let dir = tempfile::tempdir().unwrap();
    let (site, _) = fixture_site(dir.path()).await;
    let html = get(&site, "/providers/P1?window=all").await.html();
    assert_eq!(
        texts(&html, "#models table.endpoints tbody td:first-child"),
        ["a/x", "a/x:free", "b/y"]
    );
    let json = get(&site, "/api/v1/providers/P1?window=all").await.json();
    let requests: Vec<i64> = json["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["requests"].as_i64().unwrap())
        .collect();
    assert_eq!(requests, [3, 2, 0]);

    let html = get(&site, "/authors/a?period=day").await.html();
    assert_eq!(texts(&html, "#models a.model"), ["a/x", "a/x:free"]);
    let json = get(&site, "/api/v1/authors/a?period=day").await.json();
    // Author a: a/x (1,355) and a/x:free (150) of 1,655 tokens in the last daily bucket.
    let last = json["share"].as_array().unwrap().last().unwrap().clone();
    close(&last["share"], 1505.0 / 1655.0);
}

#[tokio::test]
async fn unknown_names_and_bad_parameters_get_helpful_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (site, _) = fixture_site(dir.path()).await;
    for (uri, status, says) in [
        ("/models/nobody/nothing", 404, "nobody/nothing"),
        ("/providers/P9", 404, "P9"),
        ("/authors/zz", 404, "zz"),
        ("/no/such/page", 404, "no page"),
        ("/?period=year", 400, "period=day"),
        ("/?limit=1000000", 400, "limit"),
        ("/?period=day&period=week", 400, "period"),
        ("/?period=%FF%FE", 400, "unknown period"),
        ("/models/a/x?window=2h", 400, "window"),
    ] {
        let answer = get(&site, uri).await;
        assert_eq!(answer.status.as_u16(), status, "{uri}");
        let html = answer.html();
        let message = texts(&html, "main").join(" ");
        assert!(message.contains(says), "{uri}: {message}");
        assert_eq!(texts(&html, "header.top a.brand"), ["tokenboard"], "{uri}");
        assert!(
            texts(&html, "#data-through").is_empty(),
            "{uri}: no data line"
        );
    }
    for (uri, status) in [
        ("/api/v1/models/nobody/nothing", 404),
        ("/api/v1/rankings?format=xml", 400),
        ("/api/v1/rankings?format=csv&section=nope", 400),
        ("/api/v1/rankings?section=top_models", 400),
        ("/api/v1/rankings?limit=99999999999999999999", 400),
    ] {
        let answer = get(&site, uri).await;
        assert_eq!(answer.status.as_u16(), status, "{uri}");
        let json = answer.json();
        assert_eq!(json["status"], status, "{uri}");
        assert!(json["error"].as_str().is_some_and(|e| !e.is_empty()));
    }
}

#[tokio::test]
async fn answers_revalidate_with_etag_and_last_modified() {
    let dir = tempfile::tempdir().unwrap();
    let (site, _) = fixture_site(dir.path()).await;
    let first = get(&site, "/api/v1/rankings").await;
    let etag = first.headers[header::ETAG].to_str().unwrap().to_owned();
    let modified = first.headers[header::LAST_MODIFIED]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        first.headers[header::CACHE_CONTROL]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let again = get_with(&site, "/api/v1/rankings", &[(header::IF_NONE_MATCH, &etag)]).await;
    assert_eq!(again.status, StatusCode::NOT_MODIFIED);
    assert!(again.body.is_empty());
    assert_eq!(again.headers[header::ETAG].to_str().unwrap(), etag);
    let since = get_with(&site, "/", &[(header::IF_MODIFIED_SINCE, &modified)]).await;
    assert_eq!(since.status, StatusCode::NOT_MODIFIED);
    let other = get_with(
        &site,
        "/api/v1/rankings",
        &[(header::IF_NONE_MATCH, "W/\"0\"")],
    )
    .await;
    assert_eq!(other.status, StatusCode::OK);
    // Compression when asked for, and the same page once decompressed.
    let plain = get(&site, "/").await;
    let gzip = get_with(&site, "/", &[(header::ACCEPT_ENCODING, "br;q=1, gzip")]).await;
    assert_eq!(gzip.headers[header::CONTENT_ENCODING], "gzip");
    assert_eq!(gzip.headers[header::VARY], "accept-encoding");
    assert_eq!(gunzip(&gzip.raw), plain.body);
    let refused = get_with(&site, "/", &[(header::ACCEPT_ENCODING, "gzip;q=0")]).await;
    assert!(refused.headers.get(header::CONTENT_ENCODING).is_none());
    assert_eq!(refused.body, plain.body);
}

#[tokio::test]
async fn new_commits_replace_the_cached_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (site, lake) = fixture_site(dir.path()).await;
    let before = get(&site, "/api/v1/rankings?period=day").await;
    assert_eq!(before.json()["top_models"][0]["tokens"], 1355);
    assert!(!site.refresh().await.unwrap(), "nothing new yet");

    let extra = dir.path().join("extra.jsonl");
    std::fs::write(
        &extra,
        r#"{"id":"late-1","created_at":"2026-11-20T11:50:00Z","model":"a/x","tokens_prompt":40,"tokens_completion":5}"#,
    )
    .unwrap();
    ingest_with_rollups(&lake, &[extra]).await;
    assert!(site.refresh().await.unwrap());
    let after = get(&site, "/api/v1/rankings?period=day").await;
    assert_eq!(after.json()["top_models"][0]["tokens"], 1400);
    assert_ne!(after.headers[header::ETAG], before.headers[header::ETAG]);
}

#[tokio::test]
async fn an_empty_lake_serves_pages_without_data() {
    let dir = tempfile::tempdir().unwrap();
    let site = Site::open(lake_in(dir.path())).await.unwrap();
    let html = get(&site, "/").await.html();
    assert_eq!(texts(&html, "#data-through"), ["no data yet"]);
    assert!(texts(&html, "#top-models p.empty")[0].contains("No requests"));
    let json = get(&site, "/api/v1/rankings").await.json();
    assert_eq!(json["data_through"], serde_json::Value::Null);
    assert_eq!(json["top_models"], serde_json::json!([]));
    let health = get(&site, "/healthz").await.json();
    assert_eq!(health["status"], "ok");
}

/// Strings from the logs are escaped everywhere, and an app's invisible characters (here a
/// right-to-left override) are shown as U+FFFD on pages but served as logged by the API; private
/// fields never leave the lake.
#[tokio::test]
async fn log_strings_are_escaped_and_private_fields_never_shown() {
    let dir = tempfile::tempdir().unwrap();
    let lake = lake_in(&dir.path().join("lake"));
    let path = dir.path().join("evil.jsonl");
    let mut file = std::fs::File::create(&path).unwrap();
    let model = "evil/<script>alert(1)</script>";
    let app = "app-\"quoted\"<b>";
    let origin = "https://evil.test/\u{202e}\"><script>alert(2)</script>";
    // 1,000 requests: the top-apps threshold.
    for i in 0..1000 {
        let record = serde_json::json!({
            "id": format!("e{i}"),
            "created_at": format!("2026-11-20T{:02}:{:02}:00Z", 1 + i / 120, i % 60),
            "model": model,
            "provider_name": "<i>P</i>",
            "tokens_prompt": 10,
            "tokens_completion": 10,
            "app_id": app,
            "origin": origin,
            "external_user": "secret-user-42",
        });
        writeln!(file, "{record}").unwrap();
    }
    // The newest record: data_through 12:00, so the day period holds all 1,000 above.
    writeln!(
        file,
        r#"{{"id":"last","created_at":"2026-11-20T12:30:00Z","model":"plain/model"}}"#
    )
    .unwrap();
    drop(file);
    ingest_with_rollups(&lake, &[path]).await;
    let site = Site::open(lake).await.unwrap();

    let page = get(&site, "/?period=day").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        !page.body.contains("<script>"),
        "raw script tag in the page"
    );
    assert!(
        page.body
            .contains("evil/&#60;script&#62;alert(1)&#60;/script&#62;")
            || page
                .body
                .contains("evil/&lt;script&gt;alert(1)&lt;/script&gt;")
    );
    let html = page.html();
    assert_eq!(
        texts(&html, "#top-apps tbody td:nth-child(2)")[0],
        format!("{app} https://evil.test/\u{fffd}\"><script>alert(2)</script>")
    );
    assert!(!page.body.contains('\u{202e}'));
    assert_eq!(texts(&html, "#top-models a.model"), [model]);

    let json = get(&site, "/api/v1/rankings?period=day").await;
    assert_eq!(json.headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    let value = json.json();
    assert_eq!(value["top_apps"][0]["origin"], origin);
    assert_eq!(value["top_apps"][0]["app_id"], app);

    let model_page = get(&site, "/models/evil/%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(model_page.status, StatusCode::OK);
    assert!(!model_page.body.contains("<script>"));
    assert!(!model_page.body.contains("<i>P</i>"));

    for uri in [
        "/?period=day",
        "/api/v1/rankings?period=day",
        "/api/v1/rankings?period=day&format=csv&section=top_apps",
        "/models/evil/%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "/api/v1/providers/%3Ci%3EP%3C%2Fi%3E?window=all",
    ] {
        let answer = get(&site, uri).await;
        assert_eq!(answer.status, StatusCode::OK, "{uri}");
        assert!(
            !answer.body.contains("secret-user"),
            "{uri} shows external_user"
        );
        let csp = answer.headers[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'none'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(answer.headers[header::X_FRAME_OPTIONS], "DENY");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route() {
    let dir = tempfile::tempdir().unwrap();
    let (site, _) = fixture_site(dir.path()).await;
    get(&site, "/").await;
    get(&site, "/").await;
    get(&site, "/models/a/x").await;
    get(&site, "/nothing-here").await;
    let metrics = get(&site, "/metrics").await;
    assert_eq!(metrics.status, StatusCode::OK);
    let text = metrics.body;
    assert!(
        text.contains("tokenboard_http_requests_total{route=\"/\",status=\"200\"} 2"),
        "{text}"
    );
    assert!(
        text.contains(
            "tokenboard_http_requests_total{route=\"/models/{author}/{slug}\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("tokenboard_http_requests_total{route=\"unmatched\",status=\"404\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("tokenboard_http_request_duration_seconds_count{route=\"/\"} 2"),
        "{text}"
    );
    assert!(
        text.contains("tokenboard_rows_ingested{table=\"generations\"} 10"),
        "{text}"
    );
    assert!(
        text.contains("tokenboard_data_freshness_seconds "),
        "{text}"
    );
}
