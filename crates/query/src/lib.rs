//! SQL over the lake: the Delta tables registered in a DataFusion session, the leaderboard
//! catalog run against them, and the output formats the CLI prints.

mod catalog;
mod endpoints;
mod output;
mod rows;
mod snapshot_table;

pub use catalog::{
    DEFAULT_LIMIT, MAX_LIMIT, Period, View, ViewRequest, ViewSql, Window, data_through,
};
pub use output::{Format, write_batches};
pub use rows::*;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use datafusion::arrow::array::{Array, AsArray, RecordBatch};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Int64Type, TimestampMicrosecondType};
use datafusion::arrow::error::ArrowError;
use datafusion::common::runtime::SpawnedTask;
use datafusion::common::tree_node::{TreeNode, TreeNodeRecursion};
use datafusion::common::{ParamValues, ScalarValue};
use datafusion::datasource::{MemTable, TableProvider};
use datafusion::error::DataFusionError;
use datafusion::execution::runtime_env::RuntimeEnv;
use datafusion::logical_expr::{Expr, LogicalPlan};
use datafusion::optimizer::Optimizer;
use datafusion::optimizer::eliminate_filter::EliminateFilter;
use datafusion::optimizer::propagate_empty_relation::PropagateEmptyRelation;
use datafusion::optimizer::push_down_limit::PushDownLimit;
use datafusion::optimizer::simplify_expressions::SimplifyExpressions;
use datafusion::physical_plan::{ExecutionPlan, collect as collect_physical};
use datafusion::prelude::{DataFrame, SessionConfig, SessionContext};
use deltalake::DeltaTable;
use tokenboard_ingest::{Lake, TableName};

use crate::snapshot_table::SnapshotTable;

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
    #[error("{0} needs a model (author/slug){either}", either = if matches!(.0, View::ModelProviders | View::Feedback) { " or a provider, beyond the 5m, 30m and 1d windows" } else { "" })]
    MissingModel(View),
    #[error(
        "an older version of tokenboard wrote this data directory (in the table {table}, \
         {changes}); `tokenboard compact` (or the next `tokenboard ingest`) upgrades it"
    )]
    OlderTable {
        table: &'static str,
        changes: String,
    },
    #[error("reading the rows of {view}: {source}")]
    Rows {
        view: &'static str,
        source: serde_json::Error,
    },
}

fn view_names() -> String {
    View::ALL.map(View::name).join(", ")
}

/// The names the lake knows, for telling an unknown model from one with no recent traffic.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Names {
    pub models: BTreeSet<String>,
    pub providers: BTreeSet<String>,
    pub authors: BTreeSet<String>,
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
    /// How long this run took to turn the view's SQL into a physical plan, its values bound:
    /// parsing and optimizing too on a session's first run of the view, binding, the optimizer
    /// rules that need the values and physical planning on later runs. The rest is execution.
    /// For a view of two statements run side by side, the slower one's planning.
    pub planning: Duration,
}

impl ViewResult {
    pub fn num_rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }
}

/// A DataFusion session with every table of a lake registered under its name.
pub struct LakeSession {
    ctx: SessionContext,
    /// The same tables, for queries that read a few thousand rows (see [`Partitions::One`]).
    one_partition: SessionContext,
    lake: Lake,
    /// Each registered table, kept to ask its log for newer commits.
    tables: BTreeMap<&'static str, DeltaTable>,
    /// The Delta version each registered table was read at.
    versions: BTreeMap<&'static str, u64>,
    /// The newest record, once read: a session's snapshot never changes, so neither does it.
    newest: Mutex<Option<Option<DateTime<Utc>>>>,
    /// Each statement with placeholders planned once per session, as a prepared statement is
    /// (parsing took 9 of model-providers' 32 ms at 2M records, optimizing most of the rest).
    prepared: Mutex<HashMap<String, Arc<Prepared>>>,
    /// What a prepared plan still needs once its values are bound: folding them, dropping the
    /// branches a false condition empties (a window without a whole hour reads no rollups),
    /// and pushing a bound `LIMIT` into the sort below it (a top-k).
    after_binding: Arc<Optimizer>,
}

/// A statement planned once per session.
enum Prepared {
    /// Analyzed and optimized with its placeholders unbound, with the type each placeholder
    /// was planned with (by name, without the `$`; `None` when untyped).
    Optimized {
        plan: LogicalPlan,
        placeholder_types: HashMap<String, Option<DataType>>,
    },
    /// As planned from the SQL: a statement without placeholders, or one the optimizer could
    /// not take without its values. Each run binds, then optimizes.
    Unoptimized(LogicalPlan),
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
        LakeSession::open_tables(lake, &TableName::ALL).await
    }

    /// A session that reads only `names`, the other tables registered empty: for SQL that reads
    /// just those, without loading every table's log.
    pub async fn open_tables(lake: &Lake, names: &[TableName]) -> Result<LakeSession, Error> {
        LakeSession::open_in(lake, names, Arc::new(RuntimeEnv::default())).await
    }

    /// A session at the lake's newest snapshot (every table) that keeps this one's runtime,
    /// and with it the Parquet footers and page indexes it has cached: data files never change
    /// once written, so a server moving to each new commit re-reads only the new files' footers.
    pub async fn reopen(&self) -> Result<LakeSession, Error> {
        LakeSession::open_in(&self.lake, &TableName::ALL, self.ctx.runtime_env()).await
    }

    async fn open_in(
        lake: &Lake,
        names: &[TableName],
        runtime: Arc<RuntimeEnv>,
    ) -> Result<LakeSession, Error> {
        // DATAFUSION_* environment variables tune the engine (batch size, Parquet reading, ...)
        // for analysts and benchmarks; a malformed one is an error, not silently ignored. Without
        // DATAFUSION_EXECUTION_TARGET_PARTITIONS, each core gets a partition.
        let mut config = SessionConfig::from_env()?.with_information_schema(true);
        if std::env::var_os("DATAFUSION_EXECUTION_TARGET_PARTITIONS").is_none() {
            config = config.with_target_partitions(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            );
        }
        let ctx = SessionContext::new_with_config_rt(config, runtime);
        tokenboard_sketch::udf::register(&ctx);
        let mut versions = BTreeMap::new();
        let mut tables = BTreeMap::new();
        for name in TableName::ALL {
            let table = if names.contains(&name) {
                lake.open(name.as_str()).await?
            } else {
                None
            };
            let Some(table) = table else {
                // A table not created yet reads as empty, so that every query still plans.
                let empty = MemTable::try_new(name.schema(), vec![vec![]])?;
                ctx.register_table(name.as_str(), Arc::new(empty))?;
                continue;
            };
            table.update_datafusion_session(&ctx.state())?;
            let delta: Arc<dyn TableProvider> = table.table_provider().await?;
            if TableName::RAW.contains(&name) {
                let changes = tokenboard_ingest::outdated_columns(name, &delta.schema());
                if !changes.is_empty() {
                    return Err(Error::OlderTable {
                        table: name.as_str(),
                        changes: changes.join(", "),
                    });
                }
            }
            let provider: Arc<dyn TableProvider> =
                match SnapshotTable::try_new(&ctx, &table, delta.schema())? {
                    Some(snapshot) => Arc::new(snapshot),
                    None => delta,
                };
            ctx.register_table(name.as_str(), provider)?;
            versions.insert(name.as_str(), table.version().unwrap_or(0));
            tables.insert(name.as_str(), table);
        }
        let one_partition = one_partition_session(&ctx);
        Ok(LakeSession {
            ctx,
            one_partition,
            lake: lake.clone(),
            tables,
            versions,
            newest: Mutex::new(None),
            prepared: Mutex::new(HashMap::new()),
            after_binding: Arc::new(Optimizer::with_rules(vec![
                Arc::new(SimplifyExpressions::new()),
                Arc::new(EliminateFilter::new()),
                Arc::new(PropagateEmptyRelation::new()),
                Arc::new(PushDownLimit::new()),
            ])),
        })
    }

    /// Whether any table has a commit newer than this session's snapshot (or was created since):
    /// the signal to open a new session. Reads only the tail of each Delta log.
    pub async fn is_stale(&self) -> Result<bool, Error> {
        for name in TableName::ALL {
            let name = name.as_str();
            match (self.tables.get(name), self.versions.get(name)) {
                (Some(table), Some(&version)) => {
                    if table.get_latest_version().await? != version {
                        return Ok(true);
                    }
                }
                _ => {
                    if self.lake.open(name).await?.is_some() {
                        return Ok(true);
                    }
                }
            }
        }
        Ok(false)
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
        collect(self.ctx.sql(query).await?, &self.ctx).await
    }

    /// Runs SQL with named parameters (`$start`, ...), bound as values, never spliced into text.
    /// The SQL is planned once per session (see `prepare`): the rollup refresh runs the same
    /// query for each day it touched.
    pub async fn sql_with(
        &self,
        query: &str,
        params: Vec<(&str, ScalarValue)>,
    ) -> Result<Vec<RecordBatch>, Error> {
        Ok(self
            .run_prepared(query, params, Partitions::Session)
            .await?
            .batches)
    }

    /// [`sql_with`](Self::sql_with) planned for one partition: no repartitioning, and each
    /// aggregate runs once over its rows instead of as partial and final steps, which pass every
    /// group's state (a sketch, serialized and read back) between them. For callers that run
    /// several such queries side by side, one per core, as the rollup refresh does with days.
    pub async fn sql_with_one_partition(
        &self,
        query: &str,
        params: Vec<(&str, ScalarValue)>,
    ) -> Result<Vec<RecordBatch>, Error> {
        Ok(self
            .run_prepared(query, params, Partitions::One)
            .await?
            .batches)
    }

    /// The newest record's `created_at`, or `None` when there are no generations. Read once per
    /// session: every view of a snapshot shares it.
    pub async fn newest(&self) -> Result<Option<DateTime<Utc>>, Error> {
        if let Some(newest) = *self.newest.lock().unwrap_or_else(|e| e.into_inner()) {
            return Ok(newest);
        }
        let newest = self.read_newest().await?;
        *self.newest.lock().unwrap_or_else(|e| e.into_inner()) = Some(newest);
        Ok(newest)
    }

    async fn read_newest(&self) -> Result<Option<DateTime<Utc>>, Error> {
        // The views read the rollups, so their newest record is the one the rollups hold: a
        // rollup a moment behind an ingest gives an older but consistent answer. A lake without
        // rollups has nothing to show until `tokenboard rollup` builds them.
        if !self.versions.contains_key("hourly_endpoints") {
            return Ok(None);
        }
        let batches = self
            .sql("SELECT max(last_created_at) AS newest FROM hourly_endpoints")
            .await?;
        let micros = batches
            .first()
            .filter(|batch| batch.num_rows() > 0)
            .and_then(|batch| {
                batch
                    .column(0)
                    .as_primitive_opt::<TimestampMicrosecondType>()
            })
            .and_then(|column| (!column.is_null(0)).then(|| column.value(0)));
        Ok(micros.and_then(DateTime::from_timestamp_micros))
    }

    /// The oldest and newest `created_at` of `generations`, or `None` when it has no rows.
    pub async fn time_range(&self) -> Result<Option<(DateTime<Utc>, DateTime<Utc>)>, Error> {
        if !self.versions.contains_key("generations") {
            return Ok(None);
        }
        let batches = self
            .sql("SELECT min(created_at), max(created_at) FROM generations")
            .await?;
        let read = |column: usize| {
            batches
                .first()
                .filter(|batch| batch.num_rows() > 0)
                .and_then(|batch| {
                    batch
                        .column(column)
                        .as_primitive_opt::<TimestampMicrosecondType>()
                })
                .and_then(|c| (!c.is_null(0)).then(|| c.value(0)))
                .and_then(DateTime::from_timestamp_micros)
        };
        Ok(read(0).zip(read(1)))
    }

    /// Every model, provider and author with a generation (queries/names.sql).
    pub async fn names(&self) -> Result<Names, Error> {
        let mut names = Names::default();
        if !self.versions.contains_key("hourly_endpoints") {
            return Ok(names);
        }
        for batch in self.sql(include_str!("../../../queries/names.sql")).await? {
            // Strings come back as Utf8 or Utf8View depending on the plan: read both as Utf8.
            let kinds = cast(batch.column(0), &DataType::Utf8)?;
            let values = cast(batch.column(1), &DataType::Utf8)?;
            let (Some(kinds), Some(values)) =
                (kinds.as_string_opt::<i32>(), values.as_string_opt::<i32>())
            else {
                continue;
            };
            for (kind, name) in kinds.iter().zip(values.iter()) {
                let (Some(kind), Some(name)) = (kind, name) else {
                    continue;
                };
                let set = match kind {
                    "model" => &mut names.models,
                    "provider" => &mut names.providers,
                    _ => &mut names.authors,
                };
                set.insert(name.to_owned());
            }
        }
        Ok(names)
    }

    /// The number of rows of each table, from the Delta log's file statistics.
    pub async fn row_counts(&self) -> Result<BTreeMap<&'static str, u64>, Error> {
        let mut counts = BTreeMap::new();
        for name in self.versions.keys() {
            let batches = self.sql(&format!("SELECT count(*) FROM {name}")).await?;
            let count = batches
                .first()
                .filter(|batch| batch.num_rows() > 0)
                .and_then(|batch| batch.column(0).as_primitive_opt::<Int64Type>())
                .map_or(0, |column| column.value(0));
            counts.insert(*name, u64::try_from(count).unwrap_or(0));
        }
        Ok(counts)
    }

    /// Runs a catalog view. An empty lake answers with no rows.
    pub async fn view(&self, request: &ViewRequest) -> Result<ViewResult, Error> {
        // Only the catalog's SQL is known to read little over a short window.
        let partitions = if request.reads_little() {
            Partitions::One
        } else {
            Partitions::Session
        };
        self.run_view(request, request.view.sql(), partitions).await
    }

    /// Runs `sql` with the parameters of a view request: a variant of a catalog view, or its
    /// raw-row version in bench/raw/. Parameters the SQL does not use are ignored. It is planned
    /// for the session's partitions, whatever the window: raw rows of a day are not little.
    pub async fn view_with_sql(
        &self,
        request: &ViewRequest,
        sql: &str,
    ) -> Result<ViewResult, Error> {
        self.run_view(request, ViewSql::One(sql), Partitions::Session)
            .await
    }

    async fn run_view(
        &self,
        request: &ViewRequest,
        sql: ViewSql<'_>,
        partitions: Partitions,
    ) -> Result<ViewResult, Error> {
        request.validate()?;
        let newest = self.newest().await?;
        let run = match (newest, sql) {
            (None, _) => Run::default(),
            (Some(newest), ViewSql::One(sql)) => {
                self.run_prepared(sql, request.parameters(newest), partitions)
                    .await?
            }
            (Some(newest), ViewSql::Endpoints { served, attempts }) => {
                let params = request.parameters(newest);
                // The attempts half on another task, so that both plan at once, one per core.
                let attempts = self
                    .statement(attempts, params.clone(), partitions)
                    .await?
                    .run();
                let attempts = SpawnedTask::spawn(attempts);
                let served = self.run_prepared(served, params, partitions).await?;
                let attempts = attempts
                    .join_unwind()
                    .await
                    .map_err(|e| DataFusionError::ExecutionJoin(Box::new(e)))??;
                Run {
                    batches: endpoints::side_by_side(&served.batches, &attempts.batches)?,
                    planning: served.planning.max(attempts.planning),
                }
            }
        };
        Ok(ViewResult {
            batches: run.batches,
            data_through: newest.map(data_through),
            newest,
            versions: self.versions.clone(),
            planning: run.planning,
        })
    }

    /// Runs `sql` with `params` bound, planned once per session (see [`Statement::run`]).
    async fn run_prepared(
        &self,
        sql: &str,
        params: Vec<(&str, ScalarValue)>,
        partitions: Partitions,
    ) -> Result<Run, Error> {
        self.statement(sql, params, partitions).await?.run().await
    }

    /// `sql` from the session's cache of prepared statements, with what a run of it needs.
    /// The statement owns all of it, so that it can run on a task of its own.
    async fn statement(
        &self,
        sql: &str,
        params: Vec<(&str, ScalarValue)>,
        partitions: Partitions,
    ) -> Result<Statement, Error> {
        let began = Instant::now();
        let prepared = self.prepare(sql).await?;
        let ctx = match partitions {
            Partitions::Session => &self.ctx,
            Partitions::One => &self.one_partition,
        };
        Ok(Statement {
            prepared,
            params: params
                .into_iter()
                .map(|(name, value)| (name.to_owned(), value))
                .collect(),
            ctx: ctx.clone(),
            after_binding: Arc::clone(&self.after_binding),
            began,
        })
    }

    /// `sql` planned with its placeholders unbound, from the session's cache.
    async fn prepare(&self, sql: &str) -> Result<Arc<Prepared>, Error> {
        let cached = self
            .prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(sql)
            .cloned();
        if let Some(prepared) = cached {
            return Ok(prepared);
        }
        let plan = self.ctx.state().create_logical_plan(sql).await?;
        // Statements without placeholders keep only their parsed plan: with nothing to bind,
        // each run optimizes it as an unprepared statement would be.
        let prepared = match placeholder_types(&plan) {
            Some(types) if !types.is_empty() => {
                // Some rules need the values (a LIMIT's count), and a placeholder planned with
                // two types fits no one value: those statements bind first.
                let optimized = self.ctx.state().optimize(&plan).map_err(|e| e.to_string());
                let typed = optimized.and_then(|optimized| {
                    placeholder_types(&optimized)
                        .map(|types| (optimized, types))
                        .ok_or_else(|| "a placeholder was planned with two types".to_owned())
                });
                match typed {
                    Ok((optimized, placeholder_types)) => Prepared::Optimized {
                        plan: optimized,
                        placeholder_types,
                    },
                    Err(reason) => {
                        tracing::debug!(sql, reason, "each run binds, then optimizes");
                        Prepared::Unoptimized(plan)
                    }
                }
            }
            _ => Prepared::Unoptimized(plan),
        };
        let prepared = Arc::new(prepared);
        self.prepared
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(sql.to_owned(), Arc::clone(&prepared));
        Ok(prepared)
    }
}

/// A prepared statement with its values, ready to run.
struct Statement {
    prepared: Arc<Prepared>,
    params: Vec<(String, ScalarValue)>,
    ctx: SessionContext,
    after_binding: Arc<Optimizer>,
    /// When the statement was asked for: its planning time counts from here.
    began: Instant,
}

impl Statement {
    /// Binds the values and runs. The optimized plan is bound when there is one; a statement
    /// the optimizer could not take unbound is bound first and then optimized, as an unprepared
    /// one is.
    async fn run(self) -> Result<Run, Error> {
        let Statement {
            prepared,
            params,
            ctx,
            after_binding,
            began,
        } = self;
        let (plan, placeholder_types) = match &*prepared {
            Prepared::Optimized {
                plan,
                placeholder_types,
            } => (plan, placeholder_types),
            Prepared::Unoptimized(plan) => {
                let bound = plan.clone().with_param_values(params)?;
                let physical = ctx
                    .execute_logical_plan(bound)
                    .await?
                    .create_physical_plan()
                    .await?;
                let planning = began.elapsed();
                let batches = collect_plan(physical, &ctx).await?;
                return Ok(Run { batches, planning });
            }
        };
        // Each value as the type its placeholder was planned with: a literal of another type
        // (Utf8 beside a Utf8View column) would meet no cast, as the analyzer has run.
        let params = params
            .into_iter()
            .map(|(name, value)| {
                let value = match placeholder_types.get(&name) {
                    Some(Some(planned)) if *planned != value.data_type() => {
                        value.cast_to(planned)?
                    }
                    _ => value,
                };
                Ok((name, value))
            })
            .collect::<Result<Vec<_>, DataFusionError>>()?;
        let state = ctx.state();
        let bound = plan.clone().with_param_values(ParamValues::from(params))?;
        let bound = after_binding.optimize(bound, &state, |_, _| {})?;
        let physical = state
            .query_planner()
            .create_physical_plan(&bound, &state)
            .await?;
        let planning = began.elapsed();
        let batches = collect_plan(physical, &ctx).await?;
        Ok(Run { batches, planning })
    }
}

/// Each placeholder of `plan` by name (`start` for `$start`), with the type it was planned
/// with (`None` when untyped). `None` overall when two occurrences were planned with different
/// types: no one value then fits both.
fn placeholder_types(plan: &LogicalPlan) -> Option<HashMap<String, Option<DataType>>> {
    let mut types: HashMap<String, Option<DataType>> = HashMap::new();
    let mut conflict = false;
    let walked = plan.apply_with_subqueries(|node| {
        node.apply_expressions(|expr| {
            expr.apply(|expr| {
                if let Expr::Placeholder(placeholder) = expr {
                    let typed = placeholder.field.as_ref().map(|f| f.data_type().clone());
                    let name = placeholder.id.trim_start_matches('$').to_owned();
                    let known = types.entry(name).or_insert(None);
                    match (known.as_ref(), typed) {
                        (Some(known), Some(typed)) => conflict |= *known != typed,
                        (None, typed) => *known = typed,
                        (Some(_), None) => {}
                    }
                }
                Ok(TreeNodeRecursion::Continue)
            })
        })
    });
    (walked.is_ok() && !conflict).then_some(types)
}

/// `ctx` planned for one partition (see [`Partitions::One`]). It shares `ctx`'s catalog, so it
/// reads the same tables; built once per session rather than per query.
fn one_partition_session(ctx: &SessionContext) -> SessionContext {
    let mut state = ctx.state();
    state.config_mut().options_mut().execution.target_partitions = 1;
    SessionContext::new_with_state(state)
}

/// A statement's result, and how long it took to plan (see [`ViewResult::planning`]).
#[derive(Default)]
struct Run {
    batches: Vec<RecordBatch>,
    planning: Duration,
}

/// How many partitions a query is planned for.
#[derive(Debug, Clone, Copy)]
enum Partitions {
    /// The session's setting, one per core.
    Session,
    /// One, in the session of [`one_partition_session`]. On a few thousand rows most of a query's
    /// time is planning, and one partition plans fewer operators (no repartitioning, no
    /// merging): one model's providers over 30m took 12.5 ms against 15 on two partitions at 2M
    /// records, 17.5 against 24 at 20M. Over a week two partitions win (54 against 67 ms at 20M).
    One,
}

/// Runs `plan` to completion; at least one batch, empty if need be, so that the schema is known.
async fn collect_plan(
    plan: Arc<dyn ExecutionPlan>,
    ctx: &SessionContext,
) -> Result<Vec<RecordBatch>, Error> {
    let schema = plan.schema();
    let mut batches = collect_physical(plan, ctx.task_ctx()).await?;
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema));
    }
    Ok(batches)
}

async fn collect(frame: DataFrame, ctx: &SessionContext) -> Result<Vec<RecordBatch>, Error> {
    collect_plan(frame.create_physical_plan().await?, ctx).await
}
