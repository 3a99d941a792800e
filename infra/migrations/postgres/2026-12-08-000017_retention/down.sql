DROP INDEX orders_retention_idx;
