-- hourly_app_totals: one row per (hour, app) of `generations` in [$start, $end), both on hour
-- boundaries: tokens and requests over every model. `hourly_apps` holds the same sums split by
-- model; ranking a period's apps needs only these, a row per app and hour instead of one per
-- (app, model) pair. Requests without an app have a NULL `app_id`. Definitions:
-- queries/README.md.
SELECT
    date_bin(INTERVAL '1 hour', created_at) AS hour,
    app_id,
    sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens,
    count(*) AS requests,
    CAST(date_bin(INTERVAL '1 hour', created_at) AS DATE) AS date
FROM generations
WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
  AND created_at >= $start AND created_at < $end
GROUP BY 1, 2
