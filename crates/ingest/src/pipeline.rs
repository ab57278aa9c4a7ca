//! The ingest run: a reader thread feeds blocks of lines; blocks are parsed in parallel,
//! deduplicated in input order, gathered into chunks, and each chunk is committed to the three
//! tables, quarantine first and generations last, while the next chunk is being parsed.

use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use deltalake::arrow::array::{
    AsArray, BooleanArray, RecordBatch, TimestampMicrosecondArray, UInt32Array,
};
use deltalake::arrow::compute::{
    SortColumn, concat_batches, filter_record_batch, lexsort_to_indices, take_record_batch,
};
use deltalake::arrow::datatypes::{Date32Type, TimestampMicrosecondType};
use deltalake::kernel::Transaction;
use rayon::prelude::*;
use tokenboard_record::Reason;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::columns::{QuarantinedLine, RecordColumns, quarantine_batch};
use crate::dedupe::{SeenIds, id_key};
use crate::lake::{Lake, LakeTable, TableName, write_date_files};
use crate::lines::{Block, KEPT_PREFIX_BYTES, LineReader};
use crate::source::{self, Source};
use crate::{Error, FaultPoint, IngestOptions, IngestSummary, Progress};

/// Distinct unknown field names the summary lists one by one.
const MAX_UNKNOWN_FIELD_NAMES: usize = 100;
const OTHER_UNKNOWN_FIELDS: &str = "(other names)";

/// Adds a part's unknown field counts to a summary's. Field names come from the input: past a
/// limit they share one bucket, so that hostile input cannot grow the summary without bound.
pub(crate) fn add_unknown_fields(
    counts: &mut std::collections::BTreeMap<String, u64>,
    part: HashMap<String, u64>,
) {
    let mut unknown: Vec<(String, u64)> = part.into_iter().collect();
    unknown.sort_unstable();
    for (field, n) in unknown {
        let key = if counts.contains_key(&field) || counts.len() < MAX_UNKNOWN_FIELD_NAMES {
            field
        } else {
            OTHER_UNKNOWN_FIELDS.to_owned()
        };
        *counts.entry(key).or_insert(0) += n;
    }
}

/// Progress records pack lines consumed (high 31 bits) and a digest of them (low 32 bits) into
/// the one integer a Delta application transaction carries.
fn pack_progress(lines: u64, digest: u64) -> Option<i64> {
    (lines < (1 << 31)).then_some(((lines as i64) << 32) | (digest & 0xffff_ffff) as i64)
}

fn unpack_progress(version: i64) -> (u64, u32) {
    ((version >> 32) as u64, version as u32)
}

/// The application id under which a file's progress is recorded.
fn progress_id(source: &Source) -> Option<String> {
    match source {
        Source::File(path) => {
            let path = path.canonicalize().unwrap_or_else(|_| path.clone());
            let key = xxhash_rust::xxh3::xxh3_128(path.to_string_lossy().as_bytes());
            Some(format!("tokenboard-ingest/{key:032x}"))
        }
        // Standard input has no identity to resume by; its records are still deduplicated.
        Source::Stdin => None,
    }
}

/// Lines of a source the attempts and quarantine tables already hold, from the progress their
/// commits recorded. (Generations' own progress is where reading resumes.)
#[derive(Debug, Clone, Copy, Default)]
struct Committed {
    attempts: u64,
    quarantine: u64,
}

#[derive(Debug)]
struct ResumePoint {
    lines: u64,
    digest: u32,
}

/// What the reader sends: blocks of lines, and what happened to a source between them.
enum Message {
    Block { source: usize, block: Block },
    Event(SourceEvent),
}

enum SourceEvent {
    /// The source's first `lines` lines were skipped as already committed.
    Resumed { lines: u64 },
    /// The source no longer matches its recorded progress and is read from the start.
    Restarted { source: usize },
    Failed {
        source: usize,
        line: Option<u64>,
        error: std::io::Error,
    },
}

/// Reads every source in turn, skipping the lines already committed. A source that fails is
/// reported and the next one read; the loop ends early only when nobody listens any more.
fn read_sources(
    sources: Vec<Source>,
    resume: Vec<Option<ResumePoint>>,
    block_bytes: usize,
    block_lines: usize,
    bytes_read: Arc<AtomicU64>,
    tx: mpsc::Sender<Message>,
) {
    for (index, (source, resume)) in sources.iter().zip(resume).enumerate() {
        let read = || -> Result<(), ReadStop> {
            let send = |message| tx.blocking_send(message).map_err(|_| ReadStop::Closed);
            let open = || {
                source
                    .open(bytes_read.clone())
                    .map(LineReader::new)
                    .map_err(|error| ReadStop::Failed { line: None, error })
            };
            let failed = |reader: &LineReader<_>, error| ReadStop::Failed {
                line: Some(reader.line_number() + 1),
                error,
            };
            let mut reader = open()?;
            if let Some(point) = resume.filter(|p| p.lines > 0) {
                let digest = match reader.skip(point.lines) {
                    Ok(digest) => digest,
                    Err(error) => return Err(failed(&reader, error)),
                };
                if digest.is_some_and(|d| d as u32 == point.digest) {
                    send(Message::Event(SourceEvent::Resumed { lines: point.lines }))?;
                } else {
                    reader = open()?;
                    send(Message::Event(SourceEvent::Restarted { source: index }))?;
                }
            }
            loop {
                match reader.next_block(block_bytes, block_lines) {
                    Ok(Some(block)) => send(Message::Block {
                        source: index,
                        block,
                    })?,
                    Ok(None) => return Ok(()),
                    Err(error) => return Err(failed(&reader, error)),
                }
            }
        };
        match read() {
            Ok(()) => {}
            Err(ReadStop::Closed) => return,
            Err(ReadStop::Failed { line, error }) => {
                let message = Message::Event(SourceEvent::Failed {
                    source: index,
                    line,
                    error,
                });
                if tx.blocking_send(message).is_err() {
                    return;
                }
            }
        }
    }
}

/// Why reading a source stopped before its end.
enum ReadStop {
    /// The ingest loop is gone (it failed): stop reading altogether.
    Closed,
    Failed {
        line: Option<u64>,
        error: std::io::Error,
    },
}

/// What the parser stage hands the dedupe loop, in input order.
enum Parsed {
    Block {
        source: usize,
        block: Arc<Block>,
        parts: JoinHandle<Result<Vec<ParsedPart>, Error>>,
    },
    Event(SourceEvent),
}

/// One block, parsed: good records as batches (before dedupe), bad lines, and counts.
pub(crate) struct ParsedPart {
    pub batches: crate::columns::RecordBatches,
    /// Per generation row: dedupe key, date, line number.
    pub keys: Vec<(u128, i32, u64)>,
    pub quarantined: Vec<QuarantinedLine>,
    pub reasons: HashMap<Reason, u64>,
    pub unknown: HashMap<String, u64>,
}

pub(crate) fn parse_block(
    block: &Block,
    source_name: &Arc<str>,
    options: &IngestOptions,
) -> Result<Vec<ParsedPart>, Error> {
    let parts = rayon::current_num_threads().max(1) * 2;
    let per_part = block.lines.len().div_ceil(parts).max(1024);
    block
        .lines
        .par_chunks(per_part)
        .map(|lines| {
            let mut columns = RecordColumns::with_capacity(lines.len());
            let mut keys = Vec::with_capacity(lines.len());
            let mut quarantined = Vec::new();
            let mut reasons = HashMap::new();
            let mut unknown: HashMap<String, u64> = HashMap::new();
            for line in lines {
                let bytes = &block.data[line.start..line.end];
                let result = if line.is_cut() {
                    Err(tokenboard_record::Rejection::new(
                        Reason::LineTooLong,
                        format!(
                            "{} bytes, the limit is {}",
                            line.full_len,
                            tokenboard_record::MAX_LINE_BYTES
                        ),
                    ))
                } else {
                    options.validator.check(bytes, &mut |field| {
                        if let Some(count) = unknown.get_mut(field) {
                            *count += 1;
                        } else {
                            unknown.insert(field.to_owned(), 1);
                        }
                    })
                };
                match result {
                    Ok(record) => {
                        keys.push((id_key(&record.id), record.date_days(), line.number));
                        columns.append(&record);
                    }
                    Err(rejection) => {
                        *reasons.entry(rejection.reason).or_insert(0) += 1;
                        quarantined.push(QuarantinedLine {
                            source: source_name.clone(),
                            line: line.number,
                            reason: rejection.reason.as_str(),
                            detail: rejection.detail,
                            raw: raw_text(bytes),
                        });
                    }
                }
            }
            Ok(ParsedPart {
                batches: columns.finish()?,
                keys,
                quarantined,
                reasons,
                unknown,
            })
        })
        .collect()
}

/// The quarantine keeps the raw line, cut at 64 KiB on a character boundary.
fn raw_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(&bytes[..bytes.len().min(KEPT_PREFIX_BYTES)]);
    let mut end = text.len().min(KEPT_PREFIX_BYTES);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    text[..end].to_owned()
}

/// Rows gathered for the next commit.
#[derive(Default)]
pub(crate) struct Chunk {
    pub generations: Vec<RecordBatch>,
    pub attempts: Vec<RecordBatch>,
    pub quarantined: Vec<QuarantinedLine>,
    pub generation_rows: usize,
    /// Per source index: lines consumed and their digest, as of the chunk's last block.
    pub progress: HashMap<usize, (u64, u64)>,
}

impl Chunk {
    pub fn is_empty(&self) -> bool {
        self.generations.is_empty()
            && self.attempts.is_empty()
            && self.quarantined.is_empty()
            && self.progress.is_empty()
    }
}

pub(crate) struct Tables {
    pub generations: LakeTable,
    pub attempts: LakeTable,
    pub quarantine: LakeTable,
    pub commits: u64,
}

/// Ingests `inputs` into the tables at `lake`. Sources that cannot be read are reported in the
/// summary's `errors` and do not stop the others; an error writing the tables stops the run,
/// with every commit before it intact.
pub async fn ingest(
    lake: &Lake,
    inputs: &[PathBuf],
    options: &IngestOptions,
    on_progress: &(dyn Fn(&Progress) + Sync),
) -> Result<IngestSummary, Error> {
    let source::Expanded {
        sources,
        errors,
        warnings,
    } = source::expand(inputs);
    let mut summary = IngestSummary {
        sources: sources.len(),
        errors: errors.iter().map(ToString::to_string).collect(),
        warnings,
        ..IngestSummary::default()
    };

    let generations = lake.open_or_create(TableName::Generations).await?;
    let attempts = lake.open_or_create(TableName::Attempts).await?;
    let quarantine = lake.open_or_create(TableName::Quarantine).await?;
    // Ids are checked against the table as it was before this run; ids this run adds are
    // remembered in `seen` as they pass.
    let generations_before = generations.table.clone();

    let names: Vec<Arc<str>> = sources.iter().map(|s| s.display_name().into()).collect();
    let app_ids: Vec<Option<String>> = sources.iter().map(progress_id).collect();
    // Each table's progress for every file at once: asked file by file, the Delta kernel replays
    // the log for each (see `progress`).
    let mut recorded = Vec::with_capacity(3);
    for table in [&generations, &attempts, &quarantine] {
        recorded.push(table.all_progress().await?);
    }
    let mut committed = Vec::with_capacity(sources.len());
    let mut resume = Vec::with_capacity(sources.len());
    for app_id in &app_ids {
        let Some(app_id) = app_id else {
            committed.push(Committed::default());
            resume.push(None);
            continue;
        };
        let mut progress = [None; 3];
        for ((slot, table), recorded) in progress
            .iter_mut()
            .zip([&generations, &attempts, &quarantine])
            .zip(&recorded)
        {
            let version = match recorded {
                Some(recorded) => recorded.get(app_id).copied(),
                None => table.progress(app_id).await?,
            };
            *slot = version.map(unpack_progress);
        }
        let [_, a, q] = progress.map(|p| p.map_or(0, |(lines, _)| lines));
        committed.push(Committed {
            attempts: a,
            quarantine: q,
        });
        // Generations commit last, so they hold the fewest lines: the point to resume from.
        resume.push(progress[0].map(|(lines, digest)| ResumePoint { lines, digest }));
    }

    let bytes_read = Arc::new(AtomicU64::new(0));
    let (tx, mut rx) = mpsc::channel(2);
    let reader = {
        let sources = sources.clone();
        let bytes_read = bytes_read.clone();
        let block_bytes = options.block_bytes;
        // A block never spans more than one commit's worth of lines.
        let block_lines = options.commit_rows.clamp(1, 1 << 16);
        std::thread::Builder::new()
            .name("ingest-reader".into())
            .spawn(move || read_sources(sources, resume, block_bytes, block_lines, bytes_read, tx))
            .map_err(|e| Error::Task(e.to_string()))?
    };

    let mut tables = Some(Tables {
        generations,
        attempts,
        quarantine,
        commits: 0,
    });
    let mut pending: Option<JoinHandle<Result<Tables, Error>>> = None;
    let mut seen = SeenIds::with_budget(options.dedupe_ids);
    let mut chunk = Chunk::default();
    // Dates with rows in `chunk`: their ids are not in the table yet, so they are never dropped.
    let mut chunk_dates = BTreeSet::new();
    let options = Arc::new(options.clone());

    // Parsing runs ahead of the loop below: up to two blocks are parsed while the loop
    // deduplicates the one before, and results come back in input order.
    let (parsed_tx, mut parsed_rx) = mpsc::channel::<Parsed>(2);
    let parser = {
        let (names, options) = (names.clone(), options.clone());
        tokio::spawn(async move {
            while let Some(message) = rx.recv().await {
                let parsed = match message {
                    Message::Block { source, block } => {
                        let block = Arc::new(block);
                        let (b, name, options) =
                            (block.clone(), names[source].clone(), options.clone());
                        let parts =
                            tokio::task::spawn_blocking(move || parse_block(&b, &name, &options));
                        Parsed::Block {
                            source,
                            block,
                            parts,
                        }
                    }
                    Message::Event(event) => Parsed::Event(event),
                };
                if parsed_tx.send(parsed).await.is_err() {
                    return;
                }
            }
        })
    };

    while let Some(parsed) = parsed_rx.recv().await {
        let (index, block, parts) = match parsed {
            Parsed::Block {
                source,
                block,
                parts,
            } => (source, block, parts),
            Parsed::Event(SourceEvent::Resumed { lines }) => {
                summary.read += lines;
                summary.already_ingested += lines;
                continue;
            }
            Parsed::Event(SourceEvent::Restarted { source }) => {
                committed[source] = Committed::default();
                continue;
            }
            Parsed::Event(SourceEvent::Failed {
                source,
                line,
                error,
            }) => {
                let error = Error::Source {
                    source_name: names[source].to_string(),
                    line,
                    error,
                };
                tracing::warn!("{error}");
                summary.errors.push(error.to_string());
                continue;
            }
        };
        let parts = parts.await.map_err(|e| Error::Task(e.to_string()))??;
        let done = committed[index];
        for part in parts {
            let dates: BTreeSet<i32> = part.keys.iter().map(|k| k.1).collect();
            for &date in &dates {
                if seen.is_loaded(date) {
                    continue;
                }
                let keys = if seen.was_dropped(date) {
                    // This run's rows of the date are committed or in the commit in flight
                    // (never in `chunk`): wait for that commit and read the table as it is.
                    if let Some(task) = pending.take() {
                        tables = Some(task.await.map_err(|e| Error::Task(e.to_string()))??);
                    }
                    let current = tables
                        .as_ref()
                        .ok_or_else(|| Error::Task("tables lost".into()))?;
                    ids_on(&current.generations.table, date).await?
                } else {
                    ids_on(&generations_before, date).await?
                };
                seen.load(date, keys);
            }
            let mut keep_generation = Vec::with_capacity(part.keys.len());
            for &(key, date, _) in &part.keys {
                keep_generation.push(seen.insert(date, key));
            }
            chunk_dates.extend(dates);
            seen.drop_over_budget(&chunk_dates);
            let new = keep_generation.iter().filter(|k| **k).count() as u64;
            summary.ingested += new;
            summary.duplicates += part.keys.len() as u64 - new;
            summary.read += part.keys.len() as u64 + part.quarantined.len() as u64;
            for (reason, n) in part.reasons {
                *summary.quarantined.entry(reason).or_insert(0) += n;
            }
            add_unknown_fields(&mut summary.unknown_fields, part.unknown);

            // Rows a table already holds from an interrupted run are not written again.
            let keep_attempts: Vec<bool> = part
                .batches
                .attempt_parent
                .iter()
                .map(|&row| {
                    let (_, _, line) = part.keys[row as usize];
                    keep_generation[row as usize] && line > done.attempts
                })
                .collect();
            let generations = keep_rows(part.batches.generations, keep_generation)?;
            let attempts = keep_rows(part.batches.attempts, keep_attempts)?;
            summary.attempts += attempts.num_rows() as u64;
            chunk.generation_rows += generations.num_rows();
            if generations.num_rows() > 0 {
                chunk.generations.push(generations);
            }
            if attempts.num_rows() > 0 {
                chunk.attempts.push(attempts);
            }
            chunk.quarantined.extend(
                part.quarantined
                    .into_iter()
                    .filter(|q| q.line > done.quarantine),
            );
        }
        if let (Some(digest), Some(_)) = (block.digest, &app_ids[index]) {
            chunk.progress.insert(index, (block.end_line, digest));
        }

        on_progress(&Progress {
            lines: summary.read,
            bytes: bytes_read.load(Ordering::Relaxed),
            ingested: summary.ingested,
        });

        if chunk.generation_rows >= options.commit_rows {
            let ready = std::mem::take(&mut chunk);
            chunk_dates.clear();
            let current = match pending.take() {
                Some(task) => task.await.map_err(|e| Error::Task(e.to_string()))??,
                None => tables
                    .take()
                    .ok_or_else(|| Error::Task("tables lost".into()))?,
            };
            pending = Some(tokio::spawn(commit_chunk(
                current,
                ready,
                app_ids.clone(),
                options.fault,
            )));
        }
    }
    parser.await.map_err(|e| Error::Task(e.to_string()))?;
    reader
        .join()
        .map_err(|_| Error::Task("the reader thread panicked".into()))?;

    let current = match pending.take() {
        Some(task) => task.await.map_err(|e| Error::Task(e.to_string()))??,
        None => tables
            .take()
            .ok_or_else(|| Error::Task("tables lost".into()))?,
    };
    let current = if chunk.is_empty() {
        current
    } else {
        commit_chunk(current, chunk, app_ids, options.fault).await?
    };
    summary.commits = current.commits;
    summary.bytes = bytes_read.load(Ordering::Relaxed);
    Ok(summary)
}

/// The rows whose flag is set; without a copy in the usual case where all are.
pub(crate) fn keep_rows(batch: RecordBatch, keep: Vec<bool>) -> Result<RecordBatch, Error> {
    if keep.iter().all(|k| *k) {
        return Ok(batch);
    }
    Ok(filter_record_batch(&batch, &BooleanArray::from(keep))?)
}

async fn ids_on(table: &deltalake::DeltaTable, date: i32) -> Result<Vec<u128>, Error> {
    if table.version().is_none_or(|v| v == 0) {
        // Version 0 is the empty table this or an earlier run created.
        return Ok(Vec::new());
    }
    LakeTable {
        name: TableName::Generations,
        table: table.clone(),
    }
    .id_keys_on(date)
    .await
}

/// Writes one chunk to the three tables, each in one commit that also records how far every
/// source in the chunk has been consumed. The files of all tables and dates are encoded in
/// parallel; then quarantine and attempts commit before generations, so generations' progress
/// is never ahead of the others' and a rerun can resume from it.
pub(crate) async fn commit_chunk(
    mut tables: Tables,
    chunk: Chunk,
    app_ids: Vec<Option<String>>,
    fault: Option<FaultPoint>,
) -> Result<Tables, Error> {
    let progress: Vec<Transaction> = chunk
        .progress
        .iter()
        .filter_map(|(&index, &(lines, digest))| {
            let app_id = app_ids.get(index)?.as_ref()?;
            Some(Transaction::new(app_id, pack_progress(lines, digest)?))
        })
        .collect();
    let now = chrono::Utc::now().timestamp_micros();
    let quarantine = if chunk.quarantined.is_empty() {
        Vec::new()
    } else {
        vec![quarantine_batch(&chunk.quarantined, now)?]
    };

    let mut writes = Vec::new();
    for (table, batches) in [
        (&tables.quarantine, quarantine),
        (&tables.attempts, chunk.attempts),
        (&tables.generations, chunk.generations),
    ] {
        let mut by_date = Vec::new();
        for (date, date_batches) in split_by_date(batches, table.name.time_column())? {
            let rows = date_batches
                .iter()
                .map(RecordBatch::num_rows)
                .sum::<usize>();
            let task = tokio::spawn(write_date_files(
                table.object_store(),
                table.name,
                date,
                date_batches,
            ));
            by_date.push((rows, task));
        }
        writes.push(by_date);
    }
    let mut files = Vec::new();
    for by_date in writes {
        let (mut adds, mut rows) = (Vec::new(), 0);
        for (date_rows, task) in by_date {
            adds.extend(task.await.map_err(|e| Error::Task(e.to_string()))??);
            rows += date_rows;
        }
        files.push((adds, rows));
    }

    for (table, (adds, rows)) in [
        &mut tables.quarantine,
        &mut tables.attempts,
        &mut tables.generations,
    ]
    .into_iter()
    .zip(files)
    {
        let number = tables.commits + 1;
        let before = matches!(fault, Some(FaultPoint::BeforeCommit(n)) if n == number);
        table
            .commit(adds, rows, progress.clone(), || {
                if before {
                    eprintln!("fault injected before commit {number}");
                    std::process::abort();
                }
            })
            .await?;
        tables.commits = number;
        tracing::info!(
            table = table.name.as_str(),
            version = table.version(),
            commit = number,
            rows,
            "committed"
        );
        if matches!(fault, Some(FaultPoint::AfterCommit(n)) if n == number) {
            eprintln!("fault injected after commit {number}");
            std::process::abort();
        }
    }
    Ok(tables)
}

/// Splits rows into runs of one date each, in time order: each date's file is written in
/// time order, which keeps time-range statistics tight and timestamps compact. Logs usually
/// arrive in time order already, and then the runs are zero-copy slices; otherwise the rows are
/// sorted first.
fn split_by_date(
    batches: Vec<RecordBatch>,
    time_column: &str,
) -> Result<Vec<(i32, Vec<RecordBatch>)>, Error> {
    let Some(first) = batches.first() else {
        return Ok(Vec::new());
    };
    let schema = first.schema();
    let time_column = schema.index_of(time_column)?;
    let date_column = schema.index_of(crate::columns::DATE)?;
    let times = |batch: &RecordBatch| -> Result<TimestampMicrosecondArray, Error> {
        Ok(batch
            .column(time_column)
            .as_primitive::<TimestampMicrosecondType>()
            .clone())
    };
    let mut in_order = true;
    let mut previous = i64::MIN;
    'check: for batch in &batches {
        for &t in times(batch)?.values().iter() {
            if t < previous {
                in_order = false;
                break 'check;
            }
            previous = t;
        }
    }
    let batches = if in_order {
        batches
    } else {
        let batch = concat_batches(&schema, &batches)?;
        drop(batches);
        let sort = |column: usize| SortColumn {
            values: batch.column(column).clone(),
            options: None,
        };
        let order: UInt32Array = lexsort_to_indices(&[sort(date_column), sort(time_column)], None)?;
        vec![take_record_batch(&batch, &order)?]
    };

    let mut runs: Vec<(i32, Vec<RecordBatch>)> = Vec::new();
    for batch in batches {
        let dates = batch
            .column(date_column)
            .as_primitive::<Date32Type>()
            .clone();
        let mut start = 0;
        while start < batch.num_rows() {
            let date = dates.value(start);
            let mut end = start + 1;
            while end < batch.num_rows() && dates.value(end) == date {
                end += 1;
            }
            let slice = batch.slice(start, end - start);
            match runs.last_mut() {
                Some((last, slices)) if *last == date => slices.push(slice),
                _ => runs.push((date, vec![slice])),
            }
            start = end;
        }
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_round_trips() {
        let packed = pack_progress(1_234_567, 0xdead_beef_cafe_f00d).unwrap();
        assert_eq!(unpack_progress(packed), (1_234_567, 0xcafe_f00d));
        assert!(pack_progress(1 << 31, 0).is_none());
        assert!(pack_progress((1 << 31) - 1, u64::MAX).unwrap() > 0);
    }
}
