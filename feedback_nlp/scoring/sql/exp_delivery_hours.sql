-- 订单配送时长 delivery time in hours (logistics, lower is better), last 90 days of signatures.
-- Valid orders signed in the window that have a pickup time: sum(signed - picked up) / orders.
-- Weight: decay of the signature time.
SELECT o.shop_id,
       sum(decay(o.signed_at, $as_of, $half_life) * hours_between(o.picked_up_at, o.signed_at)) AS numerator,
       sum(decay(o.signed_at, $as_of, $half_life)) AS denominator,
       sum(hours_between(o.picked_up_at, o.signed_at)) AS raw_numerator,
       count(*) AS raw_denominator
FROM orders o
WHERE in_window(o.signed_at, $as_of, 1, 90) AND o.picked_up_at IS NOT NULL
  AND NOT (o.is_abnormal AND $exclude_abnormal)
GROUP BY o.shop_id;
