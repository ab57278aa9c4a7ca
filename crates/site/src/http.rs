//! HTTP plumbing shared by pages and API: conditional answers (ETag, Last-Modified, 304), cache
//! headers, and the error answers, as a page in the site's look or as JSON.

use std::time::SystemTime;

use askama::Template;
use axum::body::Body;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::pages::{ErrorTemplate, Footer};
use crate::snapshot::{Rendered, Snapshot};

pub(crate) type ParamsRejection = QueryRejection;

/// Pages and API answers may be reused for a few seconds: the lake is polled every second and a
/// router polls the API every few.
const CACHE_CONTROL: &str = "public, max-age=5";

pub(crate) fn respond_html(
    headers: &HeaderMap,
    snapshot: &Snapshot,
    rendered: &Rendered,
) -> Response {
    respond(headers, snapshot.loaded_at, rendered)
}

/// The rendered answer, or 304 when the client's copy is current.
pub(crate) fn respond(
    headers: &HeaderMap,
    last_modified: SystemTime,
    rendered: &Rendered,
) -> Response {
    respond_with(headers, last_modified, rendered, CACHE_CONTROL)
}

/// [`respond`] with its own `Cache-Control`.
pub(crate) fn respond_with(
    headers: &HeaderMap,
    last_modified: SystemTime,
    rendered: &Rendered,
    cache_control: &'static str,
) -> Response {
    let last_modified_text = httpdate::fmt_http_date(last_modified);
    let not_modified = match headers.get(header::IF_NONE_MATCH) {
        // If-None-Match wins over If-Modified-Since (RFC 9110 §13.2.2); weak comparison.
        Some(tags) => tags.to_str().is_ok_and(|tags| {
            tags.split(',').map(str::trim).any(|tag| {
                tag == "*" || tag.trim_start_matches("W/") == rendered.etag.trim_start_matches("W/")
            })
        }),
        None => headers
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .is_some_and(|since| last_modified <= since),
    };
    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else if accepts_gzip(headers) && !rendered.gzip.is_empty() {
        // Already encoded: the compression layer leaves answers with a Content-Encoding alone.
        let mut response = Response::new(Body::from(rendered.gzip.clone()));
        response
            .headers_mut()
            .insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        response
    } else {
        Response::new(Body::from(rendered.body.clone()))
    };
    let out = response.headers_mut();
    if !not_modified {
        out.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(rendered.content_type),
        );
    }
    out.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    if let Ok(etag) = HeaderValue::from_str(&rendered.etag) {
        out.insert(header::ETAG, etag);
    }
    if let Ok(date) = HeaderValue::from_str(&last_modified_text) {
        out.insert(header::LAST_MODIFIED, date);
    }
    out.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(cache_control),
    );
    response
}

/// Whether `Accept-Encoding` allows gzip (listed, or `*`, without `q=0`).
fn accepts_gzip(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|coding| {
            let mut parts = coding.split(';').map(str::trim);
            let name = parts.next().unwrap_or("");
            let refused = parts.any(|p| {
                p.strip_prefix("q=")
                    .and_then(|q| q.parse::<f32>().ok())
                    .is_some_and(|q| q == 0.0)
            });
            (name.eq_ignore_ascii_case("gzip") || name == "*") && !refused
        })
}

/// Why a request got no answer.
#[derive(Debug)]
pub enum Failure {
    BadRequest(String),
    NotFound(String),
    /// A status of its own (401, 408, 413, 429, 503, ...) and the message that explains it.
    Status(StatusCode, String),
    Internal(crate::Error),
}

impl From<crate::Error> for Failure {
    fn from(error: crate::Error) -> Failure {
        Failure::Internal(error)
    }
}

impl From<tokenboard_query::Error> for Failure {
    fn from(error: tokenboard_query::Error) -> Failure {
        Failure::Internal(error.into())
    }
}

impl From<QueryRejection> for Failure {
    fn from(rejection: QueryRejection) -> Failure {
        Failure::BadRequest(format!(
            "The query string is not understood: {}",
            rejection.body_text()
        ))
    }
}

impl Failure {
    fn parts(self) -> (StatusCode, &'static str, String) {
        match self {
            Failure::BadRequest(message) => (StatusCode::BAD_REQUEST, "Bad request", message),
            Failure::NotFound(message) => (StatusCode::NOT_FOUND, "Not found", message),
            Failure::Status(status, message) => (
                status,
                status.canonical_reason().unwrap_or("Error"),
                message,
            ),
            Failure::Internal(error) => {
                // The details go to the log, not to the public.
                tracing::error!(%error, "answering a request");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "Something went wrong",
                    "The server could not compute this page. The error is in its log.".to_owned(),
                )
            }
        }
    }
}

impl IntoResponse for Failure {
    fn into_response(self) -> Response {
        let (status, heading, message) = self.parts();
        let page = ErrorTemplate {
            // An empty footer: an error page shows no data.
            footer: Footer {
                data_through: String::new(),
                versions: String::new(),
            },
            status: status.as_u16(),
            heading,
            message,
        };
        match page.render() {
            Ok(html) => (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
                html,
            )
                .into_response(),
            Err(_) => (status, heading).into_response(),
        }
    }
}

/// The same failures, answered as `{"error": "..."}` for the API.
#[derive(Debug)]
pub struct ApiFailure(pub Failure);

impl From<Failure> for ApiFailure {
    fn from(failure: Failure) -> ApiFailure {
        ApiFailure(failure)
    }
}

impl From<crate::Error> for ApiFailure {
    fn from(error: crate::Error) -> ApiFailure {
        ApiFailure(error.into())
    }
}

impl From<QueryRejection> for ApiFailure {
    fn from(rejection: QueryRejection) -> ApiFailure {
        ApiFailure(rejection.into())
    }
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let (status, _, message) = self.0.parts();
        let body = serde_json::json!({ "error": message, "status": status.as_u16() });
        (status, axum::Json(body)).into_response()
    }
}
