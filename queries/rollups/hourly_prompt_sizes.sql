-- hourly_prompt_sizes: one row per (hour, prompt size) of `generations` in [$start, $end), both
-- on hour boundaries. `prompt_size` is 1 (<1K prompt tokens), 2 (1K-10K), 3 (10K-100K),
-- 4 (100K-1M), 5 (>=1M), or NULL when the prompt size is unknown.
-- Hours are `date_bin(INTERVAL '1 hour', ...)`: for UTC timestamps the same as `date_trunc`,
-- without its time-zone arithmetic per row (a fifth of a rebuild's time).
SELECT
    date_bin(INTERVAL '1 hour', created_at) AS hour,
    CASE
        WHEN tokens_prompt IS NULL THEN NULL
        WHEN tokens_prompt < 1000 THEN 1
        WHEN tokens_prompt < 10000 THEN 2
        WHEN tokens_prompt < 100000 THEN 3
        WHEN tokens_prompt < 1000000 THEN 4
        ELSE 5
    END AS prompt_size,
    count(*) AS requests,
    sum(coalesce(tokens_prompt, 0) + coalesce(tokens_completion, 0)) AS tokens,
    count(*) FILTER (WHERE finish_reason = 'tool_calls') AS tool_calls,
    sum(native_tokens_reasoning) AS native_tokens_reasoning,
    sum(native_tokens_completion) AS native_tokens_completion,
    sum(CASE WHEN native_tokens_prompt IS NOT NULL
             THEN coalesce(native_tokens_cached, 0) END) AS cached_tokens,
    sum(native_tokens_prompt) AS native_tokens_prompt,
    CAST(date_bin(INTERVAL '1 hour', created_at) AS DATE) AS date
FROM generations
WHERE date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
  AND created_at >= $start AND created_at < $end
GROUP BY 1, 2
