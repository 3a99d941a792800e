-- The sweeper's retention pass: closed orders whose contact data is still held, oldest first.
CREATE INDEX orders_retention_idx ON orders (closed_at) WHERE contact_phone <> '';
