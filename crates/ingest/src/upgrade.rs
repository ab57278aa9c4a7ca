//! Tables an older tokenboard wrote, brought to the current schema when ingest opens them.
//!
//! Ingest appends Parquet files of the schemas in [`crate::columns`], so a table must have
//! exactly those columns. One change so far has a way forward:
//!
//! - `attempts.ended_in_error` (added in December 2026): true on the last attempt of a
//!   generation whose finish_reason is `error`. Before it, every reader of uptime joined
//!   `attempts` to `generations` to find those attempts. The upgrade computes the column by that
//!   same join and rewrites the table in one Delta commit, an overwrite with the new schema:
//!   readers see the old table or the new one, never a mix, and a crash leaves the old one.
//!
//! Any other difference is an error that names the table and both column lists: guessing could
//! cost data.

use deltalake::DeltaTable;
use deltalake::datafusion::prelude::SessionContext;
use deltalake::delta_datafusion::create_session_state_with_spill_config;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;

use crate::columns::DATE;
use crate::lake::writer_properties;
use crate::{Error, Lake, TableName};

/// Memory the upgrade's sort holds before it spills to disk: a lake's whole `attempts` table is
/// rewritten in time order, and may be larger than memory.
const SORT_MEMORY_BYTES: usize = 512 << 20;

/// `table` (the table `name` of `lake`) with the columns this version writes, upgraded if an
/// older version wrote it.
pub(crate) async fn to_current_schema(
    lake: &Lake,
    name: TableName,
    table: DeltaTable,
) -> Result<DeltaTable, Error> {
    let found = column_names(&table)?;
    let expected: Vec<String> = name
        .schema()
        .fields()
        .iter()
        .map(|field| field.name().clone())
        .collect();
    if found == expected {
        return Ok(table);
    }
    let without_flag: Vec<&String> = expected
        .iter()
        .filter(|column| *column != "ended_in_error")
        .collect();
    if name == TableName::Attempts && found.iter().eq(without_flag) {
        return add_ended_in_error(lake, table).await;
    }
    Err(Error::Schema {
        table: name.as_str(),
        found: found.join(", "),
        expected: expected.join(", "),
    })
}

fn column_names(table: &DeltaTable) -> Result<Vec<String>, Error> {
    Ok(table
        .snapshot()?
        .schema()
        .fields()
        .map(|field| field.name().clone())
        .collect())
}

/// Rewrites `attempts` with `ended_in_error`, computed from `generations` as the readers used
/// to: the attempt numbered `num_attempts - 1` of a generation that ended in `error`.
async fn add_ended_in_error(lake: &Lake, attempts: DeltaTable) -> Result<DeltaTable, Error> {
    tracing::info!("upgrading attempts: adding ended_in_error, computed from generations");
    // delta-rs's session (its planner runs the write's own plan nodes), with a sort that spills.
    let ctx = SessionContext::new_with_state(create_session_state_with_spill_config(
        Some(SORT_MEMORY_BYTES),
        None,
    ));
    // The join must hold the errored generations, a few percent of the rows, not the attempts:
    // the planner would otherwise build on whichever side its statistics call smaller, and a
    // hash join's table cannot spill.
    ctx.sql("SET datafusion.optimizer.join_reordering = false")
        .await?
        .collect()
        .await?;
    attempts.update_datafusion_session(&ctx.state())?;
    ctx.register_table("attempts", attempts.table_provider().await?)?;
    let errored = match lake.open(TableName::Generations.as_str()).await? {
        Some(generations) => {
            generations.update_datafusion_session(&ctx.state())?;
            ctx.register_table("generations", generations.table_provider().await?)?;
            // DISTINCT: two ingests running at once may each have stored a generation (compact
            // removes the copy later), and a copy must not double its attempts here.
            "SELECT DISTINCT id, num_attempts - 1 AS last_attempt \
             FROM generations WHERE finish_reason = 'error'"
        }
        None => "SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS INT) AS last_attempt WHERE false",
    };
    let rewritten = ctx
        .sql(&format!(
            "SELECT a.generation_id, a.created_at, a.model, a.attempt, a.provider_name, a.status,
                    a.latency, a.endpoint_id, e.id IS NOT NULL AS ended_in_error, a.date
             FROM ({errored}) e
             RIGHT JOIN attempts a ON e.id = a.generation_id AND e.last_attempt = a.attempt
             ORDER BY a.date, a.created_at, a.generation_id, a.attempt"
        ))
        .await?;
    let before = attempts.snapshot()?.log_data().num_files();
    let upgraded = attempts
        .write(Vec::new())
        .with_input_plan(rewritten.into_unoptimized_plan())
        .with_session_state(std::sync::Arc::new(ctx.state()))
        .with_save_mode(SaveMode::Overwrite)
        .with_schema_mode(SchemaMode::Overwrite)
        .with_partition_columns([DATE])
        .with_writer_properties(writer_properties(TableName::Attempts))
        .await?;
    tracing::info!(
        files_before = before,
        files_after = upgraded.snapshot()?.log_data().num_files(),
        "attempts upgraded"
    );
    Ok(upgraded)
}

/// Brings every raw table of `lake` that an older tokenboard wrote to the current schema.
pub async fn upgrade_tables(lake: &Lake) -> Result<(), Error> {
    for name in TableName::RAW {
        if let Some(table) = lake.open(name.as_str()).await? {
            to_current_schema(lake, name, table).await?;
        }
    }
    Ok(())
}
