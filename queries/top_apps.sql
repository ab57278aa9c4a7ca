-- top-apps: apps by tokens in the period [$start, $end), with their three top models. Only apps
-- with at least 1,000 requests in the period appear: a privacy rule, so not a parameter.
-- Definitions: queries/README.md. Parameters: $start, $end (timestamps on hour boundaries, UTC),
-- $days_from, $days_to (the first whole UTC day of the period and the day after the last),
-- $limit.
--
-- Reads the rollups of (app, model): the whole days from `daily_apps`, the hours at the
-- period's ragged ends from `hourly_apps`. It reads them twice: first per app alone, ranking the
-- apps (requests without an app form one NULL group, which counts toward the period's total
-- tokens); then per (app, model) for the $limit apps shown only, whose ids the join hands to the
-- second scan as a filter, with their origins. Grouping every (app, model) pair of the period at
-- once, and reading every origin, cost most of the query for apps that never appear.
WITH by_app AS (
    SELECT
        app_id,
        sum(tokens) AS tokens,
        sum(requests) AS requests
    FROM (
        SELECT app_id, tokens, requests
        FROM daily_apps
        WHERE date >= $days_from AND date < $days_to
        UNION ALL
        SELECT app_id, tokens, requests
        FROM hourly_apps
        WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
          AND NOT (date >= $days_from AND date < $days_to)
          AND hour >= $start AND hour < $end
    )
    GROUP BY app_id
),
with_share AS (
    SELECT
        app_id,
        tokens,
        requests,
        CAST(tokens AS DOUBLE) / nullif(sum(tokens) OVER (), 0) AS share
    FROM by_app
),
ranked AS (
    SELECT
        CAST(row_number() OVER (ORDER BY tokens DESC, app_id) AS BIGINT) AS rank,
        app_id,
        tokens,
        requests,
        share
    FROM with_share
    WHERE app_id IS NOT NULL AND requests >= 1000
    ORDER BY rank
    LIMIT $limit
),
app_models AS (
    SELECT
        r.rank,
        r.app_id,
        r.tokens,
        r.requests,
        r.share,
        m.model,
        min(m.origin) AS origin,
        sum(m.tokens) AS model_tokens
    FROM ranked r
    JOIN (
        SELECT app_id, model, origin, tokens
        FROM daily_apps
        WHERE date >= $days_from AND date < $days_to
        UNION ALL
        SELECT app_id, model, origin, tokens
        FROM hourly_apps
        WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
          AND NOT (date >= $days_from AND date < $days_to)
          AND hour >= $start AND hour < $end
    ) m ON m.app_id = r.app_id
    GROUP BY r.rank, r.app_id, r.tokens, r.requests, r.share, m.model
),
model_ranks AS (
    SELECT
        *,
        min(origin) OVER (PARTITION BY app_id) AS app_origin,
        row_number() OVER (PARTITION BY app_id ORDER BY model_tokens DESC, model) AS model_rank
    FROM app_models
)
SELECT
    rank,
    app_id,
    app_origin AS origin,
    tokens,
    requests,
    share,
    array_to_string(array_agg(model ORDER BY model_rank), ', ') AS top_models
FROM model_ranks
WHERE model_rank <= 3
GROUP BY rank, app_id, app_origin, tokens, requests, share
ORDER BY rank
