-- Helpers shared by the experience-score sub-metric queries.
-- decay(ts, as_of, half_life): recency weight 0.5 ^ (age in days / half_life); half_life 0 -> 1.
CREATE OR REPLACE TEMP MACRO decay(ts, as_of, half_life) AS
    CASE WHEN half_life > 0
         THEN pow(0.5, date_diff('second', ts, CAST(as_of AS TIMESTAMP)) / 86400.0 / half_life)
         ELSE 1.0 END;
-- in_window(ts, as_of, from_day, to_day): ts lies in days from_day..to_day before as_of,
-- i.e. [as_of - to_day days, as_of - (from_day - 1) days). Last 90 days = (1, 90); days 15–104 = (15, 104).
CREATE OR REPLACE TEMP MACRO in_window(ts, as_of, from_day, to_day) AS
    ts >= CAST(CAST(as_of AS DATE) - CAST(to_day AS INTEGER) AS TIMESTAMP)
    AND ts < CAST(CAST(as_of AS DATE) - CAST(from_day - 1 AS INTEGER) AS TIMESTAMP);
CREATE OR REPLACE TEMP MACRO hours_between(a, b) AS date_diff('second', a, b) / 3600.0;
