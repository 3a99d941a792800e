//! WeChat subscribe messages as the mini-program sees them: which templates to
//! ask the user for, and recording what they accepted.

use std::collections::BTreeMap;

use domain::subscribe::{accepted, MessageTemplates};
use domain::DomainError;
use uuid::Uuid;

use crate::db::Db;
use crate::notify::subscribe;

/// One template the mini-program may ask for, and how many messages the user has banked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subscription {
    /// The notification it carries, e.g. `order.accepted`.
    pub template: String,
    pub title: String,
    /// WeChat's template id, for `wx.requestSubscribeMessage({tmplIds})`.
    pub template_id: String,
    /// Unused acceptances: how many more messages of this kind can reach the user.
    pub banked: i64,
}

/// The configured templates with the user's banked acceptances.
pub async fn list(db: &Db, user: Uuid, templates: &MessageTemplates) -> Result<Vec<Subscription>, DomainError> {
    let banked = db.run(move |c| subscribe::banked(c, user)).await?;
    Ok(view(templates, &banked))
}

/// Records what `wx.requestSubscribeMessage` answered; the updated list.
pub async fn accept(
    db: &Db,
    user: Uuid,
    templates: &MessageTemplates,
    results: BTreeMap<String, String>,
) -> Result<Vec<Subscription>, DomainError> {
    let ids = accepted(templates, &results)?;
    let banked = db
        .write(move |c| {
            subscribe::accept(c, user, &ids)?;
            subscribe::banked(c, user)
        })
        .await?;
    Ok(view(templates, &banked))
}

fn view(templates: &MessageTemplates, banked: &BTreeMap<String, i64>) -> Vec<Subscription> {
    templates
        .iter()
        .map(|(name, t)| Subscription {
            template: name.to_owned(),
            title: domain::delivery::title(name).to_owned(),
            template_id: t.template_id.clone(),
            banked: banked.get(&t.template_id).copied().unwrap_or(0),
        })
        .collect()
}
