#!/usr/bin/env python3
"""An independent DuckDB implementation of the leaderboard views of queries/README.md.

It is the second engine that checks tokenboard's DataFusion views: it was written from the spec
(queries/README.md, DESIGN.md §2-§3, the table schemas) without reading queries/*.sql or
crates/query, so the two agree only where both follow the spec.

    duckdb_views.py --json FILE [FILE...] --view top-models --period week --limit 10
    duckdb_views.py --lake DIR --view model-providers --window 30m --model openai/gpt-5
    duckdb_views.py --json FILE --all --model openai/gpt-5 --model x-ai/grok-4-fast:free
    duckdb_views.py --lake DIR --all --timing

`--json` reads JSON-lines logs (plain, .gz or .zst) and builds `generations` and `attempts`
itself; `--lake` reads the Parquet files of tokenboard's Delta tables (the live files listed by
the `deltalake` package when it is installed, else a glob). Rows print as a JSON array of objects
with the spec's column names in the spec's order, timestamps as `...Z` strings.

`--all` prints {view_key: rows}: keys `VIEW:PERIOD` (`top-models:week`, `context-lengths:day`)
for each of --periods (default day,week,month), the share views for each of --share-periods
(default day,week), and `model-providers:WINDOW:MODEL` for each --model (repeatable) and each of
--windows (default 30m,1d,all); --limit applies to every view that takes one (not
model-providers nor context-lengths, which have no `$limit`). `--timing` prints
{view_key: best-of-N milliseconds} instead (N = --runs, default 5, after one warm-up run); the
newest record is read once per view before timing, as a tokenboard session reads it once.

User values reach SQL only as prepared-statement parameters (file lists through SET VARIABLE).
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import json
import math
import os
import re
import sys
import time

import duckdb

UTC = dt.timezone.utc
PERIOD_DAYS = {"day": 1, "week": 7, "month": 30}
# Share views: (bucket count, stride in days). `month` is refused.
BUCKETS = {"day": (30, 1), "week": (52, 7)}
WINDOWS = {
    "5m": dt.timedelta(minutes=5),
    "30m": dt.timedelta(minutes=30),
    "1d": dt.timedelta(days=1),
    "7d": dt.timedelta(days=7),
    "30d": dt.timedelta(days=30),
    "all": None,
}
ALL_START = dt.datetime(2000, 1, 1, tzinfo=UTC)
Z = 1.959964
VIEWS = [
    "top-models",
    "token-share",
    "author-share",
    "top-apps",
    "model-providers",
    "speed",
    "context-lengths",
    "spend",
]

# ---------------------------------------------------------------------------------------------
# Tables

TEXT = [
    "provider_name", "router", "api_type", "service_tier", "request_id", "session_id",
    "upstream_id", "finish_reason", "native_finish_reason",
]
FLAGS = ["streamed", "cancelled", "is_byok"]
TIMES = ["latency", "generation_time", "moderation_latency"]
COUNTS = [
    "tokens_prompt", "tokens_completion", "native_tokens_prompt", "native_tokens_completion",
    "native_tokens_reasoning", "native_tokens_cached", "num_media_prompt", "num_media_completion",
    "num_search_results",
]
COSTS = ["total_cost", "usage", "upstream_inference_cost", "cache_discount"]
ATTRIBUTION = ["app_id", "origin", "http_referer", "external_user"]


def record_fields() -> list[tuple[str, str]]:
    """(field, kind) of one record, in the `generations` column order."""
    fields = [("id", "text"), ("created_at", "text"), ("model", "text")]
    fields += [(f, "text") for f in TEXT]
    fields += [(f, "flag") for f in FLAGS]
    fields += [(f, "float") for f in TIMES]
    fields += [(f, "count") for f in COUNTS]
    fields += [(f, "float") for f in COSTS]
    # app_id is a number in OpenRouter's API, a string elsewhere: kept as text either way.
    fields += [("app_id", "text_or_int")] + [(f, "text") for f in ATTRIBUTION[1:]]
    fields += [("provider_responses", "attempts")]
    return fields


# JSON types each kind accepts (besides null), and how a value becomes a column.
ACCEPTS = {
    "text": "('VARCHAR')",
    "text_or_int": "('VARCHAR', 'BIGINT', 'UBIGINT')",
    "flag": "('BOOLEAN')",
    "count": "('BIGINT', 'UBIGINT')",
    "float": "('BIGINT', 'UBIGINT', 'DOUBLE')",
    "attempts": "('ARRAY')",
}
CONVERT = {
    "text": "{v} ->> '$'",
    "text_or_int": "{v} ->> '$'",
    "flag": "CAST({v} AS BOOLEAN)",
    "count": "TRY_CAST({v} AS BIGINT)",
    "float": "CAST({v} AS DOUBLE)",
    "attempts": "json_transform({v}, '[{{\"provider_name\": \"VARCHAR\", \"provider\": "
    "\"VARCHAR\", \"status\": \"BIGINT\", \"latency\": \"DOUBLE\", "
    "\"endpoint_id\": \"VARCHAR\"}}]')",
}


def load_json(con: duckdb.DuckDBPyConnection, files: list[str]) -> None:
    """Builds the tables `generations` and `attempts` from JSON-lines files, as ingest would.

    Every field is read as JSON and converted only when its JSON type is right, so a line that
    ingest quarantines (wrong type, negative count, bad time or model, missing field) is left
    out here too; lines that are not JSON objects are skipped by read_json.
    """
    fields = record_fields()
    columns = {name: "JSON" for name, _ in fields}
    columns["data"] = "JSON"
    con.execute("SET VARIABLE tb_json_files = $files", {"files": files})
    # The envelope {"data": {...}} is used when the line has none of the required fields itself.
    envelope = "(id IS NULL AND created_at IS NULL AND model IS NULL AND data IS NOT NULL)"
    picked = ",\n".join(
        f"""CASE WHEN {envelope} THEN data -> '$."{n}"' ELSE "{n}" END AS "{n}\""""
        for n, _ in fields
    )
    columns_sql = "{" + ", ".join(f"'{n}': '{t}'" for n, t in columns.items()) + "}"
    con.execute(
        f"""
        CREATE TEMP TABLE raw AS
        SELECT {picked}
        FROM read_json(getvariable('tb_json_files'), format = 'newline_delimited',
                       ignore_errors = true, columns = {columns_sql})
        """
    )
    typed = ",\n".join(
        f"""CASE WHEN json_type("{n}") IN {ACCEPTS[k]} THEN {CONVERT[k].format(v=f'"{n}"')}
            END AS "{n}\""""
        for n, k in fields
    )
    type_ok = " AND ".join(
        f"""coalesce(json_type("{n}") IN ('NULL', {ACCEPTS[k][1:-1]}), true)""" for n, k in fields
    )
    # What ingest keeps (DESIGN.md §2): created_at RFC 3339 *with* an offset, from 2020 to a
    # day after now; model author/slug of at most 256 bytes; no negative count, time or cost.
    non_negative = " AND ".join(
        f"coalesce({c} >= 0, true)" for c in COUNTS + TIMES + COSTS[:3]
    ) + " AND coalesce(list_bool_and([coalesce(a.latency >= 0, true) " \
        "FOR a IN provider_responses]), true)"
    con.execute(
        f"""
        CREATE TEMP TABLE valid AS
        SELECT * REPLACE (CAST(created_at AS TIMESTAMPTZ) AS created_at)
        FROM (
            SELECT {typed}, rowid AS line_order
            FROM raw
            WHERE {type_ok}
        )
        WHERE id <> '' AND model <> ''
          AND regexp_matches(created_at,
                             '^\\d{{4}}-\\d\\d-\\d\\d[Tt].*([Zz]|[+-]\\d\\d:\\d\\d)$')
          AND TRY_CAST(created_at AS TIMESTAMPTZ) IS NOT NULL
          AND TRY_CAST(created_at AS TIMESTAMPTZ) >= TIMESTAMPTZ '2020-01-01 00:00:00+00'
          AND TRY_CAST(created_at AS TIMESTAMPTZ) <= now() + INTERVAL 1 DAY
          AND regexp_matches(model, '^[^/]+/.+$') AND strlen(model) <= 256
          AND {non_negative}
        """
    )
    # Dedupe: ingest compares ids within the record's UTC date and keeps the first line.
    con.execute(
        """
        CREATE TEMP TABLE kept AS
        SELECT * FROM valid
        QUALIFY row_number() OVER (
            PARTITION BY id, CAST(created_at AS DATE) ORDER BY line_order) = 1
        """
    )
    gen_columns = ", ".join(f'"{n}"' for n, _ in fields if n != "provider_responses")
    con.execute(
        f"""
        CREATE TEMP TABLE generations AS
        SELECT {gen_columns},
               CAST(coalesce(len(provider_responses), 0) AS INTEGER) AS num_attempts,
               CAST(created_at AS DATE) AS date
        FROM kept
        """
    )
    # One row per provider_responses entry; `attempt` is its 0-based position in the list and
    # `provider` is an alias of `provider_name`.
    con.execute(
        """
        CREATE TEMP TABLE attempts AS
        SELECT generation_id, created_at, model, CAST(attempt AS INTEGER) AS attempt,
               coalesce(r.provider_name, r.provider) AS provider_name,
               r.status AS status, r.latency AS latency, r.endpoint_id AS endpoint_id, date
        FROM (
            SELECT id AS generation_id, created_at, model, CAST(created_at AS DATE) AS date,
                   unnest(provider_responses) AS r,
                   generate_subscripts(provider_responses, 1) - 1 AS attempt
            FROM kept
            WHERE len(provider_responses) > 0
        )
        """
    )
    for t in ("raw", "valid", "kept"):
        con.execute(f"DROP TABLE {t}")


def table_files(lake: str, table: str) -> list[str]:
    """The live Parquet files of a Delta table: from its log when `deltalake` is installed."""
    path = os.path.join(lake, table)
    try:
        from deltalake import DeltaTable  # noqa: PLC0415

        return list(DeltaTable(path).file_uris())
    except ImportError:
        return sorted(glob.glob(os.path.join(path, "**", "*.parquet"), recursive=True))


def load_lake(con: duckdb.DuckDBPyConnection, lake: str) -> None:
    """Views over the Parquet files of the Delta tables: every query reads them again."""
    for table in ("generations", "attempts"):
        files = table_files(lake, table)
        if not files:
            sys.exit(f"no Parquet files under {os.path.join(lake, table)}")
        con.execute(f"SET VARIABLE tb_{table}_files = $files", {"files": files})
        con.execute(
            f"""
            CREATE VIEW {table} AS
            SELECT * FROM read_parquet(getvariable('tb_{table}_files'),
                                       hive_partitioning = true, hive_types = {{'date': 'DATE'}})
            """
        )


def connect(args: argparse.Namespace) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(
        # A ratio whose denominator is 0 (or null) is null.
        "CREATE MACRO ratio(n, d) AS "
        "CASE WHEN d IS NULL OR d = 0 THEN NULL ELSE CAST(n AS DOUBLE) / CAST(d AS DOUBLE) END"
    )
    if args.json:
        load_json(con, args.json)
    else:
        load_lake(con, args.lake)
    return con


# ---------------------------------------------------------------------------------------------
# Time


def newest(con: duckdb.DuckDBPyConnection) -> dt.datetime | None:
    value = con.execute("SELECT max(created_at) FROM generations").fetchone()[0]
    return None if value is None else value.astimezone(UTC)


def period_bounds(last: dt.datetime, period: str) -> dict:
    """[start, end) ending at data_through, and the previous equal window."""
    end = last.replace(minute=0, second=0, microsecond=0)  # data_through
    length = dt.timedelta(days=PERIOD_DAYS[period])
    return {"start": end - length, "end": end, "previous_start": end - 2 * length}


def window_bounds(last: dt.datetime, window: str) -> dict:
    """(start, end] ending at the newest record."""
    length = WINDOWS[window]
    return {"start": ALL_START if length is None else last - length, "end": last}


# ---------------------------------------------------------------------------------------------
# Views

TOKENS = "(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0))"
PERIOD = (
    "date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE) "
    "AND created_at >= $start AND created_at < $end"
)
THROUGHPUT = (
    "CASE WHEN generation_time > 0 AND tokens_completion > 0 "
    "THEN CAST(tokens_completion AS DOUBLE) / (generation_time / 1000) END"
)

TOP_MODELS = f"""
WITH cur AS (
    SELECT model,
           sum({TOKENS}) AS tokens,
           sum(coalesce(tokens_prompt, 0)) AS prompt_tokens,
           sum(coalesce(tokens_completion, 0)) AS completion_tokens,
           count(*) AS requests,
           coalesce(sum(total_cost), 0) AS spend
    FROM generations WHERE {PERIOD}
    GROUP BY model
), prev AS (
    SELECT model, sum({TOKENS}) AS tokens
    FROM generations
    WHERE date BETWEEN CAST($previous_start AS DATE) AND CAST($start AS DATE)
      AND created_at >= $previous_start AND created_at < $start
    GROUP BY model
), total AS (SELECT sum(tokens) AS tokens FROM cur)
SELECT CAST(row_number() OVER (ORDER BY cur.tokens DESC, cur.model) AS BIGINT) AS rank,
       cur.model, split_part(cur.model, '/', 1) AS author,
       CAST(cur.tokens AS BIGINT) AS tokens,
       CAST(cur.prompt_tokens AS BIGINT) AS prompt_tokens,
       CAST(cur.completion_tokens AS BIGINT) AS completion_tokens,
       cur.requests, CAST(cur.spend AS DOUBLE) AS spend,
       ratio(cur.tokens, total.tokens) AS share,
       ratio(cur.tokens - prev.tokens, prev.tokens) AS change
FROM cur CROSS JOIN total LEFT JOIN prev ON prev.model = cur.model
ORDER BY rank
LIMIT $limit
"""


def share_sql(key: str, label: str) -> str:
    """token-share (key = model) and author-share (key = author) over trailing buckets."""
    return f"""
WITH base AS (
    SELECT {key} AS k, {TOKENS} AS tok,
           (epoch_us($end) - epoch_us(created_at) - 1) // $stride_us AS bucket
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
), top AS (
    SELECT k FROM base GROUP BY k ORDER BY sum(tok) DESC, k LIMIT $limit
), labelled AS (
    SELECT bucket, top.k IS NULL AS is_other,
           CASE WHEN top.k IS NULL THEN 'Others' ELSE base.k END AS label, tok
    FROM base LEFT JOIN top ON top.k = base.k
), cells AS (
    SELECT bucket, is_other, label, sum(tok) AS tokens FROM labelled GROUP BY ALL
), totals AS (
    SELECT bucket, sum(tokens) AS tokens FROM cells GROUP BY bucket
)
SELECT $end - to_days(CAST((cells.bucket + 1) * $stride_days AS INTEGER)) AS bucket_start,
       cells.label AS {label}, CAST(cells.tokens AS BIGINT) AS tokens,
       ratio(cells.tokens, totals.tokens) AS share
FROM cells JOIN totals ON totals.bucket = cells.bucket
ORDER BY cells.bucket DESC, cells.is_other, cells.tokens DESC, cells.label
"""


TOP_APPS = f"""
WITH p AS (
    SELECT app_id, origin, model, {TOKENS} AS tok FROM generations WHERE {PERIOD}
), total AS (SELECT sum(tok) AS tokens FROM p),
apps AS (
    SELECT app_id, min(origin) AS origin, sum(tok) AS tokens, count(*) AS requests
    FROM p WHERE app_id IS NOT NULL
    GROUP BY app_id HAVING count(*) >= 1000
), app_models AS (
    SELECT app_id, model, sum(tok) AS tokens
    FROM p WHERE app_id IN (SELECT app_id FROM apps)
    GROUP BY app_id, model
), top3 AS (
    SELECT app_id, string_agg(model, ', ' ORDER BY tokens DESC, model) AS top_models
    FROM (
        SELECT *, row_number() OVER (PARTITION BY app_id ORDER BY tokens DESC, model) AS n
        FROM app_models
    ) WHERE n <= 3
    GROUP BY app_id
)
SELECT CAST(row_number() OVER (ORDER BY apps.tokens DESC, apps.app_id) AS BIGINT) AS rank,
       apps.app_id, apps.origin, CAST(apps.tokens AS BIGINT) AS tokens, apps.requests,
       ratio(apps.tokens, total.tokens) AS share, top3.top_models
FROM apps CROSS JOIN total LEFT JOIN top3 ON top3.app_id = apps.app_id
ORDER BY rank
LIMIT $limit
"""

WINDOW = (
    "date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE) "
    "AND created_at > $start AND created_at <= $end AND model = $model"
)

MODEL_PROVIDERS = f"""
WITH g AS (
    SELECT * FROM generations WHERE {WINDOW}
), served AS (
    SELECT provider_name AS provider,
           count(*) AS requests,
           quantile_cont(latency, 0.5) AS ttft_p50,
           quantile_cont(latency, 0.75) AS ttft_p75,
           quantile_cont(latency, 0.9) AS ttft_p90,
           quantile_cont(latency, 0.99) AS ttft_p99,
           quantile_cont({THROUGHPUT}, 0.5) AS throughput_p50,
           quantile_cont({THROUGHPUT}, 0.9) AS throughput_p90,
           coalesce(sum(total_cost), 0) AS spend,
           sum({TOKENS}) AS tokens,
           sum(coalesce(native_tokens_cached, 0)) FILTER (WHERE native_tokens_prompt IS NOT NULL)
               AS cached,
           sum(native_tokens_prompt) AS native_prompt,
           count(*) FILTER (WHERE finish_reason = 'stop') AS f_stop,
           count(*) FILTER (WHERE finish_reason = 'length') AS f_length,
           count(*) FILTER (WHERE finish_reason = 'tool_calls') AS f_tool_calls,
           count(*) FILTER (WHERE finish_reason = 'content_filter') AS f_content_filter,
           count(*) FILTER (WHERE finish_reason = 'error') AS f_error
    FROM g WHERE provider_name IS NOT NULL
    GROUP BY provider_name
), classified AS (
    SELECT a.provider_name AS provider,
           CASE
               WHEN a.status = 429 THEN 'rate_limited'
               WHEN a.status IS NULL OR a.status IN (400, 413, 422) THEN 'excluded'
               WHEN a.status BETWEEN 200 AND 299
                    AND NOT (a.attempt = g.num_attempts - 1
                             AND coalesce(g.finish_reason = 'error', false))
                   THEN 'successful'
               ELSE 'failed'
           END AS class
    FROM attempts a LEFT JOIN g ON g.id = a.generation_id
    WHERE a.date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND a.created_at > $start AND a.created_at <= $end AND a.model = $model
      AND a.provider_name IS NOT NULL
), tried AS (
    SELECT provider,
           count(*) FILTER (WHERE class = 'successful') AS ok,
           count(*) FILTER (WHERE class = 'failed') AS failed,
           count(*) FILTER (WHERE class = 'rate_limited') AS limited
    FROM classified GROUP BY provider
), joined AS (
    SELECT coalesce(s.provider, t.provider) AS provider,
           coalesce(s.requests, 0) AS requests,
           coalesce(t.ok, 0) AS ok, coalesce(t.failed, 0) AS failed,
           coalesce(t.limited, 0) AS limited,
           s.* EXCLUDE (provider, requests)
    FROM served s FULL OUTER JOIN tried t ON t.provider = s.provider
), wilson AS (
    SELECT *, ok + failed AS n, ratio(ok, ok + failed) AS p,
           CAST($z AS DOUBLE) AS z
    FROM joined
)
SELECT CAST($model AS VARCHAR) AS model, provider, requests, n AS attempts, p AS uptime,
       CASE WHEN n > 0 THEN
           (p + z * z / (2 * n) - z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)))
           / (1 + z * z / n) END AS uptime_low,
       CASE WHEN n > 0 THEN
           (p + z * z / (2 * n) + z * sqrt(p * (1 - p) / n + z * z / (4 * n * n)))
           / (1 + z * z / n) END AS uptime_high,
       ratio(limited, ok + failed + limited) AS rate_limited_share,
       ttft_p50, ttft_p75, ttft_p90, ttft_p99, throughput_p50, throughput_p90,
       ratio(spend, tokens) * 1000000 AS price_per_mtok,
       ratio(cached, native_prompt) AS cache_hit_rate,
       ratio(f_stop, requests) AS finish_stop,
       ratio(f_length, requests) AS finish_length,
       ratio(f_tool_calls, requests) AS finish_tool_calls,
       ratio(f_content_filter, requests) AS finish_content_filter,
       ratio(f_error, requests) AS finish_error,
       ratio(requests - f_stop - f_length - f_tool_calls - f_content_filter - f_error, requests)
           AS finish_other,
       ok AS successes, limited AS rate_limited
FROM wilson
ORDER BY requests DESC, provider
"""

SPEED = f"""
WITH p AS (
    SELECT model, provider_name, latency, {THROUGHPUT} AS tput
    FROM generations WHERE {PERIOD}
), models AS (
    SELECT model, count(*) AS requests,
           quantile_cont(latency, 0.5) AS ttft_p50,
           quantile_cont(tput, 0.5) AS throughput_p50
    FROM p GROUP BY model HAVING count(*) >= 100
), endpoints AS (
    SELECT model, provider_name, quantile_cont(tput, 0.5) AS tput_p50
    FROM p
    WHERE provider_name IS NOT NULL AND model IN (SELECT model FROM models)
    GROUP BY model, provider_name HAVING count(tput) >= 100
), fastest AS (
    SELECT model, provider_name, tput_p50 FROM endpoints
    QUALIFY row_number() OVER (PARTITION BY model ORDER BY tput_p50 DESC, provider_name) = 1
)
SELECT CAST(row_number() OVER (ORDER BY m.throughput_p50 DESC NULLS LAST, m.model) AS BIGINT)
           AS rank,
       m.model, split_part(m.model, '/', 1) AS author, m.requests, m.ttft_p50,
       m.throughput_p50, f.provider_name AS fastest_provider,
       f.tput_p50 AS fastest_throughput_p50
FROM models m LEFT JOIN fastest f ON f.model = m.model
ORDER BY rank
LIMIT $limit
"""

CONTEXT_LENGTHS = f"""
WITH p AS (
    SELECT CASE
               WHEN tokens_prompt < 1000 THEN 0
               WHEN tokens_prompt < 10000 THEN 1
               WHEN tokens_prompt < 100000 THEN 2
               WHEN tokens_prompt < 1000000 THEN 3
               WHEN tokens_prompt >= 1000000 THEN 4
           END AS b,
           {TOKENS} AS tok, finish_reason, native_tokens_reasoning, native_tokens_completion,
           native_tokens_cached, native_tokens_prompt
    FROM generations WHERE {PERIOD}
), rows AS (
    SELECT * FROM p WHERE b IS NOT NULL
    UNION ALL
    SELECT * REPLACE (5 AS b) FROM p
), agg AS (
    SELECT b, count(*) AS requests, sum(tok) AS tokens,
           count(*) FILTER (WHERE finish_reason = 'tool_calls') AS tool_calls,
           sum(native_tokens_reasoning) AS reasoning,
           sum(native_tokens_completion) AS native_completion,
           sum(coalesce(native_tokens_cached, 0)) FILTER (WHERE native_tokens_prompt IS NOT NULL)
               AS cached,
           sum(native_tokens_prompt) AS native_prompt
    FROM rows GROUP BY b
), buckets(b, bucket) AS (
    VALUES (0, '<1K'), (1, '1K-10K'), (2, '10K-100K'), (3, '100K-1M'), (4, '>=1M'), (5, 'all')
), total AS (SELECT count(*) AS requests FROM p)
SELECT buckets.bucket,
       coalesce(agg.requests, 0) AS requests,
       ratio(coalesce(agg.requests, 0), total.requests) AS share,
       CAST(coalesce(agg.tokens, 0) AS BIGINT) AS tokens,
       ratio(agg.tool_calls, agg.requests) AS tool_call_share,
       ratio(agg.reasoning, agg.native_completion) AS reasoning_token_share,
       ratio(agg.cached, agg.native_prompt) AS cache_hit_share
FROM buckets CROSS JOIN total LEFT JOIN agg ON agg.b = buckets.b
ORDER BY buckets.b
"""

SPEND = f"""
WITH p AS (
    SELECT model, split_part(model, '/', 1) AS author, total_cost, {TOKENS} AS tok
    FROM generations WHERE {PERIOD}
), total AS (SELECT coalesce(sum(total_cost), 0) AS spend FROM p),
levels AS (
    SELECT 0 AS l, 'author' AS level, author AS name, author,
           coalesce(sum(total_cost), 0) AS spend, count(*) AS requests, sum(tok) AS tokens
    FROM p GROUP BY author
    UNION ALL
    SELECT 1, 'model', model, author,
           coalesce(sum(total_cost), 0), count(*), sum(tok)
    FROM p GROUP BY model, author
), ranked AS (
    SELECT *, row_number() OVER (PARTITION BY l ORDER BY spend DESC, name) AS rank
    FROM levels
    QUALIFY rank <= $limit
)
SELECT level, CAST(rank AS BIGINT) AS rank, name, author, CAST(ranked.spend AS DOUBLE) AS spend,
       ratio(ranked.spend, total.spend) AS share, requests, CAST(tokens AS BIGINT) AS tokens
FROM ranked CROSS JOIN total
ORDER BY l, rank
"""

COLUMNS = {
    "top-models": ["rank", "model", "author", "tokens", "prompt_tokens", "completion_tokens",
                   "requests", "spend", "share", "change"],
    "token-share": ["bucket_start", "model", "tokens", "share"],
    "author-share": ["bucket_start", "author", "tokens", "share"],
    "top-apps": ["rank", "app_id", "origin", "tokens", "requests", "share", "top_models"],
    "model-providers": ["model", "provider", "requests", "attempts", "uptime", "uptime_low",
                        "uptime_high", "rate_limited_share", "ttft_p50", "ttft_p75", "ttft_p90",
                        "ttft_p99", "throughput_p50", "throughput_p90", "price_per_mtok",
                        "cache_hit_rate", "finish_stop", "finish_length", "finish_tool_calls",
                        "finish_content_filter", "finish_error", "finish_other", "successes",
                        "rate_limited"],
    "speed": ["rank", "model", "author", "requests", "ttft_p50", "throughput_p50",
              "fastest_provider", "fastest_throughput_p50"],
    "context-lengths": ["bucket", "requests", "share", "tokens", "tool_call_share",
                        "reasoning_token_share", "cache_hit_share"],
    "spend": ["level", "rank", "name", "author", "spend", "share", "requests", "tokens"],
}


def plan(view: str, last: dt.datetime, period: str, window: str, model: str | None,
         limit: int) -> tuple[str, dict]:
    """The SQL and parameters of one view."""
    if view == "model-providers":
        if not model:
            raise SystemExit("model-providers needs --model author/slug")
        return MODEL_PROVIDERS, {**window_bounds(last, window), "model": model, "z": Z}
    if view in ("token-share", "author-share"):
        if period not in BUCKETS:
            raise SystemExit(f"{view}: --period {period} is not allowed (day or week)")
        count, stride = BUCKETS[period]
        end = period_bounds(last, period)["end"]
        params = {
            "start": end - dt.timedelta(days=count * stride),
            "end": end,
            "stride_us": stride * 86_400_000_000,
            "stride_days": stride,
            "limit": limit,
        }
        key, label = ("model", "model") if view == "token-share" else (
            "split_part(model, '/', 1)", "author")
        return share_sql(key, label), params
    sql = {
        "top-models": TOP_MODELS,
        "top-apps": TOP_APPS,
        "speed": SPEED,
        "context-lengths": CONTEXT_LENGTHS,
        "spend": SPEND,
    }[view]
    return sql, {**period_bounds(last, period), "limit": limit}


def used(sql: str, params: dict) -> dict:
    """The parameters the statement names: DuckDB refuses extra ones."""
    names = set(re.findall(r"\$([a-z_]+)", sql))
    return {k: v for k, v in params.items() if k in names}


def json_value(v):
    if isinstance(v, dt.datetime):
        v = v.astimezone(UTC)
        text = v.strftime("%Y-%m-%dT%H:%M:%S")
        if v.microsecond:
            text += f".{v.microsecond:06d}".rstrip("0")
        return text + "Z"
    if isinstance(v, float) and not math.isfinite(v):
        return None
    if hasattr(v, "as_integer_ratio") and not isinstance(v, (int, float)):  # Decimal
        return float(v)
    return v


def run_view(con, view, period, window, model, limit, last=None) -> list[dict]:
    if last is None:
        last = newest(con)
    if last is None:
        return []
    sql, params = plan(view, last, period, window, model, limit)
    cur = con.execute(sql, used(sql, params))
    names = [d[0] for d in cur.description]
    assert names == COLUMNS[view], (view, names)
    return [{n: json_value(v) for n, v in zip(names, row)} for row in cur.fetchall()]


def jobs(args) -> list[tuple[str, str, str, str, str | None]]:
    """(key, view, period, window, model) of every view `--all` runs, or of the one view."""
    if not args.all:
        model = args.model[0] if args.model else None
        return [(args.view, args.view, args.period, args.window, model)]
    out = []
    for view in VIEWS:
        if view == "model-providers":
            for m in args.model or []:
                for w in args.windows.split(","):
                    out.append((f"{view}:{w}:{m}", view, args.period, w, m))
        elif view in ("token-share", "author-share"):
            for p in args.share_periods.split(","):
                out.append((f"{view}:{p}", view, p, args.window, None))
        else:
            for p in args.periods.split(","):
                out.append((f"{view}:{p}", view, p, args.window, None))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    src = ap.add_mutually_exclusive_group(required=True)
    src.add_argument("--json", nargs="+", metavar="FILE", help="JSON-lines input files")
    src.add_argument("--lake", metavar="DIR", help="tokenboard data directory (Delta tables)")
    ap.add_argument("--view", choices=VIEWS)
    ap.add_argument("--all", action="store_true", help="run every view, print {key: rows}")
    ap.add_argument("--period", choices=list(PERIOD_DAYS), default="week")
    ap.add_argument("--window", choices=list(WINDOWS), default="30m")
    ap.add_argument("--model", action="append", help="author/slug; repeat with --all")
    ap.add_argument("--limit", type=int, default=10)
    ap.add_argument("--periods", default="day,week,month", help="with --all")
    ap.add_argument("--share-periods", default="day,week", help="with --all")
    ap.add_argument("--windows", default="30m,1d,all", help="with --all")
    ap.add_argument("--timing", action="store_true",
                    help="print best-of-5 milliseconds per view instead of rows")
    ap.add_argument("--runs", type=int, default=5, help="timed runs per view with --timing")
    args = ap.parse_args()
    if not args.all and not args.view:
        ap.error("give --view VIEW or --all")
    if args.limit < 0:
        ap.error("--limit must be >= 0")

    con = connect(args)
    results = {}
    for key, view, period, window, model in jobs(args):
        if args.timing:
            # The newest record is read once per snapshot, as tokenboard's session does: the
            # timing is the view's own.
            last = newest(con)
            run_view(con, view, period, window, model, args.limit, last)  # warm-up
            best = math.inf
            for _ in range(args.runs):
                t0 = time.perf_counter()
                run_view(con, view, period, window, model, args.limit, last)
                best = min(best, time.perf_counter() - t0)
            results[key] = round(best * 1000, 3)
        else:
            results[key] = run_view(con, view, period, window, model, args.limit)
    out = results if (args.all or args.timing) else results[args.view]
    # Costs read from the lake are DECIMAL: DuckDB returns their sums as Python Decimals.
    json.dump(out, sys.stdout, indent=1, allow_nan=False, default=float)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
