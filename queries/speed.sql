-- speed: models with at least 100 requests in the period [$start, $end), by p50 throughput, with
-- p50 TTFT and the fastest of their providers (highest p50 throughput among the endpoints with at
-- least 100 throughput samples). Definitions: queries/README.md.
-- Parameters: $start, $end (timestamps on hour boundaries, UTC), $days_from, $days_to (the first
-- whole UTC day of the period and the day after the last), $limit.
--
-- Reads the rollups: the whole days from `daily_endpoints`, the hours at the period's ragged ends
-- from `hourly_endpoints`. Percentiles come from their merged sketches (within 1%). The rows are
-- merged once, per endpoint; each model's sketches are then merged from its few endpoints', in
-- a grouping by model whose `first_value`s also pick its fastest endpoint. (Grouping sets of
-- models and endpoints merged every row's sketches twice: the week took a fifth longer. Windows
-- over the model, ranking its endpoints, planned 1.3 ms slower.)
WITH endpoints AS (
    SELECT
        model,
        provider,
        sum(requests) AS requests,
        sketch_merge(ttft) AS ttft,
        sketch_merge(throughput) AS throughput
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
    GROUP BY model, provider
),
-- Each endpoint's median throughput, and whether it may be a model's fastest.
candidates AS (
    SELECT
        model,
        provider,
        requests,
        ttft,
        throughput,
        -- Never NULL: an endpoint without throughput samples has no sketch, and a NULL here
        -- would sort first and hide the model's fastest endpoint.
        provider IS NOT NULL AND coalesce(sketch_count(throughput), 0) >= 100 AS eligible,
        sketch_quantile(throughput, 0.5) AS throughput_p50
    FROM endpoints
),
models AS (
    SELECT
        model,
        sum(requests) AS requests,
        sketch_quantile(sketch_merge(ttft), 0.5) AS ttft_p50,
        sketch_quantile(sketch_merge(throughput), 0.5) AS model_throughput_p50,
        first_value(CASE WHEN eligible THEN provider END ORDER BY
            eligible DESC, throughput_p50 DESC NULLS LAST, provider NULLS LAST
        ) AS fastest_provider,
        first_value(CASE WHEN eligible THEN throughput_p50 END ORDER BY
            eligible DESC, throughput_p50 DESC NULLS LAST, provider NULLS LAST
        ) AS fastest_throughput_p50
    FROM candidates
    GROUP BY model
    HAVING sum(requests) >= 100
)
SELECT
    CAST(row_number() OVER (ORDER BY model_throughput_p50 DESC NULLS LAST, model) AS BIGINT) AS rank,
    model,
    split_part(model, '/', 1) AS author,
    requests,
    ttft_p50,
    model_throughput_p50 AS throughput_p50,
    fastest_provider,
    fastest_throughput_p50
FROM models
ORDER BY rank
LIMIT $limit
