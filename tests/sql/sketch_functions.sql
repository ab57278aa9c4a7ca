-- The sketch functions from SQL. Each statement's expected output is in sketch_functions.result;
-- the comments say how each number was worked out by hand.

-- Extremes are exact; between two values the answer interpolates like percentile_cont:
-- p50 of {100, 200} is 100 + 0.5 * (200 - 100) = 150.
SELECT sketch_quantile(sketch_build(v), 0.0) AS p0,
       sketch_quantile(sketch_build(v), 0.5) AS p50,
       sketch_quantile(sketch_build(v), 1.0) AS p100,
       sketch_count(sketch_build(v)) AS n
FROM (VALUES (100.0), (200.0)) AS t(v);

-- A middle rank is answered by its bin, within 1%; integers coerce to DOUBLE; NULLs are skipped.
-- p50 of {1, 100, 10000} is the middle value 100, in bin ceil(ln 100 / ln γ) = 231 with
-- γ = 1.01 / 0.99, answered with 2γ^231 / (γ + 1) = 100.4946 (0.49% high).
SELECT sketch_quantile(sketch_build(v), 0.5) AS p50, sketch_count(sketch_build(v)) AS n
FROM (VALUES (1), (100), (NULL), (10000)) AS t(v);

-- Sketches per group, merged: 2 + 3 = 5 values, smallest 0, largest 9.
WITH parts AS (
    SELECT g, sketch_build(v) AS s
    FROM (VALUES ('a', 1.0), ('a', 5.0), ('b', 3.0), ('b', 9.0), ('b', 0.0)) AS t(g, v)
    GROUP BY g
)
SELECT sketch_count(sketch_merge(s)) AS n,
       sketch_quantile(sketch_merge(s), 0.0) AS p0,
       sketch_quantile(sketch_merge(s), 1.0) AS p100
FROM parts;

-- No values: the sketch is NULL, and so is every quantile and count of it.
SELECT sketch_build(v) IS NULL AS empty, sketch_quantile(sketch_build(v), 0.5) AS p50
FROM (VALUES (CAST(NULL AS DOUBLE))) AS t(v);

-- A quantile outside [0, 1] is an error that says so.
SELECT sketch_quantile(sketch_build(v), 1.5) FROM (VALUES (1.0)) AS t(v);

-- Bytes that are not a sketch are an error that says so.
SELECT sketch_quantile(X'0901', 0.5);
