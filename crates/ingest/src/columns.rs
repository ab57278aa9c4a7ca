//! The tables' Arrow schemas, and builders that turn parsed records into record batches.
//!
//! Column names are the record's field names (DESIGN.md §5), plus `date`, the UTC date that
//! partitions every table.

use std::sync::{Arc, LazyLock};

use deltalake::arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Date32Builder, Decimal128Builder, Float64Builder,
    Int32Builder, Int64Builder, RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use deltalake::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use deltalake::arrow::error::ArrowError;
use tokenboard_record::Record;

pub const DATE: &str = "date";

fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn text(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}
fn int(name: &str) -> Field {
    Field::new(name, DataType::Int64, true)
}
fn float(name: &str) -> Field {
    Field::new(name, DataType::Float64, true)
}
/// USD as an exact decimal in picodollars: 18 digits, 12 after the point. Sums of decimals are
/// exact and do not depend on the order of addition. Stored in Parquet as 64-bit integers, which
/// compress to about two thirds of what the same costs take as doubles (generated workload: 4.8
/// against 7.1 bytes).
pub const COST_PRECISION: u8 = 18;
pub const COST_SCALE: i8 = 12;

pub fn cost_type() -> DataType {
    DataType::Decimal128(COST_PRECISION, COST_SCALE)
}

/// The rollups' `spend`: sums of costs, still in exact picodollars, in the 38 digits that
/// `sum` gives decimals (up to 10^26 USD). Summed as doubles, the same hours added in another
/// order gave another last digit, and the spend view could swap two models of equal spend.
pub const SPEND_PRECISION: u8 = 38;

pub fn spend_type() -> DataType {
    DataType::Decimal128(SPEND_PRECISION, COST_SCALE)
}

fn cost(name: &str) -> Field {
    Field::new(name, cost_type(), true)
}

/// A cost in USD as picodollars. The parser keeps costs under
/// [`tokenboard_record::MAX_COST_USD`], so this fits the 18 digits. Exact for a cost written with
/// at most 12 decimals and 15 significant digits. Under $1,000 the double nearest the text, times
/// 10^12, is within 0.5 of the integer. From $1,000 on it need not be (999999.999999 would come
/// out 64 picodollars short), so those rare costs are read from the double's shortest decimal
/// form, which is the text itself.
fn picodollars(usd: Option<f64>) -> Option<i128> {
    usd.map(|usd| {
        if usd.abs() < 1e3 {
            (usd * 1e12).round() as i128
        } else {
            picodollars_of_shortest_form(usd).unwrap_or_else(|| (usd * 1e12).round() as i128)
        }
    })
}

/// `usd` in picodollars from its shortest decimal form (f64's `Display`, which never uses an
/// exponent), rounded half away from zero at the 12th decimal.
fn picodollars_of_shortest_form(usd: f64) -> Option<i128> {
    let text = usd.abs().to_string();
    let (whole, fraction) = text.split_once('.').unwrap_or((&text, ""));
    let kept = &fraction[..fraction.len().min(COST_SCALE as usize)];
    let mut pico: i128 = format!("{whole}{kept:0<scale$}", scale = COST_SCALE as usize)
        .parse()
        .ok()?;
    if fraction
        .as_bytes()
        .get(COST_SCALE as usize)
        .is_some_and(|digit| *digit >= b'5')
    {
        pico += 1;
    }
    Some(if usd < 0.0 { -pico } else { pico })
}

fn finish_cost(builder: &mut Decimal128Builder) -> Result<ArrayRef, ArrowError> {
    Ok(Arc::new(
        builder
            .finish()
            .with_precision_and_scale(COST_PRECISION, COST_SCALE)?,
    ))
}

fn flag(name: &str) -> Field {
    Field::new(name, DataType::Boolean, true)
}

/// One row per generation.
pub static GENERATIONS: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("id", DataType::Utf8, false),
        Field::new("created_at", utc_micros(), false),
        Field::new("model", DataType::Utf8, false),
        text("provider_name"),
        text("router"),
        text("api_type"),
        text("service_tier"),
        text("request_id"),
        text("session_id"),
        text("upstream_id"),
        text("finish_reason"),
        text("native_finish_reason"),
        flag("streamed"),
        flag("cancelled"),
        flag("is_byok"),
        float("latency"),
        float("generation_time"),
        float("moderation_latency"),
        int("tokens_prompt"),
        int("tokens_completion"),
        int("native_tokens_prompt"),
        int("native_tokens_completion"),
        int("native_tokens_reasoning"),
        int("native_tokens_cached"),
        int("num_media_prompt"),
        int("num_media_completion"),
        int("num_search_results"),
        cost("total_cost"),
        cost("usage"),
        cost("upstream_inference_cost"),
        cost("cache_discount"),
        text("app_id"),
        text("origin"),
        text("http_referer"),
        text("external_user"),
        Field::new("num_attempts", DataType::Int32, false),
        Field::new(DATE, DataType::Date32, false),
    ]))
});

/// One row per entry of a generation's `provider_responses`, fallbacks included.
pub static ATTEMPTS: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("generation_id", DataType::Utf8, false),
        Field::new("created_at", utc_micros(), false),
        Field::new("model", DataType::Utf8, false),
        Field::new("attempt", DataType::Int32, false),
        text("provider_name"),
        int("status"),
        float("latency"),
        text("endpoint_id"),
        // The last attempt of a generation whose finish_reason is `error`: uptime counts it as a
        // failure whatever its status. A fact of the record, kept here so that uptime reads
        // `attempts` alone instead of joining it to `generations`.
        Field::new("ended_in_error", DataType::Boolean, false),
        Field::new(DATE, DataType::Date32, false),
    ]))
});

/// One row per rejected line. `date` is the UTC date of ingestion: a bad line may have no time.
pub static QUARANTINE: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("source", DataType::Utf8, false),
        Field::new("line", DataType::Int64, false),
        Field::new("reason", DataType::Utf8, false),
        Field::new("detail", DataType::Utf8, false),
        Field::new("raw", DataType::Utf8, false),
        Field::new("ingested_at", utc_micros(), false),
        Field::new(DATE, DataType::Date32, false),
    ]))
});

fn sketch(name: &str) -> Field {
    Field::new(name, DataType::Binary, true)
}

/// The hour that keys a rollup row, and its UTC date (the partition).
fn hour_and(columns: Vec<Field>) -> SchemaRef {
    let mut fields = vec![Field::new("hour", utc_micros(), false)];
    fields.extend(columns);
    fields.push(Field::new(DATE, DataType::Date32, false));
    Arc::new(Schema::new(fields))
}

/// User feedback on generations (`POST /api/v1/feedback`, `tokenboard ingest --feedback`). The
/// date is the day it was received: feedback may come before or long after its generation.
pub static FEEDBACK: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("generation_id", DataType::Utf8, false),
        Field::new("category", DataType::Utf8, false),
        text("comment"),
        Field::new("received_at", utc_micros(), false),
        Field::new(DATE, DataType::Date32, false),
    ]))
});

/// Rollup: one row per (hour, model, provider) of `generations` (queries/rollups/).
pub static HOURLY_ENDPOINTS: LazyLock<SchemaRef> = LazyLock::new(|| {
    hour_and(vec![
        text("model"),
        text("provider"),
        int("requests"),
        int("failed"),
        int("cancelled"),
        int("finish_stop"),
        int("finish_length"),
        int("finish_tool_calls"),
        int("finish_content_filter"),
        int("tokens_prompt"),
        int("tokens_completion"),
        int("native_tokens_prompt"),
        int("native_tokens_completion"),
        int("native_tokens_reasoning"),
        int("cached_tokens"),
        Field::new("spend", spend_type(), true),
        sketch("ttft"),
        sketch("throughput"),
        Field::new("last_created_at", utc_micros(), true),
    ])
});

/// Rollup of the rollup: `hourly_endpoints` summed per (date, model, provider), the sketches
/// merged. A period's whole days read this, about a twentieth of the rows; its ragged ends read
/// the hours.
pub static DAILY_ENDPOINTS: LazyLock<SchemaRef> = LazyLock::new(|| without_hour(&HOURLY_ENDPOINTS));

/// An hourly rollup's columns without `hour`: the schema of its sums by day.
fn without_hour(hourly: &Schema) -> SchemaRef {
    let fields = hourly
        .fields()
        .iter()
        .filter(|field| field.name() != "hour")
        .cloned()
        .collect::<Vec<_>>();
    Arc::new(Schema::new(fields))
}

/// Rollup: attempts per (hour, model, provider, status, ended_in_error).
pub static HOURLY_ATTEMPTS: LazyLock<SchemaRef> = LazyLock::new(|| {
    hour_and(vec![
        text("model"),
        text("provider"),
        int("status"),
        flag("ended_in_error"),
        int("attempts"),
    ])
});

/// Rollup of the rollup: `hourly_attempts` summed per (date, model, provider, status,
/// ended_in_error). A provider window's whole days read this, a seventh of the hours' rows.
pub static DAILY_ATTEMPTS: LazyLock<SchemaRef> = LazyLock::new(|| without_hour(&HOURLY_ATTEMPTS));

/// Rollup: tokens and requests per (hour, app, model).
pub static HOURLY_APPS: LazyLock<SchemaRef> = LazyLock::new(|| {
    hour_and(vec![
        text("app_id"),
        text("model"),
        text("origin"),
        int("tokens"),
        int("requests"),
    ])
});

/// Rollup of the rollup: `hourly_apps` summed per (date, app, model). In the long tail of apps
/// most (hour, app, model) groups hold a request or two, so a day is under half the hours' rows.
pub static DAILY_APPS: LazyLock<SchemaRef> = LazyLock::new(|| without_hour(&HOURLY_APPS));

/// Rollup: tokens and requests per (hour, app), every model together. Ranking the apps of a
/// period reads these few rows per app and hour, not every (app, model) pair of `hourly_apps`.
pub static HOURLY_APP_TOTALS: LazyLock<SchemaRef> =
    LazyLock::new(|| hour_and(vec![text("app_id"), int("tokens"), int("requests")]));

/// Rollup of the rollup: `hourly_app_totals` summed per (date, app).
pub static DAILY_APP_TOTALS: LazyLock<SchemaRef> =
    LazyLock::new(|| without_hour(&HOURLY_APP_TOTALS));

/// Rollup: requests and token sums per (hour, prompt size class).
pub static HOURLY_PROMPT_SIZES: LazyLock<SchemaRef> = LazyLock::new(|| {
    hour_and(vec![
        int("prompt_size"),
        int("requests"),
        int("tokens"),
        int("tool_calls"),
        int("native_tokens_reasoning"),
        int("native_tokens_completion"),
        int("cached_tokens"),
        int("native_tokens_prompt"),
    ])
});

/// Builds `generations` rows and, beside them, the `attempts` rows of the same records.
#[derive(Debug)]
pub struct RecordColumns {
    id: StringBuilder,
    created_at: TimestampMicrosecondBuilder,
    model: StringBuilder,
    provider_name: StringBuilder,
    router: StringBuilder,
    api_type: StringBuilder,
    service_tier: StringBuilder,
    request_id: StringBuilder,
    session_id: StringBuilder,
    upstream_id: StringBuilder,
    finish_reason: StringBuilder,
    native_finish_reason: StringBuilder,
    streamed: BooleanBuilder,
    cancelled: BooleanBuilder,
    is_byok: BooleanBuilder,
    latency: Float64Builder,
    generation_time: Float64Builder,
    moderation_latency: Float64Builder,
    tokens_prompt: Int64Builder,
    tokens_completion: Int64Builder,
    native_tokens_prompt: Int64Builder,
    native_tokens_completion: Int64Builder,
    native_tokens_reasoning: Int64Builder,
    native_tokens_cached: Int64Builder,
    num_media_prompt: Int64Builder,
    num_media_completion: Int64Builder,
    num_search_results: Int64Builder,
    total_cost: Decimal128Builder,
    usage: Decimal128Builder,
    upstream_inference_cost: Decimal128Builder,
    cache_discount: Decimal128Builder,
    app_id: StringBuilder,
    origin: StringBuilder,
    http_referer: StringBuilder,
    external_user: StringBuilder,
    num_attempts: Int32Builder,
    date: Date32Builder,

    attempts: AttemptColumns,
}

#[derive(Debug)]
struct AttemptColumns {
    generation_id: StringBuilder,
    created_at: TimestampMicrosecondBuilder,
    model: StringBuilder,
    attempt: Int32Builder,
    provider_name: StringBuilder,
    status: Int64Builder,
    latency: Float64Builder,
    endpoint_id: StringBuilder,
    ended_in_error: BooleanBuilder,
    date: Date32Builder,
    /// Index of the generation row each attempt belongs to, to drop both together.
    parent: Vec<u32>,
}

/// The batches of one parsed block: `attempt_parent[i]` is the generation row of attempt row `i`.
#[derive(Debug)]
pub struct RecordBatches {
    pub generations: RecordBatch,
    pub attempts: RecordBatch,
    pub attempt_parent: Vec<u32>,
}

impl RecordColumns {
    pub fn with_capacity(rows: usize) -> Self {
        let s = || StringBuilder::with_capacity(rows, rows * 8);
        let i = || Int64Builder::with_capacity(rows);
        let f = || Float64Builder::with_capacity(rows);
        let usd = || Decimal128Builder::with_capacity(rows);
        let b = || BooleanBuilder::with_capacity(rows);
        let ts = || TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
        RecordColumns {
            id: s(),
            created_at: ts(),
            model: s(),
            provider_name: s(),
            router: s(),
            api_type: s(),
            service_tier: s(),
            request_id: s(),
            session_id: s(),
            upstream_id: s(),
            finish_reason: s(),
            native_finish_reason: s(),
            streamed: b(),
            cancelled: b(),
            is_byok: b(),
            latency: f(),
            generation_time: f(),
            moderation_latency: f(),
            tokens_prompt: i(),
            tokens_completion: i(),
            native_tokens_prompt: i(),
            native_tokens_completion: i(),
            native_tokens_reasoning: i(),
            native_tokens_cached: i(),
            num_media_prompt: i(),
            num_media_completion: i(),
            num_search_results: i(),
            total_cost: usd(),
            usage: usd(),
            upstream_inference_cost: usd(),
            cache_discount: usd(),
            app_id: s(),
            origin: s(),
            http_referer: s(),
            external_user: s(),
            num_attempts: Int32Builder::with_capacity(rows),
            date: Date32Builder::with_capacity(rows),
            attempts: AttemptColumns {
                generation_id: s(),
                created_at: ts(),
                model: s(),
                attempt: Int32Builder::with_capacity(rows),
                provider_name: s(),
                status: i(),
                latency: f(),
                endpoint_id: s(),
                ended_in_error: b(),
                date: Date32Builder::with_capacity(rows),
                parent: Vec::with_capacity(rows),
            },
        }
    }

    pub fn len(&self) -> usize {
        self.id.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn append(&mut self, r: &Record<'_>) {
        let row = self.len() as u32;
        let date = r.date_days();
        self.id.append_value(&r.id);
        self.created_at.append_value(r.created_at_us);
        self.model.append_value(&r.model);
        self.provider_name.append_option(r.provider_name.as_deref());
        self.router.append_option(r.router.as_deref());
        self.api_type.append_option(r.api_type.as_deref());
        self.service_tier.append_option(r.service_tier.as_deref());
        self.request_id.append_option(r.request_id.as_deref());
        self.session_id.append_option(r.session_id.as_deref());
        self.upstream_id.append_option(r.upstream_id.as_deref());
        self.finish_reason.append_option(r.finish_reason.as_deref());
        self.native_finish_reason
            .append_option(r.native_finish_reason.as_deref());
        self.streamed.append_option(r.streamed);
        self.cancelled.append_option(r.cancelled);
        self.is_byok.append_option(r.is_byok);
        self.latency.append_option(r.latency);
        self.generation_time.append_option(r.generation_time);
        self.moderation_latency.append_option(r.moderation_latency);
        self.tokens_prompt.append_option(r.tokens_prompt);
        self.tokens_completion.append_option(r.tokens_completion);
        self.native_tokens_prompt
            .append_option(r.native_tokens_prompt);
        self.native_tokens_completion
            .append_option(r.native_tokens_completion);
        self.native_tokens_reasoning
            .append_option(r.native_tokens_reasoning);
        self.native_tokens_cached
            .append_option(r.native_tokens_cached);
        self.num_media_prompt.append_option(r.num_media_prompt);
        self.num_media_completion
            .append_option(r.num_media_completion);
        self.num_search_results.append_option(r.num_search_results);
        self.total_cost.append_option(picodollars(r.total_cost));
        self.usage.append_option(picodollars(r.usage));
        self.upstream_inference_cost
            .append_option(picodollars(r.upstream_inference_cost));
        self.cache_discount
            .append_option(picodollars(r.cache_discount));
        self.app_id.append_option(r.app_id.as_deref());
        self.origin.append_option(r.origin.as_deref());
        self.http_referer.append_option(r.http_referer.as_deref());
        self.external_user.append_option(r.external_user.as_deref());
        self.num_attempts
            .append_value(i32::try_from(r.provider_responses.len()).unwrap_or(i32::MAX));
        self.date.append_value(date);

        let a = &mut self.attempts;
        let ended_in_error = r.finish_reason.as_deref() == Some("error");
        for (index, attempt) in r.provider_responses.iter().enumerate() {
            a.generation_id.append_value(&r.id);
            a.created_at.append_value(r.created_at_us);
            a.model.append_value(&r.model);
            a.attempt
                .append_value(i32::try_from(index).unwrap_or(i32::MAX));
            a.provider_name
                .append_option(attempt.provider_name.as_deref());
            a.status.append_option(attempt.status);
            a.latency.append_option(attempt.latency);
            a.endpoint_id.append_option(attempt.endpoint_id.as_deref());
            a.ended_in_error
                .append_value(ended_in_error && index + 1 == r.provider_responses.len());
            a.date.append_value(date);
            a.parent.push(row);
        }
    }

    pub fn finish(mut self) -> Result<RecordBatches, ArrowError> {
        let generations: Vec<ArrayRef> = vec![
            Arc::new(self.id.finish()),
            Arc::new(self.created_at.finish()),
            Arc::new(self.model.finish()),
            Arc::new(self.provider_name.finish()),
            Arc::new(self.router.finish()),
            Arc::new(self.api_type.finish()),
            Arc::new(self.service_tier.finish()),
            Arc::new(self.request_id.finish()),
            Arc::new(self.session_id.finish()),
            Arc::new(self.upstream_id.finish()),
            Arc::new(self.finish_reason.finish()),
            Arc::new(self.native_finish_reason.finish()),
            Arc::new(self.streamed.finish()),
            Arc::new(self.cancelled.finish()),
            Arc::new(self.is_byok.finish()),
            Arc::new(self.latency.finish()),
            Arc::new(self.generation_time.finish()),
            Arc::new(self.moderation_latency.finish()),
            Arc::new(self.tokens_prompt.finish()),
            Arc::new(self.tokens_completion.finish()),
            Arc::new(self.native_tokens_prompt.finish()),
            Arc::new(self.native_tokens_completion.finish()),
            Arc::new(self.native_tokens_reasoning.finish()),
            Arc::new(self.native_tokens_cached.finish()),
            Arc::new(self.num_media_prompt.finish()),
            Arc::new(self.num_media_completion.finish()),
            Arc::new(self.num_search_results.finish()),
            finish_cost(&mut self.total_cost)?,
            finish_cost(&mut self.usage)?,
            finish_cost(&mut self.upstream_inference_cost)?,
            finish_cost(&mut self.cache_discount)?,
            Arc::new(self.app_id.finish()),
            Arc::new(self.origin.finish()),
            Arc::new(self.http_referer.finish()),
            Arc::new(self.external_user.finish()),
            Arc::new(self.num_attempts.finish()),
            Arc::new(self.date.finish()),
        ];
        let a = &mut self.attempts;
        let attempts: Vec<ArrayRef> = vec![
            Arc::new(a.generation_id.finish()),
            Arc::new(a.created_at.finish()),
            Arc::new(a.model.finish()),
            Arc::new(a.attempt.finish()),
            Arc::new(a.provider_name.finish()),
            Arc::new(a.status.finish()),
            Arc::new(a.latency.finish()),
            Arc::new(a.endpoint_id.finish()),
            Arc::new(a.ended_in_error.finish()),
            Arc::new(a.date.finish()),
        ];
        Ok(RecordBatches {
            generations: RecordBatch::try_new(GENERATIONS.clone(), generations)?,
            attempts: RecordBatch::try_new(ATTEMPTS.clone(), attempts)?,
            attempt_parent: std::mem::take(&mut a.parent),
        })
    }
}

/// A rejected line on its way to the `quarantine` table.
#[derive(Debug, Clone)]
pub struct QuarantinedLine {
    pub source: Arc<str>,
    pub line: u64,
    pub reason: &'static str,
    pub detail: String,
    pub raw: String,
}

pub fn quarantine_batch(
    rows: &[QuarantinedLine],
    ingested_at_us: i64,
) -> Result<RecordBatch, ArrowError> {
    let n = rows.len();
    let mut source = StringBuilder::with_capacity(n, n * 16);
    let mut line = Int64Builder::with_capacity(n);
    let mut reason = StringBuilder::with_capacity(n, n * 12);
    let mut detail = StringBuilder::with_capacity(n, n * 32);
    let mut raw = StringBuilder::with_capacity(n, n * 256);
    let mut at = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut date = Date32Builder::with_capacity(n);
    let day = ingested_at_us.div_euclid(86_400_000_000) as i32;
    for r in rows {
        source.append_value(&r.source);
        line.append_value(i64::try_from(r.line).unwrap_or(i64::MAX));
        reason.append_value(r.reason);
        detail.append_value(&r.detail);
        raw.append_value(&r.raw);
        at.append_value(ingested_at_us);
        date.append_value(day);
    }
    RecordBatch::try_new(
        QUARANTINE.clone(),
        vec![
            Arc::new(source.finish()),
            Arc::new(line.finish()),
            Arc::new(reason.finish()),
            Arc::new(detail.finish()),
            Arc::new(raw.finish()),
            Arc::new(at.finish()),
            Arc::new(date.finish()),
        ],
    )
}

/// Feedback rows, all received at `received_at_us`.
pub fn feedback_batch(
    rows: &[tokenboard_record::Feedback],
    received_at_us: i64,
) -> Result<RecordBatch, ArrowError> {
    let n = rows.len();
    let mut generation_id = StringBuilder::with_capacity(n, n * 32);
    let mut category = StringBuilder::with_capacity(n, n * 12);
    let mut comment = StringBuilder::with_capacity(n, 0);
    let mut at = TimestampMicrosecondBuilder::with_capacity(n).with_timezone("UTC");
    let mut date = Date32Builder::with_capacity(n);
    let day = received_at_us.div_euclid(86_400_000_000) as i32;
    for r in rows {
        generation_id.append_value(&r.generation_id);
        category.append_value(r.category);
        comment.append_option(r.comment.as_deref());
        at.append_value(received_at_us);
        date.append_value(day);
    }
    RecordBatch::try_new(
        FEEDBACK.clone(),
        vec![
            Arc::new(generation_id.finish()),
            Arc::new(category.finish()),
            Arc::new(comment.finish()),
            Arc::new(at.finish()),
            Arc::new(date.finish()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each cost becomes the integer its decimal text names (computed by hand from the text).
    #[test]
    fn picodollars_are_exactly_the_written_cost() {
        for (usd, expected) in [
            (0.0015, 1_500_000_000),
            (5.9e-6, 5_900_000),
            (1e-12, 1),
            (-0.25, -250_000_000_000),
            (999.999_999_999_999, 999_999_999_999_999),
            (1500.5, 1_500_500_000_000_000),
            (12_345.678_901_234_567, 12_345_678_901_234_567),
            (-999_999.5, -999_999_500_000_000_000),
            // The largest the column holds: the product of doubles is 64 picodollars short.
            (999_999.999_999, 999_999_999_999_000_000),
        ] {
            assert_eq!(picodollars(Some(usd)), Some(expected), "{usd}");
        }
        assert_eq!(picodollars(None), None);
        // Beyond 12 decimals, rounded half away from zero.
        assert_eq!(
            picodollars(Some(1_234.000_000_000_000_5)),
            Some(1_234_000_000_000_001)
        );
    }
}
