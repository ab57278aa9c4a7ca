//! Query results as the CLI prints them.

use std::io::Write;

use datafusion::arrow::array::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;

use crate::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Table,
    Csv,
    Json,
    /// One Parquet file, for tools that want the typed columns.
    Parquet,
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
            if batches.iter().all(|b| b.num_rows() == 0) {
                // Whether the writer prints anything for no rows depends on whether it saw a
                // batch; an empty array is the answer either way.
                writeln!(out, "[]")?;
                return Ok(());
            }
            // Every row carries every key, nulls included, so consumers see a stable shape.
            let mut writer = datafusion::arrow::json::WriterBuilder::new()
                .with_explicit_nulls(true)
                .build::<_, datafusion::arrow::json::writer::JsonArray>(&mut *out);
            for batch in batches {
                writer.write(batch)?;
            }
            writer.finish()?;
            writeln!(out)?;
        }
        Format::Parquet => {
            let Some(schema) = batches.first().map(RecordBatch::schema) else {
                return Ok(());
            };
            // The writer needs a `Send` sink; results are small enough to buffer whole.
            let mut buffer = Vec::new();
            let mut writer = ArrowWriter::try_new(&mut buffer, schema, None)?;
            for batch in batches {
                writer.write(batch)?;
            }
            writer.close()?;
            out.write_all(&buffer)?;
        }
    }
    Ok(())
}
