ALTER TABLE users DROP COLUMN phone_verified_at;
