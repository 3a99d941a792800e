//! `DATABASE_URL`: absent means an embedded SQLite file under ./data.

use std::fmt;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Postgres,
    Sqlite,
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Backend::Postgres => "postgres",
            Backend::Sqlite => "sqlite",
        })
    }
}

#[derive(Clone, PartialEq, Eq)]
pub enum DbUrl {
    Postgres(String),
    /// A file path (or `:memory:`).
    Sqlite(String),
}

pub const DEFAULT_SQLITE_PATH: &str = "data/mashangban.db";

impl DbUrl {
    pub fn parse(raw: Option<&str>) -> DbUrl {
        match raw.map(str::trim).filter(|s| !s.is_empty()) {
            None => DbUrl::Sqlite(DEFAULT_SQLITE_PATH.to_owned()),
            Some(u) if u.starts_with("postgres://") || u.starts_with("postgresql://") => DbUrl::Postgres(u.to_owned()),
            Some(u) => {
                let path = u.strip_prefix("sqlite://").or_else(|| u.strip_prefix("sqlite:")).unwrap_or(u);
                DbUrl::Sqlite(path.to_owned())
            }
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            DbUrl::Postgres(_) => Backend::Postgres,
            DbUrl::Sqlite(_) => Backend::Sqlite,
        }
    }

    /// Creates the folder an SQLite file lives in.
    pub fn prepare(&self) -> std::io::Result<()> {
        if let DbUrl::Sqlite(path) = self {
            if let Some(dir) = Path::new(path).parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir)?;
            }
        }
        Ok(())
    }
}

/// Never prints a Postgres password.
impl fmt::Debug for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl fmt::Display for DbUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DbUrl::Sqlite(path) => write!(f, "sqlite://{path}"),
            DbUrl::Postgres(u) => match (u.find("://"), u.rfind('@')) {
                (Some(scheme), Some(at)) if at > scheme => {
                    let creds = &u[scheme + 3..at];
                    let user = creds.split(':').next().unwrap_or("");
                    write!(f, "{}{}:***{}", &u[..scheme + 3], user, &u[at..])
                }
                _ => f.write_str(u),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_backend_by_scheme() {
        assert_eq!(DbUrl::parse(None), DbUrl::Sqlite(DEFAULT_SQLITE_PATH.into()));
        assert_eq!(DbUrl::parse(Some("sqlite://x/y.db")), DbUrl::Sqlite("x/y.db".into()));
        assert_eq!(DbUrl::parse(Some("z.db")), DbUrl::Sqlite("z.db".into()));
        assert_eq!(DbUrl::parse(Some("postgres://u@h/d")).backend(), Backend::Postgres);
    }

    #[test]
    fn hides_passwords() {
        let url = DbUrl::parse(Some("postgres://app:s3cret@db:5432/msb"));
        assert_eq!(url.to_string(), "postgres://app:***@db:5432/msb");
    }
}
