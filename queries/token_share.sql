-- token-share: tokens per trailing bucket for the top $limit models of the whole range, the rest
-- summed as 'Others'. Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps on hour boundaries, UTC), $stride (interval: 1 or 7
-- days), $limit.
--
-- Reads the rollups: a UTC day that lies wholly inside one bucket from `daily_endpoints`, the
-- hours of the days a bucket boundary cuts (every day when $end is not a midnight and the stride
-- is a day; one day in seven for weekly buckets) from `hourly_endpoints`. A day is whole when its
-- first and last hour fall in the same bucket and the range holds it. Tokens per (bucket, model),
-- then window functions rank the models by their total over the range (ties by name) on those
-- few thousand rows.
WITH by_bucket AS (
    SELECT bucket_start, model, sum(tokens) AS tokens
    FROM (
        SELECT
            date_bin($stride, CAST(date AS TIMESTAMP), $end) AS bucket_start,
            model,
            tokens_prompt + tokens_completion AS tokens
        FROM daily_endpoints
        WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
          AND CAST(date AS TIMESTAMP) >= $start
          AND CAST(date AS TIMESTAMP) + INTERVAL '1 day' <= $end
          AND date_bin($stride, CAST(date AS TIMESTAMP), $end)
              = date_bin($stride, CAST(date AS TIMESTAMP) + INTERVAL '23 hours', $end)
        UNION ALL
        SELECT
            date_bin($stride, hour, $end) AS bucket_start,
            model,
            tokens_prompt + tokens_completion AS tokens
        FROM hourly_endpoints
        WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
          AND hour >= $start AND hour < $end
          AND NOT (CAST(date AS TIMESTAMP) >= $start
               AND CAST(date AS TIMESTAMP) + INTERVAL '1 day' <= $end
               AND date_bin($stride, CAST(date AS TIMESTAMP), $end)
                   = date_bin($stride, CAST(date AS TIMESTAMP) + INTERVAL '23 hours', $end))
    )
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
