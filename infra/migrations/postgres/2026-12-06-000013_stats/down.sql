DROP TABLE order_stats;
ALTER TABLE orders DROP COLUMN return_visit_satisfied;
