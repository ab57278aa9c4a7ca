//! The Delta tables under one data location, and the few operations ingest needs on them:
//! create, read progress, read the ids of a day, and append files in one atomic commit.

use std::collections::HashMap;
use std::num::NonZeroU64;
use std::path::Path;
use std::sync::Arc;

use delta_kernel::expressions::Scalar;
use deltalake::arrow::array::{Array, RecordBatch, StringArray};
use deltalake::arrow::compute::cast;
use deltalake::arrow::datatypes::{DataType, Schema, SchemaRef};
use deltalake::datafile::writer::{DeltaWriter, WriterConfig};
use deltalake::datafusion::prelude::SessionContext;
use deltalake::kernel::engine::arrow_conversion::TryIntoKernel;
use deltalake::kernel::transaction::{CommitBuilder, CommitProperties};
use deltalake::kernel::{Action, Add, StructType, Transaction};
use deltalake::parquet::basic::{Compression, Encoding, ZstdLevel};
use deltalake::parquet::file::properties::{WriterProperties, WriterVersion};
use deltalake::parquet::schema::types::ColumnPath;
use deltalake::protocol::{DeltaOperation, SaveMode};
use deltalake::table::config::TableProperty;
use deltalake::{DeltaTable, DeltaTableError, ObjectStore};
use indexmap::IndexMap;

type ObjectStoreRef = Arc<dyn ObjectStore>;
use url::Url;

use crate::Error;
use crate::columns::{
    ATTEMPTS, DAILY_APP_TOTALS, DAILY_APPS, DAILY_ATTEMPTS, DAILY_ENDPOINTS, DATE, FEEDBACK,
    GENERATIONS, HOURLY_APP_TOTALS, HOURLY_APPS, HOURLY_ATTEMPTS, HOURLY_ENDPOINTS,
    HOURLY_PROMPT_SIZES, QUARANTINE,
};

/// Rows per Parquet row group: large enough for good compression and few footers, small enough
/// that a reader skipping by statistics skips something.
pub const ROW_GROUP_ROWS: usize = 128 * 1024;

/// Rows per data page at most. Rows are in `created_at` order, so a reader with the page index
/// (DataFusion) decodes only the pages a time window touches: the last half hour of a day is a
/// page or two, not the 20,000-row default.
const PAGE_ROWS: usize = 2048;

/// Files roll over past this size; a commit's chunk is normally smaller.
const TARGET_FILE_BYTES: u64 = 256 << 20;

/// The tables of a lake, by name: the raw tables ingest writes, and the rollups kept
/// from them (crate `tokenboard-rollup`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TableName {
    Generations,
    Attempts,
    Quarantine,
    Feedback,
    HourlyEndpoints,
    HourlyAttempts,
    HourlyApps,
    HourlyPromptSizes,
    HourlyAppTotals,
    DailyEndpoints,
    DailyAttempts,
    DailyApps,
    DailyAppTotals,
}

impl TableName {
    pub const RAW: [TableName; 4] = [
        TableName::Generations,
        TableName::Attempts,
        TableName::Quarantine,
        TableName::Feedback,
    ];

    /// In the order they are built: the daily tables sum the hourly ones.
    pub const ROLLUPS: [TableName; 9] = [
        TableName::HourlyEndpoints,
        TableName::HourlyAttempts,
        TableName::HourlyApps,
        TableName::HourlyPromptSizes,
        TableName::HourlyAppTotals,
        TableName::DailyEndpoints,
        TableName::DailyAttempts,
        TableName::DailyApps,
        TableName::DailyAppTotals,
    ];

    /// The rollups summed per UTC day from an hourly one: a row per day, partitioned and
    /// ordered by `date` alone.
    pub const DAILY: [TableName; 4] = [
        TableName::DailyEndpoints,
        TableName::DailyAttempts,
        TableName::DailyApps,
        TableName::DailyAppTotals,
    ];

    pub const ALL: [TableName; 13] = [
        TableName::Generations,
        TableName::Attempts,
        TableName::Quarantine,
        TableName::Feedback,
        TableName::HourlyEndpoints,
        TableName::HourlyAttempts,
        TableName::HourlyApps,
        TableName::HourlyPromptSizes,
        TableName::HourlyAppTotals,
        TableName::DailyEndpoints,
        TableName::DailyAttempts,
        TableName::DailyApps,
        TableName::DailyAppTotals,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TableName::Generations => "generations",
            TableName::Attempts => "attempts",
            TableName::Quarantine => "quarantine",
            TableName::Feedback => "feedback",
            TableName::HourlyEndpoints => "hourly_endpoints",
            TableName::HourlyAttempts => "hourly_attempts",
            TableName::HourlyApps => "hourly_apps",
            TableName::HourlyPromptSizes => "hourly_prompt_sizes",
            TableName::HourlyAppTotals => "hourly_app_totals",
            TableName::DailyEndpoints => "daily_endpoints",
            TableName::DailyAttempts => "daily_attempts",
            TableName::DailyApps => "daily_apps",
            TableName::DailyAppTotals => "daily_app_totals",
        }
    }

    pub fn schema(self) -> SchemaRef {
        match self {
            TableName::Generations => GENERATIONS.clone(),
            TableName::Attempts => ATTEMPTS.clone(),
            TableName::Quarantine => QUARANTINE.clone(),
            TableName::Feedback => FEEDBACK.clone(),
            TableName::HourlyEndpoints => HOURLY_ENDPOINTS.clone(),
            TableName::HourlyAttempts => HOURLY_ATTEMPTS.clone(),
            TableName::HourlyApps => HOURLY_APPS.clone(),
            TableName::HourlyPromptSizes => HOURLY_PROMPT_SIZES.clone(),
            TableName::HourlyAppTotals => HOURLY_APP_TOTALS.clone(),
            TableName::DailyEndpoints => DAILY_ENDPOINTS.clone(),
            TableName::DailyAttempts => DAILY_ATTEMPTS.clone(),
            TableName::DailyApps => DAILY_APPS.clone(),
            TableName::DailyAppTotals => DAILY_APP_TOTALS.clone(),
        }
    }

    pub fn is_daily(self) -> bool {
        TableName::DAILY.contains(&self)
    }

    /// The time that orders rows within a file and whose UTC date partitions the table.
    pub fn time_column(self) -> &'static str {
        match self {
            TableName::Generations | TableName::Attempts => "created_at",
            TableName::Quarantine => "ingested_at",
            TableName::Feedback => "received_at",
            table if table.is_daily() => DATE,
            _ => "hour",
        }
    }

    /// Columns whose min/max go into the Delta log, for skipping files by time and model.
    fn stats_columns(self) -> Vec<String> {
        let names: &[&str] = match self {
            TableName::Generations => &["created_at", "model", "provider_name", "app_id"],
            TableName::Attempts => &["created_at", "model", "provider_name", "status"],
            TableName::Quarantine => &["source", "line", "reason", "ingested_at"],
            TableName::Feedback => &["generation_id", "category", "received_at"],
            TableName::HourlyEndpoints | TableName::HourlyAttempts => {
                &["hour", "model", "provider"]
            }
            TableName::HourlyApps => &["hour", "app_id", "model"],
            TableName::HourlyPromptSizes => &["hour"],
            TableName::HourlyAppTotals => &["hour", "app_id"],
            TableName::DailyEndpoints | TableName::DailyAttempts => &["model", "provider"],
            TableName::DailyApps => &["app_id", "model"],
            TableName::DailyAppTotals => &["app_id"],
        };
        names.iter().map(|s| s.to_string()).collect()
    }
}

/// A data location: a local directory or an object-store URL holding one Delta table per name.
#[derive(Debug, Clone)]
pub struct Lake {
    root: Url,
}

impl Lake {
    /// `location` is a directory (created if missing) or a URL such as `s3://bucket/prefix`.
    pub fn new(location: &str) -> Result<Lake, Error> {
        let root = match Url::parse(location) {
            Ok(url) if url.scheme().len() > 1 => url,
            // Not a URL, or a Windows drive letter: a local path.
            _ => {
                let path = Path::new(location);
                std::fs::create_dir_all(path).map_err(|error| Error::Location {
                    location: location.to_owned(),
                    message: error.to_string(),
                })?;
                let path = path.canonicalize().map_err(|error| Error::Location {
                    location: location.to_owned(),
                    message: error.to_string(),
                })?;
                Url::from_directory_path(&path).map_err(|()| Error::Location {
                    location: location.to_owned(),
                    message: "not an absolute path".into(),
                })?
            }
        };
        let mut root = root;
        if !root.path().ends_with('/') {
            root.set_path(&format!("{}/", root.path()));
        }
        Ok(Lake { root })
    }

    pub fn root(&self) -> &Url {
        &self.root
    }

    pub fn table_url(&self, name: &str) -> Result<Url, Error> {
        self.root
            .join(&format!("{name}/"))
            .map_err(|e| Error::Location {
                location: self.root.to_string(),
                message: e.to_string(),
            })
    }

    /// The local directory of a table, for `file://` lakes.
    fn local_dir(&self, name: &str) -> Result<Option<std::path::PathBuf>, Error> {
        let url = self.table_url(name)?;
        Ok((url.scheme() == "file")
            .then(|| url.to_file_path().ok())
            .flatten())
    }

    /// Opens a table, or `None` if nothing was ever committed there.
    pub async fn open(&self, name: &str) -> Result<Option<DeltaTable>, Error> {
        if let Some(dir) = self.local_dir(name)?
            && !dir.join("_delta_log").is_dir()
        {
            return Ok(None);
        }
        let url = self.table_url(name)?;
        let table = DeltaTable::try_from_url(url).await?;
        Ok(table.version().is_some().then_some(table))
    }

    /// Opens a table, creating it empty with its schema if it does not exist. A raw table an
    /// older tokenboard wrote is brought to the current schema first ([`crate::upgrade`]):
    /// ingest appends Parquet files of its own schema, which the table's must match. A rollup is
    /// opened as it is: its refresh rebuilds it from the raw rows when its schema is an older one.
    pub async fn open_or_create(&self, name: TableName) -> Result<LakeTable, Error> {
        let table = match self.open(name.as_str()).await? {
            Some(table) if TableName::RAW.contains(&name) => {
                crate::upgrade::to_current_schema(self, name, table).await?
            }
            Some(table) => table,
            None => {
                if let Some(dir) = self.local_dir(name.as_str())? {
                    std::fs::create_dir_all(&dir).map_err(|error| Error::Location {
                        location: dir.display().to_string(),
                        message: error.to_string(),
                    })?;
                }
                let url = self.table_url(name.as_str())?;
                let schema: StructType = name.schema().as_ref().try_into_kernel()?;
                let table = deltalake::DeltaTableBuilder::from_url(url)?.build()?;
                match table
                    .create()
                    .with_table_name(name.as_str())
                    .with_columns(schema.fields().cloned())
                    .with_partition_columns([DATE])
                    // Writers other than ingest's (the rollups' replaceWhere) read the same
                    // choice from the table; sketches and long texts get no statistics.
                    .with_configuration_property(
                        TableProperty::DataSkippingStatsColumns,
                        Some(name.stats_columns().join(",")),
                    )
                    .with_save_mode(SaveMode::Ignore)
                    .await
                {
                    Ok(table) => table,
                    Err(e) => return Err(e.into()),
                }
            }
        };
        Ok(LakeTable { name, table })
    }
}

/// One of ingest's tables, kept at the version of its last commit.
#[derive(Debug)]
pub struct LakeTable {
    pub name: TableName,
    pub table: DeltaTable,
}

impl LakeTable {
    pub fn version(&self) -> Option<u64> {
        self.table.version()
    }

    /// Whether the table has the columns this version writes, of their current types.
    pub fn has_current_schema(&self) -> Result<bool, Error> {
        let found = self.table.snapshot()?.snapshot().arrow_schema();
        let wanted = self.name.schema();
        let names = |schema: &Schema| -> Vec<String> {
            schema.fields().iter().map(|f| f.name().clone()).collect()
        };
        Ok(names(&found) == names(&wanted)
            && crate::upgrade::outdated_columns(self.name, &found).is_empty())
    }

    /// The application-transaction version recorded for `app_id`, if any.
    pub async fn progress(&self, app_id: &str) -> Result<Option<i64>, Error> {
        let state = self.table.snapshot()?;
        Ok(state
            .transaction_version(self.table.log_store().as_ref(), app_id)
            .await?)
    }

    /// Every application id's recorded version, from one replay of the log; `None` when the log
    /// must be asked id by id with [`progress`](Self::progress) (see [`crate::progress`]).
    pub async fn all_progress(&self) -> Result<Option<HashMap<String, i64>>, Error> {
        crate::progress::recorded_progress(&self.table).await
    }

    pub fn object_store(&self) -> ObjectStoreRef {
        self.table.object_store()
    }

    /// Commits files written by [`write_date_files`] together with `progress`, in one atomic
    /// Delta commit. Until it lands the files are invisible to readers; a crash before it leaves
    /// only unreferenced files.
    pub async fn commit(
        &mut self,
        files: Vec<Add>,
        rows: usize,
        progress: Vec<Transaction>,
        before_commit: impl FnOnce(),
    ) -> Result<(), Error> {
        if files.is_empty() && progress.is_empty() {
            return Ok(());
        }
        before_commit();
        let snapshot = self.table.snapshot()?;
        let finalized = CommitBuilder::from(
            CommitProperties::default().with_application_transactions(progress),
        )
        .with_actions(files.into_iter().map(Action::Add).collect())
        .with_app_metadata(HashMap::from([(
            "tokenboard.rows".to_owned(),
            serde_json::Value::from(rows),
        )]))
        .build(
            Some(snapshot),
            self.table.log_store(),
            DeltaOperation::Write {
                mode: SaveMode::Append,
                partition_by: Some(vec![DATE.to_owned()]),
                predicate: None,
            },
        )
        .await?;
        self.table.state = Some(finalized.snapshot());
        Ok(())
    }

    /// The generation ids already stored for one date, as dedupe keys: `id` of `generations`,
    /// `generation_id` of `attempts` (each of a generation's attempt rows gives its key).
    pub async fn id_keys_on(&self, date_days: i32) -> Result<Vec<u128>, Error> {
        let id_column = match self.name {
            TableName::Attempts => "generation_id",
            _ => "id",
        };
        let ctx = SessionContext::new();
        self.table.update_datafusion_session(&ctx.state())?;
        let provider = self.table.table_provider().await?;
        ctx.register_table("t", provider)?;
        let date = chrono::NaiveDate::from_num_days_from_ce_opt(date_days + 719_163)
            .ok_or_else(|| DeltaTableError::generic(format!("date {date_days} out of range")))?;
        let batches = ctx
            .sql(&format!(
                "SELECT {id_column} FROM t WHERE date = DATE '{date}'"
            ))
            .await?
            .collect()
            .await?;
        let mut ids = Vec::new();
        for batch in batches {
            // DataFusion may read strings as views; one cast covers every representation.
            let column = cast(batch.column(0), &DataType::Utf8)?;
            let column = column
                .as_any()
                .downcast_ref::<StringArray>()
                .ok_or_else(|| {
                    DeltaTableError::generic(format!(
                        "{}.{id_column} is not a string column",
                        self.name.as_str()
                    ))
                })?;
            ids.extend(column.iter().flatten().map(crate::dedupe::id_key));
        }
        Ok(ids)
    }
}

/// Writes rows of one date, already in `created_at` order, as Parquet files of `table` under
/// `date=YYYY-MM-DD/`, returning the files for [`LakeTable::commit`]. Files of different tables
/// and dates are written in parallel tasks.
pub async fn write_date_files(
    store: ObjectStoreRef,
    table: TableName,
    date_days: i32,
    batches: Vec<RecordBatch>,
) -> Result<Vec<Add>, Error> {
    let config = WriterConfig::new(
        table.schema(),
        vec![DATE.to_owned()],
        Some(writer_properties(table)),
        // In practice one file per date and commit: compaction, not ingest, decides larger
        // layouts.
        NonZeroU64::new(TARGET_FILE_BYTES),
        Some(ROW_GROUP_ROWS),
        Default::default(),
        Some(table.stats_columns()),
    );
    let partition = IndexMap::from([(DATE.to_owned(), Scalar::Date(date_days))]);
    let mut writer = DeltaWriter::new(store, config);
    for batch in batches {
        writer.write_partition(batch, &partition).await?;
    }
    Ok(writer.close().await?)
}

/// zstd for the raw tables, LZ4 for the rollups; per column, the encoding that suits its values.
/// Dictionaries are kept for repetitive columns (models, providers, apps) and skipped where values
/// are nearly unique, where they would cost time and save nothing.
///
/// The rollups are small and read on every page view. The parquet reader builds a zstd compressor
/// and decompressor for each column chunk it opens, and for a view over a few hundred small
/// column chunks that setup cost more than the decoding; LZ4's costs next to nothing.
pub fn writer_properties(table: TableName) -> WriterProperties {
    let is_rollup = TableName::ROLLUPS.contains(&table);
    let compression = if is_rollup {
        Compression::LZ4_RAW
    } else {
        Compression::ZSTD(ZstdLevel::default())
    };
    let mut builder = WriterProperties::builder()
        .set_writer_version(WriterVersion::PARQUET_2_0)
        .set_compression(compression)
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .set_data_page_row_count_limit(PAGE_ROWS);
    for field in table.schema().fields() {
        let name = field.name().as_str();
        let path = ColumnPath::from(name);
        // Ids, and prompt sizes (with the cached part of them), which spread over five orders
        // of magnitude: nearly every value is new to a row group. (Completion sizes repeat more
        // often, and their dictionary pays.)
        let nearly_unique = matches!(
            name,
            "id" | "generation_id"
                | "request_id"
                | "upstream_id"
                | "tokens_prompt"
                | "native_tokens_prompt"
                | "native_tokens_cached"
        );
        match field.data_type() {
            DataType::Timestamp(..) => {
                builder = builder
                    .set_column_dictionary_enabled(path.clone(), false)
                    .set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
            }
            DataType::Float64 => {
                builder = builder
                    .set_column_dictionary_enabled(path.clone(), false)
                    .set_column_encoding(path, Encoding::BYTE_STREAM_SPLIT);
            }
            // Costs: nearly unique integers; plain and zstd beat delta encoding on them.
            DataType::Decimal128(..) => {
                builder = builder
                    .set_column_dictionary_enabled(path.clone(), false)
                    .set_column_encoding(path, Encoding::PLAIN);
            }
            // Sketches (the rollups' TTFT and throughput): nearly every one is unique, so a
            // dictionary only grows to its 1 MB limit, and every read of a page of the column
            // then reads and decompresses that page too. Nor are they compressed: LZ4 saves only
            // a quarter of their bytes, and decompressing took a tenth of the speed view's time.
            DataType::Binary => {
                builder = builder
                    .set_column_dictionary_enabled(path.clone(), false)
                    .set_column_compression(path.clone(), Compression::UNCOMPRESSED)
                    .set_column_encoding(path, Encoding::PLAIN);
            }
            // The rollups' counts and sums: token sums are nearly unique, so their dictionary
            // grew to hundreds of KB per file, and a view that reads a few pages of a file by
            // the page index (one model's rows, the shown apps' rows) read all of it for them.
            // Delta encoding packs the counts as tightly, and a page decodes on its own.
            DataType::Int64 if is_rollup => {
                builder = builder
                    .set_column_dictionary_enabled(path.clone(), false)
                    .set_column_encoding(path, Encoding::DELTA_BINARY_PACKED);
            }
            // Nearly unique ids and prompt sizes: plain under zstd stores them in the least
            // room. On a day of the generated workload, in bytes per row: `id` 2.44 plain, 2.85
            // delta-encoded, 3.29 with a dictionary; `generation_id` 2.24, 2.93, 3.23;
            // `tokens_prompt` 1.96 plain, 2.17 with a dictionary. Nor do plain values cost the
            // writer a dictionary lookup per row.
            DataType::Utf8 | DataType::Int64 if nearly_unique => {
                builder = builder
                    .set_column_dictionary_enabled(path.clone(), false)
                    .set_column_encoding(path, Encoding::PLAIN);
            }
            _ => {}
        }
    }
    builder.build()
}

/// `properties` with data pages of at most `page_rows` rows, however few.
pub fn with_page_rows(properties: WriterProperties, page_rows: usize) -> WriterProperties {
    let write_batch_size = properties.write_batch_size().min(page_rows);
    properties
        .into_builder()
        .set_data_page_row_count_limit(page_rows)
        // The writer checks the page limits after each batch of this many rows (1,024 by
        // default), so a page holds at least that many.
        .set_write_batch_size(write_batch_size)
        .build()
}

#[cfg(test)]
mod tests {
    use deltalake::arrow::array::{ArrayRef, TimestampMicrosecondArray};
    use deltalake::arrow::datatypes::{Field, Schema, TimeUnit};
    use deltalake::parquet::arrow::ArrowWriter;
    use deltalake::parquet::arrow::arrow_reader::{
        ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
    };
    use deltalake::parquet::file::metadata::{ColumnChunkMetaData, PageIndexPolicy};

    use super::*;

    /// Where the data pages of a `rows`-row column `name` start when written with `properties`,
    /// by the page index.
    fn page_starts(properties: WriterProperties, name: &str, rows: i64) -> Vec<i64> {
        let utc = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
        let schema = Arc::new(Schema::new(vec![Field::new(name, utc, false)]));
        let times = TimestampMicrosecondArray::from_iter_values((0..rows).map(|s| s * 1_000_000))
            .with_timezone("UTC");
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![Arc::new(times)]).unwrap();
        let file = tempfile::tempfile().unwrap();
        let mut writer =
            ArrowWriter::try_new(file.try_clone().unwrap(), schema, Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();

        let options = ArrowReaderOptions::new().with_page_index_policy(PageIndexPolicy::Required);
        let reader = ParquetRecordBatchReaderBuilder::try_new_with_options(file, options).unwrap();
        let offsets = reader.metadata().offset_index().unwrap();
        offsets[0][0]
            .page_locations()
            .iter()
            .map(|page| page.first_row_index)
            .collect()
    }

    /// 10,000 rows in `created_at` order are written as pages starting every 2,048 rows, so a
    /// reader with the page index decodes a few thousand rows for a short window, not 20,000.
    #[test]
    fn data_pages_hold_at_most_page_rows() {
        let properties = writer_properties(TableName::Generations);
        assert_eq!(
            page_starts(properties, "created_at", 10_000),
            [0, 2048, 4096, 6144, 8192]
        );
    }

    /// Pages smaller than the writer's 1,024-row batches hold no more rows than asked for.
    #[test]
    fn pages_can_be_smaller_than_write_batches() {
        let properties = with_page_rows(writer_properties(TableName::HourlyEndpoints), 128);
        let every_128: Vec<i64> = (0..1000).step_by(128).collect();
        assert_eq!(page_starts(properties, "hour", 1000), every_128);
    }

    /// The metadata of the column chunk that `column`, named `name`, is written as, alone in a
    /// file, with `table`'s writer properties.
    fn first_column_chunk(table: TableName, name: &str, column: ArrayRef) -> ColumnChunkMetaData {
        let field = Field::new(name, column.data_type().clone(), true);
        let schema = Arc::new(Schema::new(vec![field]));
        let batch = RecordBatch::try_new(Arc::clone(&schema), vec![column]).unwrap();
        let file = tempfile::tempfile().unwrap();
        let properties = writer_properties(table);
        let mut writer =
            ArrowWriter::try_new(file.try_clone().unwrap(), schema, Some(properties)).unwrap();
        writer.write(&batch).unwrap();
        writer.close().unwrap();
        let reader = ParquetRecordBatchReaderBuilder::try_new(file).unwrap();
        reader.metadata().row_group(0).column(0).clone()
    }

    /// Sketch columns are written without a dictionary, and uncompressed: a reader of a few
    /// pages of sketches does not read a 1 MB dictionary page with them, nor decompress them.
    #[test]
    fn sketch_columns_are_plain_and_uncompressed() {
        use deltalake::arrow::array::BinaryArray;
        let sketches: Vec<Vec<u8>> = (0..1000u32).map(|i| i.to_le_bytes().repeat(50)).collect();
        let column = BinaryArray::from_iter_values(sketches.iter().map(Vec::as_slice));
        let chunk = first_column_chunk(TableName::HourlyEndpoints, "ttft", Arc::new(column));
        assert_eq!(chunk.dictionary_page_offset(), None);
        assert_eq!(chunk.compression(), Compression::UNCOMPRESSED);
        assert!(
            !chunk.encodings().any(|e| e == Encoding::RLE_DICTIONARY),
            "{:?}",
            chunk.encodings().collect::<Vec<_>>()
        );
    }

    /// The rollups' counts and sums are delta-encoded without a dictionary, so that reading a
    /// page of them reads no dictionary page; the raw tables' integers keep theirs.
    #[test]
    fn rollup_integers_have_no_dictionary() {
        use deltalake::arrow::array::Int64Array;
        // A few repeated values, which a dictionary would take if it were enabled.
        let integers = || -> ArrayRef {
            Arc::new(Int64Array::from_iter_values(
                (0..1000).map(|i| i % 7 * 1_000_003),
            ))
        };
        for (table, name) in [
            (TableName::DailyApps, "tokens"),
            (TableName::HourlyEndpoints, "tokens_prompt"),
            (TableName::HourlyAttempts, "status"),
        ] {
            let chunk = first_column_chunk(table, name, integers());
            assert_eq!(chunk.dictionary_page_offset(), None, "{table:?}.{name}");
            assert!(
                chunk
                    .encodings()
                    .any(|e| e == Encoding::DELTA_BINARY_PACKED),
                "{table:?}.{name}: {:?}",
                chunk.encodings().collect::<Vec<_>>()
            );
        }
        let raw = first_column_chunk(TableName::Generations, "tokens_completion", integers());
        assert!(raw.dictionary_page_offset().is_some());
    }

    /// The raw tables' ids and prompt sizes are written plain, without a dictionary, even where
    /// their values repeat: the generated workload's nearly unique ones take the least room so.
    #[test]
    fn ids_and_prompt_sizes_are_plain() {
        use deltalake::arrow::array::{Int64Array, StringArray};
        let ids: ArrayRef = Arc::new(StringArray::from_iter_values(
            (0..1000).map(|i| format!("gen-{}", i % 7)),
        ));
        let sizes: ArrayRef = Arc::new(Int64Array::from_iter_values((0..1000).map(|i| i % 7)));
        for (table, name, column) in [
            (TableName::Generations, "id", &ids),
            (TableName::Generations, "request_id", &ids),
            (TableName::Attempts, "generation_id", &ids),
            (TableName::Generations, "tokens_prompt", &sizes),
            (TableName::Generations, "native_tokens_prompt", &sizes),
            (TableName::Generations, "native_tokens_cached", &sizes),
        ] {
            let chunk = first_column_chunk(table, name, Arc::clone(column));
            assert_eq!(chunk.dictionary_page_offset(), None, "{table:?}.{name}");
            let encodings: Vec<_> = chunk.encodings().collect();
            assert!(
                encodings.contains(&Encoding::PLAIN),
                "{table:?}.{name}: {encodings:?}"
            );
        }
    }
}
