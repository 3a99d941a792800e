-- A region's escalation policy (吹哨报到): orders below it whose response
-- clock runs out unanswered climb one level at a time, up to up_to.
CREATE TABLE escalation_policies (
    region_id TEXT PRIMARY KEY REFERENCES regions (id),
    up_to TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
