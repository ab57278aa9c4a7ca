-- speed: models with at least 100 requests in the period [$start, $end), by p50 throughput, with
-- p50 TTFT and the fastest of their providers (highest p50 throughput among the endpoints with at
-- least 100 throughput samples). Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps, UTC), $limit.
WITH in_period AS (
    SELECT
        model,
        provider_name,
        latency,
        CASE WHEN generation_time > 0 AND tokens_completion > 0
             THEN tokens_completion / (generation_time / 1000.0) END AS throughput
    FROM generations
    WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at >= $start AND created_at < $end
),
models AS (
    SELECT
        model,
        count(*) AS requests,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY latency) AS ttft_p50,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY throughput) AS throughput_p50
    FROM in_period
    GROUP BY model
    HAVING count(*) >= 100
),
endpoints AS (
    SELECT
        model,
        provider_name,
        percentile_cont(0.5) WITHIN GROUP (ORDER BY throughput) AS throughput_p50
    FROM in_period
    WHERE provider_name IS NOT NULL
    GROUP BY model, provider_name
    HAVING count(throughput) >= 100
),
fastest AS (
    SELECT
        model,
        provider_name,
        throughput_p50,
        row_number() OVER (PARTITION BY model ORDER BY throughput_p50 DESC, provider_name) AS place
    FROM endpoints
)
SELECT
    CAST(row_number() OVER (ORDER BY m.throughput_p50 DESC NULLS LAST, m.model) AS BIGINT) AS rank,
    m.model,
    split_part(m.model, '/', 1) AS author,
    m.requests,
    m.ttft_p50,
    m.throughput_p50,
    f.provider_name AS fastest_provider,
    f.throughput_p50 AS fastest_throughput_p50
FROM models m
LEFT JOIN fastest f ON f.model = m.model AND f.place = 1
ORDER BY rank
LIMIT $limit
