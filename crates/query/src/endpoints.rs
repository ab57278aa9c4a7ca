//! The model page's answer from its two halves (see [`crate::ViewSql::Endpoints`]): each
//! endpoint's row of `model_providers_served.sql` beside its row of
//! `model_providers_attempts.sql`. Every number is computed in the SQL; this only puts the rows
//! together. An endpoint may be in one half only (a provider that only answered 429s served
//! nothing; a generation without attempts attempted nothing): the other half's counts read 0
//! there, and its ratios and percentiles null, as a full outer join with `coalesce` would give.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray, UInt32Array,
};
use datafusion::arrow::compute::{cast, concat_batches, take};
use datafusion::arrow::datatypes::{DataType, Field, Int64Type, Schema};
use datafusion::error::DataFusionError;

use crate::Error;

/// The view's columns after `model` and `provider`, in order (queries/README.md).
const COLUMNS: [&str; 22] = [
    "requests",
    "attempts",
    "uptime",
    "uptime_low",
    "uptime_high",
    "rate_limited_share",
    "ttft_p50",
    "ttft_p75",
    "ttft_p90",
    "ttft_p99",
    "throughput_p50",
    "throughput_p90",
    "price_per_mtok",
    "cache_hit_rate",
    "finish_stop",
    "finish_length",
    "finish_tool_calls",
    "finish_content_filter",
    "finish_error",
    "finish_other",
    "successes",
    "rate_limited",
];

/// The columns that count something: 0, not null, for an endpoint missing from their half.
const COUNTS: [&str; 4] = ["requests", "attempts", "successes", "rate_limited"];

/// One row per endpoint found in either half, ordered by requests (descending), model and
/// provider.
pub(crate) fn side_by_side(
    served: &[RecordBatch],
    attempts: &[RecordBatch],
) -> Result<Vec<RecordBatch>, Error> {
    let served = Half::read(served, "served")?;
    let attempts = Half::read(attempts, "attempts")?;

    let mut attempts_row: HashMap<(&str, &str), u32> = attempts
        .keys
        .iter()
        .enumerate()
        .map(|(row, (model, provider))| ((model.as_str(), provider.as_str()), row as u32))
        .collect();
    // (model, provider, served row, attempts row) for every endpoint.
    let mut rows: Vec<(&str, &str, Option<u32>, Option<u32>)> = Vec::new();
    for (row, (model, provider)) in served.keys.iter().enumerate() {
        let paired = attempts_row.remove(&(model.as_str(), provider.as_str()));
        rows.push((model, provider, Some(row as u32), paired));
    }
    for (row, (model, provider)) in attempts.keys.iter().enumerate() {
        if attempts_row.contains_key(&(model.as_str(), provider.as_str())) {
            rows.push((model, provider, None, Some(row as u32)));
        }
    }
    let requests = served.counts("requests")?;
    rows.sort_by_key(|&(model, provider, served_row, _)| {
        let requests = served_row.map_or(0, |row| requests.value(row as usize));
        (Reverse(requests), model, provider)
    });

    let models = StringArray::from_iter_values(rows.iter().map(|row| row.0));
    let providers = StringArray::from_iter_values(rows.iter().map(|row| row.1));
    let served_rows = UInt32Array::from_iter(rows.iter().map(|row| row.2));
    let attempts_rows = UInt32Array::from_iter(rows.iter().map(|row| row.3));

    let mut fields = vec![
        Field::new("model", DataType::Utf8, false),
        Field::new("provider", DataType::Utf8, false),
    ];
    let mut columns: Vec<ArrayRef> = vec![Arc::new(models), Arc::new(providers)];
    for name in COLUMNS {
        let (half, rows) = if served.has(name) {
            (&served, &served_rows)
        } else {
            (&attempts, &attempts_rows)
        };
        let column = take(half.column(name)?.as_ref(), rows, None)?;
        if COUNTS.contains(&name) {
            let counts = cast(&column, &DataType::Int64)?;
            let counts: Int64Array = counts
                .as_primitive::<Int64Type>()
                .iter()
                .map(|count| Some(count.unwrap_or(0)))
                .collect();
            fields.push(Field::new(name, DataType::Int64, false));
            columns.push(Arc::new(counts));
        } else {
            fields.push(Field::new(name, column.data_type().clone(), true));
            columns.push(column);
        }
    }
    let batch = RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)?;
    Ok(vec![batch])
}

/// One half's rows in one batch, with each row's (model, provider).
struct Half {
    name: &'static str,
    rows: RecordBatch,
    keys: Vec<(String, String)>,
}

impl Half {
    fn read(batches: &[RecordBatch], name: &'static str) -> Result<Half, Error> {
        let Some(first) = batches.first() else {
            return Err(missing(name, "its schema"));
        };
        let rows = concat_batches(&first.schema(), batches)?;
        let mut half = Half {
            name,
            rows,
            keys: Vec::new(),
        };
        // Strings come back as Utf8 or Utf8View depending on the plan: read both as Utf8.
        let models = cast(half.column("model")?, &DataType::Utf8)?;
        let providers = cast(half.column("provider")?, &DataType::Utf8)?;
        half.keys = models
            .as_string::<i32>()
            .iter()
            .zip(providers.as_string::<i32>().iter())
            .map(|(model, provider)| {
                (
                    model.unwrap_or_default().to_owned(),
                    provider.unwrap_or_default().to_owned(),
                )
            })
            .collect();
        Ok(half)
    }

    fn has(&self, column: &str) -> bool {
        self.rows.schema().index_of(column).is_ok()
    }

    fn column(&self, column: &str) -> Result<&ArrayRef, Error> {
        self.rows
            .column_by_name(column)
            .ok_or_else(|| missing(self.name, column))
    }

    /// A count column as Int64, nulls and all.
    fn counts(&self, column: &str) -> Result<Int64Array, Error> {
        let counts = cast(self.column(column)?, &DataType::Int64)?;
        Ok(counts.as_primitive::<Int64Type>().clone())
    }
}

/// A half that lacks what the view needs: the SQL and [`COLUMNS`] disagree.
fn missing(half: &str, what: &str) -> Error {
    Error::Query(DataFusionError::Internal(format!(
        "the model page's {half} half has no {what}"
    )))
}

#[cfg(test)]
mod tests {
    use datafusion::arrow::array::{Float64Array, StringViewArray};
    use datafusion::arrow::datatypes::Float64Type;

    use super::*;

    const SERVED_RATIOS: [&str; 15] = [
        "ttft_p50",
        "ttft_p75",
        "ttft_p90",
        "ttft_p99",
        "throughput_p50",
        "throughput_p90",
        "price_per_mtok",
        "cache_hit_rate",
        "finish_stop",
        "finish_length",
        "finish_tool_calls",
        "finish_content_filter",
        "finish_error",
        "finish_other",
        // Not a column of the view: ignored.
        "tokens",
    ];
    const ATTEMPT_RATIOS: [&str; 4] = ["uptime", "uptime_low", "uptime_high", "rate_limited_share"];

    /// A half as its SQL answers: keys as Utf8View, the given counts, and each ratio column
    /// holding `ratio` for every row.
    fn half(
        keys: &[(&str, &str)],
        counts: &[(&str, &[i64])],
        ratios: &[&str],
        ratio: f64,
    ) -> RecordBatch {
        let mut fields = vec![
            Field::new("model", DataType::Utf8View, true),
            Field::new("provider", DataType::Utf8View, true),
        ];
        let mut columns: Vec<ArrayRef> = vec![
            Arc::new(StringViewArray::from_iter_values(keys.iter().map(|k| k.0))),
            Arc::new(StringViewArray::from_iter_values(keys.iter().map(|k| k.1))),
        ];
        for (name, values) in counts {
            fields.push(Field::new(*name, DataType::Int64, true));
            columns.push(Arc::new(Int64Array::from(values.to_vec())));
        }
        for name in ratios {
            fields.push(Field::new(*name, DataType::Float64, true));
            columns.push(Arc::new(Float64Array::from(vec![ratio; keys.len()])));
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).unwrap()
    }

    fn strings(batch: &RecordBatch, column: &str) -> Vec<String> {
        let column = batch.column_by_name(column).unwrap().as_string::<i32>();
        column.iter().map(|v| v.unwrap().to_owned()).collect()
    }

    fn ints(batch: &RecordBatch, column: &str) -> Vec<Option<i64>> {
        let column = batch.column_by_name(column).unwrap();
        column.as_primitive::<Int64Type>().iter().collect()
    }

    fn floats(batch: &RecordBatch, column: &str) -> Vec<Option<f64>> {
        let column = batch.column_by_name(column).unwrap();
        column.as_primitive::<Float64Type>().iter().collect()
    }

    #[test]
    fn endpoints_of_either_half_get_zero_counts_and_null_ratios_from_the_other() {
        // b/y P1 served most; a/x P1 and P2 tie on requests (then by provider); a/x P1 has no
        // attempts; a/x P3 only attempted (four 429s), in a second batch.
        let served = [half(
            &[("a/x", "P2"), ("b/y", "P1"), ("a/x", "P1")],
            &[("requests", &[5, 9, 5])],
            &SERVED_RATIOS,
            0.5,
        )];
        let attempts = [
            half(
                &[("a/x", "P2"), ("b/y", "P1")],
                &[
                    ("attempts", &[3, 9]),
                    ("successes", &[2, 9]),
                    ("rate_limited", &[1, 0]),
                ],
                &ATTEMPT_RATIOS,
                0.25,
            ),
            half(
                &[("a/x", "P3")],
                &[
                    ("attempts", &[0]),
                    ("successes", &[0]),
                    ("rate_limited", &[4]),
                ],
                &ATTEMPT_RATIOS,
                1.0,
            ),
        ];
        let joined = side_by_side(&served, &attempts).unwrap();
        assert_eq!(joined.len(), 1);
        let batch = &joined[0];

        let mut names = vec!["model", "provider"];
        names.extend(COLUMNS);
        let schema = batch.schema();
        let got: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        assert_eq!(got, names, "the view's columns, in order, and only those");

        assert_eq!(strings(batch, "model"), ["b/y", "a/x", "a/x", "a/x"]);
        assert_eq!(strings(batch, "provider"), ["P1", "P1", "P2", "P3"]);
        assert_eq!(
            ints(batch, "requests"),
            [Some(9), Some(5), Some(5), Some(0)]
        );
        assert_eq!(
            ints(batch, "attempts"),
            [Some(9), Some(0), Some(3), Some(0)]
        );
        assert_eq!(
            ints(batch, "successes"),
            [Some(9), Some(0), Some(2), Some(0)]
        );
        assert_eq!(
            ints(batch, "rate_limited"),
            [Some(0), Some(0), Some(1), Some(4)]
        );
        assert_eq!(
            floats(batch, "uptime"),
            [Some(0.25), None, Some(0.25), Some(1.0)]
        );
        let served_only = [Some(0.5), Some(0.5), Some(0.5), None];
        assert_eq!(floats(batch, "ttft_p50"), served_only);
        assert_eq!(floats(batch, "finish_other"), served_only);
    }

    #[test]
    fn no_endpoints_give_an_empty_batch_with_the_views_columns() {
        let served = [half(&[], &[("requests", &[])], &SERVED_RATIOS, 0.0)];
        let attempts = [half(
            &[],
            &[("attempts", &[]), ("successes", &[]), ("rate_limited", &[])],
            &ATTEMPT_RATIOS,
            0.0,
        )];
        let joined = side_by_side(&served, &attempts).unwrap();
        assert_eq!(joined[0].num_rows(), 0);
        assert_eq!(joined[0].num_columns(), 2 + COLUMNS.len());
    }

    #[test]
    fn a_half_without_a_column_of_the_view_is_an_error() {
        let served = [half(&[("a/x", "P1")], &[("requests", &[1])], &[], 0.0)];
        let attempts = [half(
            &[("a/x", "P1")],
            &[
                ("attempts", &[1]),
                ("successes", &[1]),
                ("rate_limited", &[0]),
            ],
            &ATTEMPT_RATIOS,
            1.0,
        )];
        let error = side_by_side(&served, &attempts).unwrap_err().to_string();
        assert!(error.contains("has no ttft_p50"), "{error}");
    }
}
