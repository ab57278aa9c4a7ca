-- model-providers, how each endpoint's attempts went: each (model, provider) endpoint over the
-- window ($start, $end], for one model ($model) or one provider ($provider) or both (a NULL
-- parameter selects every value), from `attempts`: uptime with a 95% Wilson interval and the
-- rate-limited share, with the counts behind them (for the score feed). The other half of the
-- model page is `model_providers_served.sql` (queries/README.md).
-- Definitions: queries/README.md. Parameters: $model, $provider, $start, $end (timestamps, UTC),
-- $hours_from (the first hour boundary after $start), $reads_hours ($hours_from <= $end),
-- $days_from, $days_to (the first whole UTC day from $hours_from on, and the day holding the
-- newest record's hour), $reads_days (some day is between them and $reads_hours).
--
-- The window is read in two parts: the raw rows of ($start, $hours_from), less than an hour, and
-- the rollups from $hours_from on (through the hour holding $end, the newest record): its whole
-- UTC days [$days_from, $days_to) from `daily_attempts`, a row per endpoint, status and day, and
-- its other hours from `hourly_attempts`, as `model_providers_served.sql` reads its rollups.
-- A window of an hour or less is read from raw rows only: $hours_from is then past $end, and
-- `$reads_hours` (false) lets the planner drop the rollup scans once the values are bound.
-- An attempt counts toward uptime as a success when its status is 2xx and it did not end its
-- generation in `error` (`ended_in_error`, set at ingest: queries/README.md).
WITH attempt_parts AS (
    SELECT
        model,
        provider_name AS provider,
        status,
        ended_in_error,
        count(*) AS attempts
    FROM attempts
    WHERE ($model IS NULL OR model = $model)
      AND ($provider IS NULL OR provider_name = $provider)
      AND date BETWEEN CAST($start AS DATE) AND CAST($hours_from AS DATE)
      AND created_at > $start AND created_at < $hours_from AND created_at <= $end
      AND provider_name IS NOT NULL
    GROUP BY 1, 2, 3, 4
    UNION ALL
    SELECT model, provider, status, ended_in_error, attempts
    FROM daily_attempts
    WHERE ($model IS NULL OR model = $model)
      AND ($provider IS NULL OR provider = $provider)
      AND $reads_days AND date >= $days_from AND date < $days_to
      AND provider IS NOT NULL
    UNION ALL
    SELECT model, provider, status, ended_in_error, attempts
    FROM hourly_attempts
    WHERE ($model IS NULL OR model = $model)
      AND ($provider IS NULL OR provider = $provider)
      AND date BETWEEN CAST($hours_from AS DATE) AND CAST($end AS DATE)
      AND NOT (date >= $days_from AND date < $days_to)
      AND $reads_hours AND hour >= $hours_from AND hour <= $end
      AND provider IS NOT NULL
),
outcomes AS (
    SELECT
        model,
        provider,
        attempts,
        CASE
            WHEN status = 429 THEN 'rate_limited'
            WHEN status IS NULL OR status IN (400, 413, 422) THEN 'excluded'
            WHEN status BETWEEN 200 AND 299 AND NOT ended_in_error THEN 'success'
            ELSE 'failure'
        END AS outcome
    FROM attempt_parts
),
counts AS (
    SELECT
        model,
        provider,
        coalesce(sum(attempts) FILTER (WHERE outcome = 'success'), 0) AS successes,
        coalesce(sum(attempts) FILTER (WHERE outcome IN ('success', 'failure')), 0) AS attempts,
        coalesce(sum(attempts) FILTER (WHERE outcome = 'rate_limited'), 0) AS rate_limited
    FROM outcomes
    GROUP BY model, provider
),
-- Wilson score interval, z = 1.959964 (95%): center ± half, both scaled by 1 / (1 + z²/n).
wilson AS (
    SELECT
        *,
        CAST(successes AS DOUBLE) / nullif(attempts, 0) AS uptime,
        1.959964 * 1.959964 AS z2
    FROM counts
)
SELECT
    model,
    provider,
    attempts,
    uptime,
    (uptime + z2 / (2.0 * attempts)
        - 1.959964 * sqrt(uptime * (1.0 - uptime) / attempts + z2 / (4.0 * attempts * attempts)))
        / (1.0 + z2 / attempts) AS uptime_low,
    (uptime + z2 / (2.0 * attempts)
        + 1.959964 * sqrt(uptime * (1.0 - uptime) / attempts + z2 / (4.0 * attempts * attempts)))
        / (1.0 + z2 / attempts) AS uptime_high,
    CAST(rate_limited AS DOUBLE) / nullif(attempts + rate_limited, 0) AS rate_limited_share,
    successes,
    rate_limited
FROM wilson
