-- neg_units: one row per negative unit and tag, with the time it became negative.
-- A unit is a valid paid order with at least one tagged valid feedback item (any channel; with
-- $first_only only the first item of each channel counts). CCR has three dimensions (seed 000:
-- 商品体验, 内容体验, 服务体验); the tag group 'logistics' (物流, 破损/包装) counts under service
-- (000 puts 发货物流 under 服务) and stays visible as tag_group. The tag 'other' has dimension
-- 'overall': it counts toward overall CCR only. With $presale_numerator each tagged pre-sale chat
-- (im feedback without order) is one extra unit, dated by its own created_at.
-- Parameters: $exclude_abnormal, $first_only, $presale_numerator (BOOLEAN).
CREATE OR REPLACE TEMP TABLE neg_units AS
WITH tagged AS (
    SELECT vf.feedback_id, vf.order_id, vf.shop_id, vf.channel, vf.created_at, t.tag, td.dimension AS tag_group,
           CASE WHEN td.dimension = 'logistics' THEN 'service' ELSE td.dimension END AS dimension
    FROM valid_feedback vf
    JOIN feedback_tags t ON t.feedback_id = vf.feedback_id
    JOIN tag_dimensions td ON td.tag = t.tag
    WHERE vf.first_in_channel OR NOT $first_only
)
SELECT o.shop_id, o.order_id AS unit_id, o.paid_at, o.product_id, x.dimension, x.tag_group, x.tag,
       min(x.created_at) AS neg_at
FROM tagged x
JOIN orders o ON o.order_id = x.order_id
WHERE NOT (o.is_abnormal AND $exclude_abnormal)
GROUP BY o.shop_id, o.order_id, o.paid_at, o.product_id, x.dimension, x.tag_group, x.tag
UNION ALL
SELECT x.shop_id, 'presale:' || x.feedback_id, x.created_at, NULL, x.dimension, x.tag_group, x.tag, x.created_at
FROM tagged x
WHERE x.order_id IS NULL AND x.channel = 'im' AND $presale_numerator;
