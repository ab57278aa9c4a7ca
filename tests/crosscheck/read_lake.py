#!/usr/bin/env python3
"""Reads tokenboard's Delta tables with the Python `deltalake` package and prints their totals.

    read_lake.py DATA_DIR

prints one JSON object:

    {"version": {"generations": V, "attempts": V, "quarantine": V},
     "generations": {"rows": N, "tokens": N, "spend": X},
     "attempts": {"rows": N},
     "quarantine": {"rows": N, "reasons": {"not_json": N, ...}}}

It proves that another Delta reader (delta-rs through its Python binding, with its own log
replay and its own Parquet reader, DataFusion-based QueryBuilder) sees exactly the committed rows.
Without QueryBuilder (deltalake < 0.21) it falls back to the table's live file list read by DuckDB.
A missing table counts as empty with version null; a missing directory is an error.
"""

from __future__ import annotations

import json
import os
import sys

from deltalake import DeltaTable
from deltalake.exceptions import TableNotFoundError

QUERIES = {
    "generations": (
        "SELECT count(*) AS rows, "
        "sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens, "
        "CAST(sum(total_cost) AS DOUBLE) AS spend FROM t"
    ),
    "attempts": "SELECT count(*) AS rows FROM t",
    "quarantine": "SELECT count(*) AS rows FROM t",
}
REASONS = "SELECT reason, count(*) AS n FROM t GROUP BY reason ORDER BY reason"


def query(table: DeltaTable, sql: str) -> list[dict]:
    """Runs SQL over the table registered as `t`; rows as dicts."""
    try:
        from deltalake import QueryBuilder  # noqa: PLC0415
    except ImportError:
        import duckdb  # noqa: PLC0415

        con = duckdb.connect()
        con.execute("SET VARIABLE files = $files", {"files": list(table.file_uris())})
        con.execute(
            "CREATE VIEW t AS SELECT * FROM read_parquet(getvariable('files'), "
            "hive_partitioning = true)"
        )
        cur = con.execute(sql)
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur.fetchall()]
    result = QueryBuilder().register("t", table).execute(sql).read_all()
    columns = {name: result.column(name).to_pylist() for name in result.column_names}
    return [
        {name: values[i] for name, values in columns.items()} for i in range(result.num_rows)
    ]


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: read_lake.py DATA_DIR")
    data = sys.argv[1]
    if "://" not in data and not os.path.isdir(data):
        sys.exit(f"read_lake.py: {data} is not a directory")
    out: dict = {"version": {}}
    for name, sql in QUERIES.items():
        try:
            table = DeltaTable(os.path.join(data, name))
        except TableNotFoundError:
            out["version"][name] = None
            out[name] = {"rows": 0}
            if name == "generations":
                out[name].update(tokens=0, spend=0.0)
            continue
        out["version"][name] = table.version()
        row = query(table, sql)[0]
        totals = {"rows": int(row["rows"])}
        if name == "generations":
            totals["tokens"] = int(row["tokens"] or 0)
            totals["spend"] = float(row["spend"] or 0.0)
        if name == "quarantine":
            totals["reasons"] = {r["reason"]: int(r["n"]) for r in query(table, REASONS)}
        out[name] = totals
    json.dump(out, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
