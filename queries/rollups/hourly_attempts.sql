-- hourly_attempts: one row per (hour, model, provider, status, ended_in_error) of `attempts` in
-- [$start, $end), both on hour boundaries, with the number of attempts. `ended_in_error` marks
-- the last attempt of a generation whose finish_reason is `error`: uptime counts it as a failure
-- whatever its status (queries/README.md).
-- Hours are `date_bin(INTERVAL '1 hour', ...)`: for UTC timestamps the same as `date_trunc`,
-- without its time-zone arithmetic per row (a fifth of a rebuild's time).
-- Stored in (model, provider, hour, status, ended_in_error) order, so that a view of one model
-- reads only its pages (as in hourly_endpoints.sql).
SELECT
    date_bin(INTERVAL '1 hour', created_at) AS hour,
    model,
    provider_name AS provider,
    status,
    ended_in_error,
    count(*) AS attempts,
    CAST(date_bin(INTERVAL '1 hour', created_at) AS DATE) AS date
FROM attempts
WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
  AND created_at >= $start AND created_at < $end
GROUP BY 1, 2, 3, 4, 5
