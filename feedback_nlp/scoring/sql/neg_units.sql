-- neg_units: one row per negative unit and CCR dimension, with the time it became negative.
-- A unit is a valid paid order whose counted (first-per-channel) feedback carries a tag of that
-- dimension; 'overall' rows come from the tag 'other'. With $presale_numerator each tagged
-- pre-sale chat (im feedback without order) is one extra unit, dated by its own created_at.
-- Parameters: $exclude_abnormal, $presale_numerator (BOOLEAN).
CREATE OR REPLACE TEMP TABLE neg_units AS
SELECT o.shop_id, o.order_id AS unit_id, o.paid_at, o.product_id, td.dimension, t.tag,
       min(ff.created_at) AS neg_at
FROM first_feedback ff
JOIN feedback_tags t ON t.feedback_id = ff.feedback_id
JOIN tag_dimensions td ON td.tag = t.tag
JOIN orders o ON o.order_id = ff.order_id
WHERE NOT (o.is_abnormal AND $exclude_abnormal)
GROUP BY ALL
UNION ALL
SELECT ff.shop_id, 'presale:' || ff.feedback_id, ff.created_at, NULL, td.dimension, t.tag, ff.created_at
FROM first_feedback ff
JOIN feedback_tags t ON t.feedback_id = ff.feedback_id
JOIN tag_dimensions td ON td.tag = t.tag
WHERE ff.order_id IS NULL AND ff.channel = 'im' AND $presale_numerator;
