-- IM 3-minute reply rate (service, higher is better), last 90 days of sessions.
-- Denominator: sessions sent to a human, started between $im_from and $im_to (whole seconds,
-- local time, both inclusive). Numerator: those answered by a human within $reply_s seconds
-- (inclusive). Weight: decay of the session start.
SELECT shop_id,
       sum(decay(started_at, $as_of, $half_life) * ok) AS numerator,
       sum(decay(started_at, $as_of, $half_life)) AS denominator,
       sum(ok) AS raw_numerator,
       count(*) AS raw_denominator
FROM (
    SELECT shop_id, started_at,
           (first_human_reply_at IS NOT NULL
            AND date_diff('millisecond', started_at, first_human_reply_at) <= $reply_s * 1000)::INTEGER AS ok
    FROM im_sessions
    WHERE to_human AND in_window(started_at, $as_of, 1, 90)
      AND CAST(date_trunc('second', started_at) AS TIME) BETWEEN CAST($im_from AS TIME) AND CAST($im_to AS TIME)
)
GROUP BY shop_id;
