DROP TABLE contact_reveals;
