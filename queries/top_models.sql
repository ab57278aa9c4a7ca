-- top-models: the models with the most tokens in the period [$start, $end), with their change
-- against the previous equal window [$previous_start, $start). Definitions: queries/README.md.
-- Parameters: $start, $end, $previous_start (timestamps on hour boundaries, UTC), $days_from,
-- $days_to (the first whole UTC day of [$previous_start, $end) and the day after the last), $limit.
--
-- Reads the rollups, so periods are whole hours: the whole UTC days [$days_from, $days_to) from
-- `daily_endpoints`, the hours at the ragged ends from `hourly_endpoints`. The day holding
-- $start is split between the two windows, so it is read by the hour. One scan of both
-- windows: each sum is FILTERed to its window (a CTE referenced twice would be scanned twice).
WITH endpoint_rows AS (
    SELECT date > CAST($start AS DATE) AS in_period,
           model, tokens_prompt, tokens_completion, requests, spend
    FROM daily_endpoints
    WHERE date >= $days_from AND date < $days_to AND date <> CAST($start AS DATE)
    UNION ALL
    SELECT hour >= $start AS in_period,
           model, tokens_prompt, tokens_completion, requests, spend
    FROM hourly_endpoints
    WHERE date BETWEEN CAST($previous_start AS DATE) AND CAST($end AS DATE)
      AND NOT (date >= $days_from AND date < $days_to AND date <> CAST($start AS DATE))
      AND hour >= $previous_start AND hour < $end
),
by_model AS (
    SELECT
        model,
        sum(tokens_prompt + tokens_completion) FILTER (WHERE in_period) AS tokens,
        sum(tokens_prompt) FILTER (WHERE in_period) AS prompt_tokens,
        sum(tokens_completion) FILTER (WHERE in_period) AS completion_tokens,
        sum(requests) FILTER (WHERE in_period) AS requests,
        CAST(coalesce(sum(spend) FILTER (WHERE in_period), 0) AS DOUBLE) AS spend,
        sum(tokens_prompt + tokens_completion) FILTER (WHERE NOT in_period) AS previous_tokens
    FROM endpoint_rows
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
