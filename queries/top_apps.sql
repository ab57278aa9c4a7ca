-- top-apps: apps by tokens in the period [$start, $end), with their three top models. Only apps
-- with at least 1,000 requests in the period appear: a privacy rule, so not a parameter.
-- Definitions: queries/README.md. Parameters: $start, $end (timestamps, UTC), $limit.
WITH in_period AS (
    SELECT
        app_id,
        origin,
        model,
        coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0) AS tokens
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
),
total AS (
    SELECT sum(tokens) AS tokens FROM in_period
),
apps AS (
    SELECT app_id, min(origin) AS origin, sum(tokens) AS tokens, count(*) AS requests
    FROM in_period
    WHERE app_id IS NOT NULL
    GROUP BY app_id
    HAVING count(*) >= 1000
),
ranked_apps AS (
    SELECT
        CAST(row_number() OVER (ORDER BY tokens DESC, app_id) AS BIGINT) AS rank,
        app_id, origin, tokens, requests
    FROM apps
    ORDER BY rank
    LIMIT $limit
),
app_models AS (
    SELECT
        p.app_id,
        p.model,
        row_number() OVER (PARTITION BY p.app_id ORDER BY sum(p.tokens) DESC, p.model) AS model_rank
    FROM in_period p
    JOIN ranked_apps a ON a.app_id = p.app_id
    GROUP BY p.app_id, p.model
)
SELECT
    a.rank,
    a.app_id,
    a.origin,
    a.tokens,
    a.requests,
    CAST(a.tokens AS DOUBLE) / nullif(total.tokens, 0) AS share,
    array_to_string(array_agg(m.model ORDER BY m.model_rank), ', ') AS top_models
FROM ranked_apps a
CROSS JOIN total
JOIN app_models m ON m.app_id = a.app_id AND m.model_rank <= 3
GROUP BY a.rank, a.app_id, a.origin, a.tokens, a.requests, total.tokens
ORDER BY a.rank
