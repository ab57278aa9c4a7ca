-- model-daily: the tokens, requests and spend of $model per trailing bucket in [$start, $end),
-- buckets of $stride aligned to $end as in token-share. Definitions: queries/README.md.
-- Parameters: $model, $start, $end (timestamps on hour boundaries, UTC), $stride (interval: 1
-- or 7 days). Reads the hourly rollup.
SELECT
    date_bin($stride, hour, $end) AS bucket_start,
    sum(tokens_prompt + tokens_completion) AS tokens,
    sum(requests) AS requests,
    coalesce(sum(spend), 0) AS spend
FROM hourly_endpoints
WHERE model = $model
  AND date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
  AND hour >= $start AND hour < $end
GROUP BY 1
ORDER BY 1
