-- names: every model, provider and author that has a generation, so that the site can answer
-- 404 for an unknown name without running a view. `kind` is model, provider or author. Reads the
-- hourly rollup.
SELECT DISTINCT 'model' AS kind, model AS name FROM hourly_endpoints
UNION ALL
SELECT DISTINCT 'provider' AS kind, provider AS name FROM hourly_endpoints
WHERE provider IS NOT NULL
UNION ALL
SELECT DISTINCT 'author' AS kind, split_part(model, '/', 1) AS name FROM hourly_endpoints
