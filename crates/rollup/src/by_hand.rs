//! The hourly rollups of the raw tables summed in Rust, in one pass over a day's rows, instead of
//! by running their SQL in DataFusion. The SQL files in `queries/rollups/` stay the definitions
//! (the tests hold these sums equal to theirs, row for row); what changes is the cost. Over a
//! day already in memory, DataFusion's hash aggregation took 100-250 ns per raw row per table,
//! most of a refresh's time and most of what the rollups cost an ingest (issue #4). Hash maps
//! per table and hour keyed by the day's own strings, borrowed from the batches read, do the
//! same sums with 2-3x less work (`examples/in_ingest_rollup_cost.rs` measured it on 2M and 20M
//! records, with a map per table).
//!
//! Each table reads only the raw columns it sums, through DataFusion as before (the snapshot,
//! the date partitions, the `created_at` range), then [`HandRollup::aggregate`] sums them.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Arc;

use deltalake::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, BooleanArray, Date32Array, Decimal128Array,
    Float64Array, Int64Array, RecordBatch, StringArray, TimestampMicrosecondArray,
};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{SchemaRef, TimestampMicrosecondType};
use deltalake::arrow::error::ArrowError;
use foldhash::fast::FixedState;
use tokenboard_ingest::TableName;
use tokenboard_sketch::DenseSketch;

/// A fixed hasher: the same rows come out in the same order every time, so a rebuild writes the
/// same files.
type Map<K, V> = HashMap<K, V, FixedState>;

const HOUR_MICROS: i64 = 3_600_000_000;
const DAY_MICROS: i64 = 24 * HOUR_MICROS;

/// A table's sum: the raw rows of some hours in, its columns by name out.
type Sum = fn(&[RecordBatch]) -> Result<Vec<(&'static str, ArrayRef)>, ArrowError>;

/// How one hourly table is summed by hand: the raw columns it reads and the sum.
#[derive(Clone, Copy)]
pub(crate) struct HandRollup {
    source: TableName,
    columns: &'static [&'static str],
    sum: Sum,
}

impl std::fmt::Debug for HandRollup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HandRollup")
            .field("source", &self.source)
            .field("columns", &self.columns)
            .finish()
    }
}

/// The hand-written sum of `table`, for every hourly table (the daily ones sum few rows, and stay
/// SQL).
pub(crate) fn by_hand(table: TableName) -> Option<HandRollup> {
    let (source, columns, sum): (_, &'static [&'static str], Sum) = match table {
        TableName::HourlyEndpoints => (
            TableName::Generations,
            &[
                "created_at",
                "model",
                "provider_name",
                "finish_reason",
                "cancelled",
                "tokens_prompt",
                "tokens_completion",
                "native_tokens_prompt",
                "native_tokens_completion",
                "native_tokens_reasoning",
                "native_tokens_cached",
                "total_cost",
                "latency",
                "generation_time",
            ],
            endpoints,
        ),
        TableName::HourlyApps => (
            TableName::Generations,
            &[
                "created_at",
                "app_id",
                "model",
                "origin",
                "tokens_prompt",
                "tokens_completion",
            ],
            apps,
        ),
        TableName::HourlyAppTotals => (
            TableName::Generations,
            &["created_at", "app_id", "tokens_prompt", "tokens_completion"],
            app_totals,
        ),
        TableName::HourlyPromptSizes => (
            TableName::Generations,
            &[
                "created_at",
                "finish_reason",
                "tokens_prompt",
                "tokens_completion",
                "native_tokens_prompt",
                "native_tokens_completion",
                "native_tokens_reasoning",
                "native_tokens_cached",
            ],
            prompt_sizes,
        ),
        TableName::HourlyAttempts => (
            TableName::Attempts,
            &[
                "created_at",
                "model",
                "provider_name",
                "status",
                "ended_in_error",
            ],
            attempts,
        ),
        _ => return None,
    };
    Some(HandRollup {
        source,
        columns,
        sum,
    })
}

impl HandRollup {
    /// The query that reads the raw rows of `[$start, $end)`: the rollup SQL's own `WHERE`.
    pub(crate) fn scan_sql(&self) -> String {
        format!(
            "SELECT {} FROM {} \
             WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE) \
               AND created_at >= $start AND created_at < $end",
            self.columns.join(", "),
            self.source.as_str()
        )
    }

    /// The rollup rows of `rows` (the scan's result) in `schema`'s columns and types: one
    /// batch, or none when there are no rows.
    pub(crate) fn aggregate(
        &self,
        schema: &SchemaRef,
        rows: &[RecordBatch],
    ) -> Result<Vec<RecordBatch>, ArrowError> {
        let mut columns = (self.sum)(rows)?;
        let Some((_, hours)) = columns.iter().find(|(name, _)| *name == "hour") else {
            return Err(ArrowError::SchemaError("a rollup without hours".into()));
        };
        if hours.is_empty() {
            return Ok(Vec::new());
        }
        let dates = hours
            .as_primitive::<TimestampMicrosecondType>()
            .iter()
            .map(|hour| hour.and_then(|h| i32::try_from(h.div_euclid(DAY_MICROS)).ok()))
            .collect::<Date32Array>();
        columns.push(("date", Arc::new(dates)));
        let in_schema = schema
            .fields()
            .iter()
            .map(|field| {
                let (_, column) = columns
                    .iter()
                    .find(|(name, _)| name == field.name())
                    .ok_or_else(|| {
                        ArrowError::SchemaError(format!("no sum for column {}", field.name()))
                    })?;
                cast(column, field.data_type())
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(vec![RecordBatch::try_new(schema.clone(), in_schema)?])
    }
}

// ---- reading the raw columns ----

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array, ArrowError> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| ArrowError::SchemaError(format!("the scan has no column {name}")))
}

fn wrong_type(name: &str) -> ArrowError {
    ArrowError::SchemaError(format!("column {name} has an unexpected type"))
}

fn integers<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a Int64Array, ArrowError> {
    column(batch, name)?
        .as_primitive_opt()
        .ok_or_else(|| wrong_type(name))
}

fn floats<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a Float64Array, ArrowError> {
    column(batch, name)?
        .as_primitive_opt()
        .ok_or_else(|| wrong_type(name))
}

fn flags<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a BooleanArray, ArrowError> {
    column(batch, name)?
        .as_boolean_opt()
        .ok_or_else(|| wrong_type(name))
}

/// Each row's hour, `created_at` cut down to the hour as `date_bin(INTERVAL '1 hour', ...)`
/// does. The scan's `WHERE` has no row without a `created_at`.
fn hours(batch: &RecordBatch) -> Result<impl Iterator<Item = (i64, i64)> + '_, ArrowError> {
    let created: &TimestampMicrosecondArray = column(batch, "created_at")?
        .as_primitive_opt()
        .ok_or_else(|| wrong_type("created_at"))?;
    Ok(created
        .values()
        .iter()
        .map(|&at| (at.div_euclid(HOUR_MICROS) * HOUR_MICROS, at)))
}

/// A string column, whichever of Arrow's string types DataFusion read it as.
#[derive(Clone, Copy)]
enum Texts<'a> {
    Utf8(&'a StringArray),
    View(&'a deltalake::arrow::array::StringViewArray),
}

impl<'a> Texts<'a> {
    fn of(batch: &'a RecordBatch, name: &str) -> Result<Self, ArrowError> {
        let column = column(batch, name)?;
        if let Some(strings) = column.as_string_opt::<i32>() {
            return Ok(Texts::Utf8(strings));
        }
        column
            .as_string_view_opt()
            .map(Texts::View)
            .ok_or_else(|| wrong_type(name))
    }

    fn get(self, row: usize) -> Option<&'a str> {
        match self {
            Texts::Utf8(strings) => strings.is_valid(row).then(|| strings.value(row)),
            Texts::View(strings) => strings.is_valid(row).then(|| strings.value(row)),
        }
    }
}

fn value(column: &Int64Array, row: usize) -> Option<i64> {
    column.is_valid(row).then(|| column.value(row))
}

/// `sum(x)` of SQL: NULL until a value comes; wrapping on overflow, as DataFusion's does.
fn add(sum: &mut Option<i64>, value: Option<i64>) {
    if let Some(value) = value {
        *sum = Some(sum.unwrap_or(0).wrapping_add(value));
    }
}

/// `coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)`.
fn tokens(prompt: Option<i64>, completion: Option<i64>) -> i64 {
    prompt.unwrap_or(0).wrapping_add(completion.unwrap_or(0))
}

/// `CASE WHEN native_tokens_prompt IS NOT NULL THEN coalesce(native_tokens_cached, 0) END`.
fn cached(native_prompt: Option<i64>, cached: Option<i64>) -> Option<i64> {
    native_prompt.map(|_| cached.unwrap_or(0))
}

// ---- writing the sums ----

fn hour_column(hours: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(TimestampMicrosecondArray::from_iter_values(hours).with_timezone("UTC"))
}

fn text_column<'a>(texts: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(texts.collect::<StringArray>())
}

fn int_column(values: impl Iterator<Item = i64>) -> ArrayRef {
    Arc::new(Int64Array::from_iter_values(values))
}

fn optional_int_column(values: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(values.collect::<Int64Array>())
}

/// The groups of a map, in the map's (fixed) order.
fn groups<K: Copy + Eq + Hash, V>(map: Map<K, V>) -> (Vec<K>, Vec<V>) {
    map.into_iter().unzip()
}

/// A day's groups, in a map per hour. The raw rows come in `created_at` order, so each hour's
/// groups take the rows for a while and then none again; the map of that hour alone stays in
/// the processor's caches, where one map for the day spreads the rows over all of its groups
/// (with their sketches: tens of megabytes). In a `rollup --rebuild` of 2M records, the sums
/// took 1.0 CPU seconds this way instead of 1.33 (those of `hourly_apps` 0.22 instead of 0.37).
#[derive(Debug)]
struct PerHour<K, V> {
    /// The hour of the last row, and its groups.
    current: (i64, Map<K, V>),
    /// The other hours seen.
    others: Vec<(i64, Map<K, V>)>,
}

impl<K: Eq + Hash, V: Default> PerHour<K, V> {
    fn new() -> Self {
        PerHour {
            current: (i64::MIN, Map::default()),
            others: Vec::new(),
        }
    }

    /// The group of `key` in `hour`.
    fn group(&mut self, hour: i64, key: K) -> &mut V {
        if self.current.0 != hour {
            let groups = match self.others.iter().position(|(h, _)| *h == hour) {
                Some(index) => self.others.swap_remove(index),
                None => (hour, Map::default()),
            };
            let previous = std::mem::replace(&mut self.current, groups);
            if !previous.1.is_empty() {
                self.others.push(previous);
            }
        }
        self.current.1.entry(key).or_default()
    }

    /// Every group with its hour, hour by hour, each hour's in its map's (fixed) order.
    fn into_groups(mut self) -> (Vec<(i64, K)>, Vec<V>) {
        self.others.push(self.current);
        self.others.sort_unstable_by_key(|(hour, _)| *hour);
        self.others
            .into_iter()
            .flat_map(|(hour, groups)| groups.into_iter().map(move |(key, sum)| ((hour, key), sum)))
            .unzip()
    }
}

// ---- the tables ----

/// A row of `hourly_endpoints` being summed (queries/rollups/hourly_endpoints.sql).
#[derive(Default)]
struct Endpoint {
    requests: i64,
    failed: i64,
    cancelled: i64,
    finish_stop: i64,
    finish_length: i64,
    finish_tool_calls: i64,
    finish_content_filter: i64,
    tokens_prompt: i64,
    tokens_completion: i64,
    native_tokens_prompt: Option<i64>,
    native_tokens_completion: Option<i64>,
    native_tokens_reasoning: Option<i64>,
    cached_tokens: Option<i64>,
    spend: Option<i128>,
    ttft: DenseSketch,
    throughput: DenseSketch,
    last_created_at: i64,
}

fn endpoints(batches: &[RecordBatch]) -> Result<Vec<(&'static str, ArrayRef)>, ArrowError> {
    let mut sums: PerHour<(Option<&str>, Option<&str>), Endpoint> = PerHour::new();
    // `sum(total_cost)` keeps the column's scale; the table's type has the same.
    let mut cost_scale = 0;
    for batch in batches {
        let model = Texts::of(batch, "model")?;
        let provider = Texts::of(batch, "provider_name")?;
        let finish_reason = Texts::of(batch, "finish_reason")?;
        let cancelled = flags(batch, "cancelled")?;
        let prompt = integers(batch, "tokens_prompt")?;
        let completion = integers(batch, "tokens_completion")?;
        let native_prompt = integers(batch, "native_tokens_prompt")?;
        let native_completion = integers(batch, "native_tokens_completion")?;
        let native_reasoning = integers(batch, "native_tokens_reasoning")?;
        let native_cached = integers(batch, "native_tokens_cached")?;
        let cost: &Decimal128Array = column(batch, "total_cost")?
            .as_primitive_opt()
            .ok_or_else(|| wrong_type("total_cost"))?;
        cost_scale = cost.scale();
        let latency = floats(batch, "latency")?;
        let generation_time = floats(batch, "generation_time")?;
        for (row, (hour, created_at)) in hours(batch)?.enumerate() {
            let sum = sums.group(hour, (model.get(row), provider.get(row)));
            let finish = finish_reason.get(row);
            sum.requests += 1;
            match finish {
                Some("error") => sum.failed += 1,
                Some("stop") => sum.finish_stop += 1,
                Some("length") => sum.finish_length += 1,
                Some("tool_calls") => sum.finish_tool_calls += 1,
                Some("content_filter") => sum.finish_content_filter += 1,
                _ => {}
            }
            // `cancelled AND finish_reason IS DISTINCT FROM 'error'`: NULL is not cancelled.
            if cancelled.is_valid(row) && cancelled.value(row) && finish != Some("error") {
                sum.cancelled += 1;
            }
            let (prompt, completion) = (value(prompt, row), value(completion, row));
            sum.tokens_prompt = sum.tokens_prompt.wrapping_add(prompt.unwrap_or(0));
            sum.tokens_completion = sum.tokens_completion.wrapping_add(completion.unwrap_or(0));
            let native = value(native_prompt, row);
            add(&mut sum.native_tokens_prompt, native);
            add(
                &mut sum.native_tokens_completion,
                value(native_completion, row),
            );
            add(
                &mut sum.native_tokens_reasoning,
                value(native_reasoning, row),
            );
            add(
                &mut sum.cached_tokens,
                cached(native, value(native_cached, row)),
            );
            if cost.is_valid(row) {
                sum.spend = Some(sum.spend.unwrap_or(0).wrapping_add(cost.value(row)));
            }
            if latency.is_valid(row) {
                sum.ttft.add(latency.value(row));
            }
            // `CASE WHEN generation_time > 0 AND tokens_completion > 0
            //  THEN tokens_completion / (generation_time / 1000.0) END`, in doubles.
            if generation_time.is_valid(row)
                && generation_time.value(row) > 0.0
                && let Some(completion) = completion.filter(|&c| c > 0)
            {
                let seconds = generation_time.value(row) / 1000.0;
                sum.throughput.add(completion as f64 / seconds);
            }
            sum.last_created_at = if sum.requests == 1 {
                created_at
            } else {
                sum.last_created_at.max(created_at)
            };
        }
    }
    let (keys, sums) = sums.into_groups();
    let counts = |count: fn(&Endpoint) -> i64| int_column(sums.iter().map(count));
    let optional = |sum: fn(&Endpoint) -> Option<i64>| optional_int_column(sums.iter().map(sum));
    let sketch = |sketch: fn(&Endpoint) -> &DenseSketch| -> ArrayRef {
        // The sketch of no values is NULL, as `sketch_build`'s.
        Arc::new(
            sums.iter()
                .map(|sum| {
                    let sketch = sketch(sum);
                    (!sketch.is_empty()).then(|| sketch.to_bytes())
                })
                .collect::<BinaryArray>(),
        )
    };
    let spend = sums
        .iter()
        .map(|sum| sum.spend)
        .collect::<Decimal128Array>();
    let spend = spend.with_precision_and_scale(38, cost_scale)?;
    Ok(vec![
        ("hour", hour_column(keys.iter().map(|k| k.0))),
        ("model", text_column(keys.iter().map(|k| k.1.0))),
        ("provider", text_column(keys.iter().map(|k| k.1.1))),
        ("requests", counts(|s| s.requests)),
        ("failed", counts(|s| s.failed)),
        ("cancelled", counts(|s| s.cancelled)),
        ("finish_stop", counts(|s| s.finish_stop)),
        ("finish_length", counts(|s| s.finish_length)),
        ("finish_tool_calls", counts(|s| s.finish_tool_calls)),
        ("finish_content_filter", counts(|s| s.finish_content_filter)),
        ("tokens_prompt", counts(|s| s.tokens_prompt)),
        ("tokens_completion", counts(|s| s.tokens_completion)),
        ("native_tokens_prompt", optional(|s| s.native_tokens_prompt)),
        (
            "native_tokens_completion",
            optional(|s| s.native_tokens_completion),
        ),
        (
            "native_tokens_reasoning",
            optional(|s| s.native_tokens_reasoning),
        ),
        ("cached_tokens", optional(|s| s.cached_tokens)),
        ("spend", Arc::new(spend)),
        ("ttft", sketch(|s| &s.ttft)),
        ("throughput", sketch(|s| &s.throughput)),
        (
            "last_created_at",
            hour_column(sums.iter().map(|s| s.last_created_at)),
        ),
    ])
}

/// A row of `hourly_apps` being summed (queries/rollups/hourly_apps.sql).
#[derive(Default)]
struct AppModel<'a> {
    origin: Option<&'a str>,
    tokens: i64,
    requests: i64,
}

fn apps(batches: &[RecordBatch]) -> Result<Vec<(&'static str, ArrayRef)>, ArrowError> {
    let mut sums: PerHour<(Option<&str>, Option<&str>), AppModel> = PerHour::new();
    for batch in batches {
        let app = Texts::of(batch, "app_id")?;
        let model = Texts::of(batch, "model")?;
        let origin = Texts::of(batch, "origin")?;
        let prompt = integers(batch, "tokens_prompt")?;
        let completion = integers(batch, "tokens_completion")?;
        for (row, (hour, _)) in hours(batch)?.enumerate() {
            let sum = sums.group(hour, (app.get(row), model.get(row)));
            // `min(origin)`: NULL only when every origin is; strings compare by their bytes.
            if let Some(origin) = origin.get(row)
                && sum.origin.is_none_or(|smallest| origin < smallest)
            {
                sum.origin = Some(origin);
            }
            sum.tokens = sum
                .tokens
                .wrapping_add(tokens(value(prompt, row), value(completion, row)));
            sum.requests += 1;
        }
    }
    let (keys, sums) = sums.into_groups();
    Ok(vec![
        ("hour", hour_column(keys.iter().map(|k| k.0))),
        ("app_id", text_column(keys.iter().map(|k| k.1.0))),
        ("model", text_column(keys.iter().map(|k| k.1.1))),
        ("origin", text_column(sums.iter().map(|s| s.origin))),
        ("tokens", int_column(sums.iter().map(|s| s.tokens))),
        ("requests", int_column(sums.iter().map(|s| s.requests))),
    ])
}

fn app_totals(batches: &[RecordBatch]) -> Result<Vec<(&'static str, ArrayRef)>, ArrowError> {
    // (tokens, requests) per (hour, app_id): queries/rollups/hourly_app_totals.sql.
    let mut sums: PerHour<Option<&str>, (i64, i64)> = PerHour::new();
    for batch in batches {
        let app = Texts::of(batch, "app_id")?;
        let prompt = integers(batch, "tokens_prompt")?;
        let completion = integers(batch, "tokens_completion")?;
        for (row, (hour, _)) in hours(batch)?.enumerate() {
            let sum = sums.group(hour, app.get(row));
            sum.0 = sum
                .0
                .wrapping_add(tokens(value(prompt, row), value(completion, row)));
            sum.1 += 1;
        }
    }
    let (keys, sums) = sums.into_groups();
    Ok(vec![
        ("hour", hour_column(keys.iter().map(|k| k.0))),
        ("app_id", text_column(keys.iter().map(|k| k.1))),
        ("tokens", int_column(sums.iter().map(|s| s.0))),
        ("requests", int_column(sums.iter().map(|s| s.1))),
    ])
}

/// A row of `hourly_prompt_sizes` being summed (queries/rollups/hourly_prompt_sizes.sql).
#[derive(Default)]
struct PromptSize {
    requests: i64,
    tokens: i64,
    tool_calls: i64,
    native_tokens_reasoning: Option<i64>,
    native_tokens_completion: Option<i64>,
    cached_tokens: Option<i64>,
    native_tokens_prompt: Option<i64>,
}

/// The prompt size class of the SQL's `CASE`: NULL when unknown, else 1 to 5 by powers of ten
/// from 1,000 tokens.
fn prompt_size(prompt: Option<i64>) -> Option<i64> {
    Some(match prompt? {
        p if p < 1_000 => 1,
        p if p < 10_000 => 2,
        p if p < 100_000 => 3,
        p if p < 1_000_000 => 4,
        _ => 5,
    })
}

fn prompt_sizes(batches: &[RecordBatch]) -> Result<Vec<(&'static str, ArrayRef)>, ArrowError> {
    let mut sums: Map<(i64, Option<i64>), PromptSize> = Map::default();
    for batch in batches {
        let finish_reason = Texts::of(batch, "finish_reason")?;
        let prompt = integers(batch, "tokens_prompt")?;
        let completion = integers(batch, "tokens_completion")?;
        let native_prompt = integers(batch, "native_tokens_prompt")?;
        let native_completion = integers(batch, "native_tokens_completion")?;
        let native_reasoning = integers(batch, "native_tokens_reasoning")?;
        let native_cached = integers(batch, "native_tokens_cached")?;
        for (row, (hour, _)) in hours(batch)?.enumerate() {
            let prompt = value(prompt, row);
            let sum = sums.entry((hour, prompt_size(prompt))).or_default();
            sum.requests += 1;
            sum.tokens = sum
                .tokens
                .wrapping_add(tokens(prompt, value(completion, row)));
            if finish_reason.get(row) == Some("tool_calls") {
                sum.tool_calls += 1;
            }
            let native = value(native_prompt, row);
            add(
                &mut sum.native_tokens_reasoning,
                value(native_reasoning, row),
            );
            add(
                &mut sum.native_tokens_completion,
                value(native_completion, row),
            );
            add(
                &mut sum.cached_tokens,
                cached(native, value(native_cached, row)),
            );
            add(&mut sum.native_tokens_prompt, native);
        }
    }
    let (keys, sums) = groups(sums);
    let optional = |sum: fn(&PromptSize) -> Option<i64>| optional_int_column(sums.iter().map(sum));
    Ok(vec![
        ("hour", hour_column(keys.iter().map(|k| k.0))),
        ("prompt_size", optional_int_column(keys.iter().map(|k| k.1))),
        ("requests", int_column(sums.iter().map(|s| s.requests))),
        ("tokens", int_column(sums.iter().map(|s| s.tokens))),
        ("tool_calls", int_column(sums.iter().map(|s| s.tool_calls))),
        (
            "native_tokens_reasoning",
            optional(|s| s.native_tokens_reasoning),
        ),
        (
            "native_tokens_completion",
            optional(|s| s.native_tokens_completion),
        ),
        ("cached_tokens", optional(|s| s.cached_tokens)),
        ("native_tokens_prompt", optional(|s| s.native_tokens_prompt)),
    ])
}

fn attempts(batches: &[RecordBatch]) -> Result<Vec<(&'static str, ArrayRef)>, ArrowError> {
    // Attempts per (hour, model, provider, status, ended_in_error):
    // queries/rollups/hourly_attempts.sql.
    type Key<'a> = (Option<&'a str>, Option<&'a str>, Option<i64>, Option<bool>);
    let mut counts: PerHour<Key, i64> = PerHour::new();
    for batch in batches {
        let model = Texts::of(batch, "model")?;
        let provider = Texts::of(batch, "provider_name")?;
        let status = integers(batch, "status")?;
        let ended_in_error = flags(batch, "ended_in_error")?;
        for (row, (hour, _)) in hours(batch)?.enumerate() {
            let ended = ended_in_error
                .is_valid(row)
                .then(|| ended_in_error.value(row));
            let key = (model.get(row), provider.get(row), value(status, row), ended);
            *counts.group(hour, key) += 1;
        }
    }
    let (keys, counts) = counts.into_groups();
    Ok(vec![
        ("hour", hour_column(keys.iter().map(|k| k.0))),
        ("model", text_column(keys.iter().map(|k| k.1.0))),
        ("provider", text_column(keys.iter().map(|k| k.1.1))),
        ("status", optional_int_column(keys.iter().map(|k| k.1.2))),
        (
            "ended_in_error",
            Arc::new(keys.iter().map(|k| k.1.3).collect::<BooleanArray>()),
        ),
        ("attempts", int_column(counts.into_iter())),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn groups_of_an_hour_seen_apart_are_summed_together_and_come_hour_by_hour() {
        let mut per_hour: PerHour<&str, i64> = PerHour::new();
        for (hour, key) in [(2, "a"), (1, "a"), (2, "a"), (2, "b"), (1, "a")] {
            *per_hour.group(hour, key) += 1;
        }
        let (keys, sums) = per_hour.into_groups();
        let mut rows: Vec<_> = keys.into_iter().zip(sums).collect();
        let hours: Vec<i64> = rows.iter().map(|((hour, _), _)| *hour).collect();
        assert_eq!(hours, [1, 2, 2]);
        rows.sort();
        assert_eq!(rows, [((1, "a"), 2), ((2, "a"), 2), ((2, "b"), 1)]);
    }
}
