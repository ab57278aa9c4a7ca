//! SQL over the lake: the Delta tables registered in a DataFusion session, the leaderboard
//! catalog run against them, and the output formats the CLI prints.

mod catalog;
mod output;
mod rows;

pub use catalog::{DEFAULT_LIMIT, MAX_LIMIT, Period, View, ViewRequest, Window, data_through};
pub use output::{Format, write_batches};
pub use rows::*;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::datatypes::TimestampMicrosecondType;
use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use tokenboard_ingest::{Lake, TableName};

pub use datafusion;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Lake(#[from] tokenboard_ingest::Error),
    #[error("delta table: {0}")]
    Delta(#[from] deltalake::DeltaTableError),
    #[error("{0}")]
    Query(#[from] DataFusionError),
    #[error("formatting the result: {0}")]
    Format(#[from] ArrowError),
    #[error("writing Parquet: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error("writing the result: {0}")]
    Io(#[from] std::io::Error),
    #[error("unknown view `{0}`; the views are {views}", views = view_names())]
    UnknownView(String),
    #[error("unknown period `{0}`; use day, week or month")]
    UnknownPeriod(String),
    #[error("unknown window `{0}`; use 5m, 30m, 1d, 7d, 30d or all")]
    UnknownWindow(String),
    #[error("limit {0} is out of range; use 1 to {MAX_LIMIT}")]
    Limit(u64),
    #[error("{0} has daily or weekly buckets: use --period day or --period week")]
    BucketPeriod(View),
    #[error("{0} needs a model (author/slug)")]
    MissingModel(View),
    #[error("reading the rows of {view}: {source}")]
    Rows {
        view: &'static str,
        source: serde_json::Error,
    },
}

fn view_names() -> String {
    View::ALL.map(View::name).join(", ")
}

/// A view's answer: its rows, and what they were computed from.
#[derive(Debug, Clone)]
pub struct ViewResult {
    pub batches: Vec<RecordBatch>,
    /// The start of the hour holding the newest record; `None` when the lake has no generations.
    pub data_through: Option<DateTime<Utc>>,
    /// The newest record's `created_at`, where provider windows end.
    pub newest: Option<DateTime<Utc>>,
    /// The Delta version of each table the session read.
    pub versions: BTreeMap<&'static str, u64>,
}

impl ViewResult {
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// A DataFusion session with every table of a lake registered under its name.
pub struct LakeSession {
    ctx: SessionContext,
    /// The Delta version each registered table was read at.
    versions: BTreeMap<&'static str, u64>,
}

impl std::fmt::Debug for LakeSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LakeSession")
            .field("versions", &self.versions)
            .finish_non_exhaustive()
    }
}

impl LakeSession {
    pub async fn open(lake: &Lake) -> Result<LakeSession, Error> {
        let config = SessionConfig::new()
            .with_information_schema(true)
            .with_target_partitions(std::thread::available_parallelism().map_or(2, |n| n.get()));
        let ctx = SessionContext::new_with_config(config);
        let mut versions = BTreeMap::new();
        for name in TableName::ALL {
            let Some(table) = lake.open(name.as_str()).await? else {
                continue;
            };
            table.update_datafusion_session(&ctx.state())?;
            ctx.register_table(name.as_str(), table.table_provider().await?)?;
            versions.insert(name.as_str(), table.version().unwrap_or(0));
        }
        Ok(LakeSession { ctx, versions })
    }

    pub fn context(&self) -> &SessionContext {
        &self.ctx
    }

    pub fn versions(&self) -> &BTreeMap<&'static str, u64> {
        &self.versions
    }

    /// Runs any SQL. The result holds at least one batch, empty if need be, so that its schema
    /// is known even without rows.
    pub async fn sql(&self, query: &str) -> Result<Vec<RecordBatch>, Error> {
        collect(self.ctx.sql(query).await?).await
    }

    /// The newest record's `created_at`, or `None` when there are no generations.
    pub async fn newest(&self) -> Result<Option<DateTime<Utc>>, Error> {
        if !self.versions.contains_key("generations") {
            return Ok(None);
        }
        let batches = self
            .sql("SELECT max(created_at) AS newest FROM generations")
            .await?;
        let micros = batches
            .first()
            .filter(|batch| batch.num_rows() > 0)
            .map(|batch| batch.column(0).as_primitive::<TimestampMicrosecondType>())
            .and_then(|column| (!column.is_null(0)).then(|| column.value(0)));
        Ok(micros.and_then(DateTime::from_timestamp_micros))
    }

    /// Runs a catalog view. An empty lake answers with no rows.
    pub async fn view(&self, request: &ViewRequest) -> Result<ViewResult, Error> {
        request.validate()?;
        let newest = self.newest().await?;
        let batches = match newest {
            None => Vec::new(),
            Some(newest) => {
                let params = request.parameters(newest);
                let frame = self.ctx.sql(request.view.sql()).await?;
                collect(frame.with_param_values(params)?).await?
            }
        };
        Ok(ViewResult {
            batches,
            data_through: newest.map(data_through),
            newest,
            versions: self.versions.clone(),
        })
    }
}

async fn collect(frame: DataFrame) -> Result<Vec<RecordBatch>, Error> {
    let schema = frame.schema().inner().clone();
    let mut batches = frame.collect().await?;
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema));
    }
    Ok(batches)
}
