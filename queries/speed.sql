-- speed: models with at least 100 requests in the period [$start, $end), by p50 throughput, with
-- p50 TTFT and the fastest of their providers (highest p50 throughput among the endpoints with at
-- least 100 throughput samples). Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps on hour boundaries, UTC), $days_from, $days_to (the first
-- whole UTC day of the period and the day after the last), $limit.
--
-- Reads the rollups: the whole days from `daily_endpoints`, the hours at the period's ragged ends
-- from `hourly_endpoints`. Percentiles come from their merged sketches (within 1%). Models and
-- endpoints are grouping sets of one aggregation, and each model row finds its fastest endpoint
-- with a window over the model's rows instead of a second pass.
WITH grouped AS (
    SELECT
        grouping(provider) = 1 AS is_model,
        model,
        provider AS provider_name,
        sum(requests) AS requests,
        sketch_count(sketch_merge(throughput)) AS throughput_samples,
        sketch_quantile(sketch_merge(ttft), 0.5) AS ttft_p50,
        sketch_quantile(sketch_merge(throughput), 0.5) AS throughput_p50
    FROM (
        SELECT model, provider, requests, ttft, throughput
        FROM daily_endpoints
        WHERE date >= $days_from AND date < $days_to
        UNION ALL
        SELECT model, provider, requests, ttft, throughput
        FROM hourly_endpoints
        WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
          AND NOT (date >= $days_from AND date < $days_to)
          AND hour >= $start AND hour < $end
    )
    GROUP BY GROUPING SETS ((model), (model, provider))
),
candidates AS (
    SELECT
        *,
        NOT is_model AND provider_name IS NOT NULL AND throughput_samples >= 100 AS eligible
    FROM grouped
),
with_fastest AS (
    SELECT
        *,
        first_value(CASE WHEN eligible THEN provider_name END) OVER fastest_first
            AS fastest_provider,
        first_value(CASE WHEN eligible THEN throughput_p50 END) OVER fastest_first
            AS fastest_throughput_p50
    FROM candidates
    WINDOW fastest_first AS (
        PARTITION BY model
        ORDER BY eligible DESC, throughput_p50 DESC NULLS LAST, provider_name NULLS LAST
    )
)
SELECT
    CAST(row_number() OVER (ORDER BY throughput_p50 DESC NULLS LAST, model) AS BIGINT) AS rank,
    model,
    split_part(model, '/', 1) AS author,
    requests,
    ttft_p50,
    throughput_p50,
    fastest_provider,
    fastest_throughput_p50
FROM with_fastest
WHERE is_model AND requests >= 100
ORDER BY rank
LIMIT $limit
