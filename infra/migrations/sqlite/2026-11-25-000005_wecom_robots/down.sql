DROP TABLE wecom_robots;
