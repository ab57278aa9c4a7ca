-- token-share: tokens per trailing bucket for the top $limit models of the whole range, the rest
-- summed as 'Others'. Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps on hour boundaries, UTC), $stride (interval: 1 or 7
-- days), $limit.
--
-- Reads the hourly rollup: buckets are whole hours. One scan: tokens per (bucket, model), then
-- window functions rank the models by their total over the range (ties by name) on those few
-- thousand rows.
WITH by_bucket AS (
    SELECT
        date_bin($stride, hour, $end) AS bucket_start,
        model,
        sum(tokens_prompt + tokens_completion) AS tokens
    FROM hourly_endpoints
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND hour >= $start AND hour < $end
    GROUP BY 1, 2
),
with_totals AS (
    SELECT *, sum(tokens) OVER (PARTITION BY model) AS model_tokens FROM by_bucket
),
ranked AS (
    SELECT *, dense_rank() OVER (ORDER BY model_tokens DESC, model) AS model_rank
    FROM with_totals
),
series AS (
    SELECT
        bucket_start,
        CASE WHEN model_rank <= $limit THEN model ELSE 'Others' END AS model,
        model_rank > $limit AS is_others,
        sum(tokens) AS tokens
    FROM ranked
    GROUP BY 1, 2, 3
)
SELECT
    bucket_start,
    model,
    tokens,
    CAST(tokens AS DOUBLE) / nullif(sum(tokens) OVER (PARTITION BY bucket_start), 0) AS share
FROM series
ORDER BY bucket_start, is_others, tokens DESC, model
