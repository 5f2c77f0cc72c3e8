-- valid_feedback: every valid feedback item (abnormal feedback dropped first), with whether it
-- carries a tag and whether it is the first of its order in its channel (ties by feedback_id).
-- An edited item is one feedback_id with several versions; only its first version reaches this
-- table (tables.py), so an edit can never undo a complaint (seed 001: 以首次反馈为主).
-- A later, separate item — a 1-star follow-up review (追评), a complaint in a chat that began
-- with a question — is new feedback and counts for CCR (neg_units.sql).
-- first_in_channel serves the sub-metrics defined on the first review (商品差评率, 服务好评率).
-- Pre-sale chat (im without order_id) has first_in_channel = true (one row per chat).
-- Parameters: $exclude_abnormal (BOOLEAN).
CREATE OR REPLACE TEMP TABLE valid_feedback AS
SELECT f.feedback_id, f.order_id, f.shop_id, f.channel, f.created_at, f.rating,
       t.feedback_id IS NOT NULL AS is_negative,
       f.order_id IS NULL
       OR row_number() OVER (PARTITION BY f.order_id, f.channel ORDER BY f.created_at, f.feedback_id) = 1 AS first_in_channel
FROM feedback f
LEFT JOIN (SELECT DISTINCT feedback_id FROM feedback_tags) t ON t.feedback_id = f.feedback_id
WHERE NOT (f.is_abnormal AND $exclude_abnormal);
