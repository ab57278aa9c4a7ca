-- author-share: tokens per trailing bucket for the top $limit authors of the whole range, the rest
-- summed as 'Others'. Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps on hour boundaries, UTC), $stride (interval: 1 or 7
-- days), $limit.
--
-- Reads the rollups as token-share does (whole days from `daily_endpoints`, the days a bucket
-- boundary cuts from `hourly_endpoints`): tokens per (bucket, author), then the authors ranked
-- by window functions over their totals.
WITH by_bucket AS (
    SELECT bucket_start, author, sum(tokens) AS tokens
    FROM (
        SELECT
            date_bin($stride, CAST(date AS TIMESTAMP), $end) AS bucket_start,
            split_part(model, '/', 1) AS author,
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
            split_part(model, '/', 1) AS author,
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
    SELECT *, sum(tokens) OVER (PARTITION BY author) AS author_tokens FROM by_bucket
),
ranked AS (
    SELECT *, dense_rank() OVER (ORDER BY author_tokens DESC, author) AS author_rank
    FROM with_totals
),
series AS (
    SELECT
        bucket_start,
        CASE WHEN author_rank <= $limit THEN author ELSE 'Others' END AS author,
        author_rank > $limit AS is_others,
        sum(tokens) AS tokens
    FROM ranked
    GROUP BY 1, 2, 3
)
SELECT
    bucket_start,
    author,
    tokens,
    CAST(tokens AS DOUBLE) / nullif(sum(tokens) OVER (PARTITION BY bucket_start), 0) AS share
FROM series
ORDER BY bucket_start, is_others, tokens DESC, author
