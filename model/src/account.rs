//! Accounts as plain data: the role an account has and what it answers for. Stored
//! by `md2030-store`, checked by `md2030-access`, which needs no store to decide.

use serde::{Deserialize, Serialize};

/// What an account may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Commission members: read everything, including pending figures.
    Viewer,
    /// Submits and signs off the datasets of their ministries.
    Steward,
    /// Accounts, targets, publication settings.
    Admin,
    /// The Commission's permanent secretariat: records its decisions and judges
    /// each priority's likelihood of delivery; confirms point updates.
    Secretariat,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Steward => "steward",
            Role::Admin => "admin",
            Role::Secretariat => "secretariat",
        }
    }

    pub fn parse(text: &str) -> Option<Role> {
        match text {
            "viewer" => Some(Role::Viewer),
            "steward" => Some(Role::Steward),
            "admin" => Some(Role::Admin),
            "secretariat" => Some(Role::Secretariat),
            _ => None,
        }
    }
}

/// One account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Producer codes (`MTNRA`, `MIC`…) a steward answers for; empty for others.
    pub ministries: Vec<String>,
    pub lang: String,
    pub created_at: String,
    pub password_changed_at: String,
    pub disabled_at: Option<String>,
}

impl Account {
    pub fn is_active(&self) -> bool {
        self.disabled_at.is_none()
    }

    /// True when this account is a steward of `producer`.
    pub fn stewards(&self, producer: &str) -> bool {
        self.role == Role::Steward && self.ministries.iter().any(|m| m == producer)
    }
}
