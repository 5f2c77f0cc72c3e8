-- 商品差评率 bad-review rate (product, lower is better), last 90 days of signatures.
-- Denominator: valid orders signed for in the window; orders without a signature count by their
-- confirmed-receipt time. Numerator: those orders whose FIRST review (before as_of) is bad:
-- rating <= $bad_max, or (policy 'rating_or_product_tags') it carries a product/content tag.
-- Weight: decay of the signature (or confirmation) time.
WITH base AS (
    SELECT o.order_id, o.shop_id, coalesce(o.signed_at, o.confirmed_at) AS ts
    FROM orders o
    WHERE in_window(coalesce(o.signed_at, o.confirmed_at), $as_of, 1, 90)
      AND NOT (o.is_abnormal AND $exclude_abnormal)
), bad AS (
    SELECT ff.order_id
    FROM valid_feedback ff
    WHERE ff.channel = 'review' AND ff.first_in_channel AND ff.created_at < CAST($as_of AS TIMESTAMP)
      AND (ff.rating <= $bad_max
           OR ($bad_rule = 'rating_or_product_tags' AND EXISTS (
                SELECT 1 FROM feedback_tags t JOIN tag_dimensions d ON d.tag = t.tag
                WHERE t.feedback_id = ff.feedback_id AND d.dimension IN ('product', 'content'))))
)
SELECT b.shop_id,
       sum(decay(b.ts, $as_of, $half_life) * (bad.order_id IS NOT NULL)::INTEGER) AS numerator,
       sum(decay(b.ts, $as_of, $half_life)) AS denominator,
       count(bad.order_id) AS raw_numerator,
       count(*) AS raw_denominator
FROM base b LEFT JOIN bad ON bad.order_id = b.order_id
GROUP BY b.shop_id;
