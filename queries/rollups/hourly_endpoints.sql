-- hourly_endpoints: one row per (hour, model, provider) of `generations` in [$start, $end), both
-- on hour boundaries. Every count and sum the views need, and the TTFT and throughput sketches
-- (1% relative accuracy), which merge across hours. `provider` is NULL for generations that no
-- provider served. Definitions: queries/README.md.
-- Hours are `date_bin(INTERVAL '1 hour', ...)`: for UTC timestamps the same as `date_trunc`,
-- without its time-zone arithmetic per row (a fifth of a rebuild's time).
-- The rollup crate stores each day's rows in (model, provider, hour) order: a model's rows then
-- fill a page or two of each day's file, and a view of one model (its page, its providers) reads
-- those pages alone, skipping the rest by the page index, instead of every endpoint's sketches.
SELECT
    date_bin(INTERVAL '1 hour', created_at) AS hour,
    model,
    provider_name AS provider,
    count(*) AS requests,
    count(*) FILTER (WHERE finish_reason = 'error') AS failed,
    count(*) FILTER (WHERE cancelled AND finish_reason IS DISTINCT FROM 'error') AS cancelled,
    count(*) FILTER (WHERE finish_reason = 'stop') AS finish_stop,
    count(*) FILTER (WHERE finish_reason = 'length') AS finish_length,
    count(*) FILTER (WHERE finish_reason = 'tool_calls') AS finish_tool_calls,
    count(*) FILTER (WHERE finish_reason = 'content_filter') AS finish_content_filter,
    sum(coalesce(tokens_prompt, 0)) AS tokens_prompt,
    sum(coalesce(tokens_completion, 0)) AS tokens_completion,
    sum(native_tokens_prompt) AS native_tokens_prompt,
    sum(native_tokens_completion) AS native_tokens_completion,
    sum(native_tokens_reasoning) AS native_tokens_reasoning,
    sum(CASE WHEN native_tokens_prompt IS NOT NULL
             THEN coalesce(native_tokens_cached, 0) END) AS cached_tokens,
    -- Exact picodollars: sums of decimals do not depend on the order of addition.
    CAST(sum(total_cost) AS DECIMAL(38, 12)) AS spend,
    sketch_build(latency) AS ttft,
    sketch_build(CASE WHEN generation_time > 0 AND tokens_completion > 0
                      THEN tokens_completion / (generation_time / 1000.0) END) AS throughput,
    max(created_at) AS last_created_at,
    CAST(date_bin(INTERVAL '1 hour', created_at) AS DATE) AS date
FROM generations
WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
  AND created_at >= $start AND created_at < $end
GROUP BY 1, 2, 3
