-- Webhooks admins register: notifications of the chosen templates, for orders
-- under the region (NULL: the whole city), POSTed to the URL and signed with
-- the secret.
CREATE TABLE webhooks (
    id TEXT PRIMARY KEY,
    url TEXT NOT NULL,
    secret TEXT NOT NULL,
    templates TEXT NOT NULL,
    region_id TEXT REFERENCES regions (id),
    created_by TEXT NOT NULL REFERENCES users (id),
    created_at TIMESTAMP NOT NULL
);
