-- feedback: per (model, provider) endpoint over the window ($start, $end], the generations users
-- reported (distinct generations: repeated reports of one generation count once), in all and by
-- category. Feedback is matched to its generation by id whenever it arrived, before or after the
-- generation's own log line. Parameters: $model, $provider (NULL selects every value), $start,
-- $end (timestamps, UTC).
WITH served AS (
    SELECT id, model, provider_name AS provider
    FROM generations
    WHERE ($model IS NULL OR model = $model)
      AND ($provider IS NULL OR provider_name = $provider)
      AND date BETWEEN CAST($start AS DATE) AND CAST($end AS DATE)
      AND created_at > $start AND created_at <= $end
      AND provider_name IS NOT NULL
),
reported AS (
    SELECT DISTINCT generation_id, category FROM feedback
)
SELECT
    s.model,
    s.provider,
    count(DISTINCT r.generation_id) AS negative_feedback,
    count(DISTINCT r.generation_id) FILTER (WHERE r.category = 'latency') AS latency,
    count(DISTINCT r.generation_id) FILTER (WHERE r.category = 'incoherence') AS incoherence,
    count(DISTINCT r.generation_id) FILTER (WHERE r.category = 'incorrect_response')
        AS incorrect_response,
    count(DISTINCT r.generation_id) FILTER (WHERE r.category = 'formatting') AS formatting,
    count(DISTINCT r.generation_id) FILTER (WHERE r.category = 'billing') AS billing,
    count(DISTINCT r.generation_id) FILTER (WHERE r.category = 'api_error') AS api_error,
    count(DISTINCT r.generation_id) FILTER (WHERE r.category = 'other') AS other
FROM reported r
JOIN served s ON s.id = r.generation_id
GROUP BY s.model, s.provider
ORDER BY s.model, s.provider
