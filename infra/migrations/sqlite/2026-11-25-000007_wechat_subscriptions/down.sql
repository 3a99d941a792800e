DROP TABLE wechat_subscriptions;
