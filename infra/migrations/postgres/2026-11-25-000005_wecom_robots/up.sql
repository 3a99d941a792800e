-- A WeCom group robot per community or street: staff-facing notifications of
-- orders below it go to the staff chat group.
CREATE TABLE wecom_robots (
    region_id TEXT PRIMARY KEY REFERENCES regions (id),
    robot_key TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
