-- What each channel made of an outbox row: a retry skips the channels that
-- already delivered it, and admins see which channel failed and why.
CREATE TABLE deliveries (
    outbox_id TEXT NOT NULL REFERENCES outbox (id),
    channel TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (outbox_id, channel)
);
CREATE INDEX outbox_status_idx ON outbox (status, id);
