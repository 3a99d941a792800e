-- Ids are UUID v7 text on both backends (one diesel schema serves both);
-- timestamps are UTC without zone.
CREATE TABLE regions (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('street', 'community', 'grid', 'building')),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    parent_id TEXT REFERENCES regions (id),
    path TEXT NOT NULL UNIQUE,
    address TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX regions_parent_idx ON regions (parent_id);
CREATE INDEX regions_path_idx ON regions (path);
CREATE UNIQUE INDEX regions_sibling_name_idx ON regions (COALESCE(parent_id, ''), name);

CREATE TABLE posters (
    code TEXT PRIMARY KEY,
    building_id TEXT NOT NULL REFERENCES regions (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
CREATE INDEX posters_building_idx ON posters (building_id);

CREATE TABLE categories (
    id TEXT PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE category_items (
    id TEXT PRIMARY KEY,
    category_id TEXT NOT NULL REFERENCES categories (id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    response_minutes INTEGER NOT NULL CHECK (response_minutes > 0),
    resolve_hours INTEGER NOT NULL CHECK (resolve_hours > 0),
    sort_order INTEGER NOT NULL DEFAULT 0,
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX category_items_category_idx ON category_items (category_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    username TEXT UNIQUE,
    password_hash TEXT,
    wechat_openid TEXT UNIQUE,
    wechat_unionid TEXT,
    display_name TEXT NOT NULL,
    phone TEXT,
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role TEXT NOT NULL,
    region_id TEXT REFERENCES regions (id),
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX user_roles_grant_idx ON user_roles (user_id, role, COALESCE(region_id, ''));
CREATE INDEX user_roles_region_idx ON user_roles (region_id, role);

CREATE TABLE refresh_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    revoked_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX refresh_tokens_family_idx ON refresh_tokens (family_id);
