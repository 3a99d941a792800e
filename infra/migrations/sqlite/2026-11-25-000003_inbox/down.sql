DROP TABLE notifications;
ALTER TABLE outbox DROP COLUMN claimed_at;
ALTER TABLE outbox DROP COLUMN claimed_by;
