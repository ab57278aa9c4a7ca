-- model-providers, what each endpoint served: each (model, provider) endpoint over the window
-- ($start, $end], for one model ($model) or one provider ($provider) or both (a NULL parameter
-- selects every value), from `generations`: requests, TTFT, throughput, price, cache hits and
-- finish reasons. `model_providers_attempts.sql` answers how the same endpoints' attempts went;
-- the query crate runs the two side by side and puts their rows together by (model, provider),
-- ordered by requests (queries/README.md).
-- Definitions: queries/README.md. Parameters: $model, $provider, $start, $end (timestamps, UTC),
-- $hours_from (the first hour boundary after $start), $reads_hours ($hours_from <= $end),
-- $days_from, $days_to (the first whole UTC day from $hours_from on, and the day holding the
-- newest record's hour), $reads_days (some day is between them and $reads_hours).
--
-- The window is read in two parts: the raw rows of ($start, $hours_from), less than an hour, and
-- the hourly rollups from $hours_from on (through the hour holding $end, the newest record).
-- A window of an hour or less is read from raw rows only: $hours_from is then past $end, and
-- `$reads_hours` (false) lets the planner drop the rollup scans once the values are bound.
-- The rollups' whole UTC days [$days_from, $days_to) come from `daily_endpoints`, a row per
-- endpoint and day instead of one per endpoint and hour (`$reads_days`: there is one).
-- Sums add up exactly; percentiles come from the parts' sketches merged (within 1%).
WITH served_parts AS (
    SELECT
        model,
        provider_name AS provider,
        count(*) AS requests,
        sketch_build(latency) AS ttft,
        sketch_build(CASE WHEN generation_time > 0 AND tokens_completion > 0
                          THEN tokens_completion / (generation_time / 1000.0) END) AS throughput,
        sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens,
        CAST(sum(total_cost) AS DECIMAL(38, 12)) AS spend,
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
    FROM (
        SELECT model, provider, requests, ttft, throughput, tokens_prompt, tokens_completion, spend,
               cached_tokens, native_tokens_prompt, finish_stop, finish_length, finish_tool_calls,
               finish_content_filter, failed
        FROM daily_endpoints
        WHERE ($model IS NULL OR model = $model)
          AND ($provider IS NULL OR provider = $provider)
          AND $reads_days AND date >= $days_from AND date < $days_to
          AND provider IS NOT NULL
        UNION ALL
        SELECT model, provider, requests, ttft, throughput, tokens_prompt, tokens_completion, spend,
               cached_tokens, native_tokens_prompt, finish_stop, finish_length, finish_tool_calls,
               finish_content_filter, failed
        FROM hourly_endpoints
        WHERE ($model IS NULL OR model = $model)
          AND ($provider IS NULL OR provider = $provider)
          AND date BETWEEN CAST($hours_from AS DATE) AND CAST($end AS DATE)
          AND NOT (date >= $days_from AND date < $days_to)
          AND $reads_hours AND hour >= $hours_from AND hour <= $end
          AND provider IS NOT NULL
    )
    GROUP BY model, provider
),
endpoints AS (
    SELECT
        model,
        provider,
        sum(requests) AS requests,
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
    FROM served_parts
    GROUP BY model, provider
)
SELECT
    model,
    provider,
    requests,
    ttft_p50, ttft_p75, ttft_p90, ttft_p99,
    throughput_p50, throughput_p90,
    CAST(spend AS DOUBLE) / nullif(tokens, 0) * 1000000.0 AS price_per_mtok,
    CAST(cached_tokens AS DOUBLE) / nullif(native_prompt_tokens, 0) AS cache_hit_rate,
    CAST(finish_stop AS DOUBLE) / nullif(requests, 0) AS finish_stop,
    CAST(finish_length AS DOUBLE) / nullif(requests, 0) AS finish_length,
    CAST(finish_tool_calls AS DOUBLE) / nullif(requests, 0) AS finish_tool_calls,
    CAST(finish_content_filter AS DOUBLE) / nullif(requests, 0) AS finish_content_filter,
    CAST(finish_error AS DOUBLE) / nullif(requests, 0) AS finish_error,
    CAST(requests - finish_stop - finish_length - finish_tool_calls - finish_content_filter
         - finish_error AS DOUBLE) / nullif(requests, 0) AS finish_other
FROM endpoints
