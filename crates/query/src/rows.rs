//! Typed rows of each view, for the site and the score feed. Field names are the views' column
//! names (queries/README.md), so the JSON the site serves reads like the SQL.

use chrono::{DateTime, Utc};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::{Error, ViewResult};

impl ViewResult {
    /// The rows as `T`. Views answer with at most [`crate::MAX_LIMIT`]-bounded row counts, so
    /// going through JSON costs little and keeps one mapping from column names to fields.
    pub fn rows<T: DeserializeOwned>(&self, view: &'static str) -> Result<Vec<T>, Error> {
        let mut json = Vec::new();
        crate::write_batches(&self.batches, crate::Format::Json, &mut json)?;
        serde_json::from_slice(&json).map_err(|source| Error::Rows { view, source })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopModel {
    pub rank: u64,
    pub model: String,
    pub author: String,
    pub tokens: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub requests: i64,
    pub spend: f64,
    pub share: Option<f64>,
    pub change: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelShare {
    pub bucket_start: DateTime<Utc>,
    pub model: String,
    pub tokens: i64,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuthorShare {
    pub bucket_start: DateTime<Utc>,
    pub author: String,
    pub tokens: i64,
    pub share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopApp {
    pub rank: u64,
    pub app_id: String,
    pub origin: Option<String>,
    pub tokens: i64,
    pub requests: i64,
    pub share: Option<f64>,
    pub top_models: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelProvider {
    pub model: String,
    pub provider: String,
    pub requests: i64,
    pub attempts: i64,
    pub uptime: Option<f64>,
    pub uptime_low: Option<f64>,
    pub uptime_high: Option<f64>,
    pub rate_limited_share: Option<f64>,
    pub ttft_p50: Option<f64>,
    pub ttft_p75: Option<f64>,
    pub ttft_p90: Option<f64>,
    pub ttft_p99: Option<f64>,
    pub throughput_p50: Option<f64>,
    pub throughput_p90: Option<f64>,
    pub price_per_mtok: Option<f64>,
    pub cache_hit_rate: Option<f64>,
    pub finish_stop: Option<f64>,
    pub finish_length: Option<f64>,
    pub finish_tool_calls: Option<f64>,
    pub finish_content_filter: Option<f64>,
    pub finish_error: Option<f64>,
    pub finish_other: Option<f64>,
    /// The counts behind `uptime` and `rate_limited_share`.
    pub successes: i64,
    pub rate_limited: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelDay {
    pub bucket_start: DateTime<Utc>,
    pub tokens: i64,
    pub requests: i64,
    pub spend: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedRow {
    pub rank: u64,
    pub model: String,
    pub author: String,
    pub requests: i64,
    pub ttft_p50: Option<f64>,
    pub throughput_p50: Option<f64>,
    pub fastest_provider: Option<String>,
    pub fastest_throughput_p50: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContextLength {
    pub bucket: String,
    pub requests: i64,
    pub share: Option<f64>,
    pub tokens: i64,
    pub tool_call_share: Option<f64>,
    pub reasoning_token_share: Option<f64>,
    pub cache_hit_share: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpendRow {
    pub level: String,
    pub rank: u64,
    pub name: String,
    pub author: String,
    pub spend: f64,
    pub share: Option<f64>,
    pub requests: i64,
    pub tokens: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FeedbackRow {
    pub model: String,
    pub provider: String,
    pub negative_feedback: i64,
    pub latency: i64,
    pub incoherence: i64,
    pub incorrect_response: i64,
    pub formatting: i64,
    pub billing: i64,
    pub api_error: i64,
    pub other: i64,
}
