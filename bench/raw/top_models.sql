-- top-models: the models with the most tokens in the period [$start, $end), with their change
-- against the previous equal window [$previous_start, $start). Definitions: queries/README.md.
-- Parameters: $start, $end, $previous_start (timestamps, UTC), $limit.
--
-- One scan of both windows: each sum is FILTERed to its window (a CTE referenced twice would be
-- scanned twice).
WITH by_model AS (
    SELECT
        model,
        sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0))
            FILTER (WHERE created_at >= $start) AS tokens,
        sum(coalesce(tokens_prompt, 0)) FILTER (WHERE created_at >= $start) AS prompt_tokens,
        sum(coalesce(tokens_completion, 0)) FILTER (WHERE created_at >= $start) AS completion_tokens,
        count(*) FILTER (WHERE created_at >= $start) AS requests,
        coalesce(sum(total_cost) FILTER (WHERE created_at >= $start), 0) AS spend,
        sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0))
            FILTER (WHERE created_at < $start) AS previous_tokens
    FROM generations
    WHERE date BETWEEN CAST($previous_start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $previous_start AND created_at < $end
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
