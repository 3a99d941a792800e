-- Each subscribe-message template a user accepted in the mini-program
-- (wx.requestSubscribeMessage) is good for one message: one row per acceptance,
-- used by the message that carried it (used_for: the outbox row).
CREATE TABLE wechat_subscriptions (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    template_id TEXT NOT NULL,
    accepted_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    used_for TEXT
);
CREATE INDEX wechat_subscriptions_open_idx ON wechat_subscriptions (user_id, template_id, accepted_at) WHERE used_at IS NULL;
CREATE INDEX wechat_subscriptions_used_idx ON wechat_subscriptions (used_for, user_id);
