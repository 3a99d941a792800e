//! WeChat subscribe messages (订阅消息): which WeChat template carries which
//! notification, how its fields are filled from the order, and the value
//! limits WeChat enforces per key type (shared/design/wechat.md), cut to fit
//! rather than refused. Pure; infra sends what this renders.

use std::collections::BTreeMap;

use chrono::{DateTime, FixedOffset, Utc};
use serde::Deserialize;

use crate::order::notify::Template;
use crate::{DomainError, FieldError};

/// How one notification template is sent as a subscribe message.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageTemplate {
    /// WeChat's template id (from the mini-program's admin console).
    pub template_id: String,
    /// The mini-program page opened from the message, e.g. `pages/order/detail?id={order_id}`.
    #[serde(default)]
    pub page: Option<String>,
    /// WeChat data key (`thing1`, `time2` …) → text with placeholders: `{number}`,
    /// `{title}`, `{status}`, `{item}`, `{building}`, `{at}`, `{due}`, `{order_id}`.
    pub data: BTreeMap<String, String>,
}

/// Every notification template that has a subscribe message, by `order.*` name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MessageTemplates(BTreeMap<String, MessageTemplate>);

/// The placeholders a template may use.
pub const PLACEHOLDERS: &[&str] = &["number", "title", "status", "item", "building", "at", "due", "order_id"];

/// Template ids and robot keys of the development fixtures start with this; production refuses them.
pub const DEMO_PREFIX: &str = "demo-";

/// Is this a development fixture's id or key?
pub fn is_demo(value: &str) -> bool {
    value.starts_with(DEMO_PREFIX)
}

impl MessageTemplates {
    /// Checks a configuration (as JSON: `{"order.accepted": {template_id, page, data}}`).
    /// `production` refuses the fixtures' demo ids.
    pub fn check(map: BTreeMap<String, MessageTemplate>, production: bool) -> Result<MessageTemplates, DomainError> {
        let mut errors = Vec::new();
        for (name, t) in &map {
            let field = |what: &str| format!("{name}.{what}");
            if Template::parse(name).is_none() {
                errors.push(FieldError::new(name, "unknown_template", "没有这种通知"));
            }
            if t.template_id.trim().is_empty() || (production && is_demo(&t.template_id)) {
                errors.push(FieldError::new(field("template_id"), "invalid_template_id", "需要真实的模板 ID"));
            }
            for (key, text) in &t.data {
                if limit(key).is_none() {
                    errors.push(FieldError::new(field(key), "unknown_key_type", "WeChat 不认识这种字段类型"));
                }
                if let Some(unknown) = placeholders(text).find(|p| !PLACEHOLDERS.contains(p)) {
                    errors.push(FieldError::new(
                        field(key),
                        "unknown_placeholder",
                        format!("未知占位符 {{{unknown}}}"),
                    ));
                }
            }
        }
        if errors.is_empty() {
            Ok(MessageTemplates(map))
        } else {
            Err(DomainError::Validation(errors))
        }
    }

    pub fn get(&self, template: &str) -> Option<&MessageTemplate> {
        self.0.get(template)
    }

    /// (notification name, its template) pairs, in name order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &MessageTemplate)> {
        self.0.iter().map(|(k, v)| (k.as_str(), v))
    }

    /// Is this a WeChat template id we send with?
    pub fn knows_id(&self, template_id: &str) -> bool {
        self.0.values().any(|t| t.template_id == template_id)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// What `wx.requestSubscribeMessage` answered, per template id: `accept`,
/// `reject`, `ban` or `filter`. Returns the accepted ids; an id we do not send
/// with, or another answer, is a field error (`results.<id>`).
pub fn accepted(templates: &MessageTemplates, results: &BTreeMap<String, String>) -> Result<Vec<String>, DomainError> {
    let mut errors = Vec::new();
    let mut ids = Vec::new();
    for (id, answer) in results {
        let field = format!("results.{}", id.chars().filter(|c| !c.is_control()).take(64).collect::<String>());
        if !templates.knows_id(id) {
            errors.push(FieldError::new(&field, "unknown_template", "不是本系统使用的订阅消息模板"));
            continue;
        }
        match answer.as_str() {
            "accept" => ids.push(id.clone()),
            "reject" | "ban" | "filter" => {}
            _ => errors.push(FieldError::new(&field, "invalid_result", "必须是 accept、reject、ban 或 filter")),
        }
    }
    if errors.is_empty() {
        Ok(ids)
    } else {
        Err(DomainError::Validation(errors))
    }
}

fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(name, _)| name))
}

/// What a value of this key type may hold: (max chars, ASCII only, ellipsis when cut).
fn limit(key: &str) -> Option<(usize, bool, bool)> {
    let kind = key.trim_end_matches(|c: char| c.is_ascii_digit());
    Some(match kind {
        "thing" => (20, false, true),
        "number" | "letter" => (32, true, false),
        "symbol" => (5, false, false),
        "character_string" => (32, true, false),
        "time" | "date" => (32, false, false),
        "amount" => (10, false, false),
        "phone_number" => (17, true, false),
        "car_number" => (8, false, false),
        "name" => (20, false, true),
        "phrase" => (5, false, false),
        _ => return None,
    })
}

/// Cuts a value to what WeChat accepts for its key type: `thing` ≤ 20 chars,
/// `character_string` ≤ 32 ASCII, `phrase` ≤ 5, `name` ≤ 10 Chinese or 20
/// letters … Control characters go; an empty value becomes `-` (WeChat refuses
/// empty values).
pub fn fit(key: &str, value: &str) -> String {
    let Some((mut max, ascii, ellipsis)) = limit(key) else {
        return value.to_owned();
    };
    if key.starts_with("name") && !value.is_ascii() {
        max = 10;
    }
    let clean: String = value.chars().filter(|c| !c.is_control() && (!ascii || c.is_ascii())).collect();
    let clean = clean.trim();
    let out = if clean.chars().count() <= max {
        clean.to_owned()
    } else if ellipsis {
        clean.chars().take(max - 1).chain(std::iter::once('…')).collect()
    } else {
        clean.chars().take(max).collect()
    };
    if out.is_empty() {
        "-".to_owned()
    } else {
        out
    }
}

/// WeChat's time format, in China time: `2026年11月25日 16:05`.
pub fn wechat_time(at: DateTime<Utc>) -> String {
    let china = FixedOffset::east_opt(8 * 3600).map_or_else(|| at.fixed_offset(), |tz| at.with_timezone(&tz));
    china.format("%Y年%-m月%-d日 %H:%M").to_string()
}

/// The `data` and `page` of one message: placeholders filled from `facts`, each value cut to fit.
pub fn render(t: &MessageTemplate, facts: &BTreeMap<&str, String>) -> (BTreeMap<String, String>, Option<String>) {
    let fill = |text: &str| {
        let mut out = text.to_owned();
        for (name, value) in facts {
            out = out.replace(&format!("{{{name}}}"), value);
        }
        out
    };
    let data = t.data.iter().map(|(key, text)| (key.clone(), fit(key, &fill(text)))).collect();
    (data, t.page.as_deref().map(fill))
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    #[test]
    fn values_are_cut_to_each_key_types_limit() {
        let long = "小区东门路灯不亮已经三天了晚上出行很不方便请尽快处理谢谢";
        // (key, value, what WeChat gets)
        let table = [
            ("thing1", "路灯不亮", "路灯不亮".to_owned()),
            ("thing1", long, format!("{}…", long.chars().take(19).collect::<String>())),
            ("character_string2", "MSB-20261125-0001", "MSB-20261125-0001".to_owned()),
            ("character_string2", "编号MSB-1", "MSB-1".to_owned()),
            ("character_string2", &"A".repeat(40), "A".repeat(32)),
            ("phrase3", "待派单处理中", "待派单处理".to_owned()),
            ("name4", "欧阳娜娜娜娜娜娜娜娜娜", "欧阳娜娜娜娜娜娜娜…".to_owned()),
            ("name4", "Wang Ayi", "Wang Ayi".to_owned()),
            ("symbol5", "¥¥¥¥¥¥¥", "¥¥¥¥¥".to_owned()),
            ("phone_number6", "138-1234-1234 转 8", "138-1234-1234  8".to_owned()),
            ("thing7", "", "-".to_owned()),
            ("thing8", "a\u{0}b\nc", "abc".to_owned()),
            ("unknown9", "as is", "as is".to_owned()),
        ];
        for (key, value, want) in table {
            assert_eq!(fit(key, value), want, "{key} {value}");
        }
    }

    #[test]
    fn times_are_chinese_and_in_china_time() {
        let at = Utc.with_ymd_and_hms(2026, 11, 25, 16, 5, 0).single().unwrap_or_default();
        assert_eq!(wechat_time(at), "2026年11月26日 00:05");
    }

    fn one(name: &str, id: &str, data: &[(&str, &str)]) -> BTreeMap<String, MessageTemplate> {
        let t = MessageTemplate {
            template_id: id.to_owned(),
            page: Some("pages/order/detail?id={order_id}".to_owned()),
            data: data.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect(),
        };
        BTreeMap::from([(name.to_owned(), t)])
    }

    #[test]
    fn configurations_are_checked_and_production_refuses_demo_ids() {
        // (template id, key, text, production) → accepted, or the first error's code
        let table = [
            ("real-id", "thing1", "{item}", false, Ok(())),
            ("demo-accepted", "thing1", "{item}", false, Ok(())),
            ("demo-accepted", "thing1", "{item}", true, Err("invalid_template_id")),
            ("", "thing1", "{item}", false, Err("invalid_template_id")),
            ("real-id", "colour1", "{item}", false, Err("unknown_key_type")),
            ("real-id", "thing1", "{nope}", false, Err("unknown_placeholder")),
        ];
        for (id, key, text, production, want) in table {
            let got = MessageTemplates::check(one("order.accepted", id, &[(key, text)]), production)
                .map(|_| ())
                .map_err(|e| match e {
                    DomainError::Validation(errors) => errors[0].code,
                    _ => "other",
                });
            assert_eq!(got, want, "{id} {key} {text} {production}");
        }
        assert!(MessageTemplates::check(one("order.nope", "x", &[]), false).is_err());
    }

    #[test]
    fn a_message_is_filled_from_the_facts_and_cut() {
        let data = [("character_string1", "{number}"), ("thing2", "{building}·{item}"), ("phrase3", "{status}")];
        let templates = MessageTemplates::check(one("order.accepted", "t1", &data), true).unwrap_or_default();
        let t = templates.get("order.accepted").cloned().unwrap_or_else(|| panic!("configured"));
        let facts = BTreeMap::from([
            ("number", "DD-20261125-0001".to_owned()),
            ("building", "和安楼".to_owned()),
            ("item", "下水道堵塞需要疏通处理一下吧".to_owned()),
            ("status", "处理中".to_owned()),
            ("order_id", "abc".to_owned()),
        ]);
        let (data, page) = render(&t, &facts);
        assert_eq!(page.as_deref(), Some("pages/order/detail?id=abc"));
        assert_eq!(data["character_string1"], "DD-20261125-0001");
        assert_eq!(data["thing2"], "和安楼·下水道堵塞需要疏通处理一下吧");
        assert_eq!(data["phrase3"], "处理中");
        assert!(templates.knows_id("t1") && !templates.knows_id("t2"));
    }

    #[test]
    fn only_accepted_known_templates_count() {
        let templates =
            MessageTemplates::check(one("order.accepted", "t1", &[("thing1", "{item}")]), false).unwrap_or_default();
        let results = |pairs: &[(&str, &str)]| -> BTreeMap<String, String> {
            pairs.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
        };
        // (answers) → accepted ids, or the error codes
        type Case<'a> = (&'a [(&'a str, &'a str)], Result<Vec<&'a str>, Vec<&'a str>>);
        let table: [Case; 5] = [
            (&[("t1", "accept")], Ok(vec!["t1"])),
            (&[("t1", "reject")], Ok(vec![])),
            (&[("t1", "ban")], Ok(vec![])),
            (&[("t1", "maybe")], Err(vec!["invalid_result"])),
            (&[("t1", "accept"), ("zz", "accept")], Err(vec!["unknown_template"])),
        ];
        for (answers, want) in table {
            let got = accepted(&templates, &results(answers)).map_err(|e| match e {
                DomainError::Validation(errors) => errors.iter().map(|e| e.code).collect::<Vec<_>>(),
                _ => vec!["other"],
            });
            let want = want.map(|ids| ids.into_iter().map(str::to_owned).collect::<Vec<_>>());
            assert_eq!(got, want, "{answers:?}");
        }
    }
}
