-- Percentile rank of each metric value within the shop's industry (temp table rank_input:
-- shop_id, industry, metric, value, higher_is_better, eligible). Only eligible rows are ranked.
-- Peers: the industry's eligible shops; when fewer than $min_industry_shops, all eligible shops.
-- Ties get the mid-rank: percentile = (worse + 0.5 * (tied - 1)) / (peers - 1), 1 = best;
-- a shop without peers gets 0.5. rank = 1 + number of strictly better peers.
-- Values are rounded to 9 decimals first so float noise does not break ties.
WITH v AS (
    SELECT shop_id, industry, metric,
           round(CASE WHEN higher_is_better THEN value ELSE -value END, 9) AS good
    FROM rank_input WHERE eligible
), r AS (
    SELECT *,
           count(*) OVER (PARTITION BY metric, industry) AS n_ind,
           rank() OVER (PARTITION BY metric, industry ORDER BY good DESC) AS rank_ind,
           count(*) OVER (PARTITION BY metric, industry, good) AS tie_ind,
           count(*) OVER (PARTITION BY metric) AS n_all,
           rank() OVER (PARTITION BY metric ORDER BY good DESC) AS rank_all,
           count(*) OVER (PARTITION BY metric, good) AS tie_all
    FROM v
), pick AS (
    SELECT shop_id, metric,
           n_ind >= $min_industry_shops AS by_industry,
           CASE WHEN n_ind >= $min_industry_shops THEN n_ind ELSE n_all END AS peers,
           CASE WHEN n_ind >= $min_industry_shops THEN rank_ind ELSE rank_all END AS rnk,
           CASE WHEN n_ind >= $min_industry_shops THEN tie_ind ELSE tie_all END AS tied
    FROM r
)
SELECT shop_id, metric, CASE WHEN by_industry THEN 'industry' ELSE 'all' END AS peer_group, peers, rnk AS rank,
       CASE WHEN peers = 1 THEN 0.5
            ELSE ((peers - (rnk - 1) - tied) + 0.5 * (tied - 1)) / (peers - 1) END AS percentile
FROM pick;
