//! SQL over the lake: the Delta tables registered in a DataFusion session, and the output
//! formats the CLI prints.

use std::collections::BTreeMap;
use std::io::Write;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::error::ArrowError;
use datafusion::error::DataFusionError;
use datafusion::prelude::{SessionConfig, SessionContext};
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
    #[error("writing the result: {0}")]
    Io(#[from] std::io::Error),
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

    pub async fn sql(&self, query: &str) -> Result<Vec<RecordBatch>, Error> {
        Ok(self.ctx.sql(query).await?.collect().await?)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
}

/// Writes query results: an aligned table, CSV with a header row, or a JSON array of objects.
pub fn write_batches(
    batches: &[RecordBatch],
    format: Format,
    out: &mut dyn Write,
) -> Result<(), Error> {
    match format {
        Format::Table => {
            let table = datafusion::arrow::util::pretty::pretty_format_batches(batches)?;
            writeln!(out, "{table}")?;
        }
        Format::Csv => {
            let mut writer = datafusion::arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(&mut *out);
            for batch in batches {
                writer.write(batch)?;
            }
        }
        Format::Json => {
            let mut writer = datafusion::arrow::json::ArrayWriter::new(&mut *out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
            if batches.iter().all(|b| b.num_rows() == 0) {
                // The writer prints nothing for no rows; an empty array is still JSON.
                write!(out, "[]")?;
            }
            writeln!(out)?;
        }
    }
    Ok(())
}
