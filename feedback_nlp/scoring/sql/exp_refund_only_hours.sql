-- 仅退款自主完结时长 refund-only handling time in hours (service, lower is better), last 90 days
-- of completions. Per refund_only case: request -> merchant agrees; a case the merchant never
-- agreed to waits until completion. Weight: decay of the completion time.
WITH c AS (
    SELECT a.shop_id, a.completed_at AS ts,
           hours_between(a.requested_at, coalesce(a.merchant_agreed_at, a.completed_at)) AS h
    FROM after_sales a JOIN orders o ON o.order_id = a.order_id
    WHERE a.type = 'refund_only' AND in_window(a.completed_at, $as_of, 1, 90)
      AND NOT (o.is_abnormal AND $exclude_abnormal)
)
SELECT shop_id,
       sum(decay(ts, $as_of, $half_life) * h) AS numerator,
       sum(decay(ts, $as_of, $half_life)) AS denominator,
       sum(h) AS raw_numerator,
       count(*) AS raw_denominator
FROM c GROUP BY shop_id;
