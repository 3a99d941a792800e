DROP INDEX outbox_status_idx;
DROP TABLE deliveries;
