//! `/api/v1/scores`: each endpoint's health, speed, price and feedback over a short window, and
//! the routing weights of formula `tokenboard-weights/v1` (crate `tokenboard-scores`), for a
//! router that polls every few seconds.

use std::collections::{BTreeMap, HashMap};

use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use tokenboard_query::{FeedbackRow, ModelProvider, View, ViewRequest, Window};
use tokenboard_scores::{EndpointInputs, FORMULA, ModelScores, score_model};

use crate::http::{ApiFailure, Failure, ParamsRejection, respond_with};
use crate::snapshot::{Rendered, Snapshot};
use crate::{Error, Site};

/// A router revalidates on every poll; an unchanged feed costs it a 304.
const SCORES_CACHE_CONTROL: &str = "public, max-age=1, must-revalidate";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreParams {
    model: Option<String>,
    window: Option<String>,
}

/// The feed. Everything but `generated_at` and `versions` is a function of the data, and the
/// ETag hashes only that part: a new snapshot that changes no score answers 304.
#[derive(Debug, Serialize)]
struct Feed<'a> {
    formula: &'static str,
    generated_at: DateTime<Utc>,
    #[serde(flatten)]
    scores: &'a Scores,
    versions: &'a BTreeMap<&'static str, u64>,
}

#[derive(Debug, Serialize)]
struct Scores {
    window: Window,
    /// The window is (window_start, window_end]; it ends at the newest record.
    window_start: Option<DateTime<Utc>>,
    window_end: Option<DateTime<Utc>>,
    /// The start of the hour holding the newest record (DESIGN.md §3).
    data_through: Option<DateTime<Utc>>,
    /// Seconds between the newest record and the moment the served snapshot of the lake was
    /// opened: how far behind the logs the feed is.
    lag_seconds: Option<f64>,
    models: Vec<ModelScores>,
}

pub async fn scores(
    State(site): State<Site>,
    headers: HeaderMap,
    params: Result<Query<ScoreParams>, ParamsRejection>,
) -> Result<Response, ApiFailure> {
    let Query(params) = params.map_err(Failure::from)?;
    let window = match params.window.as_deref() {
        None => Window::ThirtyMinutes,
        Some(text) => match text.parse() {
            Ok(window @ (Window::FiveMinutes | Window::ThirtyMinutes | Window::Day)) => window,
            _ => {
                return Err(Failure::BadRequest(format!(
                    "unknown window “{text}”: scores use window=5m, 30m or 1d"
                ))
                .into());
            }
        },
    };
    let snapshot = site.snapshot();
    let model = match params.model {
        None => None,
        Some(model) => {
            if !snapshot.names().await?.models.contains(&model) {
                return Err(Failure::NotFound(format!(
                    "No model named “{model}” has any requests. Model names read author/slug."
                ))
                .into());
            }
            Some(model)
        }
    };
    let key = format!(
        "api /scores {} {}",
        window.name(),
        model.as_deref().unwrap_or("*")
    );
    let rendered = snapshot
        .answer(key, || render(&snapshot, window, model))
        .await?;
    Ok(respond_with(
        &headers,
        snapshot.loaded_at,
        &rendered,
        SCORES_CACHE_CONTROL,
    ))
}

async fn render(
    snapshot: &Snapshot,
    window: Window,
    model: Option<String>,
) -> Result<Rendered, Error> {
    let scores = compute(snapshot, window, model).await?;
    let data = serde_json::to_vec(&scores)?;
    let feed = Feed {
        formula: FORMULA,
        generated_at: snapshot.loaded_at.into(),
        scores: &scores,
        versions: snapshot.session.versions(),
    };
    Ok(Rendered::with_etag_of(
        serde_json::to_vec(&feed)?,
        "application/json",
        &data,
    ))
}

async fn compute(
    snapshot: &Snapshot,
    window: Window,
    model: Option<String>,
) -> Result<Scores, Error> {
    let mut providers = ViewRequest::new(View::ModelProviders).window(window);
    let mut feedback = ViewRequest::new(View::Feedback).window(window);
    if let Some(model) = model {
        providers = providers.model(model.clone());
        feedback = feedback.model(model);
    }
    let (providers, feedback) = tokio::try_join!(
        snapshot.session.view(&providers),
        snapshot.session.view(&feedback)
    )?;
    let reported: HashMap<(String, String), u64> = feedback
        .rows::<FeedbackRow>("feedback")?
        .into_iter()
        .map(|row| {
            let count = u64::try_from(row.negative_feedback).unwrap_or(0);
            ((row.model, row.provider), count)
        })
        .collect();

    let mut by_model: BTreeMap<String, Vec<EndpointInputs>> = BTreeMap::new();
    for row in providers.rows::<ModelProvider>("model-providers")? {
        let negative_feedback = reported
            .get(&(row.model.clone(), row.provider.clone()))
            .copied()
            .unwrap_or(0);
        let count = |n: i64| u64::try_from(n).unwrap_or(0);
        by_model.entry(row.model).or_default().push(EndpointInputs {
            provider: row.provider,
            requests: count(row.requests),
            attempts: count(row.attempts),
            successes: count(row.successes),
            rate_limited: count(row.rate_limited),
            uptime: row.uptime,
            uptime_low: row.uptime_low,
            uptime_high: row.uptime_high,
            rate_limited_share: row.rate_limited_share,
            ttft_p50: row.ttft_p50,
            ttft_p90: row.ttft_p90,
            throughput_p50: row.throughput_p50,
            throughput_p90: row.throughput_p90,
            price_per_mtok: row.price_per_mtok,
            negative_feedback,
        });
    }
    let models = by_model
        .into_iter()
        .map(|(model, endpoints)| score_model(&model, endpoints))
        .collect();

    let window_end = providers.newest;
    let window_start = window_end.zip(window.length()).map(|(end, l)| end - l);
    let opened: DateTime<Utc> = snapshot.loaded_at.into();
    Ok(Scores {
        window,
        window_start,
        window_end,
        data_through: providers.data_through,
        lag_seconds: window_end
            .map(|newest| ((opened - newest).num_milliseconds() as f64 / 1000.0).max(0.0)),
        models,
    })
}
