//! Rollups of the raw tables, by hour (and of those, by day): the leaderboard reads
//! these, so its cost follows the number of hours and endpoints, not of requests.
//!
//! Each rollup table is defined by one SQL file in `queries/rollups/`, over the raw rows of a
//! range of hours. The daily tables run theirs; the hourly ones are summed by hand in Rust, to
//! the same rows at a fraction of the cost (`by_hand.rs`; the tests hold the two equal).
//! [`refresh`] keeps the rollups current: every rollup commit records, as Delta
//! application transactions, the version of each raw table it reflects; the next refresh reads
//! the raw tables' commits since then, recomputes only the hours those commits touched, and
//! replaces those hours (one atomic `replaceWhere` commit per rollup table; a table stored in
//! row order replaces the dates that hold them, with the other hours' rows unchanged; days of
//! more rows than [`COMMIT_BYTES`] are committed in parts, and only the last part records the
//! versions). A crash at any point leaves a rollup at its last commit, and the next refresh
//! catches up; late data for an old hour is just another touched hour. [`rebuild`] recomputes
//! everything, with the same SQL, so both give the same rows.
//!
//! The daily tables sum an hourly one by day (`daily_endpoints` sums `hourly_endpoints`,
//! `daily_apps` sums `hourly_apps`, `daily_app_totals` sums `hourly_app_totals`). They are
//! refreshed after the hourly tables, from a new snapshot that holds their commits, and
//! recompute the whole days the touched hours fall in;
//! they record the same raw versions as the hourly tables do, so a crash between the two is
//! caught up by the next refresh like any other.

mod by_hand;
mod hours;

pub use hours::HourRanges;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Instant;

use chrono::{DateTime, NaiveDate, Utc};
use deltalake::DeltaTable;
use deltalake::arrow::array::RecordBatch;
use deltalake::arrow::compute::kernels::cmp::eq;
use deltalake::arrow::compute::{
    SortColumn, SortOptions, cast, concat_batches, filter_record_batch, lexsort_to_indices,
    take_record_batch,
};
use deltalake::arrow::datatypes::SchemaRef;
use deltalake::arrow::error::ArrowError;
use deltalake::datafusion::common::ScalarValue;
use deltalake::datafusion::error::DataFusionError;
use deltalake::datafusion::logical_expr::{Expr, col, lit};
use deltalake::datafusion::prelude::SessionContext;
use deltalake::kernel::Transaction;
use deltalake::kernel::transaction::CommitProperties;
use deltalake::operations::write::SchemaMode;
use deltalake::parquet::file::properties::WriterProperties;
use deltalake::protocol::SaveMode;
use futures_util::StreamExt;
use tokenboard_ingest::columns::DATE;
use tokenboard_ingest::lake::{with_page_rows, writer_properties};
use tokenboard_ingest::{Lake, TableName};
use tokenboard_query::LakeSession;

use by_hand::{HandRollup, by_hand};
use hours::{Changes, touched_hours};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Lake(#[from] tokenboard_ingest::Error),
    #[error(transparent)]
    Query(#[from] tokenboard_query::Error),
    #[error("delta table: {0}")]
    Delta(#[from] deltalake::DeltaTableError),
    #[error("rollup query: {0}")]
    DataFusion(#[from] DataFusionError),
    #[error("rollup query task: {0}")]
    Task(#[from] tokio::task::JoinError),
    #[error("rollup {table}: {source}")]
    Arrow {
        table: &'static str,
        source: ArrowError,
    },
    #[error("rollup {table}: stopped after a partial commit, as asked (a test's fault)")]
    Fault { table: &'static str },
}

/// What a refresh did to one rollup table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableRefresh {
    /// Already reflected every raw commit.
    Current,
    /// Recomputed these hours.
    Hours { hours: i64, rows: usize },
    /// Recomputed from every raw row.
    Rebuilt { rows: usize },
}

#[derive(Debug, Clone, Default)]
pub struct RefreshSummary {
    pub tables: BTreeMap<&'static str, TableRefresh>,
    pub millis: u128,
}

impl RefreshSummary {
    /// Whether any rollup table changed.
    pub fn changed(&self) -> bool {
        self.tables.values().any(|t| *t != TableRefresh::Current)
    }
}

impl std::fmt::Display for RefreshSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut first = true;
        for (name, refresh) in &self.tables {
            if !first {
                f.write_str(", ")?;
            }
            first = false;
            match refresh {
                TableRefresh::Current => write!(f, "{name} current")?,
                TableRefresh::Hours { hours, rows } => {
                    write!(f, "{name} {hours} hours ({rows} rows)")?
                }
                TableRefresh::Rebuilt { rows } => write!(f, "{name} rebuilt ({rows} rows)")?,
            }
        }
        write!(f, " in {} ms", self.millis)
    }
}

/// How much time one row of a rollup table covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Grain {
    Hour,
    /// A UTC day, summed from the named hourly rollup: a touched hour recomputes its whole day.
    Day {
        hourly: TableName,
    },
}

/// How a rollup table is computed.
struct Definition {
    /// Run over `[$start, $end)`; reads the raw tables, or for a daily table its hourly one.
    sql: &'static str,
    /// The same sums written in Rust, which a refresh runs instead of `sql` (an hourly table's
    /// SQL costs most of a refresh in DataFusion's aggregation: see `by_hand.rs`).
    by_hand: Option<HandRollup>,
    /// The raw tables whose commits it follows, and whose versions its commits record.
    sources: &'static [TableName],
    grain: Grain,
    /// The columns each day's rows are stored in order of (ascending, nulls last), or none.
    /// Views of one model filter on `model`: sorted by it, a file's pages each hold a narrow
    /// range of models, and the page index skips all but that model's. Likewise top-apps reads
    /// the (app, model) rows of the few apps it shows, by `app_id`.
    row_order: &'static [&'static str],
    /// Rows per data page: [`SMALL_PAGES`] where a view reads a few rows of a day's file by the
    /// page index, else the lake's usual.
    page_rows: Option<usize>,
}

fn definition(table: TableName) -> Definition {
    let (sql, sources, grain, row_order, page_rows) = match table {
        TableName::HourlyEndpoints => (
            include_str!("../../../queries/rollups/hourly_endpoints.sql"),
            &[TableName::Generations][..],
            Grain::Hour,
            &["model", "provider", "hour"][..],
            SMALL_PAGES,
        ),
        TableName::HourlyAttempts => (
            include_str!("../../../queries/rollups/hourly_attempts.sql"),
            &[TableName::Attempts, TableName::Generations][..],
            Grain::Hour,
            &["model", "provider", "hour", "status", "ended_in_error"][..],
            SMALL_PAGES,
        ),
        TableName::HourlyApps => (
            include_str!("../../../queries/rollups/hourly_apps.sql"),
            &[TableName::Generations][..],
            Grain::Hour,
            // By hour within an app, the page index also skips the hours of a period's first
            // day that precede it (23 of 24 when the period ends at 23:00).
            &["app_id", "hour"][..],
            // A shown app has thousands of rows in a day's hours, which the usual pages skip to
            // as well; in 128-row pages the table took half as much room again.
            None,
        ),
        TableName::HourlyAppTotals => (
            include_str!("../../../queries/rollups/hourly_app_totals.sql"),
            &[TableName::Generations][..],
            Grain::Hour,
            &[][..],
            None,
        ),
        TableName::DailyEndpoints => (
            include_str!("../../../queries/rollups/daily_endpoints.sql"),
            &[TableName::Generations][..],
            Grain::Day {
                hourly: TableName::HourlyEndpoints,
            },
            &["model", "provider"][..],
            SMALL_PAGES,
        ),
        TableName::DailyAttempts => (
            include_str!("../../../queries/rollups/daily_attempts.sql"),
            &[TableName::Attempts, TableName::Generations][..],
            Grain::Day {
                hourly: TableName::HourlyAttempts,
            },
            &["model", "provider", "status", "ended_in_error"][..],
            SMALL_PAGES,
        ),
        TableName::DailyApps => (
            include_str!("../../../queries/rollups/daily_apps.sql"),
            &[TableName::Generations][..],
            Grain::Day {
                hourly: TableName::HourlyApps,
            },
            &["app_id"][..],
            SMALL_PAGES,
        ),
        TableName::DailyAppTotals => (
            include_str!("../../../queries/rollups/daily_app_totals.sql"),
            &[TableName::Generations][..],
            Grain::Day {
                hourly: TableName::HourlyAppTotals,
            },
            &[][..],
            None,
        ),
        _ => (
            include_str!("../../../queries/rollups/hourly_prompt_sizes.sql"),
            &[TableName::Generations][..],
            Grain::Hour,
            &[][..],
            None,
        ),
    };
    Definition {
        sql,
        by_hand: by_hand(table),
        sources,
        grain,
        row_order,
        page_rows,
    }
}

/// Rows per data page of a table a view reads a few rows of. A model has 24 rows per provider
/// in a day of hourly rows, so a view of one model reads a page or two of each column by the
/// page index; with the lake's usual 2,048-row pages, it decoded about 800 KB of sketches per
/// day for 48 rows. An app has a few hundred rows in a day of `daily_apps`.
const SMALL_PAGES: Option<usize> = Some(128);

/// How `table`'s files are written: as the lake writes every table, in its own page size if it
/// has one.
fn rollup_writer_properties(table: TableName) -> WriterProperties {
    let properties = writer_properties(table);
    match definition(table).page_rows {
        Some(rows) => with_page_rows(properties, rows),
        None => properties,
    }
}

/// The application id under which a rollup records the raw table version it reflects.
fn progress_id(source: TableName) -> String {
    format!("tokenboard-rollup/{}", source.as_str())
}

/// How long a rollup file stays on disk after a refresh replaced it, for readers still on an
/// older snapshot. The site moves to each new snapshot within a second or so and `pg` at each
/// statement; a query runs for well under a second.
pub const VACUUM_RETENTION: chrono::Duration = chrono::Duration::minutes(10);

/// Deletes the rollup files that no commit has referenced for `retention`, and returns how many.
/// Every refresh replaces its touched days' files, so without this a live server's rollup
/// directories grow by a few files per commit, forever. (The raw tables are left alone: their
/// files are only replaced by `compact`, and Delta's own 7-day rule is right for them.)
pub async fn vacuum(lake: &Lake, retention: chrono::Duration) -> Result<usize, Error> {
    let mut deleted = 0;
    for table in TableName::ROLLUPS {
        let Some(rollup) = lake.open(table.as_str()).await? else {
            continue;
        };
        let (_, metrics) = rollup
            .vacuum()
            .with_retention_period(retention)
            .with_enforce_retention_duration(false)
            .await?;
        deleted += metrics.files_deleted.len();
    }
    Ok(deleted)
}

/// Brings every rollup up to the raw tables' latest commits, recomputing only touched hours.
pub async fn refresh(lake: &Lake) -> Result<RefreshSummary, Error> {
    refresh_with(lake, &RefreshOptions::default()).await
}

/// Recomputes every rollup from all raw rows (`tokenboard rollup --rebuild`).
pub async fn rebuild(lake: &Lake) -> Result<RefreshSummary, Error> {
    let options = RefreshOptions {
        rebuild: true,
        ..RefreshOptions::default()
    };
    refresh_with(lake, &options).await
}

/// How [`refresh_with`] works: [`refresh`] and [`rebuild`] use the defaults; tests set the rest.
#[derive(Debug, Clone)]
pub struct RefreshOptions {
    /// Recompute every hour from all raw rows.
    pub rebuild: bool,
    /// A table's recomputed days are written once their rows in memory pass this many bytes, in
    /// a commit of their own, and dropped: memory then follows this and a day's work, not how
    /// many days an ingest touched.
    pub commit_bytes: usize,
    /// Stop with [`Error::Fault`] right after each table's first commit that is not its last,
    /// as a crash there would: for tests.
    pub fault_after_partial_commit: bool,
}

impl Default for RefreshOptions {
    fn default() -> Self {
        RefreshOptions {
            rebuild: false,
            commit_bytes: COMMIT_BYTES,
            fault_after_partial_commit: false,
        }
    }
}

/// [`RefreshOptions::commit_bytes`]' default. What is held and then written takes about twice
/// this in memory, for each of the two tables refreshed at a time. Rebuild peaks by this limit
/// (MB, generated workload):
///
/// | records, days | 128 MiB | 64 MiB | 32 MiB | 16 MiB |
/// |---------------|---------|--------|--------|--------|
/// | 2M, 14        | 346     | 342    | 345    | 336    |
/// | 4M, 56        | 643     | 463    | 396    | 307    |
/// | 8M, 112       | 812     | 649    | 442    | 375    |
/// | 20M, 14       | 921     | 926    | 877    | 870    |
///
/// (One run each, stop 57.) With 20M records over 14 days a day's own aggregation sets the peak
/// whatever the limit. Each part is one more Delta version: at 32 MiB, 2M records take three
/// commits of `hourly_apps` and two of `daily_apps` and `hourly_endpoints`, at the same speed;
/// 16 MiB would double that for another 70-90 MB off the sparse lakes.
pub const COMMIT_BYTES: usize = 32 << 20;

/// Brings every rollup up to date as `options` say.
pub async fn refresh_with(lake: &Lake, options: &RefreshOptions) -> Result<RefreshSummary, Error> {
    let began = Instant::now();
    let mut summary = RefreshSummary::default();
    // One snapshot of the raw tables for every rollup: the versions recorded are the ones read.
    let session = Arc::new(LakeSession::open(lake).await?);
    let versions = session.versions().clone();
    if !versions.contains_key(TableName::Generations.as_str()) {
        return Ok(summary);
    }
    let (hourly, daily): (Vec<_>, Vec<_>) = TableName::ROLLUPS
        .into_iter()
        .partition(|table| definition(*table).grain == Grain::Hour);
    refresh_tables(
        lake,
        &session,
        &session,
        &versions,
        hourly,
        options,
        &mut summary,
    )
    .await?;
    // The daily tables sum the hourly ones just committed: a snapshot that holds them, when
    // they changed, and only them (opening every table's log cost a live refresh 50-75 ms). The
    // raw versions recorded stay the ones the hourly tables reflect.
    let hourly_session = if summary.changed() {
        let read: Vec<TableName> = daily
            .iter()
            .filter_map(|table| match definition(*table).grain {
                Grain::Day { hourly } => Some(hourly),
                Grain::Hour => None,
            })
            .collect();
        Arc::new(LakeSession::open_tables(lake, &read).await?)
    } else {
        Arc::clone(&session)
    };
    refresh_tables(
        lake,
        &session,
        &hourly_session,
        &versions,
        daily,
        options,
        &mut summary,
    )
    .await?;
    summary.millis = began.elapsed().as_millis();
    Ok(summary)
}

/// Refreshes `tables`, two at a time: one table's queries keep the cores busy while the other's
/// rows are encoded and written, which takes one core. (Measured before tables were committed in
/// parts, a rebuild of 20M records peaked at 945-979 MB this way, against 989 MB one table at a
/// time: the days' results are smaller than the aggregation state they came from.)
async fn refresh_tables(
    lake: &Lake,
    raw: &LakeSession,
    session: &Arc<LakeSession>,
    versions: &BTreeMap<&'static str, u64>,
    tables: Vec<TableName>,
    options: &RefreshOptions,
    summary: &mut RefreshSummary,
) -> Result<(), Error> {
    let mut refreshes = futures_util::stream::iter(tables)
        .map(|table| async move {
            let refresh = refresh_table(lake, raw, session, versions, table, options).await;
            (table, refresh)
        })
        .buffered(2);
    while let Some((table, refresh)) = refreshes.next().await {
        summary.tables.insert(table.as_str(), refresh?);
    }
    Ok(())
}

/// Brings `table` up to the raw `versions` of the `raw` session, running its SQL in `session`.
async fn refresh_table(
    lake: &Lake,
    raw: &LakeSession,
    session: &Arc<LakeSession>,
    versions: &BTreeMap<&'static str, u64>,
    table: TableName,
    options: &RefreshOptions,
) -> Result<TableRefresh, Error> {
    let Definition {
        sql,
        by_hand,
        sources,
        grain,
        row_order,
        ..
    } = definition(table);
    let rollup = lake.open_or_create(table).await?;
    // A raw table that does not exist yet has nothing to roll up.
    let sources: Vec<(TableName, u64)> = sources
        .iter()
        .filter_map(|s| versions.get(s.as_str()).map(|&v| (*s, v)))
        .collect();

    // A table an older tokenboard wrote with other columns (`spend` as a double, before
    // December 2026) is rebuilt from the raw rows, its schema replaced in the same commit.
    let older_schema = !rollup.has_current_schema()?;
    let mut plan = if options.rebuild || older_schema {
        None
    } else {
        Some(HourRanges::default())
    };
    for &(source, version) in &sources {
        let Some(hours) = plan.as_mut() else { break };
        let done = rollup.progress(&progress_id(source)).await?;
        let done = done.and_then(|v| u64::try_from(v).ok());
        match done {
            Some(done) if done == version => {}
            Some(done) if done < version => {
                let Some(raw) = lake.open(source.as_str()).await? else {
                    continue;
                };
                match touched_hours(&raw, done, version).await? {
                    Changes::Hours(touched) => hours.extend(&touched),
                    Changes::Unknown => plan = None,
                }
            }
            // Never built, or built from a table that was since replaced: start over.
            _ => plan = None,
        }
    }
    if let Some(hours) = &plan
        && hours.is_empty()
    {
        return Ok(TableRefresh::Current);
    }
    // One query per range: a handful at most.
    let plan = plan.map(|hours| match grain {
        Grain::Hour => hours.coarsened(16),
        Grain::Day { .. } => hours.whole_days().coarsened(16),
    });

    let ranges = match &plan {
        Some(hours) => hours.ranges().to_vec(),
        None => match raw.time_range().await? {
            Some((first, last)) => {
                let mut all = HourRanges::default();
                all.add(first, last);
                if grain != Grain::Hour {
                    all = all.whole_days();
                }
                all.ranges().to_vec()
            }
            None => Vec::new(),
        },
    };
    let schema = table.schema();
    // A day at a time: the aggregation's memory then follows a day's groups, not the whole
    // range's (a rebuild of a month would otherwise hold every group of the month at once).
    // A day is a file or two, which one core scans: each day's query is planned for one
    // partition and runs as its own task, as many at once as there are cores. Planned for two
    // partitions, a day's query repartitions its rows and aggregates twice (partial, then
    // final, passing every group's sketches between them): the four tables' SQL over 2M
    // records took 2.99 CPU seconds that way, 2.25 on one partition.
    // The days' results are held until they pass `commit_bytes`, and then written in a commit
    // of their own (`DayWriter`). Handing each date to one write as a stream instead, as soon as
    // it was done, was measured (December 2026): it raised peak RSS under jemalloc's default
    // purging (a 2M rebuild 337-353 → 418-461 MB), as the writer keeps every date's file open
    // until the write ends.
    let days: Vec<(DateTime<Utc>, DateTime<Utc>)> =
        ranges.into_iter().flat_map(|(s, e)| by_day(s, e)).collect();
    let dates: Vec<NaiveDate> = days.iter().map(|(start, _)| start.date_naive()).collect();
    let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
    let mut results: Vec<Option<Vec<RecordBatch>>> = vec![None; days.len()];
    let mut waiting = days.clone().into_iter().enumerate();
    // A JoinSet aborts its tasks when dropped: a day's error stops the days still running
    // instead of leaving them to finish for nothing.
    let mut running = tokio::task::JoinSet::new();
    let spawn_day = |running: &mut tokio::task::JoinSet<_>, (index, (start, end))| {
        let session = Arc::clone(session);
        let schema = schema.clone();
        running.spawn(async move {
            let params = vec![("start", timestamp(start)), ("end", timestamp(end))];
            let day = match by_hand {
                Some(rollup) => session
                    .sql_with_one_partition(&rollup.scan_sql(), params)
                    .await
                    .map_err(Error::from)
                    .and_then(|rows| {
                        rollup
                            .aggregate(&schema, &rows)
                            .and_then(|batches| in_day_order(&schema, batches, row_order))
                            .map_err(|source| Error::Arrow {
                                table: table.as_str(),
                                source,
                            })
                    }),
                None => match session.sql_with_one_partition(sql, params).await {
                    Ok(batches) => conform(&schema, batches)
                        .and_then(|batches| in_day_order(&schema, batches, row_order))
                        .map_err(|source| Error::Arrow {
                            table: table.as_str(),
                            source,
                        }),
                    Err(error) => Err(Error::from(error)),
                },
            };
            (index, day)
        });
    };
    for day in waiting.by_ref().take(parallel) {
        spawn_day(&mut running, day);
    }
    let mut writer = DayWriter {
        ctx: session.context(),
        name: table,
        table: rollup.table,
        schema: schema.clone(),
        row_order,
        plan: plan.as_ref(),
        grain,
        older_schema,
        sources: &sources,
        commits: 0,
        rows: 0,
    };
    // The days before this one are written.
    let mut unwritten = 0;
    // The bytes of the days done and not yet written.
    let mut held = 0;
    let day_bytes =
        |day: &[RecordBatch]| -> usize { day.iter().map(RecordBatch::get_array_memory_size).sum() };
    while let Some(done) = running.join_next().await {
        let (index, day) = done?;
        if let Some(next) = waiting.next() {
            spawn_day(&mut running, next);
        }
        let day = day?;
        held += day_bytes(&day);
        results[index] = Some(day);
        if held < options.commit_bytes {
            continue;
        }
        // The whole dates done from `unwritten` on, short of the last day: that one is the
        // final commit's, which records the progress.
        let done = results[unwritten..]
            .iter()
            .take_while(|r| r.is_some())
            .count();
        let end = (unwritten + 1..=unwritten + done)
            .rev()
            .find(|&end| end < days.len() && dates[end] != dates[end - 1]);
        if let Some(end) = end {
            let chunk: Vec<Vec<RecordBatch>> = results[unwritten..end]
                .iter_mut()
                .map(|day| day.take().unwrap_or_default())
                .collect();
            held -= chunk.iter().map(|day| day_bytes(day)).sum::<usize>();
            writer.write(&days[unwritten..end], chunk, false).await?;
            unwritten = end;
            if options.fault_after_partial_commit {
                return Err(Error::Fault {
                    table: table.as_str(),
                });
            }
        }
    }
    let rest = results[unwritten..].iter_mut().map(Option::take);
    let rest = rest.map(Option::unwrap_or_default).collect();
    writer.write(&days[unwritten..], rest, true).await?;
    let rows = writer.rows;
    let refresh = match &plan {
        Some(hours) => TableRefresh::Hours {
            hours: hours.hours(),
            rows,
        },
        None => TableRefresh::Rebuilt { rows },
    };
    tracing::debug!(
        table = table.as_str(),
        ?refresh,
        commits = writer.commits,
        "rollup committed"
    );
    Ok(refresh)
}

/// Writes a table's recomputed days, a run of whole dates per commit.
struct DayWriter<'a> {
    ctx: &'a SessionContext,
    name: TableName,
    /// The table as of the last commit: each commit reads it, and conflicts with any other
    /// commit made since.
    table: DeltaTable,
    schema: SchemaRef,
    row_order: &'static [&'static str],
    /// The hours recomputed, or none in a rebuild (every hour of the raw tables).
    plan: Option<&'a HourRanges>,
    /// What a row covers: a daily table's recomputed hours are whole dates.
    grain: Grain,
    /// The table's schema is an older tokenboard's, replaced by the first commit.
    older_schema: bool,
    /// The raw tables and versions the rollup reflects once its last commit is made.
    sources: &'a [(TableName, u64)],
    commits: usize,
    /// The rows recomputed so far, not counting those read back.
    rows: usize,
}

impl DayWriter<'_> {
    /// Whether a refresh reads back the rows of its touched dates outside the touched hours, to
    /// replace those dates whole. A table stored in row order does: each date's file stays
    /// sorted, the old rows sorted in with the new ones. (Replacing only the touched hours, the
    /// writer puts a date's other rows after the new ones in the same file: one more sorted run
    /// per refresh, and after a day of live commits, a run per hour whose pages each span every
    /// model.) A daily table's touched hours are whole dates already.
    fn keeps_other_hours(&self) -> bool {
        self.grain == Grain::Hour && !self.row_order.is_empty()
    }

    /// Commits `results`, the rows of `days` (whole dates, in time order, each day's rows in
    /// row order), replacing what the table held for those hours. The `last` commit records the
    /// raw versions the rollup now reflects. One before it records nothing in a refresh, so a
    /// crash leaves the old versions and the next refresh recomputes every touched hour again;
    /// in a rebuild it records version -1, which no raw table has, so the next refresh rebuilds.
    async fn write(
        &mut self,
        days: &[(DateTime<Utc>, DateTime<Utc>)],
        results: Vec<Vec<RecordBatch>>,
        last: bool,
    ) -> Result<(), Error> {
        let dates: Vec<NaiveDate> = days.iter().map(|(start, _)| start.date_naive()).collect();
        let mut hours = HourRanges::default();
        for &(start, end) in days {
            hours.add(start, end - chrono::Duration::microseconds(1));
        }
        let kept = if self.plan.is_some() && self.keeps_other_hours() {
            rows_outside(
                self.ctx,
                self.name,
                &self.table,
                &self.schema,
                &dates,
                &hours,
            )
            .await?
        } else {
            BTreeMap::new()
        };
        self.rows += results
            .iter()
            .flatten()
            .map(RecordBatch::num_rows)
            .sum::<usize>();
        // In day order, whichever finished first: the files come out the same every time.
        let mut batches = in_row_order(&self.schema, &dates, results, kept, self.row_order)
            .map_err(|source| Error::Arrow {
                table: self.name.as_str(),
                source,
            })?;
        if batches.is_empty() {
            // No rows in these hours (any more): the write still replaces them, with nothing.
            batches.push(RecordBatch::new_empty(self.schema.clone()));
        }
        let progress = self
            .sources
            .iter()
            .filter(|_| last || self.plan.is_none())
            .map(|&(source, version)| {
                let version = if last {
                    i64::try_from(version).unwrap_or(i64::MAX)
                } else {
                    -1
                };
                Transaction::new(progress_id(source), version)
            })
            .collect::<Vec<_>>();
        let mut write = self
            .table
            .clone()
            .write(batches)
            .with_save_mode(SaveMode::Overwrite)
            .with_writer_properties(rollup_writer_properties(self.name))
            .with_commit_properties(
                CommitProperties::default().with_application_transactions(progress),
            );
        // A rebuild's first commit replaces the whole table (and its schema, when an older
        // tokenboard wrote it); each later one, its own dates.
        let first_of_rebuild = self.plan.is_none() && self.commits == 0;
        if !first_of_rebuild {
            let whole_dates =
                self.keeps_other_hours() || self.grain != Grain::Hour || self.plan.is_none();
            write = write.with_replace_where(replace_predicate(&hours, whole_dates));
        }
        if self.older_schema && first_of_rebuild {
            write = write
                .with_schema_mode(SchemaMode::Overwrite)
                .with_partition_columns([DATE]);
        }
        self.table = write.await?;
        self.commits += 1;
        Ok(())
    }
}

/// A day's result in the table's own types: DataFusion gives strings as `Utf8View`, the tables
/// store `Utf8`. Done in the day's task, as soon as the day is done: views keep the buffers they
/// point into alive, and holding every day's views until the last day finished cost a rebuild of
/// 2M records 394-425 MB at peak, against 353-371 MB this way.
fn conform(schema: &SchemaRef, batches: Vec<RecordBatch>) -> Result<Vec<RecordBatch>, ArrowError> {
    batches
        .iter()
        .map(|batch| {
            let columns = schema
                .fields()
                .iter()
                .zip(batch.columns())
                .map(|(field, column)| cast(column, field.data_type()))
                .collect::<Result<Vec<_>, _>>()?;
            RecordBatch::try_new(schema.clone(), columns)
        })
        .collect()
}

/// The rows of `table` on `dates` outside the `touched` hours, by date, in the table's own
/// types: read from the snapshot the write will commit on, so that rows a concurrent refresh
/// changed make the commit conflict instead of being overwritten.
async fn rows_outside(
    ctx: &SessionContext,
    name: TableName,
    table: &DeltaTable,
    schema: &SchemaRef,
    dates: &[NaiveDate],
    touched: &HourRanges,
) -> Result<BTreeMap<NaiveDate, Vec<RecordBatch>>, Error> {
    let mut dates = dates.to_vec();
    dates.dedup();
    table.update_datafusion_session(&ctx.state())?;
    let columns: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    let on_dates = dates.iter().map(|&d| lit(date(d))).collect();
    let rows = ctx
        .read_table(table.table_provider().await?)?
        .filter(
            col("date")
                .in_list(on_dates, false)
                .and(!replace_predicate(touched, false)),
        )?
        .select_columns(&columns)?
        .collect()
        .await?;
    let arrow_error = |source| Error::Arrow {
        table: name.as_str(),
        source,
    };
    let rows = conform(schema, rows).map_err(arrow_error)?;
    // The query read these dates alone: when there is one (every live commit), each row is
    // already its own, and splitting would only copy them.
    if let [only] = dates[..] {
        return Ok(BTreeMap::from([(only, rows)]));
    }
    split_by_date(schema, rows, &dates).map_err(arrow_error)
}

/// `batches` split by their `date` column into the `dates` given (rows of other dates are
/// dropped).
fn split_by_date(
    schema: &SchemaRef,
    batches: Vec<RecordBatch>,
    dates: &[NaiveDate],
) -> Result<BTreeMap<NaiveDate, Vec<RecordBatch>>, ArrowError> {
    let column = schema.index_of("date")?;
    let mut split = BTreeMap::new();
    for &day in dates {
        let day_value = date(day)
            .to_scalar()
            .map_err(|e| ArrowError::ComputeError(e.to_string()))?;
        let mut pieces = Vec::new();
        for batch in &batches {
            let on_day = eq(batch.column(column), &day_value)?;
            let piece = filter_record_batch(batch, &on_day)?;
            if piece.num_rows() > 0 {
                pieces.push(piece);
            }
        }
        split.insert(day, pieces);
    }
    Ok(split)
}

/// A day's result as one batch in `row_order` (when there is one), or none if it has no rows.
/// Sorted in the day's own task, the days' sorts run side by side, one per core, and beside the
/// other days' queries, instead of one after another once every day is done.
fn in_day_order(
    schema: &SchemaRef,
    batches: Vec<RecordBatch>,
    row_order: &[&str],
) -> Result<Vec<RecordBatch>, ArrowError> {
    if row_order.is_empty() {
        return Ok(batches);
    }
    let batch = concat_batches(schema, &batches)?;
    if batch.num_rows() == 0 {
        return Ok(Vec::new());
    }
    Ok(vec![sort_rows(&batch, row_order)?])
}

/// Each date's rows as one batch in `row_order` (when there is one): the `results` of its
/// ranges of hours, each already in that order ([`in_day_order`]), and the rows `kept` from
/// before. The writer may reorder the batches it is given, as it spreads them over tasks, but
/// keeps a batch's rows together; and a date refreshed as two ranges of hours has two results,
/// each sorted on its own. A date whose rows are one result alone is already in order.
fn in_row_order(
    schema: &SchemaRef,
    dates: &[NaiveDate],
    results: Vec<Vec<RecordBatch>>,
    mut kept: BTreeMap<NaiveDate, Vec<RecordBatch>>,
    row_order: &[&str],
) -> Result<Vec<RecordBatch>, ArrowError> {
    if row_order.is_empty() {
        return Ok(results.into_iter().flatten().collect());
    }
    let mut sorted = Vec::new();
    let mut date_batches: Vec<RecordBatch> = Vec::new();
    for (i, day) in results.into_iter().enumerate() {
        date_batches.extend(day);
        // Ranges come in time order: a date's pieces are next to each other.
        if dates.get(i + 1) != dates.get(i) {
            let kept = dates.get(i).and_then(|date| kept.remove(date));
            let in_order = kept.is_none() && date_batches.len() == 1;
            date_batches.extend(kept.into_iter().flatten());
            let batch = concat_batches(schema, &std::mem::take(&mut date_batches))?;
            if batch.num_rows() == 0 {
                continue;
            }
            sorted.push(if in_order {
                batch
            } else {
                sort_rows(&batch, row_order)?
            });
        }
    }
    Ok(sorted)
}

/// `batch`'s rows ordered by the columns named, ascending with nulls last (SQL's `ORDER BY`).
fn sort_rows(batch: &RecordBatch, columns: &[&str]) -> Result<RecordBatch, ArrowError> {
    let keys = columns
        .iter()
        .map(|name| {
            Ok(SortColumn {
                values: Arc::clone(batch.column(batch.schema().index_of(name)?)),
                options: Some(SortOptions {
                    descending: false,
                    nulls_first: false,
                }),
            })
        })
        .collect::<Result<Vec<_>, ArrowError>>()?;
    let indices = lexsort_to_indices(&keys, None)?;
    take_record_batch(batch, &indices)
}

/// `[start, end)` cut at each UTC midnight.
fn by_day(
    start: DateTime<Utc>,
    end: DateTime<Utc>,
) -> impl Iterator<Item = (DateTime<Utc>, DateTime<Utc>)> {
    let mut from = start;
    std::iter::from_fn(move || {
        if from >= end {
            return None;
        }
        let midnight = (from.date_naive() + chrono::Days::new(1))
            .and_hms_opt(0, 0, 0)
            .map_or(end, |t| t.and_utc());
        let to = midnight.min(end);
        let piece = (from, to);
        from = to;
        Some(piece)
    })
}

/// `(date, hour) within any range`, the date bounds letting Delta skip other partitions; with
/// `whole_dates`, the dates alone (a table by day has no `hour`, and its ranges are whole days).
fn replace_predicate(hours: &HourRanges, whole_dates: bool) -> Expr {
    hours
        .ranges()
        .iter()
        .map(|&(start, end)| {
            let last_date = (end - chrono::Duration::microseconds(1)).date_naive();
            let dates = col("date")
                .gt_eq(lit(date(start.date_naive())))
                .and(col("date").lt_eq(lit(date(last_date))));
            if whole_dates {
                dates
            } else {
                dates
                    .and(col("hour").gt_eq(lit(timestamp(start))))
                    .and(col("hour").lt(lit(timestamp(end))))
            }
        })
        .reduce(Expr::or)
        .unwrap_or_else(|| lit(false))
}

fn timestamp(t: DateTime<Utc>) -> ScalarValue {
    ScalarValue::TimestampMicrosecond(Some(t.timestamp_micros()), Some(Arc::from("UTC")))
}

fn date(d: NaiveDate) -> ScalarValue {
    let days = d
        .signed_duration_since(DateTime::UNIX_EPOCH.date_naive())
        .num_days();
    ScalarValue::Date32(i32::try_from(days).ok())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use deltalake::arrow::array::{Array, Int64Array, StringArray};
    use deltalake::arrow::datatypes::{DataType, Field, Schema};

    use super::*;

    fn batch(schema: &SchemaRef, models: &[Option<&str>], hours: &[i64]) -> RecordBatch {
        RecordBatch::try_new(
            Arc::clone(schema),
            vec![
                Arc::new(StringArray::from(models.to_vec())),
                Arc::new(Int64Array::from(hours.to_vec())),
            ],
        )
        .unwrap()
    }

    fn rows(batch: &RecordBatch) -> Vec<(Option<String>, i64)> {
        let models = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap();
        let hours = batch
            .column(1)
            .as_any()
            .downcast_ref::<Int64Array>()
            .unwrap();
        (0..batch.num_rows())
            .map(|i| {
                let model = (!models.is_null(i)).then(|| models.value(i).to_owned());
                (model, hours.value(i))
            })
            .collect()
    }

    /// Two ranges of one date, each sorted on its own, and the rows kept from before (in any
    /// order) become one sorted batch (nulls last); the next date is its own batch, from its kept
    /// rows alone when it has no new ones; a date without rows gives none; a date of one result
    /// alone is that result.
    #[test]
    fn each_dates_rows_become_one_batch_in_row_order() {
        let schema = Arc::new(Schema::new(vec![
            Field::new("model", DataType::Utf8, true),
            Field::new("hour", DataType::Int64, false),
        ]));
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let results = vec![
            vec![batch(
                &schema,
                &[Some("a/x"), Some("b/y"), None],
                &[1, 1, 1],
            )],
            vec![
                batch(&schema, &[Some("a/x")], &[5]),
                batch(&schema, &[Some("b/y")], &[4]),
            ],
            vec![],
            vec![],
            vec![batch(&schema, &[Some("a/x"), Some("c/z")], &[30, 30])],
        ];
        let kept = BTreeMap::from([
            (
                day(17),
                vec![batch(&schema, &[Some("b/y"), Some("a/x")], &[2, 3])],
            ),
            (day(18), vec![batch(&schema, &[Some("d/w")], &[20])]),
        ]);
        let dates = [day(17), day(17), day(18), day(19), day(20)];
        let sorted = in_row_order(&schema, &dates, results, kept, &["model", "hour"]).unwrap();
        let got: Vec<_> = sorted.iter().map(rows).collect();
        let row = |m: Option<&str>, h| (m.map(str::to_owned), h);
        assert_eq!(
            got,
            [
                vec![
                    row(Some("a/x"), 1),
                    row(Some("a/x"), 3),
                    row(Some("a/x"), 5),
                    row(Some("b/y"), 1),
                    row(Some("b/y"), 2),
                    row(Some("b/y"), 4),
                    row(None, 1),
                ],
                vec![row(Some("d/w"), 20)],
                vec![row(Some("a/x"), 30), row(Some("c/z"), 30)],
            ]
        );
    }

    /// The ingest crate's list of daily tables (which partitions and orders them by date) is
    /// the list of the tables defined here by day.
    #[test]
    fn daily_tables_are_the_ones_summed_by_day() {
        for table in TableName::ROLLUPS {
            let by_day = matches!(definition(table).grain, Grain::Day { .. });
            assert_eq!(table.is_daily(), by_day, "{table:?}");
        }
    }

    /// The tables the views read a model's or an app's day of are written in small pages; the
    /// others (`hourly_apps` too: an app shown has thousands of rows in a day of it) as the lake
    /// writes every table.
    #[test]
    fn tables_read_by_key_have_small_pages() {
        for table in TableName::ROLLUPS {
            let properties = rollup_writer_properties(table);
            let read_by_key = matches!(
                table,
                TableName::HourlyEndpoints
                    | TableName::HourlyAttempts
                    | TableName::DailyEndpoints
                    | TableName::DailyAttempts
                    | TableName::DailyApps
            );
            let usual = writer_properties(table);
            let (page_rows, batch_rows) = if read_by_key {
                (128, 128)
            } else {
                (usual.data_page_row_count_limit(), usual.write_batch_size())
            };
            assert_eq!(
                (
                    properties.data_page_row_count_limit(),
                    properties.write_batch_size()
                ),
                (page_rows, batch_rows),
                "{table:?}"
            );
        }
    }

    /// Rows read back for two dates, mixed in one batch, go to their own dates; rows of a date
    /// not asked for are dropped, and a date without rows has none.
    #[test]
    fn rows_read_back_are_split_by_date() {
        use deltalake::arrow::array::Date32Array;
        let schema = Arc::new(Schema::new(vec![
            Field::new("model", DataType::Utf8, true),
            Field::new("date", DataType::Date32, false),
        ]));
        let day = |d| NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
        let days = |d: u32| 20_774 + i32::try_from(d).unwrap() - 17; // 2026-11-17 is day 20,774
        let mixed = RecordBatch::try_new(
            Arc::clone(&schema),
            vec![
                Arc::new(StringArray::from(vec!["a/x", "b/y", "c/z", "d/w"])),
                Arc::new(Date32Array::from(vec![
                    days(18),
                    days(17),
                    days(18),
                    days(19),
                ])),
            ],
        )
        .unwrap();
        let split = split_by_date(&schema, vec![mixed], &[day(17), day(18), day(20)]).unwrap();
        let models = |d| -> Vec<String> {
            split[&day(d)]
                .iter()
                .flat_map(|b| {
                    let m = b.column(0).as_any().downcast_ref::<StringArray>().unwrap();
                    m.iter().flatten().map(str::to_owned).collect::<Vec<_>>()
                })
                .collect()
        };
        assert_eq!(models(17), ["b/y"]);
        assert_eq!(models(18), ["a/x", "c/z"]);
        assert!(models(20).is_empty());
        assert_eq!(split.len(), 3);
    }
}
