-- Staff revealing a masked phone (PIPL art. 51): who, when, which order, why.
-- path is the order's region path then, so supervisors list what happened in their area.
CREATE TABLE contact_reveals (
    id TEXT PRIMARY KEY NOT NULL,
    order_id TEXT NOT NULL REFERENCES orders (id),
    user_id TEXT NOT NULL REFERENCES users (id),
    role TEXT NOT NULL,
    reason TEXT NOT NULL,
    path TEXT NOT NULL,
    at TIMESTAMP NOT NULL
);
CREATE INDEX contact_reveals_path_idx ON contact_reveals (path, id);
CREATE INDEX contact_reveals_order_idx ON contact_reveals (order_id, id);
CREATE INDEX contact_reveals_user_idx ON contact_reveals (user_id, id);
