-- daily_apps: `hourly_apps` summed per (date, app, model) over the whole UTC days in
-- [$start, $end), both on midnights: tokens, requests and the smallest origin. It reads the
-- hourly rollup, not `generations`. In the long tail of apps most (hour, app, model) groups hold
-- a request or two, so a day here is under half the rows of its hours. Definitions:
-- queries/README.md.
SELECT
    app_id,
    model,
    min(origin) AS origin,
    sum(tokens) AS tokens,
    sum(requests) AS requests,
    date
FROM hourly_apps
WHERE date >= CAST($start AS DATE) AND date < CAST($end AS DATE)
GROUP BY date, app_id, model
