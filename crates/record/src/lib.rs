//! The gateway log record (DESIGN.md §2): one JSON object per line, parsed and validated.
//!
//! Parsing borrows strings from the line wherever JSON escapes allow, because ingest parses
//! hundreds of thousands of lines a second and allocation would dominate. A line either becomes a
//! [`Record`] or a [`Rejection`] whose [`Reason`] is the quarantine's reason column.

mod feedback;
mod parse;

use std::borrow::Cow;

use chrono::{DateTime, TimeZone, Utc};
use unicode_properties::{GeneralCategory, GeneralCategoryGroup, UnicodeGeneralCategory};

pub use feedback::{
    FEEDBACK_CATEGORIES, Feedback, MAX_COMMENT_CHARS, MAX_GENERATION_ID_BYTES, parse_feedback,
};
pub use parse::parse_line;

/// Lines longer than this are quarantined without being parsed.
pub const MAX_LINE_BYTES: usize = 1 << 20;
/// Longer model names are quarantined: real ones are tens of bytes, and the name is shown on pages.
pub const MAX_MODEL_BYTES: usize = 256;

/// Whether a character shows nothing of itself: a control, a format character (zero-width, a
/// bidirectional override), private use, a surrogate, an unassigned code point (Unicode's
/// "other" categories), or a line or paragraph separator. Such a character makes one name look
/// like another: model ids may not hold one, and pages show them in other names as U+FFFD.
pub fn is_invisible(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_control();
    }
    c.general_category_group() == GeneralCategoryGroup::Other
        || matches!(
            c.general_category(),
            GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator
        )
}

/// One generation, as the gateway logged it. Optional fields are `None` when null or absent.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Record<'a> {
    pub id: Cow<'a, str>,
    /// Microseconds since the Unix epoch, UTC.
    pub created_at_us: i64,
    pub model: Cow<'a, str>,

    pub provider_name: Option<Cow<'a, str>>,
    pub router: Option<Cow<'a, str>>,
    pub api_type: Option<Cow<'a, str>>,
    pub service_tier: Option<Cow<'a, str>>,
    pub request_id: Option<Cow<'a, str>>,
    pub session_id: Option<Cow<'a, str>>,
    pub upstream_id: Option<Cow<'a, str>>,

    pub finish_reason: Option<Cow<'a, str>>,
    pub native_finish_reason: Option<Cow<'a, str>>,
    pub streamed: Option<bool>,
    pub cancelled: Option<bool>,
    pub is_byok: Option<bool>,

    /// Time to first token at the gateway, ms.
    pub latency: Option<f64>,
    /// Request start to last token, ms.
    pub generation_time: Option<f64>,
    pub moderation_latency: Option<f64>,

    pub tokens_prompt: Option<i64>,
    pub tokens_completion: Option<i64>,
    pub native_tokens_prompt: Option<i64>,
    pub native_tokens_completion: Option<i64>,
    pub native_tokens_reasoning: Option<i64>,
    pub native_tokens_cached: Option<i64>,

    pub num_media_prompt: Option<i64>,
    pub num_media_completion: Option<i64>,
    pub num_search_results: Option<i64>,

    pub total_cost: Option<f64>,
    pub usage: Option<f64>,
    pub upstream_inference_cost: Option<f64>,
    pub cache_discount: Option<f64>,

    /// Numbers are accepted too and kept as their decimal text.
    pub app_id: Option<Cow<'a, str>>,
    pub origin: Option<Cow<'a, str>>,
    pub http_referer: Option<Cow<'a, str>>,
    /// Private: stored for the operator, never shown or exported by the site.
    pub external_user: Option<Cow<'a, str>>,

    pub provider_responses: Vec<Attempt<'a>>,
}

impl Record<'_> {
    /// The UTC calendar date of `created_at`, as days since the Unix epoch (Arrow's Date32).
    pub fn date_days(&self) -> i32 {
        // Records are validated to lie between 2020 and tomorrow, so this fits in i32.
        self.created_at_us.div_euclid(86_400_000_000) as i32
    }
}

/// One attempt at a provider, fallbacks included.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Attempt<'a> {
    pub provider_name: Option<Cow<'a, str>>,
    /// HTTP status the provider answered with.
    pub status: Option<i64>,
    pub latency: Option<f64>,
    pub endpoint_id: Option<Cow<'a, str>>,
}

/// Costs are stored as exact decimals of 18 digits, 12 of them after the point (picodollars), so
/// a cost must stay under a million USD. No single request costs that much; a value that does is
/// a unit mix-up or corruption, and summing it would swamp every total.
pub const MAX_COST_USD: f64 = 1e6;

/// Why a line was quarantined. The names are stable: they are the `reason` column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    LineTooLong,
    InvalidUtf8,
    NotJson,
    NotObject,
    MissingField,
    WrongType,
    NegativeValue,
    BadTimestamp,
    TimestampOutOfRange,
    BadModel,
    /// Feedback whose category is not one of [`FEEDBACK_CATEGORIES`].
    BadCategory,
    /// A text field over its limit (a feedback comment, a generation id).
    FieldTooLong,
    /// A cost of [`MAX_COST_USD`] or more, beyond what the cost columns hold.
    CostOutOfRange,
}

impl Reason {
    pub const ALL: [Reason; 13] = [
        Reason::LineTooLong,
        Reason::InvalidUtf8,
        Reason::NotJson,
        Reason::NotObject,
        Reason::MissingField,
        Reason::WrongType,
        Reason::NegativeValue,
        Reason::BadTimestamp,
        Reason::TimestampOutOfRange,
        Reason::BadModel,
        Reason::BadCategory,
        Reason::FieldTooLong,
        Reason::CostOutOfRange,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::LineTooLong => "line_too_long",
            Reason::InvalidUtf8 => "invalid_utf8",
            Reason::NotJson => "not_json",
            Reason::NotObject => "not_object",
            Reason::MissingField => "missing_field",
            Reason::WrongType => "wrong_type",
            Reason::NegativeValue => "negative_value",
            Reason::BadTimestamp => "bad_timestamp",
            Reason::TimestampOutOfRange => "timestamp_out_of_range",
            Reason::BadModel => "bad_model",
            Reason::BadCategory => "bad_category",
            Reason::FieldTooLong => "field_too_long",
            Reason::CostOutOfRange => "cost_out_of_range",
        }
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A line that cannot be ingested: the reason class and a message naming the field.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct Rejection {
    pub reason: Reason,
    pub detail: String,
}

impl Rejection {
    pub fn new(reason: Reason, detail: impl Into<String>) -> Self {
        Rejection {
            reason,
            detail: detail.into(),
        }
    }
}

/// The rules that depend on the moment of ingestion.
#[derive(Debug, Clone, Copy)]
pub struct Validator {
    earliest_us: i64,
    latest_us: i64,
}

impl Validator {
    /// Accepts timestamps from 2020-01-01 up to one day after `now`.
    pub fn new(now: DateTime<Utc>) -> Self {
        let earliest = Utc
            .with_ymd_and_hms(2020, 1, 1, 0, 0, 0)
            .single()
            .map_or(0, |t| t.timestamp_micros());
        Validator {
            earliest_us: earliest,
            latest_us: now.timestamp_micros() + 86_400_000_000,
        }
    }

    pub fn now() -> Self {
        Validator::new(Utc::now())
    }

    /// Parses and validates one line (without its newline).
    pub fn check<'a>(
        &self,
        line: &'a [u8],
        unknown: &mut dyn FnMut(&str),
    ) -> Result<Record<'a>, Rejection> {
        let record = parse_line(line, unknown)?;
        if record.created_at_us < self.earliest_us {
            return Err(Rejection::new(
                Reason::TimestampOutOfRange,
                "field `created_at`: before 2020-01-01",
            ));
        }
        if record.created_at_us > self.latest_us {
            return Err(Rejection::new(
                Reason::TimestampOutOfRange,
                "field `created_at`: more than a day in the future",
            ));
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests;
