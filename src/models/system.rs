use std::fmt;

use serde::{Deserialize, Serialize};

/// One of the organization-wide system presences, as listed by
/// [`system::list`](crate::system::list).
///
/// Read-only: `#[non_exhaustive]`, as a non-breaking release may add fields. To
/// make one (in a test, say), decode it from JSON, or set the fields of
/// `Default::default()`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
#[non_exhaustive]
pub struct SystemPresence {
    /// The system presence's id, e.g. `Available` or `OnQueue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Its name, e.g. `On Queue`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// API link (read-only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub self_uri: Option<String>,
}

impl SystemPresence {
    /// The id parsed as a [`SystemPresenceName`] (falling back to the name).
    pub fn system_presence_name(&self) -> Option<SystemPresenceName> {
        self.id
            .as_deref()
            .or(self.name.as_deref())
            .map(SystemPresenceName::parse)
    }
}

/// A system presence: the fixed categories every presence definition belongs to.
///
/// The API spells these differently in different places (`OnQueue`,
/// `ON_QUEUE`, `On Queue`); [`parse`](SystemPresenceName::parse) accepts every
/// spelling, case-insensitively, ignoring spaces, `_` and `-`. A value this
/// crate does not know yet is kept as [`Other`](SystemPresenceName::Other), so a
/// system presence Genesys adds later is data, not an error.
///
/// ```
/// use genesys_presence::SystemPresenceName;
///
/// assert_eq!(SystemPresenceName::parse("ON_QUEUE"), SystemPresenceName::OnQueue);
/// assert_eq!(SystemPresenceName::parse("on queue").as_str(), "OnQueue");
/// assert_eq!(SystemPresenceName::parse("Focus"), SystemPresenceName::Other("Focus".into()));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SystemPresenceName {
    /// Available.
    Available,
    /// Away.
    Away,
    /// Busy.
    Busy,
    /// Offline.
    Offline,
    /// Idle.
    Idle,
    /// On Queue (ready for ACD interactions).
    OnQueue,
    /// Meal.
    Meal,
    /// Training.
    Training,
    /// Meeting.
    Meeting,
    /// Break.
    Break,
    /// A value this version of the crate does not know, as the API sent it.
    Other(String),
}

impl SystemPresenceName {
    /// The system presences this crate knows, in the API's order: the ten
    /// of today's API. A slice, so that a non-breaking release may add one that
    /// Genesys adds (it is an [`Other`](SystemPresenceName::Other) value until then).
    ///
    /// ```
    /// use genesys_presence::SystemPresenceName;
    ///
    /// assert!(SystemPresenceName::KNOWN.contains(&SystemPresenceName::OnQueue));
    /// assert!(SystemPresenceName::KNOWN.iter().all(|name| *name == SystemPresenceName::parse(name.as_str())));
    /// ```
    pub const KNOWN: &'static [SystemPresenceName] = &[
        SystemPresenceName::Available,
        SystemPresenceName::Away,
        SystemPresenceName::Busy,
        SystemPresenceName::Offline,
        SystemPresenceName::Idle,
        SystemPresenceName::OnQueue,
        SystemPresenceName::Meal,
        SystemPresenceName::Training,
        SystemPresenceName::Meeting,
        SystemPresenceName::Break,
    ];

    /// Parses any spelling of a system presence; unknown values become `Other`.
    pub fn parse(value: &str) -> Self {
        let folded: String = value
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect();
        Self::KNOWN
            .iter()
            .find(|known| known.as_str().eq_ignore_ascii_case(&folded))
            .cloned()
            .unwrap_or_else(|| SystemPresenceName::Other(value.to_owned()))
    }

    /// The PascalCase spelling of the new definitions API (`OnQueue`), or the
    /// original text of an `Other` value.
    pub fn as_str(&self) -> &str {
        match self {
            SystemPresenceName::Available => "Available",
            SystemPresenceName::Away => "Away",
            SystemPresenceName::Busy => "Busy",
            SystemPresenceName::Offline => "Offline",
            SystemPresenceName::Idle => "Idle",
            SystemPresenceName::OnQueue => "OnQueue",
            SystemPresenceName::Meal => "Meal",
            SystemPresenceName::Training => "Training",
            SystemPresenceName::Meeting => "Meeting",
            SystemPresenceName::Break => "Break",
            SystemPresenceName::Other(value) => value,
        }
    }
}

impl fmt::Display for SystemPresenceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<&str> for SystemPresenceName {
    fn from(value: &str) -> Self {
        SystemPresenceName::parse(value)
    }
}

impl Serialize for SystemPresenceName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for SystemPresenceName {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Ok(SystemPresenceName::parse(&text))
    }
}
