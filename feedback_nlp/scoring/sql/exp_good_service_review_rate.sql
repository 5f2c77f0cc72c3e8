-- 服务好评率 good service-review rate (service, higher is better), last 90 days of reviews.
-- The articles name it without a definition; policy: among first reviews (on valid orders)
-- created in the window, those rated >= $good_min with no service-dimension tag.
-- Weight: decay of the review time.
SELECT ff.shop_id,
       sum(decay(ff.created_at, $as_of, $half_life) * good) AS numerator,
       sum(decay(ff.created_at, $as_of, $half_life)) AS denominator,
       sum(good) AS raw_numerator,
       count(*) AS raw_denominator
FROM (
    SELECT ff.*, (ff.rating >= $good_min AND NOT EXISTS (
                SELECT 1 FROM feedback_tags t JOIN tag_dimensions d ON d.tag = t.tag
                WHERE t.feedback_id = ff.feedback_id AND d.dimension = 'service'))::INTEGER AS good
    FROM valid_feedback ff JOIN orders o ON o.order_id = ff.order_id
    WHERE ff.channel = 'review' AND ff.first_in_channel AND in_window(ff.created_at, $as_of, 1, 90)
      AND NOT (o.is_abnormal AND $exclude_abnormal)
) ff
GROUP BY ff.shop_id;
