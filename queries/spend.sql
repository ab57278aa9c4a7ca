-- spend: the top $limit authors, then the top $limit models, by spend in the period
-- [$start, $end). Definitions: queries/README.md. Parameters: $start, $end (timestamps on hour
-- boundaries, UTC), $days_from, $days_to (the first whole UTC day of the period and the day after
-- the last), $limit.
--
-- Reads the rollups: the whole days from `daily_endpoints`, the hours at the period's ragged ends
-- from `hourly_endpoints`. Both levels are grouping sets of the same aggregation. Spend is summed
-- as exact decimals and made a double once, at the end: ranks by spend are exact, and a period's
-- figures come out the same every time.
WITH in_period AS (
    SELECT
        model,
        split_part(model, '/', 1) AS author,
        spend,
        requests,
        tokens_prompt + tokens_completion AS tokens
    FROM (
        SELECT model, spend, requests, tokens_prompt, tokens_completion
        FROM daily_endpoints
        WHERE date >= $days_from AND date < $days_to
        UNION ALL
        SELECT model, spend, requests, tokens_prompt, tokens_completion
        FROM hourly_endpoints
        WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
          AND NOT (date >= $days_from AND date < $days_to)
          AND hour >= $start AND hour < $end
    )
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
    CAST(spend AS DOUBLE) AS spend,
    CAST(spend AS DOUBLE) / nullif(CAST(total_spend AS DOUBLE), 0) AS share,
    requests,
    tokens
FROM ranked
WHERE rank <= $limit
ORDER BY is_author DESC, rank
