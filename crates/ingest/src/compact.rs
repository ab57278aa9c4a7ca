//! `tokenboard compact`: each closed day of `generations` and `attempts` rewritten as few large
//! files, sorted by time, without duplicate ids.
//!
//! Ingest writes a file per date and commit, so a day fed by many small ingests (or by HTTP
//! posts) ends up in many small files. A day is closed once a newer day has data; the newest day
//! is left alone, as it is still being written. Each day is rewritten by one Delta commit that
//! removes its old files and adds the new ones (`replaceWhere date = D`): readers see the day
//! before or after, never half of it. A concurrent ingest into the same day makes the commit fail
//! with a conflict instead of losing rows; running compact again retries.
//!
//! Ingest already drops repeated ids, but two ingests running at the same time cannot see each
//! other's rows: compaction removes the duplicates they may leave, keeping the earliest row.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use deltalake::datafusion::prelude::SessionContext;
use deltalake::delta_datafusion::create_session;
use deltalake::protocol::SaveMode;

use crate::lake::writer_properties;
use crate::{Error, Lake, TableName};

/// What compaction did to one table.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CompactSummary {
    /// Days rewritten, with the number of files each had before.
    pub days: BTreeMap<NaiveDate, usize>,
    pub rows_before: u64,
    pub rows_after: u64,
}

/// The key that makes a row unique in each table.
fn unique_key(table: TableName) -> Option<&'static str> {
    match table {
        TableName::Generations => Some("id"),
        TableName::Attempts => Some("generation_id, attempt"),
        _ => None,
    }
}

/// Compacts the closed days of `generations` and `attempts` that have more than one file.
pub async fn compact(lake: &Lake) -> Result<BTreeMap<&'static str, CompactSummary>, Error> {
    let mut summaries = BTreeMap::new();
    for table in [TableName::Generations, TableName::Attempts] {
        if let Some(summary) = compact_table(lake, table).await? {
            summaries.insert(table.as_str(), summary);
        }
    }
    Ok(summaries)
}

async fn compact_table(lake: &Lake, name: TableName) -> Result<Option<CompactSummary>, Error> {
    let (Some(table), Some(key)) = (lake.open(name.as_str()).await?, unique_key(name)) else {
        return Ok(None);
    };
    // The rewrite selects the current columns: a table an older version wrote gets them first.
    let mut table = crate::upgrade::to_current_schema(lake, name, table).await?;
    // Files per day, from their partition directory: `.../date=YYYY-MM-DD/part-....parquet`.
    let mut files: BTreeMap<NaiveDate, usize> = BTreeMap::new();
    for uri in table.get_file_uris()? {
        let date = uri
            .split('/')
            .find_map(|part| part.strip_prefix("date="))
            .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
        if let Some(date) = date {
            *files.entry(date).or_default() += 1;
        }
    }
    let newest_day = files.keys().next_back().copied();
    let mut summary = CompactSummary::default();
    for (&day, &count) in &files {
        if Some(day) == newest_day || count < 2 {
            continue;
        }
        // delta-rs's session: its planner runs the write's own plan nodes.
        let ctx = create_session().into_inner();
        table.update_datafusion_session(&ctx.state())?;
        ctx.register_table("t", table.table_provider().await?)?;
        let date = format!("DATE '{day}'");
        let before =
            count_rows(&ctx, &format!("SELECT count(*) FROM t WHERE date = {date}")).await?;
        // The earliest row of each key, the day sorted by time as ingest writes it; the plan
        // streams into the writer (the sort spills if a day is larger than memory).
        let columns = name
            .schema()
            .fields()
            .iter()
            .map(|f| format!("\"{}\"", f.name()))
            .collect::<Vec<_>>()
            .join(", ");
        let rewritten = ctx
            .sql(&format!(
                "SELECT {columns} FROM (
                     SELECT *, row_number() OVER (PARTITION BY {key} ORDER BY created_at) AS copy_number
                     FROM t WHERE date = {date}
                 ) WHERE copy_number = 1 ORDER BY created_at"
            ))
            .await?;
        let plan = rewritten.into_unoptimized_plan();
        table = table
            .write(Vec::new())
            .with_input_plan(plan)
            .with_session_state(std::sync::Arc::new(ctx.state()))
            .with_save_mode(SaveMode::Overwrite)
            .with_replace_where(format!("date = '{day}'"))
            .with_writer_properties(writer_properties(name))
            .await?;
        let ctx = SessionContext::new();
        table.update_datafusion_session(&ctx.state())?;
        ctx.register_table("t", table.table_provider().await?)?;
        let after =
            count_rows(&ctx, &format!("SELECT count(*) FROM t WHERE date = {date}")).await?;
        summary.days.insert(day, count);
        summary.rows_before += before;
        summary.rows_after += after;
        tracing::info!(table = name.as_str(), %day, files = count, before, after, "compacted");
    }
    Ok(Some(summary))
}

async fn count_rows(ctx: &SessionContext, query: &str) -> Result<u64, Error> {
    use deltalake::arrow::array::AsArray;
    use deltalake::arrow::datatypes::Int64Type;
    let batches = ctx.sql(query).await?.collect().await?;
    let count = batches
        .first()
        .filter(|b| b.num_rows() > 0)
        .and_then(|b| b.column(0).as_primitive_opt::<Int64Type>())
        .map_or(0, |c| c.value(0));
    Ok(u64::try_from(count).unwrap_or(0))
}
