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
    /// Part of an (informational) UNIQUE constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unique: Option<KeyPart>,
    /// Part of an (informational) FOREIGN KEY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<Box<ForeignKeyPart>>,
}

/// A column's place in a named constraint: the constraint's name and the column's position in
/// it (from 1), which SHOW UNIQUE KEYS reports as `key_sequence`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyPart {
    pub name: String,
    pub sequence: u32,
}

/// A FOREIGN KEY column: its place in the constraint and the table (and column) it references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKeyPart {
    #[serde(flatten)]
    pub key: KeyPart,
    pub database: String,
    pub schema: String,
    pub table: String,
    /// The referenced column; `None` when the constraint names none (`REFERENCES t`): the
    /// referenced table's primary key column at the same position.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<String>,
}

impl ColumnMeta {
    pub fn new(sf_type: SfType) -> Self {
        ColumnMeta {
            sf_type,
            comment: None,
            default: None,
            primary_key: false,
            unique: None,
            references: None,
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

/// What Snowglobe records about a view beside DuckDB's catalog (DuckDB keeps only its own
/// rewritten SQL): the definition as the user wrote it, for GET_DDL and SHOW VIEWS. Stored as
/// JSON in the view's DuckDB comment, with the user's comment inside, like [`ColumnMeta`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewMeta {
    /// The whole CREATE VIEW statement as written.
    #[serde(rename = "sg_view_text")]
    pub text: String,
    /// The view's query as written (the text after `AS`).
    pub body: String,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub secure: bool,
    /// The user's `COMMENT`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Column comments from the column list (`CREATE VIEW v (a COMMENT '...') AS ...`):
    /// (column, comment). DuckDB keeps no comments on view columns.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub column_comments: Vec<(String, String)>,
    /// The Snowflake types of the view's columns, in order, as its query gave them when the
    /// view was created (`VARCHAR(10)` of a table column stays `VARCHAR(10)`; DuckDB's view
    /// knows only its own types). Empty for a view created before they were recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<ViewColumn>,
}

/// One column of a view: its name, Snowflake type and whether it may be NULL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ViewColumn {
    pub name: String,
    pub sf_type: SfType,
    pub nullable: bool,
}

/// Metadata kept as JSON in a DuckDB comment; `None` for a plain comment (or other metadata).
fn from_json_comment<T: serde::de::DeserializeOwned>(comment: &str) -> Option<T> {
    if !comment.starts_with('{') {
        return None;
    }
    serde_json::from_str(comment).ok()
}

impl ViewMeta {
    /// The text stored as DuckDB's view comment.
    pub fn to_comment(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parse a DuckDB view comment; `None` if it is not Snowglobe metadata (a plain comment).
    pub fn from_comment(comment: &str) -> Option<Self> {
        from_json_comment(comment)
    }
}

/// What Snowglobe records about a table beside DuckDB's catalog: that it is TRANSIENT (DuckDB
/// has no such kind). Stored as JSON in the table's DuckDB comment, with the user's comment
/// inside, like [`ViewMeta`]; a table without it has a plain comment (or none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TableMeta {
    #[serde(rename = "sg_transient")]
    pub transient: bool,
    /// The user's `COMMENT`, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

impl TableMeta {
    /// The text stored as DuckDB's table comment.
    pub fn to_comment(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Parse a DuckDB table comment; `None` if it is not Snowglobe metadata.
    pub fn from_comment(comment: &str) -> Option<Self> {
        from_json_comment(comment)
    }

    /// The stored comment of a table: the metadata when transient, else the user's comment.
    pub fn stored(transient: bool, comment: Option<String>) -> Option<String> {
        if transient {
            Some(TableMeta { transient, comment }.to_comment())
        } else {
            comment
        }
    }
}

/// Whether a table's DuckDB comment marks it TRANSIENT.
pub fn is_transient(stored: &str) -> bool {
    TableMeta::from_comment(stored).is_some_and(|m| m.transient)
}

/// The user's comment of a table or view, from its DuckDB comment.
pub fn user_comment(stored: &str) -> Option<String> {
    if let Some(meta) = ViewMeta::from_comment(stored) {
        return meta.comment;
    }
    match TableMeta::from_comment(stored) {
        Some(meta) => meta.comment,
        None => Some(stored.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_meta_round_trip_and_plain_comments() {
        let meta = ViewMeta {
            text: "create view v as select 1".into(),
            body: "select 1".into(),
            secure: false,
            comment: Some("c".into()),
            column_comments: vec![("A".into(), "the a".into())],
            columns: vec![ViewColumn {
                name: "A".into(),
                sf_type: SfType::Text { length: 10 },
                nullable: false,
            }],
        };
        assert_eq!(
            ViewMeta::from_comment(&meta.to_comment()),
            Some(meta.clone())
        );
        assert_eq!(user_comment(&meta.to_comment()), Some("c".into()));
        let table = TableMeta::stored(true, Some("t".into())).unwrap();
        assert!(is_transient(&table) && !is_transient("plain"));
        assert_eq!(user_comment(&table), Some("t".into()));
        assert_eq!(TableMeta::stored(false, Some("p".into())), Some("p".into()));
        assert_eq!(user_comment("{not json"), Some("{not json".into()));
        assert_eq!(ViewMeta::from_comment("plain"), None);
    }

    #[test]
    fn comment_round_trip() {
        let meta = ColumnMeta::new(SfType::Text { length: 10 });
        assert_eq!(ColumnMeta::from_comment(&meta.to_comment()), Some(meta));
        assert_eq!(ColumnMeta::from_comment("a user comment"), None);
    }
}
