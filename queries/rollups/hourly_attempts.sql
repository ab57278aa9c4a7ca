-- hourly_attempts: one row per (hour, model, provider, status, ended_in_error) of `attempts` in
-- [$start, $end), both on hour boundaries, with the number of attempts. `ended_in_error` marks
-- the last attempt of a generation whose finish_reason is `error`: uptime counts it as a failure
-- whatever its status (queries/README.md). An attempt carries its generation's `created_at`, so
-- both sides of the join are in the same hour.
-- Hours are `date_bin(INTERVAL '1 hour', ...)`: for UTC timestamps the same as `date_trunc`,
-- without its time-zone arithmetic per row (a fifth of a rebuild's time).
WITH errored AS (
    SELECT id, num_attempts - 1 AS last_attempt
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
      AND finish_reason = 'error'
)
SELECT
    date_bin(INTERVAL '1 hour', a.created_at) AS hour,
    a.model,
    a.provider_name AS provider,
    a.status,
    e.id IS NOT NULL AS ended_in_error,
    count(*) AS attempts,
    CAST(date_bin(INTERVAL '1 hour', a.created_at) AS DATE) AS date
FROM attempts a
LEFT JOIN errored e ON e.id = a.generation_id AND e.last_attempt = a.attempt
WHERE a.date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
  AND a.created_at >= $start AND a.created_at < $end
GROUP BY 1, 2, 3, 4, 5
