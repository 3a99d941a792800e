-- A list asks each reason to see orders apart (see repo/orders/query.rs
-- `visible_to`): a staff scope is an equality on the order's street,
-- community or grid, and a worker's handled orders one on handler_id, each
-- walked newest first for a page.
CREATE INDEX orders_street_idx ON orders (street_id, id);
CREATE INDEX orders_community_idx ON orders (community_id, id);
CREATE INDEX orders_grid_idx ON orders (grid_id, id);
CREATE INDEX orders_handler_order_idx ON orders (handler_id, id);
