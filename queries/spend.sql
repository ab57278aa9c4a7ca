-- spend: the top $limit authors, then the top $limit models, by spend in the period
-- [$start, $end). Definitions: queries/README.md. Parameters: $start, $end (timestamps on hour
-- boundaries, UTC), $limit.
--
-- Reads the hourly rollup; both levels are grouping sets of the same aggregation.
WITH in_period AS (
    SELECT
        model,
        split_part(model, '/', 1) AS author,
        spend,
        requests,
        tokens_prompt + tokens_completion AS tokens
    FROM hourly_endpoints
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND hour >= $start AND hour < $end
),
levels AS (
    SELECT
        grouping(model) AS is_author,
        CASE WHEN grouping(model) = 1 THEN author ELSE model END AS name,
        author,
        coalesce(sum(spend), 0) AS spend,
        sum(requests) AS requests,
        sum(tokens) AS tokens
    FROM in_period
    GROUP BY GROUPING SETS ((author), (author, model))
),
ranked AS (
    SELECT
        *,
        CAST(row_number() OVER (PARTITION BY is_author ORDER BY spend DESC, name) AS BIGINT)
            AS rank,
        -- Each level sums to the period's spend.
        sum(spend) OVER (PARTITION BY is_author) AS total_spend
    FROM levels
)
SELECT
    CASE WHEN is_author = 1 THEN 'author' ELSE 'model' END AS level,
    rank,
    name,
    author,
    spend,
    spend / nullif(total_spend, 0) AS share,
    requests,
    tokens
FROM ranked
WHERE rank <= $limit
ORDER BY is_author DESC, rank
