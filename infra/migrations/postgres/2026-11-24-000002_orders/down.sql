DROP TABLE idempotency_keys;
DROP TABLE outbox;
DROP TABLE order_events;
DROP TABLE orders;
DROP TABLE order_counters;
DROP TABLE unit_members;
DROP TABLE units;
