-- Each node and day also gets a row summed over every category (category_id
-- the nil UUID, repo::stats::ALL_CATEGORIES): totals over a range read one row a
-- day instead of one per category. Filled here from the rows already stored.
INSERT INTO order_stats (region_id, day, category_id, orders, kind_issue, kind_wish, kind_errand, 
status_submitted, status_dispatched, status_accepted, status_on_site, status_resolved, status_rated, 
status_closed, status_cancelled, status_declined, overdue, response_due, response_on_time, resolve_due, 
resolve_on_time, rated, satisfied, judged, solved, sum_completion, sum_progress, sum_effect, 
sum_satisfaction, accept_count, accept_minutes, accept_bin0, accept_bin1, accept_bin2, accept_bin3, 
accept_bin4, accept_bin5, accept_bin6, accept_bin7, accept_bin8, accept_bin9, accept_bin10, accept_bin11, 
arrive_count, arrive_minutes, arrive_bin0, arrive_bin1, arrive_bin2, arrive_bin3, arrive_bin4, arrive_bin5, 
arrive_bin6, arrive_bin7, arrive_bin8, arrive_bin9, arrive_bin10, arrive_bin11, on_site_15)
SELECT region_id, day, '00000000-0000-0000-0000-000000000000', SUM(orders), SUM(kind_issue), SUM(kind_wish), 
SUM(kind_errand), SUM(status_submitted), SUM(status_dispatched), SUM(status_accepted), SUM(status_on_site), 
SUM(status_resolved), SUM(status_rated), SUM(status_closed), SUM(status_cancelled), SUM(status_declined), 
SUM(overdue), SUM(response_due), SUM(response_on_time), SUM(resolve_due), SUM(resolve_on_time), SUM(rated), 
SUM(satisfied), SUM(judged), SUM(solved), SUM(sum_completion), SUM(sum_progress), SUM(sum_effect), 
SUM(sum_satisfaction), SUM(accept_count), SUM(accept_minutes), SUM(accept_bin0), SUM(accept_bin1), 
SUM(accept_bin2), SUM(accept_bin3), SUM(accept_bin4), SUM(accept_bin5), SUM(accept_bin6), SUM(accept_bin7), 
SUM(accept_bin8), SUM(accept_bin9), SUM(accept_bin10), SUM(accept_bin11), SUM(arrive_count), 
SUM(arrive_minutes), SUM(arrive_bin0), SUM(arrive_bin1), SUM(arrive_bin2), SUM(arrive_bin3), 
SUM(arrive_bin4), SUM(arrive_bin5), SUM(arrive_bin6), SUM(arrive_bin7), SUM(arrive_bin8), SUM(arrive_bin9), 
SUM(arrive_bin10), SUM(arrive_bin11), SUM(on_site_15)
FROM order_stats WHERE category_id <> '00000000-0000-0000-0000-000000000000' GROUP BY region_id, day;
