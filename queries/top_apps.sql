-- top-apps: apps by tokens in the period [$start, $end), with their three top models. Only apps
-- with at least 1,000 requests in the period appear: a privacy rule, so not a parameter.
-- Definitions: queries/README.md. Parameters: $start, $end (timestamps on hour boundaries, UTC),
-- $limit.
--
-- Reads the hourly rollup of (app, model): tokens per (app, model), requests without an app
-- included (they count toward the period's total); then window functions give each app its
-- totals and its models' ranks.
WITH by_app_model AS (
    SELECT
        app_id,
        model,
        min(origin) AS origin,
        sum(tokens) AS tokens,
        sum(requests) AS requests
    FROM hourly_apps
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND hour >= $start AND hour < $end
    GROUP BY app_id, model
),
with_totals AS (
    SELECT
        app_id,
        model,
        sum(tokens) OVER () AS all_tokens,
        min(origin) OVER (PARTITION BY app_id) AS app_origin,
        sum(tokens) OVER (PARTITION BY app_id) AS app_tokens,
        sum(requests) OVER (PARTITION BY app_id) AS app_requests,
        row_number() OVER (PARTITION BY app_id ORDER BY tokens DESC, model) AS model_rank
    FROM by_app_model
),
apps AS (
    SELECT
        app_id,
        app_origin AS origin,
        app_tokens AS tokens,
        app_requests AS requests,
        all_tokens,
        array_to_string(array_agg(model ORDER BY model_rank) FILTER (WHERE model_rank <= 3), ', ')
            AS top_models
    FROM with_totals
    WHERE app_id IS NOT NULL AND app_requests >= 1000
    GROUP BY app_id, app_origin, app_tokens, app_requests, all_tokens
)
SELECT
    CAST(row_number() OVER (ORDER BY tokens DESC, app_id) AS BIGINT) AS rank,
    app_id,
    origin,
    tokens,
    requests,
    CAST(tokens AS DOUBLE) / nullif(all_tokens, 0) AS share,
    top_models
FROM apps
ORDER BY rank
LIMIT $limit
