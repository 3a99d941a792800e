-- Organisations (共建单位), volunteer teams (志愿服务队) and departments (职能部门):
-- named records that orders can be dispatched to; members act for them.
CREATE TABLE units (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('organization', 'team', 'department')),
    name TEXT NOT NULL,
    region_id TEXT REFERENCES regions (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX units_name_idx ON units (kind, COALESCE(region_id, ''), name);

CREATE TABLE unit_members (
    unit_id TEXT NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (unit_id, user_id)
);
CREATE INDEX unit_members_user_idx ON unit_members (user_id);

-- Human-readable order numbers: one counter per business day.
CREATE TABLE order_counters (
    day TEXT PRIMARY KEY,
    last_seq BIGINT NOT NULL
);

CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    number TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    category_id TEXT NOT NULL REFERENCES categories (id),
    category_item_id TEXT NOT NULL REFERENCES category_items (id),
    description TEXT NOT NULL,
    photos TEXT NOT NULL,
    building_id TEXT NOT NULL REFERENCES regions (id),
    grid_id TEXT NOT NULL REFERENCES regions (id),
    community_id TEXT NOT NULL REFERENCES regions (id),
    street_id TEXT NOT NULL REFERENCES regions (id),
    path TEXT NOT NULL,
    lat REAL,
    lng REAL,
    address TEXT,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    reporter_id TEXT NOT NULL REFERENCES users (id),
    channel TEXT NOT NULL,
    level TEXT NOT NULL,
    assignee_type TEXT,
    assignee_id TEXT,
    handler_id TEXT REFERENCES users (id),
    response_due_at TIMESTAMP NOT NULL,
    resolve_due_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP NOT NULL,
    dispatched_at TIMESTAMP,
    accepted_at TIMESTAMP,
    arrived_at TIMESTAMP,
    resolved_at TIMESTAMP,
    rated_at TIMESTAMP,
    closed_at TIMESTAMP,
    rating_completion INTEGER,
    rating_progress INTEGER,
    rating_effect INTEGER,
    rating_satisfaction INTEGER,
    rating_comment TEXT,
    duplicate_of TEXT REFERENCES orders (id),
    response_overdue_at TIMESTAMP,
    resolve_overdue_at TIMESTAMP,
    version INTEGER NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
-- The list filters: newest first (ids are UUID v7) within each.
CREATE INDEX orders_reporter_idx ON orders (reporter_id, id);
CREATE INDEX orders_community_status_idx ON orders (community_id, status, id);
CREATE INDEX orders_grid_status_idx ON orders (grid_id, status, id);
CREATE INDEX orders_street_status_idx ON orders (street_id, status, id);
CREATE INDEX orders_assignee_idx ON orders (assignee_type, assignee_id, status);
CREATE INDEX orders_handler_idx ON orders (handler_id, status);
CREATE INDEX orders_status_idx ON orders (status, id);
CREATE INDEX orders_level_idx ON orders (level, status, id);
CREATE INDEX orders_item_idx ON orders (category_item_id, id);
CREATE INDEX orders_category_idx ON orders (category_id, id);
CREATE INDEX orders_kind_idx ON orders (kind, id);
CREATE INDEX orders_due_idx ON orders (status, resolve_due_at);
CREATE INDEX orders_response_due_idx ON orders (status, response_due_at);
CREATE INDEX orders_resolved_idx ON orders (status, resolved_at);
CREATE INDEX orders_pool_idx ON orders (community_id, id) WHERE status = 'dispatched' AND assignee_type = 'pool';
CREATE INDEX orders_path_idx ON orders (path);

CREATE TABLE order_events (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES orders (id),
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    actor_id TEXT,
    actor_role TEXT NOT NULL,
    data TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    UNIQUE (order_id, seq)
);

-- Notifications written in the transaction that causes them; a dispatcher sends them.
CREATE TABLE outbox (
    id TEXT PRIMARY KEY,
    order_id TEXT REFERENCES orders (id),
    event_id TEXT REFERENCES order_events (id),
    recipient TEXT NOT NULL,
    template TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX outbox_pending_idx ON outbox (status, next_attempt_at);

-- Retried POSTs return the first response.
CREATE TABLE idempotency_keys (
    user_id TEXT NOT NULL,
    key TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, key)
);
