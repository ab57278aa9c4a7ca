-- The week's top models by tokens, as `tokenboard demo` prints them.
-- The week is the trailing window [data_through - 7 days, data_through), where data_through is
-- the start of the hour holding the newest record (DESIGN.md §3): the still-filling hour is out.
WITH bounds AS (
    SELECT date_trunc('hour', max(created_at)) AS data_through FROM generations
)
SELECT
    row_number() OVER (ORDER BY sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) DESC, model) AS rank,
    model,
    split_part(model, '/', 1) AS author,
    sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens,
    count(*) AS requests,
    round(sum(total_cost), 2) AS spend
FROM generations, bounds
WHERE created_at >= data_through - INTERVAL '7 days'
  AND created_at < data_through
GROUP BY model
ORDER BY rank
LIMIT 10
