-- author-share: tokens per trailing bucket for the top $limit authors of the whole range, the rest
-- summed as 'Others'. Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps, UTC), $stride (interval: 1 or 7 days), $limit.
WITH in_range AS (
    SELECT
        date_bin($stride, created_at, $end) AS bucket_start,
        split_part(model, '/', 1) AS author,
        coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0) AS tokens
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
),
top_authors AS (
    SELECT author
    FROM in_range
    GROUP BY author
    ORDER BY sum(tokens) DESC, author
    LIMIT $limit
),
series AS (
    SELECT
        r.bucket_start,
        CASE WHEN t.author IS NULL THEN 'Others' ELSE r.author END AS author,
        t.author IS NULL AS is_others,
        sum(r.tokens) AS tokens
    FROM in_range r
    LEFT JOIN top_authors t ON t.author = r.author
    GROUP BY 1, 2, 3
)
SELECT
    bucket_start,
    author,
    tokens,
    CAST(tokens AS DOUBLE) / nullif(sum(tokens) OVER (PARTITION BY bucket_start), 0) AS share
FROM series
ORDER BY bucket_start, is_others, tokens DESC, author
