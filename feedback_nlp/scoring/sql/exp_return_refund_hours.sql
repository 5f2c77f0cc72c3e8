-- 退货退款自主完结时长 return/exchange handling time in hours (service, lower is better), last 90
-- days of completions. Per return_refund or exchange case: [request -> merchant agrees] +
-- [returned parcel signed -> merchant agrees refund]. A missing agreement time counts as waiting
-- until completion; a case without a signed return has no second leg. An exchange has no refund to
-- agree to: its second leg counts only when a refund agreement was recorded, never up to
-- completion. Weight: decay of completion.
WITH c AS (
    SELECT a.shop_id, a.completed_at AS ts,
           hours_between(a.requested_at, coalesce(a.merchant_agreed_at, a.completed_at))
           + CASE WHEN a.return_signed_at IS NULL THEN 0.0
                  WHEN a.type = 'exchange' AND a.refund_agreed_at IS NULL THEN 0.0
                  ELSE hours_between(a.return_signed_at, coalesce(a.refund_agreed_at, a.completed_at)) END AS h
    FROM after_sales a JOIN orders o ON o.order_id = a.order_id
    WHERE a.type IN ('return_refund', 'exchange') AND in_window(a.completed_at, $as_of, 1, 90)
      AND NOT (o.is_abnormal AND $exclude_abnormal)
)
SELECT shop_id,
       sum(decay(ts, $as_of, $half_life) * h) AS numerator,
       sum(decay(ts, $as_of, $half_life)) AS denominator,
       sum(h) AS raw_numerator,
       count(*) AS raw_denominator
FROM c GROUP BY shop_id;
