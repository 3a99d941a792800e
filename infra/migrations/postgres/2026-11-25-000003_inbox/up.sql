-- The dispatcher claims outbox rows (claimed_by, claimed_at) so that several
-- processes never send one twice; a claim older than its lease is taken over.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE outbox ADD COLUMN claimed_at TIMESTAMP;

-- The in-app inbox: one row per person told, once per outbox row.
CREATE TABLE notifications (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    outbox_id TEXT NOT NULL REFERENCES outbox (id),
    order_id TEXT REFERENCES orders (id),
    template TEXT NOT NULL,
    payload TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at TIMESTAMP
);
CREATE UNIQUE INDEX notifications_once_idx ON notifications (outbox_id, user_id);
CREATE INDEX notifications_user_idx ON notifications (user_id, id);
CREATE INDEX notifications_unread_idx ON notifications (user_id) WHERE read_at IS NULL;
