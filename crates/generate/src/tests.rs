use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Timelike, Utc};
use serde_json::Value;

use super::*;

fn config(rows: u64, seed: u64) -> GeneratorConfig {
    GeneratorConfig {
        seed,
        ..GeneratorConfig::new(rows)
    }
}

fn run(config: &GeneratorConfig) -> (String, GenerateSummary) {
    let mut out = Vec::new();
    let summary = generate(config, &mut out).unwrap();
    (String::from_utf8(out).unwrap(), summary)
}

fn records(text: &str) -> Vec<Value> {
    text.lines()
        .map(|line| {
            let value: Value = serde_json::from_str(line).unwrap();
            assert!(value.is_object(), "not an object: {line}");
            value
        })
        .collect()
}

fn str_field<'a>(r: &'a Value, key: &str) -> &'a str {
    r[key]
        .as_str()
        .unwrap_or_else(|| panic!("{key} is not a string in {r:?}"))
}

fn u64_field(r: &Value, key: &str) -> u64 {
    r[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not a non-negative integer in {r:?}"))
}

fn attempts(r: &Value) -> &Vec<Value> {
    r["provider_responses"].as_array().unwrap()
}

fn created_at(r: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(str_field(r, "created_at"))
        .unwrap()
        .with_timezone(&Utc)
}

/// One shared medium-sized sample for the statistical tests.
fn sample() -> &'static (String, Vec<Value>) {
    static SAMPLE: std::sync::OnceLock<(String, Vec<Value>)> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        let (text, _) = run(&config(50_000, 7));
        let parsed = records(&text);
        (text, parsed)
    })
}

fn share(records: &[Value], pred: impl Fn(&Value) -> bool) -> f64 {
    records.iter().filter(|r| pred(r)).count() as f64 / records.len() as f64
}

#[test]
fn same_config_same_bytes_other_seed_other_bytes() {
    let (a, _) = run(&config(3000, 42));
    let (b, _) = run(&config(3000, 42));
    assert!(a == b, "two runs of one config differ");
    let (c, _) = run(&config(3000, 43));
    assert_ne!(a, c);
    // A different end moves the whole workload.
    let mut later = config(3000, 42);
    later.end += Duration::days(1);
    assert_ne!(a, run(&later).0);
}

#[test]
fn row_count_bytes_and_ascending_times_inside_the_window() {
    let cfg = GeneratorConfig {
        days: 3,
        ..config(20_000, 5)
    };
    let (text, summary) = run(&cfg);
    assert_eq!(summary.rows, 20_000);
    assert_eq!(summary.bytes, text.len() as u64);
    assert!(text.ends_with('\n'));
    let recs = records(&text);
    assert_eq!(recs.len(), 20_000);
    let start = cfg.end - Duration::days(3);
    let mut previous = start;
    for r in &recs {
        let t = created_at(r);
        assert!(t >= previous, "{t} comes after {previous}");
        assert!(t < cfg.end, "{t} is not before the end {}", cfg.end);
        previous = t;
        // Millisecond precision, UTC, `Z`.
        let text = str_field(r, "created_at");
        assert_eq!(text.len(), "2026-11-19T13:04:05.123Z".len(), "{text}");
        assert!(text.ends_with('Z'));
    }
    assert!(created_at(&recs[0]) < start + Duration::hours(2));
    assert!(created_at(&recs[recs.len() - 1]) > cfg.end - Duration::hours(2));
}

#[test]
fn window_with_an_unaligned_end() {
    let end = Utc.with_ymd_and_hms(2026, 3, 1, 7, 29, 13).unwrap() + Duration::microseconds(500);
    let cfg = GeneratorConfig {
        rows: 5000,
        days: 1,
        seed: 3,
        end,
    };
    let (text, _) = run(&cfg);
    for r in records(&text) {
        let t = created_at(&r);
        assert!(
            t >= end - Duration::days(1) && t < end,
            "{t} outside the window"
        );
    }
}

#[test]
fn ids_are_unique_within_and_across_seeds() {
    let mut ids = BTreeSet::new();
    let mut request_ids = BTreeSet::new();
    for seed in [1, 2, 11] {
        let (text, _) = run(&config(10_000, seed));
        for r in records(&text) {
            assert!(ids.insert(str_field(&r, "id").to_owned()), "duplicate id");
            assert!(request_ids.insert(str_field(&r, "request_id").to_owned()));
        }
    }
    assert_eq!(ids.len(), 30_000);
}

#[test]
fn every_line_has_the_record_shape() {
    let (_, recs) = sample();
    let counts = [
        "tokens_prompt",
        "tokens_completion",
        "native_tokens_prompt",
        "native_tokens_completion",
        "native_tokens_reasoning",
        "native_tokens_cached",
        "num_media_prompt",
        "num_media_completion",
        "num_search_results",
    ];
    for r in recs {
        assert!(!str_field(r, "id").is_empty());
        let model = str_field(r, "model");
        let (author, slug) = model.split_once('/').unwrap();
        assert!(!author.is_empty() && !slug.is_empty(), "{model}");
        for key in counts {
            assert!(r[key].is_null() || r[key].is_u64(), "{key}: {}", r[key]);
        }
        for key in ["latency", "generation_time", "moderation_latency"] {
            assert!(r[key].is_null() || r[key].as_f64().unwrap() >= 0.0, "{key}");
        }
        for key in ["total_cost", "usage", "upstream_inference_cost"] {
            assert!(r[key].is_null() || r[key].as_f64().unwrap() >= 0.0, "{key}");
        }
        assert_eq!(r["total_cost"], r["usage"]);
        assert_eq!(str_field(r, "api_type"), "completions");
        for key in ["streamed", "cancelled", "is_byok"] {
            assert!(r[key].is_boolean());
        }
        let list = attempts(r);
        assert!(!list.is_empty());
        for a in list {
            assert!(!str_field(a, "provider_name").is_empty());
            assert!(!str_field(a, "endpoint_id").is_empty());
            assert!((100..600).contains(&u64_field(a, "status")));
            assert!(a["latency"].as_f64().unwrap() >= 0.0);
        }
    }
}

#[test]
fn every_line_passes_the_ingest_validator() {
    let (text, _) = sample();
    let validator = tokenboard_record::Validator::new(GeneratorConfig::new(0).end);
    let mut unknown = BTreeSet::new();
    for line in text.lines() {
        let record = validator
            .check(line.as_bytes(), &mut |f| {
                unknown.insert(f.to_owned());
            })
            .unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(!record.provider_responses.is_empty());
    }
    assert!(
        unknown.is_empty(),
        "fields the record does not know: {unknown:?}"
    );
}

#[test]
fn provider_name_is_the_last_attempt_and_fallbacks_happen() {
    let (_, recs) = sample();
    let mut fallbacks = 0;
    let mut statuses = BTreeMap::new();
    for r in recs {
        let list = attempts(r);
        let last = list.last().unwrap();
        assert_eq!(
            str_field(r, "provider_name"),
            str_field(last, "provider_name")
        );
        let failed = r["finish_reason"] == "error";
        for (i, a) in list.iter().enumerate() {
            let status = u64_field(a, "status");
            *statuses.entry(status).or_insert(0) += 1;
            if i + 1 < list.len() || failed {
                assert_ne!(status, 200, "only the serving attempt succeeds: {r:?}");
            } else {
                assert_eq!(status, 200, "a served record ends with a 200: {r:?}");
            }
        }
        // Attempts go to distinct providers of the model.
        let providers: BTreeSet<&str> =
            list.iter().map(|a| str_field(a, "provider_name")).collect();
        assert_eq!(providers.len(), list.len());
        if list.len() > 1 && !failed {
            fallbacks += 1;
        }
    }
    assert!(fallbacks > 100, "only {fallbacks} fallbacks");
    for status in [200, 429, 500, 502, 503] {
        assert!(
            statuses.get(&status).copied().unwrap_or(0) > 20,
            "{statuses:?}"
        );
    }
}

#[test]
fn failed_requests_are_errors_without_completion() {
    let (_, recs) = sample();
    let failed: Vec<_> = recs
        .iter()
        .filter(|r| attempts(r).iter().all(|a| a["status"] != 200))
        .collect();
    assert!(!failed.is_empty());
    for r in &failed {
        assert_eq!(str_field(r, "finish_reason"), "error");
        assert_eq!(u64_field(r, "tokens_completion"), 0);
        assert_eq!(r["total_cost"].as_f64(), Some(0.0));
    }
    let errors = share(recs, |r| r["finish_reason"] == "error");
    assert_eq!(errors, failed.len() as f64 / recs.len() as f64);
    assert!((0.003..0.08).contains(&errors), "error share {errors}");
}

#[test]
fn model_popularity_is_zipf_like() {
    let (_, recs) = sample();
    let mut per_model: BTreeMap<&str, u64> = BTreeMap::new();
    for r in recs {
        *per_model.entry(str_field(r, "model")).or_insert(0) += 1;
    }
    let mut counts: Vec<u64> = per_model.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    assert!(counts.len() >= 200, "only {} models seen", counts.len());
    assert!(
        counts[0] > 4 * counts[9],
        "top {} vs 10th {}",
        counts[0],
        counts[9]
    );
    // A long tail: the top 10 models carry well under all the traffic.
    let top10: u64 = counts[..10].iter().sum();
    assert!((0.25..0.75).contains(&(top10 as f64 / recs.len() as f64)));
    let authors: BTreeSet<&str> = per_model
        .keys()
        .map(|m| m.split_once('/').unwrap().0)
        .collect();
    assert!((15..=20).contains(&authors.len()), "{authors:?}");
    assert!(per_model.keys().any(|m| m.ends_with(":free")));
    assert!(per_model.keys().any(|m| m.ends_with(":nitro")));
}

#[test]
fn traffic_follows_the_daily_cycle() {
    let (_, recs) = sample();
    let mut by_hour = [0u64; 24];
    for r in recs {
        by_hour[created_at(r).hour() as usize] += 1;
    }
    let day: u64 = by_hour[12..18].iter().sum();
    let night: u64 = by_hour[0..6].iter().sum();
    assert!(day as f64 > 2.0 * night as f64, "{by_hour:?}");
}

#[test]
fn apps_users_and_attribution() {
    let (_, recs) = sample();
    let no_app = share(recs, |r| r["app_id"].is_null());
    assert!((0.17..0.23).contains(&no_app), "{no_app}");
    let mut per_app: BTreeMap<u64, u64> = BTreeMap::new();
    for r in recs.iter().filter(|r| !r["app_id"].is_null()) {
        let id = u64_field(r, "app_id");
        *per_app.entry(id).or_insert(0) += 1;
        assert_eq!(str_field(r, "origin"), format!("https://app{id}.example"));
        assert!(str_field(r, "http_referer").starts_with(str_field(r, "origin")));
    }
    assert!(per_app.len() > 1000, "{} apps", per_app.len());
    let mut counts: Vec<u64> = per_app.values().copied().collect();
    counts.sort_unstable_by(|a, b| b.cmp(a));
    assert!(counts[0] > 10 * counts[99]);
    let users: BTreeSet<&str> = recs
        .iter()
        .filter_map(|r| r["external_user"].as_str())
        .collect();
    assert!(users.len() > 1000);
}

#[test]
fn sizes_outcomes_and_costs_are_plausible() {
    let (_, recs) = sample();
    let median = |key: &str| {
        let mut v: Vec<u64> = recs
            .iter()
            .filter(|r| r["finish_reason"] == "stop")
            .map(|r| u64_field(r, key))
            .collect();
        v.sort_unstable();
        v[v.len() / 2]
    };
    let prompt = median("tokens_prompt");
    assert!((1000..2300).contains(&prompt), "median prompt {prompt}");
    let completion = median("tokens_completion");
    assert!(
        (200..700).contains(&completion),
        "median completion {completion}"
    );
    assert!(recs.iter().any(|r| u64_field(r, "tokens_prompt") > 200_000));

    let stop = share(recs, |r| r["finish_reason"] == "stop");
    assert!((0.72..0.88).contains(&stop), "stop {stop}");
    let tools = share(recs, |r| r["finish_reason"] == "tool_calls");
    assert!((0.04..0.14).contains(&tools), "tool_calls {tools}");
    let length = share(recs, |r| r["finish_reason"] == "length");
    assert!((0.03..0.12).contains(&length), "length {length}");
    assert!(recs.iter().any(|r| r["finish_reason"] == "content_filter"));
    let cancelled = share(recs, |r| r["cancelled"] == true);
    assert!((0.005..0.02).contains(&cancelled), "cancelled {cancelled}");
    let cached = share(recs, |r| {
        r["native_tokens_cached"].as_u64().unwrap_or(0) > 0
    });
    assert!((0.22..0.38).contains(&cached), "cached {cached}");

    let mut native_differs = 0;
    for r in recs.iter().filter(|r| r["finish_reason"] != "error") {
        let prompt = u64_field(r, "tokens_prompt");
        let native = u64_field(r, "native_tokens_prompt");
        if prompt >= 100 {
            let ratio = native as f64 / prompt as f64;
            assert!((0.8..1.25).contains(&ratio), "{prompt} vs native {native}");
        }
        native_differs += usize::from(native != prompt);
        assert!(r["native_tokens_cached"].as_u64().unwrap_or(0) <= native);
        let reasoning = r["native_tokens_reasoning"].as_u64().unwrap_or(0);
        assert!(reasoning <= u64_field(r, "native_tokens_completion"));
        let latency = u64_field(r, "latency");
        let last = attempts(r).last().unwrap();
        assert!(latency >= last["latency"].as_u64().unwrap());
        assert!(u64_field(r, "generation_time") >= latency);
        assert!(r["total_cost"].as_f64().unwrap() >= 0.0);
    }
    assert!(native_differs as f64 > 0.8 * recs.len() as f64);
    // Reasoning tokens show up for reasoning models only.
    let catalog = Catalog::build();
    let reasoning_models: BTreeSet<&str> = catalog
        .models
        .iter()
        .filter(|m| m.reasoning)
        .map(|m| m.name.as_str())
        .collect();
    let mut thought = 0;
    for r in recs {
        let tokens = r["native_tokens_reasoning"].as_u64().unwrap_or(0);
        if reasoning_models.contains(str_field(r, "model")) {
            thought += usize::from(tokens > 0);
        } else {
            assert_eq!(tokens, 0, "{r}");
        }
    }
    assert!(thought > 1000, "{thought}");
    // Paid models cost money, free ones don't.
    assert!(
        recs.iter()
            .filter(|r| str_field(r, "model").ends_with(":free"))
            .all(|r| r["total_cost"].as_f64() == Some(0.0))
    );
    let paid = share(recs, |r| r["total_cost"].as_f64().unwrap() > 0.0);
    assert!(paid > 0.7, "paid {paid}");
}

#[test]
fn each_endpoint_has_one_price_per_prompt_and_completion_token() {
    // total_cost = prompt × price_in + completion × price_out with the endpoint's two prices:
    // solve them from two records and check every other record of the endpoint.
    let (_, recs) = sample();
    let mut by_endpoint: BTreeMap<&str, Vec<(f64, f64, f64)>> = BTreeMap::new();
    for r in recs.iter().filter(|r| r["finish_reason"] != "error") {
        let last = attempts(r).last().unwrap();
        by_endpoint
            .entry(str_field(last, "endpoint_id"))
            .or_default()
            .push((
                u64_field(r, "tokens_prompt") as f64,
                u64_field(r, "tokens_completion") as f64,
                r["total_cost"].as_f64().unwrap(),
            ));
    }
    let mut checked = 0;
    for (endpoint, obs) in &by_endpoint {
        let (p0, c0, cost0) = obs[0];
        let Some(&(p1, c1, cost1)) = obs.iter().find(|(p, c, _)| (p0 * c - p * c0).abs() > 1e3)
        else {
            continue;
        };
        let det = p0 * c1 - p1 * c0;
        // Prices are whole multiples of $0.001 per million tokens, 1e-9 USD per token.
        let price_in = ((cost0 * c1 - cost1 * c0) / det * 1e9).round() / 1e9;
        let price_out = ((p0 * cost1 - p1 * cost0) / det * 1e9).round() / 1e9;
        assert!(price_in >= 0.0 && price_out >= 0.0, "{endpoint}");
        for &(p, c, cost) in obs {
            let expected = p * price_in + c * price_out;
            assert!(
                (expected - cost).abs() <= 1e-12 + 1e-9 * cost,
                "{endpoint}: {p} × {price_in} + {c} × {price_out} = {expected}, not {cost}"
            );
            checked += 1;
        }
    }
    assert!(checked > 30_000, "{checked}");
}

#[test]
fn zero_rows_writes_nothing_and_zero_days_is_an_error() {
    let (text, summary) = run(&GeneratorConfig::new(0));
    assert!(text.is_empty());
    assert_eq!((summary.rows, summary.bytes), (0, 0));
    let bad = GeneratorConfig {
        days: 0,
        ..GeneratorConfig::new(10)
    };
    let mut out = Vec::new();
    assert!(matches!(
        generate(&bad, &mut out),
        Err(GenerateError::Config(_))
    ));
    assert!(out.is_empty());
    let too_early = GeneratorConfig {
        end: Utc.with_ymd_and_hms(1970, 1, 2, 0, 0, 0).unwrap(),
        days: 2,
        ..GeneratorConfig::new(10)
    };
    assert!(matches!(
        generate(&too_early, &mut out),
        Err(GenerateError::Config(_))
    ));
}

#[test]
fn progress_reports_rows_written() {
    let mut calls = Vec::new();
    let mut out = std::io::sink();
    let summary =
        generate_with_progress(&config(150_000, 1), &mut out, &mut |n| calls.push(n)).unwrap();
    assert_eq!(calls, vec![65_536, 131_072, 150_000]);
    assert_eq!(summary.rows, 150_000);
}

#[test]
fn write_errors_are_reported() {
    struct Broken;
    impl Write for Broken {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(std::io::Error::other("disk full"))
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let err = generate(&config(10, 1), &mut Broken).unwrap_err();
    assert!(matches!(err, GenerateError::Io(_)));
    assert!(err.to_string().contains("disk full"));
}

#[test]
fn catalog_shape() {
    let catalog = Catalog::build();
    let n = catalog.models.len();
    assert!((250..=350).contains(&n), "{n} models");
    let names: BTreeSet<&str> = catalog.models.iter().map(|m| m.name.as_str()).collect();
    assert_eq!(names.len(), n, "model names repeat");
    let ids: BTreeSet<&str> = catalog.endpoints.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids.len(), catalog.endpoints.len(), "endpoint ids repeat");
    let plain = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\')
    };
    for m in &catalog.models {
        assert!(
            (1..=MAX_ENDPOINTS).contains(&m.endpoints.len()),
            "{}",
            m.name
        );
        assert!(plain(&m.name));
        let providers: BTreeSet<u32> = m
            .endpoints
            .iter()
            .map(|&e| catalog.endpoints[e as usize].provider)
            .collect();
        assert_eq!(providers.len(), m.endpoints.len(), "{}", m.name);
    }
    for p in &catalog.providers {
        assert!(plain(p.name));
    }
    for e in &catalog.endpoints {
        let ttft = e.ttft_ln.exp();
        let tps = e.tps_ln.exp();
        assert!((199.0..=2001.0).contains(&ttft) && (19.0..=401.0).contains(&tps));
        assert!((0.001..=0.05).contains(&e.error_rate) && (0.0..=0.05).contains(&e.rate_limited));
    }
    // Every provider is used, so no name in the tables failed to resolve.
    let used: BTreeSet<u32> = catalog.endpoints.iter().map(|e| e.provider).collect();
    assert_eq!(used.len(), catalog.providers.len());
    let app_ids: BTreeSet<u32> = catalog.apps.iter().map(|a| a.id).collect();
    assert_eq!(app_ids.len(), catalog.apps.len());
}

/// `cargo test --release -p tokenboard-generate -- --ignored --nocapture`
#[test]
#[ignore = "timing: run in release"]
fn time_two_million_rows() {
    let cfg = GeneratorConfig::new(2_000_000);
    let mut out = std::io::sink();
    let started = std::time::Instant::now();
    let summary = generate(&cfg, &mut out).unwrap();
    let elapsed = started.elapsed();
    println!(
        "{} rows, {} bytes ({:.1} bytes/row) in {:.2?}: {:.0} rows/s, {:.0} MB/s",
        summary.rows,
        summary.bytes,
        summary.bytes as f64 / summary.rows as f64,
        elapsed,
        summary.rows as f64 / elapsed.as_secs_f64(),
        summary.bytes as f64 / elapsed.as_secs_f64() / 1e6,
    );
}

// Scripted scenarios.

/// The scenario of the scenario tests: one day, on the most evenly routed model with three
/// providers; the first goes down 12:00–12:20, the second is four times slower 14:00–16:00, the
/// third is rate-limited 18:00–19:00.
struct ScenarioSample {
    config: GeneratorConfig,
    scenario: Scenario,
    text: String,
    records: Vec<Value>,
}

fn at(hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 19, hour, minute, 0).unwrap()
}

fn incident(provider: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> ScriptedIncident {
    ScriptedIncident {
        provider: provider.to_owned(),
        start,
        end,
        errors: 0.0,
        rate_limited: 0.0,
        slowdown: 1.0,
    }
}

fn run_scenario(config: &GeneratorConfig, scenario: &Scenario) -> (String, GenerateSummary) {
    let mut out = Vec::new();
    let summary = generate_scenario(config, scenario, &mut out).unwrap();
    (String::from_utf8(out).unwrap(), summary)
}

fn scenario_sample() -> &'static ScenarioSample {
    static SAMPLE: std::sync::OnceLock<ScenarioSample> = std::sync::OnceLock::new();
    SAMPLE.get_or_init(|| {
        let (model, providers) = models_with_providers(3).remove(0);
        let config = GeneratorConfig {
            days: 1,
            ..config(30_000, 11)
        };
        let scenario = Scenario {
            model,
            incidents: vec![
                ScriptedIncident {
                    errors: 1.0,
                    ..incident(&providers[0], at(12, 0), at(12, 20))
                },
                ScriptedIncident {
                    slowdown: 4.0,
                    ..incident(&providers[1], at(14, 0), at(16, 0))
                },
                ScriptedIncident {
                    rate_limited: 0.5,
                    ..incident(&providers[2], at(18, 0), at(19, 0))
                },
            ],
        };
        let (text, summary) = run_scenario(&config, &scenario);
        assert_eq!(summary.rows, 30_000);
        assert_eq!(summary.bytes, text.len() as u64);
        let records = records(&text);
        ScenarioSample {
            config,
            scenario,
            text,
            records,
        }
    })
}

/// Whether `r` was created during the sample's incident of `provider`.
fn during(sample: &ScenarioSample, provider: &str, r: &Value) -> bool {
    let t = created_at(r);
    sample
        .scenario
        .incidents
        .iter()
        .any(|i| i.provider == provider && i.start <= t && t < i.end)
}

/// Statuses of the attempts at `provider`, (during its incident, outside it).
fn statuses(sample: &ScenarioSample, provider: &str) -> (Vec<u64>, Vec<u64>) {
    let (mut inside, mut outside) = (Vec::new(), Vec::new());
    for r in &sample.records {
        let list = if during(sample, provider, r) {
            &mut inside
        } else {
            &mut outside
        };
        for a in attempts(r) {
            if str_field(a, "provider_name") == provider {
                list.push(u64_field(a, "status"));
            }
        }
    }
    (inside, outside)
}

fn share_of(statuses: &[u64], pred: impl Fn(u64) -> bool) -> f64 {
    statuses.iter().filter(|&&s| pred(s)).count() as f64 / statuses.len() as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    assert!(!v.is_empty());
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn providers_of(sample: &ScenarioSample) -> Vec<String> {
    sample
        .scenario
        .incidents
        .iter()
        .map(|i| i.provider.clone())
        .collect()
}

#[test]
fn models_with_providers_lists_balanced_models_first() {
    let catalog = Catalog::build();
    assert!(models_with_providers(0).is_empty());
    for n in 1..=MAX_ENDPOINTS {
        let models = models_with_providers(n);
        assert!(n > 4 || !models.is_empty(), "no model with {n} providers");
        let mut previous = f64::INFINITY;
        for (name, providers) in &models {
            let model = catalog.models.iter().find(|m| &m.name == name).unwrap();
            assert_eq!(model.endpoints.len(), n);
            assert_eq!(providers.len(), n);
            let shares = first_attempt_shares(name).unwrap();
            let names: Vec<&String> = shares.iter().map(|(p, _)| p).collect();
            assert_eq!(names, providers.iter().collect::<Vec<_>>());
            let total: f64 = shares.iter().map(|(_, s)| s).sum();
            assert!((total - 1.0).abs() < 1e-9, "{name}: {shares:?}");
            let least = shares.iter().map(|(_, s)| *s).fold(1.0, f64::min);
            assert!(least <= previous + 1e-12, "{name} is out of order");
            previous = least;
        }
    }
    let (best, _) = &models_with_providers(3)[0];
    let least = first_attempt_shares(best)
        .unwrap()
        .iter()
        .map(|(_, s)| *s)
        .fold(1.0, f64::min);
    assert!(least > 0.25, "{best}: {least}");
    assert!(first_attempt_shares("nobody/nothing").is_none());
}

#[test]
fn scenario_lines_are_for_the_model_and_spread_over_its_providers() {
    let sample = scenario_sample();
    let providers = providers_of(sample);
    let mut first: BTreeMap<&str, u64> = BTreeMap::new();
    let validator = tokenboard_record::Validator::new(sample.config.end);
    for (r, line) in sample.records.iter().zip(sample.text.lines()) {
        assert_eq!(str_field(r, "model"), sample.scenario.model);
        let provider = str_field(&attempts(r)[0], "provider_name");
        *first.entry(provider).or_insert(0) += 1;
        for a in attempts(r) {
            assert!(providers.iter().any(|p| p == str_field(a, "provider_name")));
        }
        validator
            .check(line.as_bytes(), &mut |f| panic!("unknown field {f}"))
            .unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert_eq!(first.len(), 3, "{first:?}");
    for (provider, count) in &first {
        let share = *count as f64 / sample.records.len() as f64;
        assert!(share > 0.2, "{provider} gets {share} of first attempts");
    }
    // Time is spread over the whole day, minute by minute.
    let minutes: BTreeSet<i64> = sample
        .records
        .iter()
        .map(|r| created_at(r).timestamp() / 60)
        .collect();
    assert!(minutes.len() > 1400, "{} minutes", minutes.len());
}

#[test]
fn scenario_is_deterministic() {
    let sample = scenario_sample();
    let (again, _) = run_scenario(&sample.config, &sample.scenario);
    assert!(again == sample.text, "two runs of one scenario differ");
    let other_seed = GeneratorConfig {
        seed: 12,
        ..sample.config.clone()
    };
    assert_ne!(run_scenario(&other_seed, &sample.scenario).0, sample.text);
    // The scripted incidents make a difference.
    let calm = Scenario {
        incidents: Vec::new(),
        ..sample.scenario.clone()
    };
    assert_ne!(run_scenario(&sample.config, &calm).0, sample.text);
}

#[test]
fn a_provider_fully_down_fails_every_attempt_and_requests_fall_back() {
    let sample = scenario_sample();
    let down = &providers_of(sample)[0];
    let (inside, outside) = statuses(sample, down);
    assert!(
        inside.len() > 100,
        "{} attempts during the outage",
        inside.len()
    );
    assert!(inside.iter().all(|&s| s >= 500), "{inside:?}");
    let failing = share_of(&outside, |s| s >= 500);
    assert!(failing < 0.06, "{down}: {failing} 5xx outside the outage");
    // Requests that started there were mostly served by the next provider.
    let during_outage: Vec<&Value> = sample
        .records
        .iter()
        .filter(|r| during(sample, down, r))
        .collect();
    let rescued = during_outage
        .iter()
        .filter(|r| {
            let list = attempts(r);
            str_field(&list[0], "provider_name") == down && list.last().unwrap()["status"] == 200
        })
        .count();
    assert!(rescued > 50, "{rescued} requests fell back");
    let served = share(
        &during_outage.into_iter().cloned().collect::<Vec<_>>(),
        |r| r["finish_reason"] != "error",
    );
    assert!(served > 0.9, "{served} served during the outage");
}

#[test]
fn rate_limits_raise_the_429_share_of_one_provider_only() {
    let sample = scenario_sample();
    let providers = providers_of(sample);
    let limited = &providers[2];
    let (inside, outside) = statuses(sample, limited);
    assert!(inside.len() > 200, "{}", inside.len());
    let during_429 = share_of(&inside, |s| s == 429);
    let before_429 = share_of(&outside, |s| s == 429);
    assert!((0.4..0.65).contains(&during_429), "{during_429}");
    assert!(before_429 < 0.06, "{before_429}");
    // The others keep their own small 429 share in that hour.
    for other in &providers[..2] {
        let list: Vec<u64> = sample
            .records
            .iter()
            .filter(|r| during(sample, limited, r))
            .flat_map(|r| attempts(r).iter())
            .filter(|a| str_field(a, "provider_name") == other)
            .map(|a| u64_field(a, "status"))
            .collect();
        assert!(list.len() > 200);
        let share = share_of(&list, |s| s == 429);
        assert!(share < 0.08, "{other}: {share}");
    }
}

#[test]
fn a_slowdown_multiplies_ttft_and_divides_throughput() {
    let sample = scenario_sample();
    let providers = providers_of(sample);
    let slow = &providers[1];
    // Per provider, (TTFT, throughput) of the requests it served, inside and outside the
    // slowdown window.
    let served = |provider: &str, inside: bool| {
        let (mut ttft, mut tps) = (Vec::new(), Vec::new());
        for r in &sample.records {
            if during(sample, slow, r) != inside
                || r["finish_reason"] == "error"
                || str_field(r, "provider_name") != provider
            {
                continue;
            }
            let latency = u64_field(r, "latency") as f64;
            let generation = u64_field(r, "generation_time") as f64;
            let tokens = u64_field(r, "tokens_completion") as f64;
            assert!(generation >= latency);
            ttft.push(latency);
            if tokens > 0.0 && generation > 0.0 {
                tps.push(tokens / (generation / 1000.0));
            }
        }
        assert!(ttft.len() > 300, "{provider}: {}", ttft.len());
        (median(ttft), median(tps))
    };
    let (slow_ttft, slow_tps) = served(slow, true);
    let (usual_ttft, usual_tps) = served(slow, false);
    let ttft_ratio = slow_ttft / usual_ttft;
    let tps_ratio = slow_tps / usual_tps;
    assert!((3.3..4.8).contains(&ttft_ratio), "TTFT × {ttft_ratio}");
    assert!((0.2..0.31).contains(&tps_ratio), "throughput × {tps_ratio}");
    for other in [&providers[0], &providers[2]] {
        let (ttft_in, tps_in) = served(other, true);
        let (ttft_out, tps_out) = served(other, false);
        assert!((0.8..1.25).contains(&(ttft_in / ttft_out)), "{other}");
        assert!((0.8..1.25).contains(&(tps_in / tps_out)), "{other}");
    }
}

#[test]
fn scenarios_have_no_random_incidents() {
    // Find a seed whose world has a severe random incident on one of the model's providers,
    // then check that the scenario with that seed shows none of it.
    let catalog = Catalog::build();
    let (model, providers) = models_with_providers(3).remove(0);
    let base = GeneratorConfig {
        days: 1,
        ..config(30_000, 0)
    };
    let (start_ms, end_ms) = window(&base).unwrap();
    let found = (1..200u64).find_map(|seed| {
        let run = Run::new(&catalog, seed, start_ms, end_ms);
        providers.iter().find_map(|name| {
            let p = catalog.providers.iter().position(|p| p.name == name)?;
            run.incidents[p]
                .iter()
                .find(|i| {
                    i.errors.max(i.rate_limited) > 0.5
                        && i.start_ms >= start_ms
                        && i.end_ms.min(end_ms) - i.start_ms > 30 * 60_000
                })
                .map(|i| (seed, name.clone(), *i))
        })
    });
    let (seed, provider, random) = found.expect("no seed with a severe incident");
    let config = GeneratorConfig { seed, ..base };
    let calm = Scenario {
        model,
        incidents: Vec::new(),
    };
    let (text, _) = run_scenario(&config, &calm);
    let statuses: Vec<u64> = records(&text)
        .iter()
        .filter(|r| {
            let t = created_at(r).timestamp_millis();
            random.start_ms <= t && t < random.end_ms
        })
        .flat_map(|r| attempts(r).clone())
        .filter(|a| str_field(a, "provider_name") == provider)
        .map(|a| u64_field(&a, "status"))
        .collect();
    assert!(statuses.len() > 100, "{}", statuses.len());
    let failing = share_of(&statuses, |s| s == 429 || s >= 500);
    assert!(
        failing < 0.15,
        "{provider}: {failing} failures during a random incident {random:?}"
    );
}

#[test]
fn scenario_config_errors() {
    let (model, providers) = models_with_providers(3).remove(0);
    let cfg = GeneratorConfig {
        days: 1,
        ..config(100, 1)
    };
    let ok = incident(&providers[0], at(1, 0), at(2, 0));
    let catalog = Catalog::build();
    let stranger = catalog
        .providers
        .iter()
        .map(|p| p.name)
        .find(|name| !providers.iter().any(|p| p == name))
        .unwrap();
    let bad_scenarios = [
        Scenario {
            model: "nobody/nothing".into(),
            incidents: Vec::new(),
        },
        Scenario {
            model: model.clone(),
            incidents: vec![incident(stranger, at(1, 0), at(2, 0))],
        },
        Scenario {
            model: model.clone(),
            incidents: vec![incident("Nobody Inc", at(1, 0), at(2, 0))],
        },
        Scenario {
            model: model.clone(),
            incidents: vec![incident(&providers[0], at(2, 0), at(2, 0))],
        },
        Scenario {
            model: model.clone(),
            incidents: vec![ScriptedIncident {
                errors: 1.5,
                ..ok.clone()
            }],
        },
        Scenario {
            model: model.clone(),
            incidents: vec![ScriptedIncident {
                rate_limited: -0.1,
                ..ok.clone()
            }],
        },
        Scenario {
            model: model.clone(),
            incidents: vec![ScriptedIncident {
                slowdown: 0.0,
                ..ok.clone()
            }],
        },
        Scenario {
            model: model.clone(),
            incidents: vec![ScriptedIncident {
                slowdown: f64::NAN,
                ..ok.clone()
            }],
        },
    ];
    for scenario in &bad_scenarios {
        let mut out = Vec::new();
        let err = generate_scenario(&cfg, scenario, &mut out).unwrap_err();
        assert!(
            matches!(err, GenerateError::Config(_)),
            "{scenario:?}: {err}"
        );
        assert!(out.is_empty());
    }
    // Errors even when there are no rows to write.
    let none = GeneratorConfig {
        rows: 0,
        ..cfg.clone()
    };
    assert!(matches!(
        generate_scenario(&none, &bad_scenarios[0], &mut Vec::new()),
        Err(GenerateError::Config(_))
    ));
    // A valid one writes its rows.
    let good = Scenario {
        model,
        incidents: vec![ok],
    };
    let (text, summary) = run_scenario(&cfg, &good);
    assert_eq!(summary.rows, 100);
    assert_eq!(text.lines().count(), 100);
}
