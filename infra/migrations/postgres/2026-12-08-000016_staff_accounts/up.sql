-- Set when an administrator creates the account or resets its password with a
-- one-time password: every call but POST /api/v1/me/password answers 403
-- auth.password_change_required until the owner picks their own.
ALTER TABLE users ADD COLUMN must_change_password BOOLEAN NOT NULL DEFAULT FALSE;
