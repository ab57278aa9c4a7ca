-- top-apps: apps by tokens in the period [$start, $end), with their three top models. Only apps
-- with at least 1,000 requests in the period appear: a privacy rule, so not a parameter.
-- Definitions: queries/README.md. Parameters: $start, $end (timestamps on hour boundaries, UTC),
-- $days_from, $days_to (the first whole UTC day of the period and the day after the last),
-- $limit.
--
-- Reads the whole days from the daily rollups and the hours at the period's ragged ends from
-- the hourly ones, in two steps. First it ranks the apps by their totals (`daily_app_totals`,
-- `hourly_app_totals`: a row per app and day or hour; requests without an app form one NULL
-- group, which counts toward the period's total tokens). Then it reads the (app, model) rows of
-- the $limit apps shown only (`daily_apps`, `hourly_apps`), for their top models and origins:
-- the join hands their ids to that scan as a filter, and as those tables are stored in `app_id`
-- order (then `hour`), the page index skips every other app's rows (and the first day's hours
-- before the period).
WITH by_app AS (
    SELECT
        app_id,
        sum(tokens) AS tokens,
        sum(requests) AS requests
    FROM (
        SELECT app_id, tokens, requests
        FROM daily_app_totals
        WHERE date >= $days_from AND date < $days_to
        UNION ALL
        SELECT app_id, tokens, requests
        FROM hourly_app_totals
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
-- The shown apps' tokens by model. Grouped by (app, model) alone, which hashes faster than the
-- ranked row's every column; those come along as min() of their one value.
app_models AS (
    SELECT
        r.app_id,
        m.model,
        min(r.rank) AS rank,
        min(r.tokens) AS tokens,
        min(r.requests) AS requests,
        min(r.share) AS share,
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
    GROUP BY r.app_id, m.model
)
-- The shown apps' first three models by tokens. The rows are sorted once for the three
-- `nth_value`s, and each keeps an app's first values only; an ordered `array_agg` kept every
-- model of the app and sorted each app's list (2.3 ms more at 2M). `concat_ws` skips the NULLs
-- of an app with fewer than three models, as `array_to_string` did.
SELECT
    min(rank) AS rank,
    app_id,
    min(origin) AS origin,
    min(tokens) AS tokens,
    min(requests) AS requests,
    min(share) AS share,
    concat_ws(
        ', ',
        nth_value(model, 1 ORDER BY model_tokens DESC, model),
        nth_value(model, 2 ORDER BY model_tokens DESC, model),
        nth_value(model, 3 ORDER BY model_tokens DESC, model)
    ) AS top_models
FROM app_models
GROUP BY app_id
ORDER BY rank
