-- model-daily: the tokens, requests and spend of $model per trailing bucket in [$start, $end),
-- buckets of $stride aligned to $end as in token-share. Definitions: queries/README.md.
-- Parameters: $model, $start, $end (timestamps on hour boundaries, UTC), $stride (interval: 1
-- or 7 days). Reads the whole days of a bucket from `daily_endpoints` and the days a bucket
-- boundary cuts by the hour from `hourly_endpoints`, as token-share does.
SELECT
    bucket_start,
    sum(tokens) AS tokens,
    sum(requests) AS requests,
    CAST(coalesce(sum(spend), 0) AS DOUBLE) AS spend
FROM (
    SELECT
        date_bin($stride, CAST(date AS TIMESTAMP), $end) AS bucket_start,
        tokens_prompt + tokens_completion AS tokens,
        requests,
        spend
    FROM daily_endpoints
    WHERE model = $model
      AND date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND CAST(date AS TIMESTAMP) >= $start
      AND CAST(date AS TIMESTAMP) + INTERVAL '1 day' <= $end
      AND date_bin($stride, CAST(date AS TIMESTAMP), $end)
          = date_bin($stride, CAST(date AS TIMESTAMP) + INTERVAL '23 hours', $end)
    UNION ALL
    SELECT
        date_bin($stride, hour, $end) AS bucket_start,
        tokens_prompt + tokens_completion AS tokens,
        requests,
        spend
    FROM hourly_endpoints
    WHERE model = $model
      AND date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND hour >= $start AND hour < $end
      AND NOT (CAST(date AS TIMESTAMP) >= $start
           AND CAST(date AS TIMESTAMP) + INTERVAL '1 day' <= $end
           AND date_bin($stride, CAST(date AS TIMESTAMP), $end)
               = date_bin($stride, CAST(date AS TIMESTAMP) + INTERVAL '23 hours', $end))
)
GROUP BY 1
ORDER BY 1
