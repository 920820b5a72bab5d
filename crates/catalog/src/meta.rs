//! Column metadata kept beside DuckDB's catalog.
//!
//! The declared Snowflake type of a table column is stored in DuckDB's own column comment, as
//! JSON, so it lives and dies with the column inside the same transaction (DuckDB lets one
//! transaction write to only one attached database, which rules out a separate catalog database),
//! survives renames, and travels with the data in persistence and exports.

use serde::{Deserialize, Serialize};

use crate::types::SfType;

/// What Snowglobe records about one table column.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ColumnMeta {
    /// The declared Snowflake type.
    #[serde(rename = "sf_type")]
    pub sf_type: SfType,
    /// The user's `COMMENT`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The column default as the user wrote it (Snowflake SQL), for DESCRIBE and GET_DDL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// Part of the table's (informational) primary key.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub primary_key: bool,
}

impl ColumnMeta {
    pub fn new(sf_type: SfType) -> Self {
        ColumnMeta {
            sf_type,
            comment: None,
            default: None,
            primary_key: false,
        }
    }

    /// The text stored as DuckDB's column comment.
    pub fn to_comment(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parse a DuckDB column comment; `None` if it is not Snowglobe metadata.
    pub fn from_comment(comment: &str) -> Option<Self> {
        serde_json::from_str(comment).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_round_trip() {
        let meta = ColumnMeta::new(SfType::Text { length: 10 });
        assert_eq!(ColumnMeta::from_comment(&meta.to_comment()), Some(meta));
        assert_eq!(ColumnMeta::from_comment("a user comment"), None);
    }
}
