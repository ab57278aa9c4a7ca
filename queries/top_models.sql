-- top-models: the models with the most tokens in the period [$start, $end), with their change
-- against the previous equal window [$previous_start, $start). Definitions: queries/README.md.
-- Parameters: $start, $end, $previous_start (timestamps on hour boundaries, UTC), $limit.
--
-- Reads the hourly rollup: periods are whole hours. One scan of both windows: each sum is
-- FILTERed to its window (a CTE referenced twice would be scanned twice).
WITH by_model AS (
    SELECT
        model,
        sum(tokens_prompt + tokens_completion) FILTER (WHERE hour >= $start) AS tokens,
        sum(tokens_prompt) FILTER (WHERE hour >= $start) AS prompt_tokens,
        sum(tokens_completion) FILTER (WHERE hour >= $start) AS completion_tokens,
        sum(requests) FILTER (WHERE hour >= $start) AS requests,
        coalesce(sum(spend) FILTER (WHERE hour >= $start), 0) AS spend,
        sum(tokens_prompt + tokens_completion) FILTER (WHERE hour < $start) AS previous_tokens
    FROM hourly_endpoints
    WHERE date BETWEEN CAST($previous_start AS DATE) AND CAST($end AS DATE)
      AND hour >= $previous_start AND hour < $end
    GROUP BY model
),
-- All tokens of the period (models seen only in the previous window add nothing: NULL).
with_total AS (
    SELECT *, sum(tokens) OVER () AS total_tokens FROM by_model
)
SELECT
    CAST(row_number() OVER (ORDER BY tokens DESC, model) AS BIGINT) AS rank,
    model,
    split_part(model, '/', 1) AS author,
    tokens,
    prompt_tokens,
    completion_tokens,
    requests,
    spend,
    CAST(tokens AS DOUBLE) / nullif(total_tokens, 0) AS share,
    CAST(tokens - previous_tokens AS DOUBLE) / nullif(previous_tokens, 0) AS change
FROM with_total
WHERE requests > 0
ORDER BY rank
LIMIT $limit
