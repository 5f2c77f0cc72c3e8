-- CCR per product (orders.product_id) in the CCR window of $as_of.
-- Parameters: $as_of, $window_days, $exclude_abnormal, $attribution.
WITH w AS (
    SELECT CAST($as_of AS TIMESTAMP) AS t_end, CAST(CAST($as_of AS DATE) - CAST($window_days AS INTEGER) AS TIMESTAMP) AS t_start
), denom AS (
    SELECT o.shop_id, o.product_id, count(*) AS orders
    FROM orders o, w
    WHERE o.paid_at >= w.t_start AND o.paid_at < w.t_end AND NOT (o.is_abnormal AND $exclude_abnormal)
      AND o.product_id IS NOT NULL
    GROUP BY o.shop_id, o.product_id
), numer AS (
    SELECT u.shop_id, u.product_id, count(DISTINCT u.unit_id) AS neg_orders
    FROM neg_units u, w
    WHERE u.product_id IS NOT NULL AND
          CASE WHEN $attribution = 'paid_at'
               THEN u.paid_at >= w.t_start AND u.paid_at < w.t_end AND u.neg_at < w.t_end
               ELSE u.neg_at >= w.t_start AND u.neg_at < w.t_end AND u.paid_at < w.t_end END
    GROUP BY u.shop_id, u.product_id
)
SELECT d.shop_id, d.product_id, d.orders, coalesce(n.neg_orders, 0) AS neg_orders,
       coalesce(n.neg_orders, 0) / d.orders AS ccr
FROM denom d LEFT JOIN numer n USING (shop_id, product_id)
ORDER BY d.shop_id, ccr DESC, d.product_id;
