DROP INDEX orders_handler_order_idx;
DROP INDEX orders_grid_idx;
DROP INDEX orders_community_idx;
DROP INDEX orders_street_idx;
