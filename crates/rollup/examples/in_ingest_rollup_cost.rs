//! What keeping the hourly rollups current would cost if ingest computed them itself, from the
//! Arrow batches it writes, instead of `refresh` reading the new raw rows back to sum them
//! (issue #4: maintenance may cost ingest at most 15% of its throughput; reading back and
//! aggregating with DataFusion cost it about a third when this was written; `refresh` has since
//! summed the hourly tables by hand too, with the sums of `src/by_hand.rs`, reading the rows back
//! as before).
//!
//! It reads a lake's raw Parquet files (timed apart: an ingest has these batches in memory),
//! turns their strings into ids (timed apart too: a parser that interned them as it read could
//! hand the ids over), then aggregates by hand, one pass, a hash map per rollup, each map emptied
//! when the hour changes, as an ingest would emit each hour's partial rows. The definitions are
//! those of the SQL files; a group split across two files counts twice here, as the partial rows
//! an ingest would write before a merge. Single-threaded: an ingest would split the work over
//! its parse workers.
//!
//!     cargo build --release --workspace --features tokenboard/pg --example in_ingest_rollup_cost
//!     target/release/examples/in_ingest_rollup_cost bench/out/lake-2000000   # bench/queries.sh keeps this lake
//!
//! Not part of the product: a measurement behind a design choice, kept so that it can be rerun.

use std::collections::HashMap;
use std::error::Error;
use std::path::{Path, PathBuf};
use std::time::Instant;

use deltalake::arrow::array::{
    Array, AsArray, BooleanArray, Decimal128Array, Float64Array, Int64Array, RecordBatch,
};
use deltalake::arrow::datatypes::TimestampMicrosecondType;
use deltalake::parquet::arrow::ProjectionMask;
use deltalake::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use foldhash::fast::RandomState;
use tokenboard_sketch::DenseSketch;

type Map<K, V> = HashMap<K, V, RandomState>;

const HOUR_MICROS: i64 = 3_600_000_000;
/// The interned id of a missing string.
const NONE: u32 = u32::MAX;

/// A row of `hourly_endpoints` being summed.
#[derive(Default)]
struct Endpoint {
    counts: [i64; 9],
    native: [Option<i64>; 4],
    spend: i128,
    ttft: DenseSketch,
    throughput: DenseSketch,
    last_created_at: i64,
}

/// A row of `hourly_apps` being summed: origin (interned), tokens, requests.
type AppModel = (u32, i64, i64);

#[derive(Default)]
struct Strings {
    ids: Map<String, u32>,
    texts: Vec<String>,
}

impl Strings {
    fn id(&mut self, text: Option<&str>) -> u32 {
        let Some(text) = text else { return NONE };
        if let Some(&id) = self.ids.get(text) {
            return id;
        }
        let id = self.texts.len() as u32;
        self.ids.insert(text.to_owned(), id);
        self.texts.push(text.to_owned());
        id
    }

    /// Each id's place in the strings' order, for `min(origin)` on ids.
    fn ranks(&self) -> Vec<u32> {
        let mut order: Vec<usize> = (0..self.texts.len()).collect();
        order.sort_by(|&a, &b| self.texts[a].cmp(&self.texts[b]));
        let mut rank = vec![0; order.len()];
        for (place, id) in order.into_iter().enumerate() {
            rank[id] = place as u32;
        }
        rank
    }
}

/// A finish reason's column in `Endpoint.counts`, by its string's id (0: not counted apart).
fn finish_columns(strings: &Strings) -> Vec<usize> {
    strings
        .texts
        .iter()
        .map(|text| match text.as_str() {
            "error" => 1,
            "stop" => 3,
            "length" => 4,
            "tool_calls" => 5,
            "content_filter" => 6,
            _ => 0,
        })
        .collect()
}

/// The ids of a batch's strings, per column, row by row.
fn intern(
    strings: &mut Strings,
    batches: &[RecordBatch],
    columns: &[&str],
) -> Result<Vec<Vec<Vec<u32>>>, String> {
    batches
        .iter()
        .map(|batch| {
            columns
                .iter()
                .map(|name| {
                    let text = strings_of(batch, name)?;
                    Ok((0..batch.num_rows())
                        .map(|row| strings.id(text(row)))
                        .collect())
                })
                .collect()
        })
        .collect()
}

fn main() -> Result<(), Box<dyn Error>> {
    let lake = PathBuf::from(std::env::args().nth(1).ok_or("usage: LAKE_DIRECTORY")?);
    let began = Instant::now();
    let generations = read(
        &lake.join("generations"),
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
            "app_id",
            "origin",
        ],
    )?;
    let attempts = read(
        &lake.join("attempts"),
        &[
            "created_at",
            "model",
            "provider_name",
            "status",
            "ended_in_error",
        ],
    )?;
    let rows: usize = generations.iter().map(RecordBatch::num_rows).sum();
    println!(
        "read {rows} generations and their attempts in {:?}",
        began.elapsed()
    );

    let began = Instant::now();
    let mut strings = Strings::default();
    let generation_ids = intern(
        &mut strings,
        &generations,
        &[
            "model",
            "provider_name",
            "app_id",
            "origin",
            "finish_reason",
        ],
    )?;
    let attempt_ids = intern(&mut strings, &attempts, &["model", "provider_name"])?;
    let finish_column = finish_columns(&strings);
    let rank = strings.ranks();
    println!(
        "interned {} distinct strings in {:?}",
        strings.texts.len(),
        began.elapsed()
    );

    let began = Instant::now();
    let mut current_hour = i64::MIN;
    let mut endpoints: Map<(i64, u32, u32), Endpoint> = Map::default();
    let mut apps: Map<(i64, u32, u32), AppModel> = Map::default();
    let mut app_totals: Map<(i64, u32), (i64, i64)> = Map::default();
    let mut prompt_sizes: Map<(i64, u8), [i64; 2]> = Map::default();
    let mut done_endpoints = Vec::new();
    let (mut done_apps, mut done_app_totals) = (0, 0);
    for (batch, ids) in generations.iter().zip(&generation_ids) {
        let [model, provider, app, origin, finish] = &ids[..] else {
            return Err("five string columns".into());
        };
        let created = timestamps(batch, "created_at")?;
        let cancelled: &BooleanArray = column(batch, "cancelled")?.as_boolean();
        let prompt = integers(batch, "tokens_prompt")?;
        let completion = integers(batch, "tokens_completion")?;
        let native = [
            integers(batch, "native_tokens_prompt")?,
            integers(batch, "native_tokens_completion")?,
            integers(batch, "native_tokens_reasoning")?,
        ];
        let cached = integers(batch, "native_tokens_cached")?;
        let cost: &Decimal128Array = column(batch, "total_cost")?.as_primitive();
        let latency: &Float64Array = column(batch, "latency")?.as_primitive();
        let generation_time: &Float64Array = column(batch, "generation_time")?.as_primitive();
        for row in 0..batch.num_rows() {
            let created_at = created.value(row);
            let hour = created_at.div_euclid(HOUR_MICROS) * HOUR_MICROS;
            if hour != current_hour {
                done_endpoints.extend(endpoints.drain());
                done_apps += apps.drain().count();
                done_app_totals += app_totals.drain().count();
                current_hour = hour;
            }
            let (model_id, provider_id) = (model[row], provider[row]);
            let endpoint = endpoints.entry((hour, model_id, provider_id)).or_default();
            let counted = finish_column
                .get(finish[row] as usize)
                .copied()
                .unwrap_or(0);
            endpoint.counts[0] += 1;
            if counted != 0 {
                endpoint.counts[counted] += 1;
            }
            if cancelled.is_valid(row) && cancelled.value(row) && counted != 1 {
                endpoint.counts[2] += 1;
            }
            let (prompt, completion) = (value(prompt, row), value(completion, row));
            let tokens = prompt.unwrap_or(0) + completion.unwrap_or(0);
            endpoint.counts[7] += prompt.unwrap_or(0);
            endpoint.counts[8] += completion.unwrap_or(0);
            for (sum, column) in endpoint.native.iter_mut().zip(native) {
                add(sum, value(column, row));
            }
            if value(native[0], row).is_some() {
                add(
                    &mut endpoint.native[3],
                    Some(value(cached, row).unwrap_or(0)),
                );
            }
            if cost.is_valid(row) {
                endpoint.spend += cost.value(row);
            }
            if latency.is_valid(row) {
                endpoint.ttft.add(latency.value(row));
            }
            if generation_time.is_valid(row)
                && generation_time.value(row) > 0.0
                && completion.is_some_and(|c| c > 0)
            {
                let seconds = generation_time.value(row) / 1000.0;
                endpoint
                    .throughput
                    .add(completion.unwrap_or(0) as f64 / seconds);
            }
            endpoint.last_created_at = endpoint.last_created_at.max(created_at);

            let (app_id, origin_id) = (app[row], origin[row]);
            let app_model = apps
                .entry((hour, app_id, model_id))
                .or_insert((origin_id, 0, 0));
            // min(origin): NULL (NONE) only when every origin is.
            let smaller =
                |a: u32, b: u32| b == NONE || (a != NONE && rank[a as usize] < rank[b as usize]);
            if smaller(origin_id, app_model.0) {
                app_model.0 = origin_id;
            }
            app_model.1 += tokens;
            app_model.2 += 1;
            let app_total = app_totals.entry((hour, app_id)).or_default();
            app_total.0 += tokens;
            app_total.1 += 1;
            let size = match prompt {
                None => 0,
                Some(p) if p < 1_000 => 1,
                Some(p) if p < 10_000 => 2,
                Some(p) if p < 100_000 => 3,
                Some(p) if p < 1_000_000 => 4,
                Some(_) => 5,
            };
            let sized = prompt_sizes.entry((hour, size)).or_default();
            sized[0] += 1;
            sized[1] += tokens;
        }
    }
    done_endpoints.extend(endpoints.drain());
    done_apps += apps.len();
    done_app_totals += app_totals.len();
    let generations_took = began.elapsed();

    let began = Instant::now();
    let mut attempt_counts: Map<(i64, u32, u32, i64, bool), i64> = Map::default();
    for (batch, ids) in attempts.iter().zip(&attempt_ids) {
        let [model, provider] = &ids[..] else {
            return Err("two string columns".into());
        };
        let created = timestamps(batch, "created_at")?;
        let status = integers(batch, "status")?;
        let ended: &BooleanArray = column(batch, "ended_in_error")?.as_boolean();
        for row in 0..batch.num_rows() {
            let hour = created.value(row).div_euclid(HOUR_MICROS) * HOUR_MICROS;
            let key = (
                hour,
                model[row],
                provider[row],
                value(status, row).unwrap_or(-1),
                ended.is_valid(row) && ended.value(row),
            );
            *attempt_counts.entry(key).or_default() += 1;
        }
    }
    let attempts_took = began.elapsed();

    let began = Instant::now();
    let sketch_bytes: usize = done_endpoints
        .iter()
        .map(|(_, e)| e.ttft.to_bytes().len() + e.throughput.to_bytes().len())
        .sum();
    println!(
        "generations aggregated from ids in {generations_took:?}: hourly_endpoints {} rows, hourly_apps \
         {done_apps}, hourly_app_totals {done_app_totals}, hourly_prompt_sizes {}",
        done_endpoints.len(),
        prompt_sizes.len()
    );
    println!(
        "attempts aggregated from ids in {attempts_took:?}: hourly_attempts {} rows",
        attempt_counts.len()
    );
    println!(
        "sketches stored in {:?} ({sketch_bytes} bytes)",
        began.elapsed()
    );
    Ok(())
}

fn add(sum: &mut Option<i64>, value: Option<i64>) {
    if let Some(value) = value {
        *sum = Some(sum.unwrap_or(0) + value);
    }
}

fn value(column: &Int64Array, row: usize) -> Option<i64> {
    column.is_valid(row).then(|| column.value(row))
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a dyn Array, String> {
    batch
        .column_by_name(name)
        .map(|c| c.as_ref())
        .ok_or_else(|| format!("no column {name}"))
}

fn integers<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a Int64Array, String> {
    column(batch, name)?
        .as_primitive_opt()
        .ok_or_else(|| format!("{name} is not Int64"))
}

fn timestamps<'a>(
    batch: &'a RecordBatch,
    name: &str,
) -> Result<&'a deltalake::arrow::array::TimestampMicrosecondArray, String> {
    column(batch, name)?
        .as_primitive_opt::<TimestampMicrosecondType>()
        .ok_or_else(|| format!("{name} is not a timestamp"))
}

type Strs<'a> = Box<dyn Fn(usize) -> Option<&'a str> + 'a>;

/// A string column as a function of the row, whichever of Arrow's string types it was read as.
fn strings_of<'a>(batch: &'a RecordBatch, name: &str) -> Result<Strs<'a>, String> {
    let column = column(batch, name)?;
    if let Some(strings) = column.as_string_opt::<i32>() {
        return Ok(Box::new(move |row| {
            strings.is_valid(row).then(|| strings.value(row))
        }));
    }
    let strings = column
        .as_string_view_opt()
        .ok_or_else(|| format!("{name} is not a string"))?;
    Ok(Box::new(move |row| {
        strings.is_valid(row).then(|| strings.value(row))
    }))
}

/// The `columns` of every Parquet file in the table directory's date partitions, in file order.
fn read(table: &Path, columns: &[&str]) -> Result<Vec<RecordBatch>, Box<dyn Error>> {
    let mut files = Vec::new();
    for partition in std::fs::read_dir(table)? {
        let partition = partition?.path();
        if partition.is_dir() && !partition.ends_with("_delta_log") {
            for file in std::fs::read_dir(&partition)? {
                files.push(file?.path());
            }
        }
    }
    files.sort();
    let mut batches = Vec::new();
    for file in files {
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(file)?)?;
        let schema = reader.parquet_schema();
        let wanted =
            (0..schema.num_columns()).filter(|&i| columns.contains(&schema.column(i).name()));
        let mask = ProjectionMask::leaves(schema, wanted);
        for batch in reader.with_projection(mask).with_batch_size(8192).build()? {
            batches.push(batch?);
        }
    }
    Ok(batches)
}
