-- daily_app_totals: `hourly_app_totals` summed per (date, app) over the whole UTC days in
-- [$start, $end), both on midnights: tokens and requests. Definitions: queries/README.md.
SELECT
    app_id,
    sum(tokens) AS tokens,
    sum(requests) AS requests,
    date
FROM hourly_app_totals
WHERE date >= CAST($start AS DATE) AND date < CAST($end AS DATE)
GROUP BY date, app_id
