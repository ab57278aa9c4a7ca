-- context-lengths: requests by prompt size in the period [$start, $end), with the tool-call,
-- reasoning-token and cache-hit shares of each size, then `all`. Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps, UTC).
--
-- One scan: each row's bucket is computed once (an equality join below, not a range join), and
-- the sizes and `all` are grouping sets of one aggregation. A row without a prompt size counts
-- only toward `all`.
WITH buckets (position, bucket) AS (
    VALUES (1, '<1K'), (2, '1K-10K'), (3, '10K-100K'), (4, '100K-1M'), (5, '>=1M'), (6, 'all')
),
in_period AS (
    SELECT
        CASE
            WHEN tokens_prompt IS NULL THEN NULL
            WHEN tokens_prompt < 1000 THEN 1
            WHEN tokens_prompt < 10000 THEN 2
            WHEN tokens_prompt < 100000 THEN 3
            WHEN tokens_prompt < 1000000 THEN 4
            ELSE 5
        END AS position,
        coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0) AS tokens,
        finish_reason,
        native_tokens_reasoning,
        native_tokens_completion,
        CASE WHEN native_tokens_prompt IS NOT NULL
             THEN coalesce(native_tokens_cached, 0) END AS cached_tokens,
        native_tokens_prompt
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
),
by_size AS (
    SELECT
        -- The grand total (the empty grouping set) is the `all` row, position 6.
        CASE WHEN grouping(position) = 1 THEN 6 ELSE position END AS position,
        count(*) AS requests,
        sum(tokens) AS tokens,
        count(*) FILTER (WHERE finish_reason = 'tool_calls') AS tool_calls,
        sum(native_tokens_reasoning) AS reasoning_tokens,
        sum(native_tokens_completion) AS native_completion_tokens,
        sum(cached_tokens) AS cached_tokens,
        sum(native_tokens_prompt) AS native_prompt_tokens
    FROM in_period
    GROUP BY GROUPING SETS ((position), ())
),
sized AS (
    SELECT
        b.position,
        b.bucket,
        s.requests,
        s.tokens,
        s.tool_calls,
        s.reasoning_tokens,
        s.native_completion_tokens,
        s.cached_tokens,
        s.native_prompt_tokens,
        max(CASE WHEN b.position = 6 THEN s.requests END) OVER () AS all_requests
    FROM buckets b
    LEFT JOIN by_size s ON s.position = b.position
)
SELECT
    bucket,
    coalesce(requests, 0) AS requests,
    CAST(coalesce(requests, 0) AS DOUBLE) / nullif(all_requests, 0) AS share,
    coalesce(tokens, 0) AS tokens,
    CAST(tool_calls AS DOUBLE) / nullif(requests, 0) AS tool_call_share,
    CAST(reasoning_tokens AS DOUBLE) / nullif(native_completion_tokens, 0) AS reasoning_token_share,
    CAST(cached_tokens AS DOUBLE) / nullif(native_prompt_tokens, 0) AS cache_hit_share
FROM sized
ORDER BY position
