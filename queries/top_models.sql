-- top-models: the models with the most tokens in the period [$start, $end), with their change
-- against the previous equal window [$previous_start, $start). Definitions: queries/README.md.
-- Parameters: $start, $end, $previous_start (timestamps, UTC), $limit.
WITH current_window AS (
    SELECT
        model,
        sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens,
        sum(coalesce(tokens_prompt, 0)) AS prompt_tokens,
        sum(coalesce(tokens_completion, 0)) AS completion_tokens,
        count(*) AS requests,
        coalesce(sum(total_cost), 0) AS spend
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
    GROUP BY model
),
previous_window AS (
    SELECT
        model,
        sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens
    FROM generations
    WHERE date BETWEEN CAST($previous_start AS DATE) AND CAST($start AS DATE)
      AND created_at >= $previous_start AND created_at < $start
    GROUP BY model
),
total AS (
    SELECT sum(tokens) AS tokens FROM current_window
)
SELECT
    CAST(row_number() OVER (ORDER BY c.tokens DESC, c.model) AS BIGINT) AS rank,
    c.model,
    split_part(c.model, '/', 1) AS author,
    c.tokens,
    c.prompt_tokens,
    c.completion_tokens,
    c.requests,
    c.spend,
    CAST(c.tokens AS DOUBLE) / nullif(total.tokens, 0) AS share,
    CAST(c.tokens - p.tokens AS DOUBLE) / nullif(p.tokens, 0) AS change
FROM current_window c
CROSS JOIN total
LEFT JOIN previous_window p ON p.model = c.model
ORDER BY rank
LIMIT $limit
