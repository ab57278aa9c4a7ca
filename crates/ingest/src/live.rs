//! Ingest of posted bodies (`POST /api/v1/ingest` and `/api/v1/feedback`): the parsing,
//! validation, quarantine and dedupe of file ingest, for many small bodies committed together.
//!
//! A [`LiveWriter`] is the one writer of a server's raw tables. It keeps the tables open at the
//! version of its own last commit and the ids seen per date in memory, so that a small post costs
//! a parse and a commit, not a scan. Posts have no resumable identity (unlike files), so exactly
//! once rests on the ids alone: a client that retries a post after losing the answer gets its
//! lines counted as duplicates and stored once.
//!
//! A batch commits to `quarantine`, `attempts`, then `generations`. One that fails between the
//! last two leaves attempts whose generations are not stored; the retry stores the generations
//! and skips their attempts, which are there already. Rejected lines have no id: a retry after
//! a failure past the `quarantine` commit quarantines them again.

use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::sync::Arc;

use deltalake::arrow::array::RecordBatch;
use tokenboard_record::{Feedback, Validator};

use crate::columns::{QuarantinedLine, feedback_batch};
use crate::dedupe::SeenIds;
use crate::lake::{Lake, LakeTable, TableName, write_date_files};
use crate::lines::{Block, LineReader};
use crate::pipeline::{
    Chunk, ParsedPart, Tables, add_unknown_fields, commit_chunk, keep_rows, parse_block,
};
use crate::{Error, IngestOptions};

/// Dates whose ids are kept in memory at once; past it the cache starts over. Live traffic
/// touches today and, around midnight or with late data, a day or two before.
const MAX_CACHED_DATES: usize = 8;

/// One posted body of JSON lines.
#[derive(Debug, Clone)]
pub struct Post {
    /// Names the post in the quarantine's `source` column.
    pub source: String,
    pub body: Vec<u8>,
}

/// A line of a post that went to the quarantine.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RejectedLine {
    /// 1-based line number in the post's body.
    pub line: u64,
    pub reason: &'static str,
    pub detail: String,
}

/// What became of one post's lines: `lines = accepted + duplicates + quarantined.len()`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostSummary {
    pub lines: u64,
    pub accepted: u64,
    pub duplicates: u64,
    pub quarantined: Vec<RejectedLine>,
    /// Fields the record does not define, by name, and how often each was seen.
    pub unknown_fields: BTreeMap<String, u64>,
}

/// The raw tables of a lake, open for posts.
#[derive(Debug)]
pub struct LiveWriter {
    lake: Lake,
    /// `None` after a failed commit: reopened from the lake by the next write.
    tables: Option<Tables>,
    feedback: Option<LakeTable>,
    seen: SeenIds,
    /// Generations whose attempts are stored but which are not: left by a batch that failed
    /// between those commits. Loaded with `seen`, per date.
    attempted: SeenIds,
    seen_dates: BTreeSet<i32>,
    options: IngestOptions,
}

impl std::fmt::Debug for Tables {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tables")
            .field("generations", &self.generations.version())
            .field("commits", &self.commits)
            .finish_non_exhaustive()
    }
}

impl LiveWriter {
    /// Opens (or creates) the raw tables at `lake`.
    pub async fn open(lake: &Lake) -> Result<LiveWriter, Error> {
        let mut writer = LiveWriter {
            lake: lake.clone(),
            tables: None,
            feedback: None,
            seen: SeenIds::default(),
            attempted: SeenIds::default(),
            seen_dates: BTreeSet::new(),
            options: IngestOptions::default(),
        };
        writer.tables().await?;
        writer.feedback_table().await?;
        Ok(writer)
    }

    async fn tables(&mut self) -> Result<&mut Tables, Error> {
        if self.tables.is_none() {
            self.tables = Some(Tables {
                generations: self.lake.open_or_create(TableName::Generations).await?,
                attempts: self.lake.open_or_create(TableName::Attempts).await?,
                quarantine: self.lake.open_or_create(TableName::Quarantine).await?,
                commits: 0,
            });
        }
        self.tables
            .as_mut()
            .ok_or_else(|| Error::Task("tables lost".into()))
    }

    async fn feedback_table(&mut self) -> Result<&mut LakeTable, Error> {
        if self.feedback.is_none() {
            self.feedback = Some(self.lake.open_or_create(TableName::Feedback).await?);
        }
        self.feedback
            .as_mut()
            .ok_or_else(|| Error::Task("feedback table lost".into()))
    }

    /// Parses, validates and deduplicates `posts`, and commits their rows before
    /// returning: each post's summary, in order. On an error nothing of the batch is reported as
    /// accepted, and whatever a commit did store is recognized as duplicate on a retry.
    pub async fn write(&mut self, posts: Vec<Post>) -> Result<Vec<PostSummary>, Error> {
        let result = self.write_inner(posts).await;
        if result.is_err() {
            // Ids of the failed batch may be in `seen` without being stored: start over from
            // what the tables hold.
            self.seen = SeenIds::default();
            self.attempted = SeenIds::default();
            self.seen_dates.clear();
            self.tables = None;
            self.feedback = None;
        }
        result
    }

    async fn write_inner(&mut self, posts: Vec<Post>) -> Result<Vec<PostSummary>, Error> {
        let options = IngestOptions {
            validator: Validator::now(),
            ..self.options.clone()
        };
        let parsed = tokio::task::spawn_blocking(move || {
            posts
                .into_iter()
                .map(|post| parse_post(post, &options))
                .collect::<Result<Vec<_>, Error>>()
        })
        .await
        .map_err(|e| Error::Task(e.to_string()))??;

        let mut chunk = Chunk::default();
        let mut summaries = Vec::with_capacity(parsed.len());
        for (lines, parts) in parsed {
            let mut summary = PostSummary {
                lines,
                ..PostSummary::default()
            };
            for part in parts {
                self.dedupe_part(part, &mut chunk, &mut summary).await?;
            }
            summaries.push(summary);
        }

        if !chunk.is_empty() {
            let tables = match self.tables.take() {
                Some(tables) => tables,
                None => {
                    self.tables().await?;
                    self.tables
                        .take()
                        .ok_or_else(|| Error::Task("tables lost".into()))?
                }
            };
            self.tables = Some(commit_chunk(tables, chunk, Vec::new(), None).await?);
        }
        Ok(summaries)
    }

    async fn dedupe_part(
        &mut self,
        part: ParsedPart,
        chunk: &mut Chunk,
        summary: &mut PostSummary,
    ) -> Result<(), Error> {
        let dates: BTreeSet<i32> = part.keys.iter().map(|k| k.1).collect();
        for date in dates {
            if self.seen.is_loaded(date) {
                continue;
            }
            if self.seen_dates.len() >= MAX_CACHED_DATES {
                self.seen = SeenIds::default();
                self.attempted = SeenIds::default();
                self.seen_dates.clear();
            }
            let tables = self.tables().await?;
            let stored = stored_keys(&tables.generations, date).await?;
            let attempted = stored_keys(&tables.attempts, date).await?;
            self.seen.load(date, stored);
            let orphans = attempted
                .into_iter()
                .filter(|&key| !self.seen.contains(date, key))
                .collect();
            self.attempted.load(date, orphans);
            self.seen_dates.insert(date);
        }
        let keep_generation: Vec<bool> = part
            .keys
            .iter()
            .map(|&(key, date, _)| self.seen.insert(date, key))
            .collect();
        let accepted = keep_generation.iter().filter(|k| **k).count() as u64;
        summary.accepted += accepted;
        summary.duplicates += part.keys.len() as u64 - accepted;
        add_unknown_fields(&mut summary.unknown_fields, part.unknown);
        summary
            .quarantined
            .extend(part.quarantined.iter().map(|q| RejectedLine {
                line: q.line,
                reason: q.reason,
                detail: q.detail.clone(),
            }));

        let keep_attempts: Vec<bool> = part
            .batches
            .attempt_parent
            .iter()
            .map(|&row| {
                let (key, date, _) = part.keys[row as usize];
                keep_generation[row as usize] && !self.attempted.contains(date, key)
            })
            .collect();
        let generations = keep_rows(part.batches.generations, keep_generation)?;
        let attempts = keep_rows(part.batches.attempts, keep_attempts)?;
        chunk.generation_rows += generations.num_rows();
        if generations.num_rows() > 0 {
            chunk.generations.push(generations);
        }
        if attempts.num_rows() > 0 {
            chunk.attempts.push(attempts);
        }
        chunk.quarantined.extend(part.quarantined);
        Ok(())
    }

    /// Feedback as JSON lines (a file, standard input): valid lines are stored, the others
    /// quarantined with their line number and reason. Feedback has no id, so nothing is
    /// deduplicated here; queries count each generation's feedback once.
    pub async fn write_feedback_lines(
        &mut self,
        source: &str,
        body: Vec<u8>,
    ) -> Result<PostSummary, Error> {
        let (block, lines) = split_lines(source, body)?;
        let source_name: Arc<str> = source.into();
        let mut summary = PostSummary {
            lines,
            ..PostSummary::default()
        };
        let mut good = Vec::new();
        let mut chunk = Chunk::default();
        for line in &block.lines {
            let bytes = &block.data[line.start..line.end];
            let parsed = if line.is_cut() {
                Err(tokenboard_record::Rejection::new(
                    tokenboard_record::Reason::LineTooLong,
                    format!("{} bytes", line.full_len),
                ))
            } else {
                tokenboard_record::parse_feedback(bytes)
            };
            match parsed {
                Ok(feedback) => good.push(feedback),
                Err(rejection) => {
                    summary.quarantined.push(RejectedLine {
                        line: line.number,
                        reason: rejection.reason.as_str(),
                        detail: rejection.detail.clone(),
                    });
                    chunk.quarantined.push(QuarantinedLine {
                        source: source_name.clone(),
                        line: line.number,
                        reason: rejection.reason.as_str(),
                        detail: rejection.detail,
                        raw: String::from_utf8_lossy(bytes).into_owned(),
                    });
                }
            }
        }
        summary.accepted = good.len() as u64;
        let result = async {
            if !chunk.is_empty() {
                self.tables().await?;
                let tables = self
                    .tables
                    .take()
                    .ok_or_else(|| Error::Task("tables lost".into()))?;
                self.tables = Some(commit_chunk(tables, chunk, Vec::new(), None).await?);
            }
            if !good.is_empty() {
                self.commit_feedback(&good).await?;
            }
            Ok(())
        }
        .await;
        if result.is_err() {
            self.tables = None;
            self.feedback = None;
        }
        result.map(|()| summary)
    }

    async fn commit_feedback(&mut self, feedback: &[Feedback]) -> Result<(), Error> {
        let now = chrono::Utc::now().timestamp_micros();
        let batch: RecordBatch = feedback_batch(feedback, now)?;
        let date = now.div_euclid(86_400_000_000) as i32;
        let rows = batch.num_rows();
        let table = self.feedback_table().await?;
        let files =
            write_date_files(table.object_store(), TableName::Feedback, date, vec![batch]).await?;
        table.commit(files, rows, Vec::new(), || {}).await?;
        tracing::info!(
            table = "feedback",
            version = table.version(),
            rows,
            "committed"
        );
        Ok(())
    }
}

/// The generation ids `table` holds on a date, as dedupe keys.
async fn stored_keys(table: &LakeTable, date: i32) -> Result<Vec<u128>, Error> {
    // Version 0 is the empty table `open_or_create` made.
    if table.version().is_none_or(|v| v == 0) {
        return Ok(Vec::new());
    }
    table.id_keys_on(date).await
}

/// A whole body as one block of numbered lines (the server bounds its size), and its line
/// count.
fn split_lines(source: &str, body: Vec<u8>) -> Result<(Block, u64), Error> {
    let size = body.len();
    let mut reader = LineReader::new(Cursor::new(body));
    let block = reader
        .next_block(size, usize::MAX)
        .map_err(|error| Error::Source {
            source_name: source.to_owned(),
            line: None,
            error,
        })?
        .unwrap_or_default();
    Ok((block, reader.line_number()))
}

/// Splits a body into numbered lines and parses them: the line count and the parsed parts.
fn parse_post(post: Post, options: &IngestOptions) -> Result<(u64, Vec<ParsedPart>), Error> {
    let (block, lines) = split_lines(&post.source, post.body)?;
    let source: Arc<str> = post.source.into();
    let parts = parse_block(&block, &source, options)?;
    Ok((lines, parts))
}
