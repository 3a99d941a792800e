//! Response bodies shared by several routes.

use chrono::{DateTime, Utc};
use domain::region::{Region, RegionKind};
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

/// A node of the region tree.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegionView {
    pub id: Uuid,
    pub kind: RegionKind,
    #[schema(example = "dd-hean")]
    pub code: String,
    #[schema(example = "和安楼")]
    pub name: String,
    pub parent_id: Option<Uuid>,
    pub address: Option<String>,
}

impl From<Region> for RegionView {
    fn from(r: Region) -> Self {
        RegionView { id: r.id, kind: r.kind, code: r.code, name: r.name, parent_id: r.parent_id, address: r.address }
    }
}

/// A role grant: the role and the region it covers (`null`: the whole city).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct GrantView {
    pub role: domain::actor::Role,
    #[schema(example = "网格员")]
    pub label: String,
    pub region: Option<RegionView>,
}

/// The signed-in user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UserView {
    pub id: Uuid,
    pub username: Option<String>,
    pub display_name: String,
    /// The user's own phone, unmasked (it is theirs).
    pub phone: Option<String>,
    /// True when WeChat verified `phone` (`POST /api/v1/me/phone`): orders may then leave `contact.phone` out.
    pub phone_verified: bool,
    pub roles: Vec<GrantView>,
    /// True when any role is a staff role (password login, works an inbox).
    pub is_staff: bool,
    /// Signed in with a one-time password: change it (`POST /api/v1/me/password`) before anything else.
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
}

/// What every login and refresh answers.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenResponse {
    /// JWT for `Authorization: Bearer …`.
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: String,
    /// Seconds until the access token expires.
    #[schema(example = 900)]
    pub expires_in: u64,
    /// Opaque, single-use: exchange it at `/api/v1/auth/refresh` for a new pair.
    pub refresh_token: String,
    pub user: UserView,
}

/// A page of a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Page<T: ToSchema> {
    pub items: Vec<T>,
    /// Pass as `cursor` for the next page; `null` at the end.
    pub next_cursor: Option<String>,
}

impl<T: ToSchema> Page<T> {
    pub fn map<S>(paged: infra::usecase::Paged<S>, f: impl FnMut(S) -> T) -> Page<T> {
        Page { items: paged.items.into_iter().map(f).collect(), next_cursor: paged.next_cursor }
    }
}

/// `cursor` and `limit` of a list: the cursor must be clean text (it reaches SQL);
/// a limit outside 1–200 is clamped.
pub fn page_request(cursor: Option<String>, limit: Option<i64>) -> Result<infra::usecase::Page, domain::DomainError> {
    let cursor = cursor.map(|c| domain::text::token("cursor", &c, 64)).transpose()?;
    Ok(infra::usecase::Page::new(cursor, limit))
}

impl From<domain::user::Profile> for UserView {
    fn from(p: domain::user::Profile) -> Self {
        UserView {
            id: p.id,
            is_staff: p.is_staff(),
            username: p.username,
            display_name: p.display_name,
            phone: p.phone,
            phone_verified: p.phone_verified,
            roles: p
                .grants
                .into_iter()
                .map(|g| GrantView { role: g.role, label: g.role.label().into(), region: g.region.map(Into::into) })
                .collect(),
            must_change_password: p.must_change_password,
            created_at: p.created_at,
        }
    }
}
