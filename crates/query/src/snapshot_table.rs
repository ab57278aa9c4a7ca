//! A table provider over one Delta snapshot's live files, listed once per session.
//!
//! deltalake's provider replays the Delta log through delta-kernel at every scan to choose its
//! files: about 4.5 ms to plan one filtered scan of a 2M-record lake, and a view has up to five
//! scans. A session's snapshot never changes, so this provider takes the snapshot's file list
//! once, keeps it by `date`, prunes dates in memory and hands the chosen files to DataFusion's
//! Parquet scan, which prunes row groups by their statistics and caches file footers (with their
//! page indexes: see [`FullMetadataReaders`]).
//!
//! It reads what ingest and the rollups write: Parquet files partitioned by `date` alone, with
//! neither deletion vectors nor column mapping. A table using either keeps deltalake's provider.

use std::collections::BTreeMap;
use std::ops::Range;
use std::sync::Arc;

use async_trait::async_trait;
use datafusion::arrow::array::{Array, AsArray, Date32Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Schema, SchemaRef};
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::stats::Precision;
use datafusion::common::tree_node::{Transformed, TreeNode};
use datafusion::common::{DFSchema, ScalarValue, Statistics, project_schema};
use datafusion::datasource::TableType;
use datafusion::datasource::listing::PartitionedFile;
use datafusion::datasource::listing::helpers::expr_applicable_for_cols;
use datafusion::datasource::object_store::ObjectStoreUrl;
use datafusion::datasource::physical_plan::parquet::CachedParquetFileReaderFactory;
use datafusion::datasource::physical_plan::{
    FileGroup, FileScanConfigBuilder, ParquetFileReaderFactory, ParquetSource,
};
use datafusion::datasource::source::DataSourceExec;
use datafusion::datasource::table_schema::TableSchema;
use datafusion::error::Result;
use datafusion::logical_expr::expr_rewriter::unnormalize_col;
use datafusion::logical_expr::utils::conjunction;
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown};
use datafusion::parquet::arrow::arrow_reader::ArrowReaderOptions;
use datafusion::parquet::arrow::async_reader::AsyncFileReader;
use datafusion::parquet::file::metadata::{PageIndexPolicy, ParquetMetaData};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::empty::EmptyExec;
use datafusion::physical_plan::metrics::ExecutionPlanMetricsSet;
use datafusion::prelude::SessionContext;
use delta_kernel::table_features::ColumnMappingMode;
use deltalake::logstore::LogStore;
use deltalake::{DeltaTable, ObjectMeta};
use futures_util::future::{BoxFuture, FutureExt};
use tokenboard_ingest::columns::DATE;

use crate::Error;

#[derive(Debug)]
pub(crate) struct SnapshotTable {
    /// The columns as deltalake's provider shows them (strings as views), `date` last.
    schema: SchemaRef,
    /// The live files of each date (days since 1970-01-01), dates ascending.
    files_by_date: BTreeMap<i32, Vec<PartitionedFile>>,
    /// Where the session finds the table's files: a store rooted at the table.
    store: ObjectStoreUrl,
}

impl SnapshotTable {
    /// The provider for `table`'s loaded snapshot, whose columns are `schema` (deltalake's
    /// provider's), or `None` when the table uses what this provider does not read. Registers
    /// the table's store with `ctx`.
    pub(crate) fn try_new(
        ctx: &SessionContext,
        table: &DeltaTable,
        schema: SchemaRef,
    ) -> Result<Option<SnapshotTable>, Error> {
        let state = table.snapshot()?;
        let mapped = state
            .table_config()
            .column_mapping_mode
            .is_some_and(|mode| mode != ColumnMappingMode::None);
        let date_last = schema
            .fields()
            .last()
            .is_some_and(|field| field.name() == DATE && field.data_type() == &DataType::Date32);
        if mapped || !date_last {
            return Ok(None);
        }
        let mut files_by_date: BTreeMap<i32, Vec<PartitionedFile>> = BTreeMap::new();
        for file in state.log_data().iter() {
            if file.deletion_vector_descriptor().is_some() {
                return Ok(None);
            }
            let partitions = file.partition_values_map();
            let date = match partitions.get(DATE) {
                Some(Some(text)) if partitions.len() == 1 => {
                    ScalarValue::try_from_string(text.clone(), &DataType::Date32)?
                }
                _ => return Ok(None),
            };
            let (ScalarValue::Date32(Some(day)), Ok(size)) =
                (date.clone(), u64::try_from(file.size()))
            else {
                return Ok(None);
            };
            let meta = ObjectMeta {
                location: file.object_store_path(),
                last_modified: file.modification_datetime()?,
                size,
                e_tag: None,
                version: None,
            };
            let mut part = PartitionedFile::new_from_meta(meta).with_partition_values(vec![date]);
            if let Some(rows) = file.num_records() {
                // Exact row counts let `count(*)` answer from the log, as deltalake's does.
                let statistics =
                    Statistics::new_unknown(&schema).with_num_rows(Precision::Exact(rows));
                part = part.with_statistics(Arc::new(statistics));
            }
            files_by_date.entry(day).or_default().push(part);
        }
        let log_store = table.log_store();
        let store = log_store.object_store_url();
        ctx.runtime_env()
            .register_object_store(store.as_ref(), log_store.object_store(None));
        Ok(Some(SnapshotTable {
            schema,
            files_by_date,
            store,
        }))
    }

    /// The files whose date passes every filter on `date` alone.
    fn files_matching(
        &self,
        state: &dyn Session,
        date_filters: Vec<Expr>,
    ) -> Result<Vec<PartitionedFile>> {
        let Some(filter) = conjunction(date_filters) else {
            return Ok(self.files_by_date.values().flatten().cloned().collect());
        };
        // Evaluate the filter once over every date the snapshot has, not once per file.
        let dates = Date32Array::from_iter_values(self.files_by_date.keys().copied());
        let date_schema = Arc::new(Schema::new(vec![
            self.schema.field(self.date_index()).clone(),
        ]));
        let batch = RecordBatch::try_new(date_schema.clone(), vec![Arc::new(dates)])?;
        let filter = unnormalize_col(filter);
        let predicate = state.create_physical_expr(filter, &DFSchema::try_from(date_schema)?)?;
        let matches = predicate.evaluate(&batch)?.into_array(batch.num_rows())?;
        let Some(matches) = matches.as_boolean_opt() else {
            // The planner passes only conditions; should one not be, read every file.
            return Ok(self.files_by_date.values().flatten().cloned().collect());
        };
        Ok(self
            .files_by_date
            .values()
            .enumerate()
            .filter(|(i, _)| matches.is_valid(*i) && matches.value(*i))
            .flat_map(|(_, files)| files.iter().cloned())
            .collect())
    }

    fn date_index(&self) -> usize {
        self.schema.fields().len() - 1
    }
}

#[async_trait]
impl TableProvider for SnapshotTable {
    fn schema(&self) -> SchemaRef {
        self.schema.clone()
    }

    fn table_type(&self) -> TableType {
        TableType::Base
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // A filter on `date` alone holds for all of a file's rows or for none: choosing the
        // files applies it exactly. Others go on to Parquet's row-group pruning.
        Ok(filters
            .iter()
            .map(|filter| {
                if is_date_filter(filter) {
                    TableProviderFilterPushDown::Exact
                } else {
                    TableProviderFilterPushDown::Inexact
                }
            })
            .collect())
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let date_filters = filters
            .iter()
            .filter(|filter| is_date_filter(filter))
            .cloned()
            .collect();
        let files = self.files_matching(state, date_filters)?;
        if files.is_empty() {
            let schema = project_schema(&self.schema, projection)?;
            return Ok(Arc::new(EmptyExec::new(schema)));
        }
        // Exact when every file's log entry counts its rows, as ingest's always do.
        let rows: Option<usize> = files
            .iter()
            .map(|file| file.statistics.as_ref()?.num_rows.get_value().copied())
            .sum();
        let statistics = Statistics::new_unknown(&self.schema)
            .with_num_rows(rows.map_or(Precision::Absent, Precision::Exact));
        // As many groups as the session runs partitions; the optimizer splits large files
        // further by byte range.
        let groups = state.config().target_partitions().max(1).min(files.len());
        let mut file_groups = vec![Vec::new(); groups];
        for (i, file) in files.into_iter().enumerate() {
            file_groups[i % groups].push(file);
        }
        let date = self.date_index();
        let file_columns: Vec<_> = self.schema.fields().iter().take(date).cloned().collect();
        let table_schema = TableSchema::builder(Arc::new(Schema::new(file_columns)))
            .with_table_partition_cols(vec![Arc::new(self.schema.field(date).clone())])
            .build();
        // What `ParquetFormat::create_physical_plan` builds, but with our reader factory.
        let options = state.table_options().parquet.clone();
        let metadata_size_hint = options.global.metadata_size_hint;
        let readers = FullMetadataReaders(CachedParquetFileReaderFactory::new(
            state.runtime_env().object_store(&self.store)?,
            state.runtime_env().cache_manager.get_file_metadata_cache(),
        ));
        let mut source = ParquetSource::new(table_schema)
            .with_table_parquet_options(options)
            .with_parquet_file_reader_factory(Arc::new(readers));
        if let Some(hint) = metadata_size_hint {
            source = source.with_metadata_size_hint(hint);
        }
        let config = FileScanConfigBuilder::new(self.store.clone(), Arc::new(source))
            .with_file_groups(file_groups.into_iter().map(FileGroup::new).collect())
            .with_projection_indices(projection.cloned())?
            .with_limit(limit)
            .with_statistics(statistics)
            .build();
        Ok(DataSourceExec::from_data_source(config))
    }
}

/// Whether `filter` reads `date` and nothing else but constants: it then holds for all of a
/// file's rows or for none. Placeholders count as constants. A prepared view's filters are
/// classified before its values are bound (and DataFusion's check turns down any placeholder),
/// but each run binds them before its scan. Were they turned down, every row of a view's scans
/// would be filtered on `date` again after the files were chosen by it.
fn is_date_filter(filter: &Expr) -> bool {
    let reads_date = filter
        .column_refs()
        .iter()
        .any(|column| column.name == DATE);
    let bound = filter.clone().transform(|expr| {
        Ok(match expr {
            Expr::Placeholder(_) => Transformed::yes(Expr::Literal(ScalarValue::Null, None)),
            other => Transformed::no(other),
        })
    });
    // A filter on placeholders alone (`$reads_hours`) is left to the optimizer, which drops a
    // branch whose filter binds to false.
    reads_date && bound.is_ok_and(|bound| expr_applicable_for_cols(&[DATE], &bound.data))
}

/// Parquet readers whose metadata comes from the session's cache with the page index in it.
///
/// DataFusion's Parquet opener asks for the footer alone, and loads the page index later, if
/// row-group statistics leave it useful, straight from the file: that load bypasses the cache
/// (apache/datafusion#23978). The rollups' small pages make it useful on nearly every scan, so
/// every view re-read and re-decoded the page indexes of every file it opened. Asking for them
/// with the footer puts them in the cache, and the opener then finds them already loaded.
#[derive(Debug)]
struct FullMetadataReaders(CachedParquetFileReaderFactory);

impl ParquetFileReaderFactory for FullMetadataReaders {
    fn create_reader(
        &self,
        partition_index: usize,
        file: PartitionedFile,
        metadata_size_hint: Option<usize>,
        metrics: &ExecutionPlanMetricsSet,
    ) -> Result<Box<dyn AsyncFileReader + Send>> {
        let reader = self
            .0
            .create_reader(partition_index, file, metadata_size_hint, metrics)?;
        Ok(Box::new(FullMetadataReader(reader)))
    }
}

struct FullMetadataReader(Box<dyn AsyncFileReader + Send>);

impl AsyncFileReader for FullMetadataReader {
    fn get_bytes(
        &mut self,
        range: Range<u64>,
    ) -> BoxFuture<'_, datafusion::parquet::errors::Result<bytes::Bytes>> {
        self.0.get_bytes(range)
    }

    fn get_byte_ranges(
        &mut self,
        ranges: Vec<Range<u64>>,
    ) -> BoxFuture<'_, datafusion::parquet::errors::Result<Vec<bytes::Bytes>>> {
        self.0.get_byte_ranges(ranges)
    }

    fn get_metadata<'a>(
        &'a mut self,
        options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, datafusion::parquet::errors::Result<Arc<ParquetMetaData>>> {
        let options = options
            .cloned()
            .unwrap_or_default()
            .with_page_index_policy(PageIndexPolicy::Optional);
        async move { self.0.get_metadata(Some(&options)).await }.boxed()
    }
}
