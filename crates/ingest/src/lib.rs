//! Ingestion: gateway log lines in, Delta tables out, each line accounted for exactly once.
//!
//! The flow is the module list: [`source`] opens inputs, [`lines`] splits them into numbered
//! blocks, [`pipeline`] parses blocks in parallel, drops repeated ids ([`dedupe`]) and sends bad
//! lines to the quarantine, [`columns`] builds Arrow batches, and [`lake`] writes them as Parquet
//! and commits them.
//!
//! Exactly once rests on two things. Each file's progress (lines consumed, and a digest of those
//! lines) is recorded as a Delta application transaction in the same atomic commit as the rows it
//! produced, so a rerun skips exactly what was committed, and notices when a file changed. And
//! generation ids already stored are never stored again, whichever file they come from.

pub mod columns;
pub mod compact;
pub mod dedupe;
pub mod lake;
pub mod lines;
pub mod live;
mod pipeline;
mod progress;
pub mod source;
mod upgrade;

use std::collections::BTreeMap;
use std::io;

use deltalake::DeltaTableError;
use deltalake::arrow::error::ArrowError;
use deltalake::datafusion::error::DataFusionError;
use tokenboard_record::{Reason, Validator};

pub use compact::{CompactSummary, compact};
pub use lake::{Lake, TableName};
pub use live::{LiveWriter, Post, PostSummary, RejectedLine};
pub use pipeline::ingest;
pub use source::Source;
pub use upgrade::{outdated_columns, upgrade_tables};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{source_name}{}: {error}", line.map(|l| format!(", line {l}")).unwrap_or_default())]
    Source {
        source_name: String,
        line: Option<u64>,
        #[source]
        error: io::Error,
    },
    #[error("data location {location}: {message}")]
    Location { location: String, message: String },
    #[error("delta table: {0}")]
    Delta(#[from] DeltaTableError),
    #[error("arrow: {0}")]
    Arrow(#[from] ArrowError),
    #[error("query: {0}")]
    DataFusion(#[from] DataFusionError),
    #[error(
        "table {table} has the columns {found}, where this version of tokenboard writes {expected}"
    )]
    Schema {
        table: &'static str,
        found: String,
        expected: String,
    },
    #[error("ingest task failed: {0}")]
    Task(String),
}

/// A deliberate crash, for the tests that prove a killed ingest loses and doubles nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FaultPoint {
    /// Abort after writing the data files of the n-th commit (1-based), before committing them.
    BeforeCommit(u64),
    /// Abort right after the n-th commit (1-based).
    AfterCommit(u64),
}

impl std::str::FromStr for FaultPoint {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (kind, n) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?}: expected before-commit:N or after-commit:N"))?;
        let n: u64 = n.parse().map_err(|e| format!("{s:?}: {e}"))?;
        match kind {
            "before-commit" => Ok(FaultPoint::BeforeCommit(n)),
            "after-commit" => Ok(FaultPoint::AfterCommit(n)),
            _ => Err(format!("{s:?}: expected before-commit:N or after-commit:N")),
        }
    }
}

#[derive(Debug, Clone)]
pub struct IngestOptions {
    pub validator: Validator,
    /// Generation rows gathered before a commit. Bounds memory, and sets the size of the files
    /// a commit writes.
    pub commit_rows: usize,
    /// Bytes of input per parsed block.
    pub block_bytes: usize,
    /// Ids of earlier records kept in memory to catch duplicates. Past it, the dates least
    /// recently used are dropped and read back from the table if the input returns to them.
    pub dedupe_ids: usize,
    pub fault: Option<FaultPoint>,
}

impl Default for IngestOptions {
    fn default() -> Self {
        IngestOptions {
            validator: Validator::now(),
            commit_rows: 512 * 1024,
            block_bytes: 4 << 20,
            // 4Mi ids take about 100 MiB; a day of a busy gateway fits.
            dedupe_ids: 4 << 20,
            fault: None,
        }
    }
}

/// Where an ingest run is, for progress displays.
#[derive(Debug, Clone, Copy, Default)]
pub struct Progress {
    pub lines: u64,
    /// Bytes read from the inputs as stored (compressed bytes for compressed files).
    pub bytes: u64,
    pub ingested: u64,
}

/// What an ingest run did. `read = already_ingested + ingested + duplicates + quarantined`.
#[derive(Debug, Clone, Default)]
pub struct IngestSummary {
    pub sources: usize,
    pub read: u64,
    /// Lines a previous run had committed, skipped without parsing.
    pub already_ingested: u64,
    pub ingested: u64,
    pub duplicates: u64,
    pub quarantined: BTreeMap<Reason, u64>,
    pub attempts: u64,
    /// Fields the record does not define, by name, and how often each was seen.
    pub unknown_fields: BTreeMap<String, u64>,
    /// Inputs that could not be read, or not to the end. Lines before the error are ingested.
    pub errors: Vec<String>,
    /// Inputs that read as nothing, most likely by mistake: a directory with no log file.
    pub warnings: Vec<String>,
    pub commits: u64,
    pub bytes: u64,
}

impl IngestSummary {
    pub fn quarantined_total(&self) -> u64 {
        self.quarantined.values().sum()
    }
}
