-- token-share: tokens per trailing bucket for the top $limit models of the whole range, the rest
-- summed as 'Others'. Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps, UTC), $stride (interval: 1 or 7 days), $limit.
WITH in_range AS (
    SELECT
        date_bin($stride, created_at, $end) AS bucket_start,
        model,
        coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0) AS tokens
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
),
top_models AS (
    SELECT model
    FROM in_range
    GROUP BY model
    ORDER BY sum(tokens) DESC, model
    LIMIT $limit
),
series AS (
    SELECT
        r.bucket_start,
        CASE WHEN t.model IS NULL THEN 'Others' ELSE r.model END AS model,
        t.model IS NULL AS is_others,
        sum(r.tokens) AS tokens
    FROM in_range r
    LEFT JOIN top_models t ON t.model = r.model
    GROUP BY 1, 2, 3
)
SELECT
    bucket_start,
    model,
    tokens,
    CAST(tokens AS DOUBLE) / nullif(sum(tokens) OVER (PARTITION BY bucket_start), 0) AS share
FROM series
ORDER BY bucket_start, is_others, tokens DESC, model
