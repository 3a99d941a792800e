-- Urgent orders run the 15-minute response clock: some items are urgent by
-- default (a tree on a power line, sewage on the road), and staff may choose.
ALTER TABLE category_items ADD COLUMN urgent BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE orders ADD COLUMN priority TEXT NOT NULL DEFAULT 'normal';
