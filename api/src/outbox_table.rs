//! `mashangban outbox`: the notification queue as a terminal table.

use infra::usecase::notifications::DeliveryRecord;

/// One line per notification: when, what, where it stands, each channel, the last error.
pub fn render(items: &[DeliveryRecord]) -> String {
    let mut out = format!(
        "{:<36}  {:<19}  {:<16}  {:<7}  {:>8}  {:<32}  {}\n",
        "id", "created (UTC)", "template", "status", "attempts", "channels", "last error"
    );
    for d in items {
        let channels: Vec<String> =
            d.channels.iter().map(|c| format!("{}:{}", c.channel.as_str(), c.status.as_str())).collect();
        let error: String = d.last_error.as_deref().unwrap_or("").chars().take(80).collect();
        out.push_str(&format!(
            "{:<36}  {:<19}  {:<16}  {:<7}  {:>8}  {:<32}  {}\n",
            d.id,
            d.created_at.format("%Y-%m-%d %H:%M:%S"),
            d.template,
            d.status.as_str(),
            d.attempts,
            channels.join(" "),
            error
        ));
    }
    out.push_str(&format!("{} notifications\n", items.len()));
    out
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use domain::delivery::{DeliveryStatus, NotifyChannel};
    use infra::usecase::notifications::ChannelRecord;
    use uuid::Uuid;

    use super::*;

    #[test]
    fn one_line_per_notification_with_its_channels() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 8, 30, 0).single().unwrap_or_default();
        let record = DeliveryRecord {
            id: Uuid::nil(),
            order_id: None,
            template: "order.submitted".into(),
            status: DeliveryStatus::Dead,
            attempts: 8,
            next_attempt_at: at,
            last_error: Some("wecom: wecom errcode 45009: api freq out of limit".into()),
            created_at: at,
            sent_at: None,
            channels: vec![
                ChannelRecord {
                    channel: NotifyChannel::Inbox,
                    status: DeliveryStatus::Sent,
                    attempts: 1,
                    last_error: None,
                    updated_at: at,
                },
                ChannelRecord {
                    channel: NotifyChannel::Wecom,
                    status: DeliveryStatus::Dead,
                    attempts: 8,
                    last_error: Some("45009".into()),
                    updated_at: at,
                },
            ],
        };
        let text = render(&[record]);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 3, "{text}");
        assert!(lines[0].starts_with("id"));
        for part in ["2026-11-25 08:30:00", "order.submitted", "dead", "inbox:sent wecom:dead", "45009"] {
            assert!(lines[1].contains(part), "{part} in {}", lines[1]);
        }
        assert_eq!(lines[2], "1 notifications");
    }
}
