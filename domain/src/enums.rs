//! Closed sets stored and sent as snake_case text: one macro defines each
//! set once, with its wire value, its Chinese display label, parsing and (with
//! the `openapi` feature) its schema, so the spec's `enum` comes from here.

/// A closed set as text. Every variant: `Variant => "wire" / "标签"`.
#[macro_export]
macro_rules! text_enum {
    ($(#[$m:meta])* $name:ident, $field:literal, $code:literal {
        $($(#[$vm:meta])* $variant:ident => $text:literal / $label:literal),+ $(,)?
    }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($(#[$vm])* $variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }

            /// The Chinese display name front ends show.
            pub fn label(self) -> &'static str {
                match self { $($name::$variant => $label),+ }
            }
        }

        impl $crate::enums::TextEnum for $name {
            const NAME: &'static str = $field;
            fn all() -> &'static [Self] { $name::ALL }
            fn as_str(self) -> &'static str { $name::as_str(self) }
            fn label(self) -> &'static str { $name::label(self) }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $name::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let allowed: Vec<&str> = $name::ALL.iter().map(|v| v.as_str()).collect();
                    $crate::DomainError::field($field, $code, format!("必须是 {} 之一", allowed.join("、")))
                })
            }
        }
    };
}

/// What every closed set offers, for code that lists them all (the labels endpoint).
pub trait TextEnum: Copy + 'static {
    /// The field name the set is known by, e.g. `status`.
    const NAME: &'static str;
    fn all() -> &'static [Self];
    fn as_str(self) -> &'static str;
    fn label(self) -> &'static str;
}

/// `(value, label)` pairs of a set, in declaration order.
pub fn pairs<T: TextEnum>() -> Vec<(&'static str, &'static str)> {
    T::all().iter().map(|v| (v.as_str(), v.label())).collect()
}

/// Every closed set a client shows, by the name front ends know it by, each
/// value with its label: what `GET /api/v1/labels` answers.
pub fn all_sets() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    use crate::actor::{Role, UnitKind};
    use crate::order::{Channel, Clock, EventType, Kind, Level, Priority, Status, TargetType};
    use crate::region::RegionKind;
    vec![
        ("status", pairs::<Status>()),
        ("kind", pairs::<Kind>()),
        ("channel", pairs::<Channel>()),
        ("level", pairs::<Level>()),
        ("target_type", pairs::<TargetType>()),
        ("event_type", pairs::<EventType>()),
        ("role", pairs::<Role>()),
        ("region_kind", pairs::<RegionKind>()),
        ("unit_kind", pairs::<UnitKind>()),
        ("clock", pairs::<Clock>()),
        ("priority", pairs::<Priority>()),
        ("notify_channel", pairs::<crate::delivery::NotifyChannel>()),
        ("delivery_status", pairs::<crate::delivery::DeliveryStatus>()),
        ("moderation", pairs::<crate::moderation::CheckStatus>()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::Role;
    use crate::order::{Channel, EventType, Kind, Level, Status, TargetType};
    use crate::region::RegionKind;

    fn round_trips<T: TextEnum + std::str::FromStr + PartialEq + std::fmt::Debug>() {
        let mut seen = std::collections::HashSet::new();
        for v in T::all() {
            assert_eq!(v.as_str().parse::<T>().ok(), Some(*v));
            assert!(!v.label().is_empty() && !v.label().is_ascii(), "{} has a Chinese label", v.as_str());
            assert!(seen.insert(v.as_str()), "{} twice", v.as_str());
        }
        assert!("nope".parse::<T>().is_err());
    }

    #[test]
    fn every_set_round_trips_and_has_labels() {
        round_trips::<Status>();
        round_trips::<Kind>();
        round_trips::<Channel>();
        round_trips::<Level>();
        round_trips::<TargetType>();
        round_trips::<EventType>();
        round_trips::<Role>();
        round_trips::<RegionKind>();
        round_trips::<crate::order::Clock>();
        round_trips::<crate::actor::UnitKind>();
        round_trips::<crate::delivery::NotifyChannel>();
        round_trips::<crate::delivery::DeliveryStatus>();
    }
}
