//! The public leaderboard site: server-rendered pages (askama templates in `templates/`) with SVG
//! charts, the JSON/CSV API under `/api/v1/`, the score feed a router polls (`/api/v1/scores`),
//! the write API for the gateway (`POST /api/v1/ingest`, `/api/v1/feedback`), `/healthz` and
//! `/metrics`. Every number comes from a catalog view of `tokenboard-query`; answers are rendered
//! once per lake snapshot and cached.

mod api;
mod charts;
mod data;
mod format;
mod http;
mod ingest;
mod metrics;
mod pages;
mod scores;
mod snapshot;

use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use tokenboard_query::{Period, Window};
use tower_http::compression::CompressionLayer;
use tower_http::decompression::RequestDecompressionLayer;
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

pub use ingest::IngestConfig;
pub use snapshot::Site;

use crate::http::Failure;
use crate::metrics::{RouteLabels, RouteOnly};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Query(#[from] tokenboard_query::Error),
    #[error("rendering a page: {0}")]
    Template(#[from] askama::Error),
    #[error("encoding JSON: {0}")]
    Json(#[from] serde_json::Error),
    #[error("encoding CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error("no such section")]
    UnknownSection,
    #[error("encoding metrics")]
    Metrics,
    #[error("opening the tables for posts: {0}")]
    Lake(#[from] tokenboard_ingest::Error),
}

/// Only the site's own resources, no scripts at all; SVG charts carry their colours as
/// attributes, so no inline style is needed either.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'self'; img-src 'self'; \
     base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

/// A request that takes longer than this gets a 503 instead of holding a connection.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// A client that has not sent a request's headers within this is disconnected: one trickling
/// them a byte at a time would otherwise hold a task and a socket for as long as it likes.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The whole site as one router: pages, API, health, metrics and the stylesheet.
pub fn router(site: Site) -> Router {
    Router::new()
        .route("/", get(pages::rankings))
        .route("/models/{author}/{slug}", get(pages::model))
        .route("/providers/{name}", get(pages::provider))
        .route("/authors/{author}", get(pages::author))
        .route("/api/v1/rankings", get(api::rankings))
        .route("/api/v1/models/{author}/{slug}", get(api::model))
        .route("/api/v1/providers/{name}", get(api::provider))
        .route("/api/v1/authors/{author}", get(api::author))
        .route("/api/v1/scores", get(scores::scores))
        .merge(
            Router::new()
                .route("/api/v1/ingest", post(ingest::logs))
                .route("/api/v1/feedback", post(ingest::feedback))
                // gzip bodies are inflated before the size limit counts them, so a small
                // compressed bomb is cut at the limit like any large body.
                .layer(RequestDecompressionLayer::new()),
        )
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics_text))
        .route("/static/site.css", get(stylesheet))
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(site.clone(), record))
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIMEOUT,
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .with_state(site)
}

/// Serves the site on `listener` until `shutdown` completes, checking the lake for new commits
/// every second.
pub async fn serve(
    site: Site,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), Error> {
    serve_with_header_timeout(site, listener, shutdown, HEADER_READ_TIMEOUT).await
}

/// [`serve`], disconnecting clients that take longer than `header_timeout` to send a request's
/// headers. On shutdown it stops accepting, lets each connection finish the request it is
/// answering, and returns once all are closed.
///
/// Its own accept loop rather than `axum::serve`, which sets no timer on hyper's connections
/// and so has no header timeout.
pub async fn serve_with_header_timeout(
    site: Site,
    listener: tokio::net::TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
    header_timeout: Duration,
) -> Result<(), Error> {
    let refresh = site.spawn_refresh(Duration::from_secs(1));
    let app = router(site);
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(hyper_util::rt::TokioTimer::new())
        .header_read_timeout(header_timeout);
    // Every connection watches this; a send tells them all to close after their request.
    let (closing, closing_seen) = tokio::sync::watch::channel(());
    let mut connections = tokio::task::JoinSet::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    // Out of file descriptors, say: give open connections a moment to close
                    // instead of spinning on the error (as axum::serve does).
                    tracing::warn!(%error, "accepting a connection");
                    tokio::time::sleep(Duration::from_secs(1)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let service = hyper_util::service::TowerToHyperService::new(app.clone());
        let connection = http.serve_connection(hyper_util::rt::TokioIo::new(stream), service);
        let mut closing = closing_seen.clone();
        connections.spawn(async move {
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                // A connection error (a reset, a header timeout) ends only that connection.
                _ = connection.as_mut() => return,
                _ = closing.changed() => connection.as_mut().graceful_shutdown(),
            }
            let _ = connection.await;
        });
        // Forget finished connections as we go, so the set holds only open ones.
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = closing.send(());
    while connections.join_next().await.is_some() {}
    refresh.abort();
    Ok(())
}

/// `day`, `week` (the default) or `month`.
pub(crate) fn parse_period(value: Option<&str>) -> Result<Period, Failure> {
    match value {
        None => Ok(Period::Week),
        Some(text) => text.parse().map_err(|_| {
            Failure::BadRequest(format!(
                "unknown period “{text}”: use period=day, period=week or period=month"
            ))
        }),
    }
}

/// `5m`, `30m`, `1d`, `7d`, `30d` or `all`.
pub(crate) fn parse_window(value: Option<&str>, default: Window) -> Result<Window, Failure> {
    match value {
        None => Ok(default),
        Some(text) => text.parse().map_err(|_| {
            Failure::BadRequest(format!(
                "unknown window “{text}”: use window=5m, 30m, 1d, 7d, 30d or all"
            ))
        }),
    }
}

/// Counts each answer and its time under the route's pattern.
async fn record(State(site): State<Site>, request: Request, next: Next) -> Response {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(request).await;
    let metrics = site.metrics();
    metrics
        .latency
        .get_or_create(&RouteOnly {
            route: route.clone(),
        })
        .observe(started.elapsed().as_secs_f64());
    metrics
        .requests
        .get_or_create(&RouteLabels {
            route,
            status: response.status().as_u16(),
        })
        .inc();
    response
}

async fn not_found() -> Failure {
    Failure::NotFound("There is no page at this address.".into())
}

async fn stylesheet() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../../../templates/site.css"),
    )
}

/// Liveness and what is being served: `{"status":"ok","data_through":...,"versions":{...}}`.
async fn healthz(State(site): State<Site>) -> Response {
    let snapshot = site.snapshot();
    let newest = snapshot.session.newest().await;
    let body = serde_json::json!({
        "status": if newest.is_ok() { "ok" } else { "degraded" },
        "data_through": newest.ok().flatten().map(tokenboard_query::data_through),
        "versions": snapshot.session.versions(),
    });
    ([(header::CACHE_CONTROL, "no-store")], axum::Json(body)).into_response()
}

async fn metrics_text(State(site): State<Site>) -> Result<Response, Failure> {
    let snapshot = site.snapshot();
    let rows = snapshot.session.row_counts().await?;
    let freshness = snapshot
        .session
        .newest()
        .await?
        .map(|newest| (chrono::Utc::now() - newest).num_milliseconds() as f64 / 1000.0);
    let text = site
        .metrics()
        .encode(&rows, freshness)
        .map_err(|_| Error::Metrics)?;
    Ok((
        [
            (
                header::CONTENT_TYPE,
                "application/openmetrics-text; version=1.0.0; charset=utf-8",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        text,
    )
        .into_response())
}
