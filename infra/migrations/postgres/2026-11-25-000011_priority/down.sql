ALTER TABLE orders DROP COLUMN priority;
ALTER TABLE category_items DROP COLUMN urgent;
