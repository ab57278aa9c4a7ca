//! `/api/v1/`: each page's data as JSON (the views' column names, `data_through` and the Delta
//! versions), or one of its sections as CSV with `?format=csv[&section=NAME]`.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Deserialize;
use serde::Serialize;
use tokenboard_query::Window;

use crate::data::{AuthorPage, ModelPage, ProviderPage, Rankings};
use crate::http::{ApiFailure, Failure, ParamsRejection, respond};
use crate::pages::{known_author, known_model, known_provider};
use crate::snapshot::{Rendered, Snapshot};
use crate::{Site, parse_period, parse_window};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PeriodParams {
    period: Option<String>,
    format: Option<String>,
    section: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WindowParams {
    window: Option<String>,
    format: Option<String>,
    section: Option<String>,
}

/// JSON, or CSV of one section (the first section when none is named).
#[derive(Debug, Clone)]
enum Shape {
    Json,
    Csv(&'static str),
}

impl Shape {
    fn parse(
        format: Option<&str>,
        section: Option<&str>,
        sections: &[&'static str],
    ) -> Result<Shape, Failure> {
        match (format.unwrap_or("json"), section) {
            ("json", None) => Ok(Shape::Json),
            ("json", Some(_)) => Err(Failure::BadRequest(
                "`section` goes with format=csv; the JSON holds every section".into(),
            )),
            ("csv", None) => Ok(Shape::Csv(sections[0])),
            ("csv", Some(name)) => sections
                .iter()
                .find(|s| **s == name)
                .map(|s| Shape::Csv(s))
                .ok_or_else(|| {
                    Failure::BadRequest(format!(
                        "unknown section `{name}`; this endpoint has {}",
                        sections.join(", ")
                    ))
                }),
            (other, _) => Err(Failure::BadRequest(format!(
                "unknown format `{other}`; use json or csv"
            ))),
        }
    }

    fn key(&self) -> &'static str {
        match self {
            Shape::Json => "json",
            Shape::Csv(section) => section,
        }
    }
}

fn json(value: &impl Serialize) -> Result<Rendered, crate::Error> {
    Ok(Rendered::new(
        serde_json::to_vec(value)?,
        "application/json",
    ))
}

fn csv(bytes: Option<Result<Vec<u8>, csv::Error>>) -> Result<Rendered, crate::Error> {
    let bytes = bytes.ok_or(crate::Error::UnknownSection)??;
    Ok(Rendered::new(bytes, "text/csv; charset=utf-8"))
}

async fn answer<F, Fut>(
    headers: &HeaderMap,
    snapshot: &Snapshot,
    key: String,
    render: F,
) -> Result<Response, ApiFailure>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Rendered, crate::Error>>,
{
    let rendered = snapshot.answer(key, render).await?;
    Ok(respond(headers, snapshot.loaded_at, &rendered))
}

pub async fn rankings(
    State(site): State<Site>,
    headers: HeaderMap,
    params: Result<Query<PeriodParams>, ParamsRejection>,
) -> Result<Response, ApiFailure> {
    let Query(params) = params?;
    let period = parse_period(params.period.as_deref())?;
    let shape = Shape::parse(
        params.format.as_deref(),
        params.section.as_deref(),
        &Rankings::SECTIONS,
    )?;
    let snapshot = site.snapshot();
    let key = format!("api /rankings {} {}", period.name(), shape.key());
    answer(&headers, &snapshot, key, || async {
        let data = Rankings::load(&snapshot, period).await?;
        match shape {
            Shape::Json => json(&data),
            Shape::Csv(section) => csv(data.csv(section)),
        }
    })
    .await
}

pub async fn model(
    State(site): State<Site>,
    headers: HeaderMap,
    Path((author, slug)): Path<(String, String)>,
    params: Result<Query<WindowParams>, ParamsRejection>,
) -> Result<Response, ApiFailure> {
    let Query(params) = params?;
    let window = parse_window(params.window.as_deref(), Window::Day)?;
    let shape = Shape::parse(
        params.format.as_deref(),
        params.section.as_deref(),
        &ModelPage::SECTIONS,
    )?;
    let snapshot = site.snapshot();
    let model = known_model(&snapshot, &author, &slug).await?;
    let key = format!("api /models {model} {} {}", window.name(), shape.key());
    answer(&headers, &snapshot, key, || async {
        let data = ModelPage::load(&snapshot, &model, window).await?;
        match shape {
            Shape::Json => json(&data),
            Shape::Csv(section) => csv(data.csv(section)),
        }
    })
    .await
}

pub async fn provider(
    State(site): State<Site>,
    headers: HeaderMap,
    Path(name): Path<String>,
    params: Result<Query<WindowParams>, ParamsRejection>,
) -> Result<Response, ApiFailure> {
    let Query(params) = params?;
    let window = parse_window(params.window.as_deref(), Window::Day)?;
    let shape = Shape::parse(
        params.format.as_deref(),
        params.section.as_deref(),
        &ProviderPage::SECTIONS,
    )?;
    let snapshot = site.snapshot();
    known_provider(&snapshot, &name).await?;
    let key = format!("api /providers {name} {} {}", window.name(), shape.key());
    answer(&headers, &snapshot, key, || async {
        let data = ProviderPage::load(&snapshot, &name, window).await?;
        match shape {
            Shape::Json => json(&data),
            Shape::Csv(section) => csv(data.csv(section)),
        }
    })
    .await
}

pub async fn author(
    State(site): State<Site>,
    headers: HeaderMap,
    Path(name): Path<String>,
    params: Result<Query<PeriodParams>, ParamsRejection>,
) -> Result<Response, ApiFailure> {
    let Query(params) = params?;
    let period = parse_period(params.period.as_deref())?;
    let shape = Shape::parse(
        params.format.as_deref(),
        params.section.as_deref(),
        &AuthorPage::SECTIONS,
    )?;
    let snapshot = site.snapshot();
    known_author(&snapshot, &name).await?;
    let key = format!("api /authors {name} {} {}", period.name(), shape.key());
    answer(&headers, &snapshot, key, || async {
        let data = AuthorPage::load(&snapshot, &name, period).await?;
        match shape {
            Shape::Json => json(&data),
            Shape::Csv(section) => csv(data.csv(section)),
        }
    })
    .await
}
