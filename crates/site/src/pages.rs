//! The HTML pages: each page's template struct beside the handler that fills it. The numbers are
//! the `data` module's; here they only become display strings.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use tokenboard_query::{FeedbackRow, ModelProvider, Period, Window};

use crate::charts::{self, Chart, SharePoint};
use crate::data::{AuthorPage, ModelPage, ProviderPage, Rankings, Source};
use crate::format;
use crate::http::{Failure, ParamsRejection, respond_html};
use crate::snapshot::{Rendered, Snapshot};
use crate::{Site, parse_period, parse_window};

/// Query parameters of the pages with a period.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodParams {
    pub period: Option<String>,
}

/// Query parameters of the pages with a provider window.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowParams {
    pub window: Option<String>,
}

pub struct Footer {
    /// Empty on error pages, which then leave the line out.
    pub data_through: String,
    pub versions: String,
}

impl Footer {
    fn of(source: &Source) -> Footer {
        Footer {
            data_through: format::moment(source.data_through),
            versions: if source.versions.is_empty() {
                "none yet".to_owned()
            } else {
                source
                    .versions
                    .iter()
                    .map(|(table, version)| format!("{table} v{version}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
        }
    }
}

pub struct Switch {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
}

fn period_label(period: Period) -> &'static str {
    match period {
        Period::Day => "today",
        Period::Week => "this week",
        Period::Month => "this month",
    }
}

fn period_switch(base: &str, current: Period) -> Vec<Switch> {
    Period::ALL
        .into_iter()
        .map(|p| Switch {
            label: match p {
                Period::Day => "Day",
                Period::Week => "Week",
                Period::Month => "Month",
            },
            href: format!("{base}?period={}", p.name()),
            current: p == current,
        })
        .collect()
}

fn window_switch(base: &str, current: Window) -> Vec<Switch> {
    Window::ALL
        .into_iter()
        .map(|w| Switch {
            label: w.name(),
            href: format!("{base}?window={}", w.name()),
            current: w == current,
        })
        .collect()
}

fn window_label(window: Window) -> &'static str {
    match window {
        Window::FiveMinutes => "5 minutes",
        Window::ThirtyMinutes => "30 minutes",
        Window::Day => "day",
        Window::Week => "7 days",
        Window::Month => "30 days",
        Window::All => "all time",
    }
}

/// The page path of a model: `/models/author/slug`, each part percent-encoded.
pub fn model_href(model: &str) -> String {
    let mut href = String::from("/models");
    for part in model.splitn(2, '/') {
        href.push('/');
        href.push_str(&encode_segment(part));
    }
    href
}

pub fn provider_href(provider: &str) -> String {
    format!("/providers/{}", encode_segment(provider))
}

pub fn author_href(author: &str) -> String {
    format!("/authors/{}", encode_segment(author))
}

/// Percent-encodes everything but unreserved characters and `:` (variants read `slug:free`).
fn encode_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~:".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

// --- Rankings -------------------------------------------------------------------------------

pub struct TopModelRow {
    pub rank: u64,
    pub model: String,
    pub href: String,
    pub author: String,
    pub author_href: String,
    pub tokens: String,
    pub share: String,
    pub change: String,
    pub change_class: &'static str,
    pub requests: String,
    pub spend: String,
}

pub struct ShareRow {
    pub bucket: String,
    pub name: String,
    pub tokens: String,
    pub share: String,
}

pub struct AppRow {
    pub rank: u64,
    pub name: String,
    pub origin: Option<String>,
    pub tokens: String,
    pub share: String,
    pub top_models: String,
}

pub struct ContextRow {
    pub bucket: String,
    pub requests: String,
    pub share: String,
    pub tool_call_share: String,
    pub reasoning_token_share: String,
    pub cache_hit_share: String,
}

pub struct SpeedDisplayRow {
    pub rank: u64,
    pub model: String,
    pub href: String,
    pub throughput: String,
    pub ttft: String,
    pub fastest_provider: Option<String>,
    pub fastest_href: String,
    pub fastest_throughput: String,
}

#[derive(Template)]
#[template(path = "rankings.html")]
pub struct RankingsTemplate {
    pub footer: Footer,
    pub period: &'static str,
    pub period_label: &'static str,
    pub bucket_label: &'static str,
    pub periods: Vec<Switch>,
    pub share_chart: Chart,
    pub token_share: Vec<ShareRow>,
    pub author_chart: Chart,
    pub author_share: Vec<ShareRow>,
    pub top_models: Vec<TopModelRow>,
    pub top_apps: Vec<AppRow>,
    pub context_lengths: Vec<ContextRow>,
    pub speed: Vec<SpeedDisplayRow>,
}

fn top_model_rows(rows: &[tokenboard_query::TopModel]) -> Vec<TopModelRow> {
    rows.iter()
        .map(|r| TopModelRow {
            rank: r.rank,
            model: r.model.clone(),
            href: model_href(&r.model),
            author: r.author.clone(),
            author_href: author_href(&r.author),
            tokens: format::tokens(r.tokens),
            share: format::percent(r.share),
            change: format::change(r.change),
            change_class: format::change_class(r.change),
            requests: format::count(r.requests),
            spend: format::dollars(r.spend),
        })
        .collect()
}

fn bucket_label(buckets: Period) -> &'static str {
    if buckets == Period::Week {
        "Week"
    } else {
        "Day"
    }
}

impl RankingsTemplate {
    pub fn new(data: &Rankings) -> RankingsTemplate {
        let model_points: Vec<SharePoint<'_>> = data
            .token_share
            .iter()
            .map(|r| SharePoint {
                bucket: r.bucket_start,
                series: &r.model,
                share: r.share.unwrap_or(0.0),
                tokens: r.tokens,
            })
            .collect();
        let author_points: Vec<SharePoint<'_>> = data
            .author_share
            .iter()
            .map(|r| SharePoint {
                bucket: r.bucket_start,
                series: &r.author,
                share: r.share.unwrap_or(0.0),
                tokens: r.tokens,
            })
            .collect();
        let share_rows = |points: &[SharePoint<'_>]| -> Vec<ShareRow> {
            points
                .iter()
                .map(|p| ShareRow {
                    bucket: format::date(&p.bucket),
                    name: p.series.to_owned(),
                    tokens: format::tokens(p.tokens),
                    share: format::percent(Some(p.share)),
                })
                .collect()
        };
        RankingsTemplate {
            footer: Footer::of(&data.source),
            period: data.period.name(),
            period_label: period_label(data.period),
            bucket_label: bucket_label(data.share_buckets),
            periods: period_switch("/", data.period),
            share_chart: charts::stacked_shares("Token share by model", &model_points),
            token_share: share_rows(&model_points),
            author_chart: charts::stacked_shares("Token share by author", &author_points),
            author_share: share_rows(&author_points),
            top_models: top_model_rows(&data.top_models),
            top_apps: data
                .top_apps
                .iter()
                .map(|r| AppRow {
                    rank: r.rank,
                    name: format::shown_name(&r.app_id).into_owned(),
                    origin: r
                        .origin
                        .as_deref()
                        .map(|o| format::shown_name(o).into_owned()),
                    tokens: format::tokens(r.tokens),
                    share: format::percent(r.share),
                    top_models: r.top_models.clone(),
                })
                .collect(),
            context_lengths: data
                .context_lengths
                .iter()
                .map(|r| ContextRow {
                    bucket: r.bucket.clone(),
                    requests: format::count(r.requests),
                    share: format::percent(r.share),
                    tool_call_share: format::percent(r.tool_call_share),
                    reasoning_token_share: format::percent(r.reasoning_token_share),
                    cache_hit_share: format::percent(r.cache_hit_share),
                })
                .collect(),
            speed: data
                .speed
                .iter()
                .map(|r| SpeedDisplayRow {
                    rank: r.rank,
                    model: r.model.clone(),
                    href: model_href(&r.model),
                    throughput: format::throughput(r.throughput_p50),
                    ttft: format::millis(r.ttft_p50),
                    fastest_href: r
                        .fastest_provider
                        .as_deref()
                        .map(provider_href)
                        .unwrap_or_default(),
                    fastest_provider: r.fastest_provider.clone(),
                    fastest_throughput: format::throughput(r.fastest_throughput_p50),
                })
                .collect(),
        }
    }
}

pub async fn rankings(
    State(site): State<Site>,
    headers: HeaderMap,
    params: Result<Query<PeriodParams>, ParamsRejection>,
) -> Result<Response, Failure> {
    let Query(params) = params.map_err(Failure::from)?;
    let period = parse_period(params.period.as_deref())?;
    let snapshot = site.snapshot();
    let key = format!("page / {}", period.name());
    let rendered = snapshot
        .answer(key, || async {
            let data = Rankings::load(&snapshot, period).await?;
            html(&RankingsTemplate::new(&data))
        })
        .await?;
    Ok(respond_html(&headers, &snapshot, &rendered))
}

fn html(template: &impl Template) -> Result<Rendered, crate::Error> {
    Ok(Rendered::new(
        template.render()?.into_bytes(),
        "text/html; charset=utf-8",
    ))
}

// --- Model and provider pages ---------------------------------------------------------------

pub struct EndpointRow {
    pub name: String,
    pub href: String,
    pub requests: String,
    pub attempts: String,
    pub uptime: String,
    /// `low–high` of the 95% interval; `None` without attempts.
    pub uptime_interval: Option<String>,
    pub rate_limited: String,
    pub ttft_p50: String,
    pub ttft_p75: String,
    pub ttft_p90: String,
    pub ttft_p99: String,
    pub throughput_p50: String,
    pub throughput_p90: String,
    pub price: String,
    pub cache_hit_rate: String,
    /// The share of requests users reported (negative feedback).
    pub reported: String,
}

/// The share of an endpoint's requests that users reported.
fn reported_share(r: &ModelProvider, feedback: &[FeedbackRow]) -> Option<f64> {
    let reported = feedback
        .iter()
        .find(|f| f.model == r.model && f.provider == r.provider)
        .map_or(0, |f| f.negative_feedback);
    (r.requests > 0).then(|| reported as f64 / r.requests as f64)
}

impl EndpointRow {
    fn new(r: &ModelProvider, name: &str, href: String, feedback: &[FeedbackRow]) -> EndpointRow {
        EndpointRow {
            name: name.to_owned(),
            href,
            requests: format::count(r.requests),
            attempts: format::count(r.attempts),
            uptime: format::percent(r.uptime),
            uptime_interval: r.uptime_low.zip(r.uptime_high).map(|(low, high)| {
                format!(
                    "{}–{}",
                    format::percent(Some(low)),
                    format::percent(Some(high))
                )
            }),
            rate_limited: format::percent(r.rate_limited_share),
            ttft_p50: format::millis(r.ttft_p50),
            ttft_p75: format::millis(r.ttft_p75),
            ttft_p90: format::millis(r.ttft_p90),
            ttft_p99: format::millis(r.ttft_p99),
            throughput_p50: format::throughput(r.throughput_p50),
            throughput_p90: format::throughput(r.throughput_p90),
            price: format::price(r.price_per_mtok),
            cache_hit_rate: format::percent(r.cache_hit_rate),
            reported: format::percent(reported_share(r, feedback)),
        }
    }
}

pub struct FinishRow {
    pub name: String,
    pub stop: String,
    pub length: String,
    pub tool_calls: String,
    pub content_filter: String,
    pub error: String,
    pub other: String,
}

pub struct DayRow {
    pub bucket: String,
    pub tokens: String,
    pub requests: String,
    pub spend: String,
}

#[derive(Template)]
#[template(path = "model.html")]
pub struct ModelTemplate {
    pub footer: Footer,
    pub model: String,
    pub author: String,
    pub author_href: String,
    pub api_href: String,
    pub window_label: &'static str,
    pub windows: Vec<Switch>,
    pub daily_chart: Chart,
    pub daily: Vec<DayRow>,
    pub first: &'static str,
    pub endpoints: Vec<EndpointRow>,
    pub finish: Vec<FinishRow>,
}

impl ModelTemplate {
    pub fn new(data: &ModelPage) -> ModelTemplate {
        let href = model_href(&data.model);
        let points: Vec<_> = data
            .daily
            .iter()
            .map(|d| (d.bucket_start, d.tokens))
            .collect();
        ModelTemplate {
            footer: Footer::of(&data.source),
            model: data.model.clone(),
            author: data.author.clone(),
            author_href: author_href(&data.author),
            api_href: format!("/api/v1{href}?window={}", data.window.name()),
            window_label: window_label(data.window),
            windows: window_switch(&href, data.window),
            daily_chart: charts::bars("Tokens per day", &data.model, &points),
            daily: data
                .daily
                .iter()
                .map(|d| DayRow {
                    bucket: format::date(&d.bucket_start),
                    tokens: format::tokens(d.tokens),
                    requests: format::count(d.requests),
                    spend: format::dollars(d.spend),
                })
                .collect(),
            first: "Provider",
            endpoints: data
                .providers
                .iter()
                .map(|r| {
                    EndpointRow::new(r, &r.provider, provider_href(&r.provider), &data.feedback)
                })
                .collect(),
            finish: data
                .providers
                .iter()
                .map(|r| FinishRow {
                    name: r.provider.clone(),
                    stop: format::percent(r.finish_stop),
                    length: format::percent(r.finish_length),
                    tool_calls: format::percent(r.finish_tool_calls),
                    content_filter: format::percent(r.finish_content_filter),
                    error: format::percent(r.finish_error),
                    other: format::percent(r.finish_other),
                })
                .collect(),
        }
    }
}

pub async fn model(
    State(site): State<Site>,
    headers: HeaderMap,
    Path((author, slug)): Path<(String, String)>,
    params: Result<Query<WindowParams>, ParamsRejection>,
) -> Result<Response, Failure> {
    let Query(params) = params.map_err(Failure::from)?;
    let window = parse_window(params.window.as_deref(), Window::Day)?;
    let snapshot = site.snapshot();
    let model = known_model(&snapshot, &author, &slug).await?;
    let key = format!("page /models {model} {}", window.name());
    let rendered = snapshot
        .answer(key, || async {
            let data = ModelPage::load(&snapshot, &model, window).await?;
            html(&ModelTemplate::new(&data))
        })
        .await?;
    Ok(respond_html(&headers, &snapshot, &rendered))
}

/// `author/slug` if the lake has seen that model, else a 404 that says so.
pub async fn known_model(snapshot: &Snapshot, author: &str, slug: &str) -> Result<String, Failure> {
    let model = format!("{author}/{slug}");
    if snapshot.names().await?.models.contains(&model) {
        Ok(model)
    } else {
        Err(Failure::NotFound(format!(
            "No model named “{model}” has any requests. Model names read author/slug, as in the rankings."
        )))
    }
}

pub async fn known_provider(snapshot: &Snapshot, name: &str) -> Result<(), Failure> {
    if snapshot.names().await?.providers.contains(name) {
        Ok(())
    } else {
        Err(Failure::NotFound(format!(
            "No provider named “{name}” has served any request."
        )))
    }
}

pub async fn known_author(snapshot: &Snapshot, name: &str) -> Result<(), Failure> {
    if snapshot.names().await?.authors.contains(name) {
        Ok(())
    } else {
        Err(Failure::NotFound(format!(
            "No author named “{name}” has a model with any requests."
        )))
    }
}

#[derive(Template)]
#[template(path = "provider.html")]
pub struct ProviderTemplate {
    pub footer: Footer,
    pub provider: String,
    pub api_href: String,
    pub window_label: &'static str,
    pub windows: Vec<Switch>,
    pub first: &'static str,
    pub endpoints: Vec<EndpointRow>,
}

impl ProviderTemplate {
    pub fn new(data: &ProviderPage) -> ProviderTemplate {
        let href = provider_href(&data.provider);
        ProviderTemplate {
            footer: Footer::of(&data.source),
            provider: data.provider.clone(),
            api_href: format!("/api/v1{href}?window={}", data.window.name()),
            window_label: window_label(data.window),
            windows: window_switch(&href, data.window),
            first: "Model",
            endpoints: data
                .models
                .iter()
                .map(|r| EndpointRow::new(r, &r.model, model_href(&r.model), &data.feedback))
                .collect(),
        }
    }
}

pub async fn provider(
    State(site): State<Site>,
    headers: HeaderMap,
    Path(name): Path<String>,
    params: Result<Query<WindowParams>, ParamsRejection>,
) -> Result<Response, Failure> {
    let Query(params) = params.map_err(Failure::from)?;
    let window = parse_window(params.window.as_deref(), Window::Day)?;
    let snapshot = site.snapshot();
    known_provider(&snapshot, &name).await?;
    let key = format!("page /providers {name} {}", window.name());
    let rendered = snapshot
        .answer(key, || async {
            let data = ProviderPage::load(&snapshot, &name, window).await?;
            html(&ProviderTemplate::new(&data))
        })
        .await?;
    Ok(respond_html(&headers, &snapshot, &rendered))
}

// --- Author page ----------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "author.html")]
pub struct AuthorTemplate {
    pub footer: Footer,
    pub author: String,
    pub api_href: String,
    pub period_label: &'static str,
    pub periods: Vec<Switch>,
    pub share_chart: Chart,
    pub models: Vec<TopModelRow>,
}

impl AuthorTemplate {
    pub fn new(data: &AuthorPage) -> AuthorTemplate {
        let href = author_href(&data.author);
        let points: Vec<SharePoint<'_>> = data
            .share
            .iter()
            .map(|r| SharePoint {
                bucket: r.bucket_start,
                series: &r.author,
                share: r.share.unwrap_or(0.0),
                tokens: r.tokens,
            })
            .collect();
        AuthorTemplate {
            footer: Footer::of(&data.source),
            author: data.author.clone(),
            api_href: format!("/api/v1{href}?period={}", data.period.name()),
            period_label: period_label(data.period),
            periods: period_switch(&href, data.period),
            share_chart: charts::stacked_shares("Share of all tokens", &points),
            models: top_model_rows(&data.models),
        }
    }
}

pub async fn author(
    State(site): State<Site>,
    headers: HeaderMap,
    Path(name): Path<String>,
    params: Result<Query<PeriodParams>, ParamsRejection>,
) -> Result<Response, Failure> {
    let Query(params) = params.map_err(Failure::from)?;
    let period = parse_period(params.period.as_deref())?;
    let snapshot = site.snapshot();
    known_author(&snapshot, &name).await?;
    let key = format!("page /authors {name} {}", period.name());
    let rendered = snapshot
        .answer(key, || async {
            let data = AuthorPage::load(&snapshot, &name, period).await?;
            html(&AuthorTemplate::new(&data))
        })
        .await?;
    Ok(respond_html(&headers, &snapshot, &rendered))
}

// --- Errors ---------------------------------------------------------------------------------

#[derive(Template)]
#[template(path = "error.html")]
pub struct ErrorTemplate {
    pub footer: Footer,
    pub status: u16,
    pub heading: &'static str,
    pub message: String,
}
