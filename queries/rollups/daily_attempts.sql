-- daily_attempts: `hourly_attempts` summed per (date, model, provider, status, ended_in_error)
-- over the whole UTC days in [$start, $end), both on midnights. A provider window of a week or
-- more reads its whole days here, a row per status class and day rather than per hour.
-- Stored in (model, provider, status, ended_in_error) order, so that a view of one model reads
-- only its pages (as in hourly_endpoints.sql).
SELECT
    model,
    provider,
    status,
    ended_in_error,
    sum(attempts) AS attempts,
    date
FROM hourly_attempts
WHERE date >= CAST($start AS DATE) AND date < CAST($end AS DATE)
GROUP BY date, model, provider, status, ended_in_error
