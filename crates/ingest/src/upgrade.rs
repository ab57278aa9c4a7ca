//! Tables an older tokenboard wrote, brought to the current schema when ingest opens them.
//!
//! Ingest appends Parquet files of the schemas in [`crate::columns`], so a table must have
//! exactly those columns. Two changes so far have a way forward, and one rewrite does both:
//!
//! - `attempts.ended_in_error` (added in December 2026): true on the last attempt of a
//!   generation whose finish_reason is `error`. Before it, every reader of uptime joined
//!   `attempts` to `generations` to find those attempts; the upgrade computes it by that join.
//! - Costs as decimals (December 2026): `generations`' four cost columns held doubles. The
//!   upgrade casts them, rounding to the picodollar as ingest does.
//!
//! A table is rewritten in one Delta commit, an overwrite with the new schema: readers see the
//! old table or the new one, never a mix, and a crash leaves the old one. Any other difference
//! is an error that names the table and both column lists: guessing could cost data.

use deltalake::DeltaTable;
use deltalake::arrow::datatypes::{DataType, Schema};
use deltalake::datafusion::prelude::SessionContext;
use deltalake::delta_datafusion::create_session_state_with_spill_config;
use deltalake::operations::write::SchemaMode;
use deltalake::protocol::SaveMode;

use crate::columns::{COST_PRECISION, COST_SCALE, DATE};
use crate::lake::writer_properties;
use crate::{Error, Lake, TableName};

/// Memory the upgrade's sort holds before it spills to disk: a lake's whole table is rewritten
/// in time order, and may be larger than memory.
const SORT_MEMORY_BYTES: usize = 512 << 20;

/// How the columns of the table `name`, as `found`, fall short of the ones this version writes:
/// one description per column, empty when the table is current. Readers refuse a raw table with
/// this list, and ingest and compact upgrade it; the rollup refresh rebuilds a rollup.
pub fn outdated_columns(name: TableName, found: &Schema) -> Vec<String> {
    name.schema()
        .fields()
        .iter()
        .filter_map(|wanted| match found.field_with_name(wanted.name()) {
            Err(_) => Some(format!("{} is missing", wanted.name())),
            Ok(field) if is_cost_as_double(field.data_type(), wanted.data_type()) => {
                Some(format!("{} holds doubles, not decimals", wanted.name()))
            }
            Ok(_) => None,
        })
        .collect()
}

fn is_cost_as_double(found: &DataType, wanted: &DataType) -> bool {
    matches!(found, DataType::Float64) && matches!(wanted, DataType::Decimal128(..))
}

/// `table` (the table `name` of `lake`) with the columns this version writes, upgraded if an
/// older version wrote it.
pub(crate) async fn to_current_schema(
    lake: &Lake,
    name: TableName,
    table: DeltaTable,
) -> Result<DeltaTable, Error> {
    let found = table.snapshot()?.snapshot().arrow_schema();
    let found_names: Vec<&String> = found.fields().iter().map(|field| field.name()).collect();
    let wanted = name.schema();
    let wanted_names: Vec<&String> = wanted.fields().iter().map(|field| field.name()).collect();
    let outdated = outdated_columns(name, &found);
    if found_names == wanted_names && outdated.is_empty() {
        return Ok(table);
    }
    // The one column an upgrade can add; every other one must be there, in order.
    let adds_flag = name == TableName::Attempts
        && found.field_with_name("ended_in_error").is_err()
        && found_names.iter().copied().eq(wanted_names
            .iter()
            .copied()
            .filter(|c| *c != "ended_in_error"));
    if !adds_flag && found_names != wanted_names {
        return Err(Error::Schema {
            table: name.as_str(),
            found: found_names
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            expected: wanted_names
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let columns: Vec<String> = wanted
        .fields()
        .iter()
        .map(|wanted| {
            let column = wanted.name();
            match found.field_with_name(column) {
                Err(_) => "e.id IS NOT NULL AS ended_in_error".to_owned(),
                Ok(field) if is_cost_as_double(field.data_type(), wanted.data_type()) => {
                    format!(
                        "CAST(a.\"{column}\" AS DECIMAL({COST_PRECISION}, {COST_SCALE})) AS \"{column}\""
                    )
                }
                Ok(_) => format!("a.\"{column}\""),
            }
        })
        .collect();
    tracing::info!(
        table = name.as_str(),
        changes = outdated.join("; "),
        "upgrading a table an older tokenboard wrote"
    );
    rewrite(lake, name, table, &columns.join(", "), adds_flag).await
}

/// Rewrites `table` as `SELECT {columns}` over it (`a`), joined to the errored generations (`e`)
/// when `ended_in_error` is added: the attempt numbered `num_attempts - 1` of a generation that
/// ended in `error`.
async fn rewrite(
    lake: &Lake,
    name: TableName,
    table: DeltaTable,
    columns: &str,
    with_errored: bool,
) -> Result<DeltaTable, Error> {
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
    table.update_datafusion_session(&ctx.state())?;
    ctx.register_table("old", table.table_provider().await?)?;
    let mut from = "old a".to_owned();
    if with_errored {
        let errored = match lake.open(TableName::Generations.as_str()).await? {
            Some(generations) => {
                generations.update_datafusion_session(&ctx.state())?;
                ctx.register_table("generations", generations.table_provider().await?)?;
                // DISTINCT: two ingests running at once may each have stored a generation
                // (compact removes the copy later), and a copy must not double its attempts.
                "SELECT DISTINCT id, num_attempts - 1 AS last_attempt \
                 FROM generations WHERE finish_reason = 'error'"
            }
            None => {
                "SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS INT) AS last_attempt WHERE false"
            }
        };
        from = format!(
            "({errored}) e RIGHT JOIN old a ON e.id = a.generation_id AND e.last_attempt = a.attempt"
        );
    }
    let order = match name {
        TableName::Attempts => "a.date, a.created_at, a.generation_id, a.attempt",
        TableName::Generations => "a.date, a.created_at, a.id",
        _ => "a.date",
    };
    let rewritten = ctx
        .sql(&format!("SELECT {columns} FROM {from} ORDER BY {order}"))
        .await?;
    let before = table.snapshot()?.log_data().num_files();
    let upgraded = table
        .write(Vec::new())
        .with_input_plan(rewritten.into_unoptimized_plan())
        .with_session_state(std::sync::Arc::new(ctx.state()))
        .with_save_mode(SaveMode::Overwrite)
        .with_schema_mode(SchemaMode::Overwrite)
        .with_partition_columns([DATE])
        .with_writer_properties(writer_properties(name))
        .await?;
    tracing::info!(
        table = name.as_str(),
        files_before = before,
        files_after = upgraded.snapshot()?.log_data().num_files(),
        "table upgraded"
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
