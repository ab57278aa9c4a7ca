-- spend: the top $limit authors, then the top $limit models, by spend in the period
-- [$start, $end). Definitions: queries/README.md. Parameters: $start, $end (timestamps, UTC), $limit.
WITH in_period AS (
    SELECT
        model,
        split_part(model, '/', 1) AS author,
        total_cost,
        coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0) AS tokens
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
),
total AS (
    SELECT sum(total_cost) AS spend FROM in_period
),
levels AS (
    SELECT 1 AS position, 'author' AS level, author AS name, author,
           coalesce(sum(total_cost), 0) AS spend, count(*) AS requests, sum(tokens) AS tokens
    FROM in_period
    GROUP BY author
    UNION ALL
    SELECT 2 AS position, 'model' AS level, model AS name, author,
           coalesce(sum(total_cost), 0) AS spend, count(*) AS requests, sum(tokens) AS tokens
    FROM in_period
    GROUP BY model, author
),
ranked AS (
    SELECT
        *,
        CAST(row_number() OVER (PARTITION BY level ORDER BY spend DESC, name) AS BIGINT) AS rank
    FROM levels
)
SELECT
    r.level,
    r.rank,
    r.name,
    r.author,
    r.spend,
    r.spend / nullif(total.spend, 0) AS share,
    r.requests,
    r.tokens
FROM ranked r
CROSS JOIN total
WHERE r.rank <= $limit
ORDER BY r.position, r.rank
