-- 揽收及时率 pickup timeliness (logistics, higher is better), last 90 days of pickups.
-- Valid orders picked up in the window, presale and no-shipping orders excluded. Each order earns
-- the credit of its bucket of hours from payment to pickup: [0, h1) -> c1, [h1, h2) -> c2,
-- [h2, h3) -> c3, >= h3 -> 0 (policy pickup_bucket_hours / pickup_bucket_credit).
-- Value = weighted credit / weighted picked-up orders. Weight: decay of the pickup time.
WITH base AS (
    SELECT o.shop_id, o.picked_up_at AS ts, hours_between(o.paid_at, o.picked_up_at) AS h
    FROM orders o
    WHERE in_window(o.picked_up_at, $as_of, 1, 90) AND NOT (o.is_abnormal AND $exclude_abnormal)
      AND NOT o.is_presale AND o.needs_shipping
), credited AS (
    SELECT shop_id, ts,
           CASE WHEN h < $h1 THEN $c1 WHEN h < $h2 THEN $c2 WHEN h < $h3 THEN $c3 ELSE 0.0 END AS credit
    FROM base
)
SELECT shop_id,
       sum(decay(ts, $as_of, $half_life) * credit) AS numerator,
       sum(decay(ts, $as_of, $half_life)) AS denominator,
       sum(credit) AS raw_numerator,
       count(*) AS raw_denominator
FROM credited
GROUP BY shop_id;
