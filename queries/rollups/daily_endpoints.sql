-- daily_endpoints: `hourly_endpoints` summed per (date, model, provider) over the whole UTC days
-- in [$start, $end), both on midnights: the same counts and sums, and the merged sketches. It
-- reads the hourly rollup, not `generations`: a day is a few thousand hourly rows, so keeping
-- it current after a commit costs tens of milliseconds. Definitions: queries/README.md.
-- Stored in (model, provider) order, so that a view of one model reads only its pages (as in
-- hourly_endpoints.sql).
SELECT
    model,
    provider,
    sum(requests) AS requests,
    sum(failed) AS failed,
    sum(cancelled) AS cancelled,
    sum(finish_stop) AS finish_stop,
    sum(finish_length) AS finish_length,
    sum(finish_tool_calls) AS finish_tool_calls,
    sum(finish_content_filter) AS finish_content_filter,
    sum(tokens_prompt) AS tokens_prompt,
    sum(tokens_completion) AS tokens_completion,
    sum(native_tokens_prompt) AS native_tokens_prompt,
    sum(native_tokens_completion) AS native_tokens_completion,
    sum(native_tokens_reasoning) AS native_tokens_reasoning,
    sum(cached_tokens) AS cached_tokens,
    sum(spend) AS spend,
    sketch_merge(ttft) AS ttft,
    sketch_merge(throughput) AS throughput,
    max(last_created_at) AS last_created_at,
    date
FROM hourly_endpoints
WHERE date >= CAST($start AS DATE) AND date < CAST($end AS DATE)
GROUP BY date, model, provider
