"""The DuckDB side of bench/ingest.sh: JSON lines to zstd Parquet partitioned by UTC date."""

import sys

import duckdb

source, target = sys.argv[1], sys.argv[2]
con = duckdb.connect()
con.execute("SET TimeZone = 'UTC'")
con.execute(
    f"""
    COPY (
        SELECT *, CAST(created_at AS DATE) AS date
        FROM read_json('{source}', format = 'newline_delimited')
    ) TO '{target}' (FORMAT parquet, PARTITION_BY (date), COMPRESSION zstd)
    """
)
