-- CCR per shop for every date in the temp table ccr_dates(as_of DATE).
-- Window of a date D: [D - $window_days days, D) in local wall-clock time (D itself excluded).
-- Denominator: valid (non-abnormal) orders paid in the window.
-- Numerator, attribution 'paid_at': those orders with a negative unit that became negative before D.
--            attribution 'feedback_at': units that became negative inside the window (order paid before D).
-- Each unit counts once per dimension and once overall, however many feedbacks it has.
-- Dimensions: product, content, service (logistics tags included); neg_service_logistics is the
-- part of service from the logistics tag group, a breakdown and not a fourth dimension.
-- Parameters: $window_days (INTEGER), $exclude_abnormal, $attribution (VARCHAR).
WITH dates AS (
    SELECT as_of, CAST(as_of AS TIMESTAMP) AS t_end, CAST(as_of - CAST($window_days AS INTEGER) AS TIMESTAMP) AS t_start
    FROM ccr_dates
), denom AS (
    SELECT d.as_of, o.shop_id, count(*) AS orders
    FROM dates d
    JOIN orders o ON o.paid_at >= d.t_start AND o.paid_at < d.t_end
    WHERE NOT (o.is_abnormal AND $exclude_abnormal)
    GROUP BY d.as_of, o.shop_id
), numer AS (
    SELECT d.as_of, u.shop_id,
           count(DISTINCT u.unit_id) AS neg_orders,
           count(DISTINCT u.unit_id) FILTER (WHERE u.dimension = 'product') AS neg_product,
           count(DISTINCT u.unit_id) FILTER (WHERE u.dimension = 'content') AS neg_content,
           count(DISTINCT u.unit_id) FILTER (WHERE u.dimension = 'service') AS neg_service,
           count(DISTINCT u.unit_id) FILTER (WHERE u.tag_group = 'logistics') AS neg_service_logistics,
           count(DISTINCT u.unit_id) FILTER (WHERE u.unit_id LIKE 'presale:%') AS neg_presale
    FROM dates d
    JOIN neg_units u ON
        CASE WHEN $attribution = 'paid_at'
             THEN u.paid_at >= d.t_start AND u.paid_at < d.t_end AND u.neg_at < d.t_end
             ELSE u.neg_at >= d.t_start AND u.neg_at < d.t_end AND u.paid_at < d.t_end END
    GROUP BY d.as_of, u.shop_id
)
SELECT coalesce(n.as_of, dn.as_of) AS as_of, coalesce(n.shop_id, dn.shop_id) AS shop_id,
       coalesce(dn.orders, 0) AS orders,
       coalesce(n.neg_orders, 0) AS neg_orders,
       coalesce(n.neg_product, 0) AS neg_product,
       coalesce(n.neg_content, 0) AS neg_content,
       coalesce(n.neg_service, 0) AS neg_service,
       coalesce(n.neg_service_logistics, 0) AS neg_service_logistics,
       coalesce(n.neg_presale, 0) AS neg_presale
FROM denom dn
FULL OUTER JOIN numer n ON n.as_of = dn.as_of AND n.shop_id = dn.shop_id
ORDER BY as_of, shop_id;
