-- context-lengths: requests by prompt size in the period [$start, $end), with the tool-call,
-- reasoning-token and cache-hit shares of each size, then `all`. Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps, UTC).
WITH buckets (position, bucket, low, high) AS (
    VALUES
        (1, '<1K', 0, 1000),
        (2, '1K-10K', 1000, 10000),
        (3, '10K-100K', 10000, 100000),
        (4, '100K-1M', 100000, 1000000),
        (5, '>=1M', 1000000, 9223372036854775807)
),
in_period AS (
    SELECT
        tokens_prompt,
        coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0) AS tokens,
        finish_reason,
        native_tokens_reasoning,
        native_tokens_completion,
        native_tokens_prompt,
        CASE WHEN native_tokens_prompt IS NOT NULL
             THEN coalesce(native_tokens_cached, 0) END AS cached_tokens
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
),
total AS (
    SELECT count(*) AS requests FROM in_period
),
sized AS (
    SELECT b.position, b.bucket, p.*
    FROM buckets b
    LEFT JOIN in_period p ON p.tokens_prompt >= b.low AND p.tokens_prompt < b.high
    UNION ALL
    SELECT 6 AS position, 'all' AS bucket, p.*
    FROM in_period p
)
SELECT
    s.bucket,
    count(s.tokens) AS requests,
    CAST(count(s.tokens) AS DOUBLE) / nullif(max(total.requests), 0) AS share,
    coalesce(sum(s.tokens), 0) AS tokens,
    CAST(count(*) FILTER (WHERE s.finish_reason = 'tool_calls') AS DOUBLE)
        / nullif(count(s.tokens), 0) AS tool_call_share,
    CAST(sum(s.native_tokens_reasoning) AS DOUBLE)
        / nullif(sum(s.native_tokens_completion), 0) AS reasoning_token_share,
    CAST(sum(s.cached_tokens) AS DOUBLE) / nullif(sum(s.native_tokens_prompt), 0) AS cache_hit_share
FROM sized s
CROSS JOIN total
GROUP BY s.position, s.bucket
ORDER BY s.position
