-- Drill-down: the negative units behind the CCR of $as_of, with the feedback that made them negative.
-- Parameters: $as_of, $window_days, $attribution.
WITH w AS (
    SELECT CAST($as_of AS TIMESTAMP) AS t_end, CAST(CAST($as_of AS DATE) - CAST($window_days AS INTEGER) AS TIMESTAMP) AS t_start
), units AS (
    SELECT DISTINCT u.shop_id, u.unit_id
    FROM neg_units u, w
    WHERE CASE WHEN $attribution = 'paid_at'
               THEN u.paid_at >= w.t_start AND u.paid_at < w.t_end AND u.neg_at < w.t_end
               ELSE u.neg_at >= w.t_start AND u.neg_at < w.t_end AND u.paid_at < w.t_end END
)
SELECT u.shop_id, u.unit_id AS order_id, o.paid_at, o.product_id, ff.channel, ff.feedback_id, ff.created_at,
       ff.rating, f.text, f.tags
FROM units u
JOIN valid_feedback ff ON ff.is_negative AND (ff.order_id = u.unit_id OR 'presale:' || ff.feedback_id = u.unit_id)
JOIN feedback f ON f.feedback_id = ff.feedback_id
LEFT JOIN orders o ON o.order_id = ff.order_id, w
WHERE ff.created_at < w.t_end
ORDER BY u.shop_id, o.paid_at NULLS LAST, u.unit_id, ff.created_at;
