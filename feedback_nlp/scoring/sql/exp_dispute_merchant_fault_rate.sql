-- 纠纷商责率 merchant-fault dispute rate (service, lower is better), last 90 days of completions.
-- Denominator: after-sales cases completed in the window (on valid orders). Numerator: those
-- arbitrated and ruled the merchant's fault. Weight: decay of the completion time.
SELECT a.shop_id,
       sum(decay(a.completed_at, $as_of, $half_life) * (a.arbitrated AND a.merchant_fault)::INTEGER) AS numerator,
       sum(decay(a.completed_at, $as_of, $half_life)) AS denominator,
       sum((a.arbitrated AND a.merchant_fault)::INTEGER) AS raw_numerator,
       count(*) AS raw_denominator
FROM after_sales a JOIN orders o ON o.order_id = a.order_id
WHERE in_window(a.completed_at, $as_of, 1, 90) AND NOT (o.is_abnormal AND $exclude_abnormal)
GROUP BY a.shop_id;
