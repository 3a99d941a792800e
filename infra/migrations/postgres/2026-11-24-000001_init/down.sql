DROP TABLE refresh_tokens;
DROP TABLE user_roles;
DROP TABLE users;
DROP TABLE category_items;
DROP TABLE categories;
DROP TABLE posters;
DROP TABLE regions;
