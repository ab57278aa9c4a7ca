-- model-daily: the tokens, requests and spend of $model per trailing bucket in [$start, $end),
-- buckets of $stride aligned to $end as in token-share. Definitions: queries/README.md.
-- Parameters: $model, $start, $end (timestamps, UTC), $stride (interval: 1 or 7 days).
SELECT
    date_bin($stride, created_at, $end) AS bucket_start,
    sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens,
    count(*) AS requests,
    coalesce(sum(total_cost), 0) AS spend
FROM generations
WHERE model = $model
  AND date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
  AND created_at >= $start AND created_at < $end
GROUP BY 1
ORDER BY 1
