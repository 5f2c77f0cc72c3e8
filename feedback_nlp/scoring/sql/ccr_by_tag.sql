-- Orders per tag in the CCR window of $as_of (same attribution rules as ccr.sql), with the tag's
-- CCR dimension and its tag group (the logistics group is part of the service dimension).
-- Parameters: $as_of (DATE), $window_days, $attribution.
WITH w AS (
    SELECT CAST($as_of AS TIMESTAMP) AS t_end, CAST(CAST($as_of AS DATE) - CAST($window_days AS INTEGER) AS TIMESTAMP) AS t_start
)
SELECT u.shop_id, u.tag, any_value(u.dimension) AS dimension, any_value(u.tag_group) AS tag_group, count(DISTINCT u.unit_id) AS orders
FROM neg_units u, w
WHERE CASE WHEN $attribution = 'paid_at'
           THEN u.paid_at >= w.t_start AND u.paid_at < w.t_end AND u.neg_at < w.t_end
           ELSE u.neg_at >= w.t_start AND u.neg_at < w.t_end AND u.paid_at < w.t_end END
GROUP BY u.shop_id, u.tag
ORDER BY u.shop_id, orders DESC, u.tag;
