-- Valid paid orders per shop in the last 90 days: the minimum-volume gate of the experience score.
SELECT shop_id, count(*) AS paid_orders
FROM orders
WHERE in_window(paid_at, $as_of, 1, 90) AND NOT (is_abnormal AND $exclude_abnormal)
GROUP BY shop_id;
