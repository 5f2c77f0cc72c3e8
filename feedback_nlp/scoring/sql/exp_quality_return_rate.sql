-- 品质退货率 quality-return rate (product, lower is better), days 15–104 before as_of.
-- Denominator: valid orders paid in the window. Numerator: those orders with a refund case
-- (return_refund or refund_only) for reason quality or logistics, requested before as_of.
-- Weight: decay of the payment time.
WITH base AS (
    SELECT o.order_id, o.shop_id, o.paid_at AS ts
    FROM orders o
    WHERE in_window(o.paid_at, $as_of, 15, 104) AND NOT (o.is_abnormal AND $exclude_abnormal)
), ret AS (
    SELECT DISTINCT order_id FROM after_sales
    WHERE type IN ('return_refund', 'refund_only') AND reason IN ('quality', 'logistics')
      AND requested_at < CAST($as_of AS TIMESTAMP)
)
SELECT b.shop_id,
       sum(decay(b.ts, $as_of, $half_life) * (r.order_id IS NOT NULL)::INTEGER) AS numerator,
       sum(decay(b.ts, $as_of, $half_life)) AS denominator,
       count(r.order_id) AS raw_numerator,
       count(*) AS raw_denominator
FROM base b LEFT JOIN ret r ON r.order_id = b.order_id
GROUP BY b.shop_id;
