-- 投诉率 complaint rate (service, lower is better), days 15–104 before as_of.
-- Denominator: valid orders paid in the window. Numerator: complaints (channel 'complaint',
-- not abnormal, created before as_of) on those orders — one per order ($unit = 'order') or every
-- complaint row ($unit = 'complaint'). Weight: decay of the payment time.
WITH base AS (
    SELECT o.order_id, o.shop_id, o.paid_at AS ts
    FROM orders o
    WHERE in_window(o.paid_at, $as_of, 15, 104) AND NOT (o.is_abnormal AND $exclude_abnormal)
), c AS (
    SELECT order_id, count(*) AS n
    FROM feedback
    WHERE channel = 'complaint' AND created_at < CAST($as_of AS TIMESTAMP)
      AND NOT (is_abnormal AND $exclude_abnormal)
    GROUP BY order_id
), per_order AS (
    SELECT b.shop_id, b.ts, CASE WHEN c.n IS NULL THEN 0 WHEN $unit = 'order' THEN 1 ELSE c.n END AS k
    FROM base b LEFT JOIN c ON c.order_id = b.order_id
)
SELECT shop_id,
       sum(decay(ts, $as_of, $half_life) * k) AS numerator,
       sum(decay(ts, $as_of, $half_life)) AS denominator,
       sum(k) AS raw_numerator,
       count(*) AS raw_denominator
FROM per_order
GROUP BY shop_id;
