-- Uploaded photos (随手拍). The files live in the media store under
-- media/<id>.<ext> and media/<id>.thumb.jpg; a row is written only after both
-- are stored. order_id is set when a report or a resolution uses the photo:
-- once, by the uploader. Unattached uploads older than a day are swept.
CREATE TABLE media (
    id TEXT PRIMARY KEY,
    uploader_id TEXT NOT NULL REFERENCES users (id),
    content_type TEXT NOT NULL,
    width INTEGER NOT NULL,
    height INTEGER NOT NULL,
    bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    order_id TEXT REFERENCES orders (id),
    created_at TIMESTAMP NOT NULL,
    attached_at TIMESTAMP
);
CREATE INDEX media_order_idx ON media (order_id);
CREATE INDEX media_unattached_idx ON media (created_at) WHERE order_id IS NULL;
