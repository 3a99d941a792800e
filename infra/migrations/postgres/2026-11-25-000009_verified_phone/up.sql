-- A phone number WeChat vouched for (getPhoneNumber): when it was verified.
-- An order may then leave contact.phone out and this number is used.
ALTER TABLE users ADD COLUMN phone_verified_at TIMESTAMP;
