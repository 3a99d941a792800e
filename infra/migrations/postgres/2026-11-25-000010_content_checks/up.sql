-- Content checks (内容安全) that want attention or are still to be done: a
-- text WeChat suggested reviewing, one it could not check yet (pending,
-- retried by the dispatcher), a photo awaiting or given its verdict. Texts
-- that pass at once leave no row.
CREATE TABLE content_checks (
    id TEXT PRIMARY KEY,
    order_id TEXT REFERENCES orders (id),
    media_id TEXT REFERENCES media (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    field TEXT NOT NULL,
    scene INTEGER NOT NULL,
    content TEXT,
    status TEXT NOT NULL,
    label INTEGER,
    trace_id TEXT,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    checked_at TIMESTAMP
);
CREATE INDEX content_checks_order_idx ON content_checks (order_id, status);
CREATE INDEX content_checks_media_idx ON content_checks (media_id);
CREATE INDEX content_checks_due_idx ON content_checks (next_attempt_at) WHERE status = 'pending';
CREATE UNIQUE INDEX content_checks_trace_idx ON content_checks (trace_id);
