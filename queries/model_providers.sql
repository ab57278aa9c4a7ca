-- model-providers: each (model, provider) endpoint over the window ($start, $end], for one model
-- ($model) or one provider ($provider) or both (a NULL parameter selects every value): what it
-- served (requests, TTFT, throughput, price, cache hits, finish reasons, from `generations`) and
-- how its attempts went (uptime with a 95% Wilson interval, rate-limited share, from `attempts`;
-- the counts behind them last, for the score feed).
-- Definitions: queries/README.md. Parameters: $model, $provider, $start, $end (timestamps, UTC),
-- $hours_from (the first hour boundary after $start), $reads_hours ($hours_from <= $end).
--
-- The window is read in two parts: the raw rows of ($start, $hours_from), less than an hour, and
-- the hourly rollups from $hours_from on (through the hour holding $end, the newest record).
-- A window of an hour or less is read from raw rows only: $hours_from is then past $end, and
-- `$reads_hours` (false) lets the planner drop the rollup scans once the values are bound.
-- Sums add up exactly; percentiles come from the parts' sketches merged (within 1%).
-- An attempt counts toward uptime as a success when its status is 2xx and it did not end its
-- generation in `error` (`ended_in_error`, set at ingest: queries/README.md).
WITH served_parts AS (
    SELECT
        model,
        provider_name AS provider,
        count(*) AS requests,
        sketch_build(latency) AS ttft,
        sketch_build(CASE WHEN generation_time > 0 AND tokens_completion > 0
                          THEN tokens_completion / (generation_time / 1000.0) END) AS throughput,
        sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens,
        CAST(sum(total_cost) AS DOUBLE) AS spend,
        sum(CASE WHEN native_tokens_prompt IS NOT NULL
                 THEN coalesce(native_tokens_cached, 0) END) AS cached_tokens,
        sum(native_tokens_prompt) AS native_prompt_tokens,
        count(*) FILTER (WHERE finish_reason = 'stop') AS finish_stop,
        count(*) FILTER (WHERE finish_reason = 'length') AS finish_length,
        count(*) FILTER (WHERE finish_reason = 'tool_calls') AS finish_tool_calls,
        count(*) FILTER (WHERE finish_reason = 'content_filter') AS finish_content_filter,
        count(*) FILTER (WHERE finish_reason = 'error') AS finish_error
    FROM generations
    WHERE ($model IS NULL OR model = $model)
      AND ($provider IS NULL OR provider_name = $provider)
      AND date BETWEEN CAST($start AS DATE) AND CAST($hours_from AS DATE)
      AND created_at > $start AND created_at < $hours_from AND created_at <= $end
      AND provider_name IS NOT NULL
    GROUP BY model, provider_name
    UNION ALL
    SELECT
        model,
        provider,
        sum(requests),
        sketch_merge(ttft),
        sketch_merge(throughput),
        sum(tokens_prompt + tokens_completion),
        sum(spend),
        sum(cached_tokens),
        sum(native_tokens_prompt),
        sum(finish_stop),
        sum(finish_length),
        sum(finish_tool_calls),
        sum(finish_content_filter),
        sum(failed)
    FROM hourly_endpoints
    WHERE ($model IS NULL OR model = $model)
      AND ($provider IS NULL OR provider = $provider)
      AND date BETWEEN CAST($hours_from AS DATE) AND CAST($end AS DATE)
      AND $reads_hours AND hour >= $hours_from AND hour <= $end
      AND provider IS NOT NULL
    GROUP BY model, provider
),
attempt_parts AS (
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
    FROM hourly_attempts
    WHERE ($model IS NULL OR model = $model)
      AND ($provider IS NULL OR provider = $provider)
      AND date BETWEEN CAST($hours_from AS DATE) AND CAST($end AS DATE)
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
-- What each endpoint served and how its attempts went, side by side: the two sides meet in one
-- aggregation over their union (an endpoint may appear on one side only), not in a full outer
-- join. A join reads its sides one after the other; the union's branches run on both cores at
-- once, which takes about 15% off the model page's `all` window at 2M records.
parts AS (
    SELECT
        model, provider, requests, ttft, throughput, tokens, spend, cached_tokens,
        native_prompt_tokens, finish_stop, finish_length, finish_tool_calls,
        finish_content_filter, finish_error,
        CAST(NULL AS BIGINT) AS successes, CAST(NULL AS BIGINT) AS failures,
        CAST(NULL AS BIGINT) AS rate_limited
    FROM served_parts
    UNION ALL
    SELECT
        model,
        provider,
        CAST(NULL AS BIGINT) AS requests,
        CAST(NULL AS BYTEA) AS ttft,
        CAST(NULL AS BYTEA) AS throughput,
        CAST(NULL AS BIGINT) AS tokens,
        CAST(NULL AS DOUBLE) AS spend,
        CAST(NULL AS BIGINT) AS cached_tokens,
        CAST(NULL AS BIGINT) AS native_prompt_tokens,
        CAST(NULL AS BIGINT) AS finish_stop,
        CAST(NULL AS BIGINT) AS finish_length,
        CAST(NULL AS BIGINT) AS finish_tool_calls,
        CAST(NULL AS BIGINT) AS finish_content_filter,
        CAST(NULL AS BIGINT) AS finish_error,
        CASE WHEN outcome = 'success' THEN attempts END AS successes,
        CASE WHEN outcome = 'failure' THEN attempts END AS failures,
        CASE WHEN outcome = 'rate_limited' THEN attempts END AS rate_limited
    FROM outcomes
),
endpoints AS (
    SELECT
        model,
        provider,
        coalesce(sum(requests), 0) AS requests,
        coalesce(sum(successes), 0) AS successes,
        coalesce(sum(successes), 0) + coalesce(sum(failures), 0) AS attempts,
        coalesce(sum(rate_limited), 0) AS rate_limited,
        sketch_quantile(sketch_merge(ttft), 0.50) AS ttft_p50,
        sketch_quantile(sketch_merge(ttft), 0.75) AS ttft_p75,
        sketch_quantile(sketch_merge(ttft), 0.90) AS ttft_p90,
        sketch_quantile(sketch_merge(ttft), 0.99) AS ttft_p99,
        sketch_quantile(sketch_merge(throughput), 0.50) AS throughput_p50,
        sketch_quantile(sketch_merge(throughput), 0.90) AS throughput_p90,
        sum(tokens) AS tokens,
        coalesce(sum(spend), 0) AS spend,
        sum(cached_tokens) AS cached_tokens,
        sum(native_prompt_tokens) AS native_prompt_tokens,
        sum(finish_stop) AS finish_stop,
        sum(finish_length) AS finish_length,
        sum(finish_tool_calls) AS finish_tool_calls,
        sum(finish_content_filter) AS finish_content_filter,
        sum(finish_error) AS finish_error
    FROM parts
    GROUP BY model, provider
),
-- Wilson score interval, z = 1.959964 (95%): center ± half, both scaled by 1 / (1 + z²/n).
wilson AS (
    SELECT
        *,
        CAST(successes AS DOUBLE) / nullif(attempts, 0) AS uptime,
        1.959964 * 1.959964 AS z2
    FROM endpoints
)
SELECT
    model,
    provider,
    requests,
    attempts,
    uptime,
    (uptime + z2 / (2.0 * attempts)
        - 1.959964 * sqrt(uptime * (1.0 - uptime) / attempts + z2 / (4.0 * attempts * attempts)))
        / (1.0 + z2 / attempts) AS uptime_low,
    (uptime + z2 / (2.0 * attempts)
        + 1.959964 * sqrt(uptime * (1.0 - uptime) / attempts + z2 / (4.0 * attempts * attempts)))
        / (1.0 + z2 / attempts) AS uptime_high,
    CAST(rate_limited AS DOUBLE) / nullif(attempts + rate_limited, 0) AS rate_limited_share,
    ttft_p50, ttft_p75, ttft_p90, ttft_p99,
    throughput_p50, throughput_p90,
    spend / nullif(tokens, 0) * 1000000.0 AS price_per_mtok,
    CAST(cached_tokens AS DOUBLE) / nullif(native_prompt_tokens, 0) AS cache_hit_rate,
    CAST(finish_stop AS DOUBLE) / nullif(requests, 0) AS finish_stop,
    CAST(finish_length AS DOUBLE) / nullif(requests, 0) AS finish_length,
    CAST(finish_tool_calls AS DOUBLE) / nullif(requests, 0) AS finish_tool_calls,
    CAST(finish_content_filter AS DOUBLE) / nullif(requests, 0) AS finish_content_filter,
    CAST(finish_error AS DOUBLE) / nullif(requests, 0) AS finish_error,
    CAST(requests - finish_stop - finish_length - finish_tool_calls - finish_content_filter
         - finish_error AS DOUBLE) / nullif(requests, 0) AS finish_other,
    successes,
    rate_limited
FROM wilson
ORDER BY requests DESC, model, provider
