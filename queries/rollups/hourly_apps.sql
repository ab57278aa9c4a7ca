-- hourly_apps: one row per (hour, app, model) of `generations` in [$start, $end), both on hour
-- boundaries: tokens, requests and the smallest origin. Requests without an app have a NULL
-- `app_id`; they count toward a period's total tokens.
-- Hours are `date_bin(INTERVAL '1 hour', ...)`: for UTC timestamps the same as `date_trunc`,
-- without its time-zone arithmetic per row (a fifth of a rebuild's time).
SELECT
    date_bin(INTERVAL '1 hour', created_at) AS hour,
    app_id,
    model,
    min(origin) AS origin,
    sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens,
    count(*) AS requests,
    CAST(date_bin(INTERVAL '1 hour', created_at) AS DATE) AS date
FROM generations
WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
  AND created_at >= $start AND created_at < $end
GROUP BY 1, 2, 3
