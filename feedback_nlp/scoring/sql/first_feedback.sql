-- first_feedback: the feedback that counts for CCR — for each order and channel, the
-- earliest valid feedback (ties broken by feedback_id). Later feedback in the same channel,
-- e.g. an edited or follow-up review, never replaces it. Abnormal feedback is dropped first.
-- Pre-sale chat (im without order_id) is kept one row per feedback (order_id NULL).
-- Parameters: $exclude_abnormal (BOOLEAN), $first_only (BOOLEAN).
CREATE OR REPLACE TEMP TABLE first_feedback AS
SELECT f.feedback_id, f.order_id, f.shop_id, f.channel, f.created_at, f.rating,
       EXISTS (SELECT 1 FROM feedback_tags t WHERE t.feedback_id = f.feedback_id) AS is_negative
FROM feedback f
WHERE NOT (f.is_abnormal AND $exclude_abnormal)
QUALIFY f.order_id IS NULL
     OR NOT $first_only
     OR row_number() OVER (PARTITION BY f.order_id, f.channel ORDER BY f.created_at, f.feedback_id) = 1;
