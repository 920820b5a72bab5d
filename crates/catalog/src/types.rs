//! Snowflake data types: how each is stored in DuckDB and how it is described to clients.

use serde::{Deserialize, Serialize};

/// The length Snowflake reports for `VARCHAR` declared without one (16 MiB).
pub const MAX_TEXT_LENGTH: u64 = 16_777_216;
/// The length Snowflake reports for `BINARY` declared without one (8 MiB).
pub const MAX_BINARY_LENGTH: u64 = 8_388_608;

/// How a TIMESTAMP_TZ value is stored: its instant and its own UTC offset in minutes (DuckDB's
/// TIMESTAMPTZ keeps no offset). Queries read the instant (`struct_extract(c, 'instant')`)
/// wherever they compute; a value passed through whole keeps its offset.
pub const TIMESTAMP_TZ_STORAGE: &str = "STRUCT(instant TIMESTAMPTZ, offset_minutes SMALLINT)";
/// The field of [`TIMESTAMP_TZ_STORAGE`] holding the instant.
pub const TZ_INSTANT_FIELD: &str = "instant";
/// The field of [`TIMESTAMP_TZ_STORAGE`] holding the offset.
pub const TZ_OFFSET_FIELD: &str = "offset_minutes";

/// Whether a DuckDB type name (as `duckdb_columns()` prints it) is TIMESTAMP_TZ's storage.
pub fn is_timestamp_tz_storage(duckdb: &str) -> bool {
    let compact: String = duckdb
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '"')
        .collect::<String>()
        .to_ascii_uppercase();
    compact == "STRUCT(INSTANTTIMESTAMPWITHTIMEZONE,OFFSET_MINUTESSMALLINT)"
        || compact == "STRUCT(INSTANTTIMESTAMPTZ,OFFSET_MINUTESSMALLINT)"
}

/// A Snowflake data type, as declared or inferred.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SfType {
    Number { precision: u8, scale: u8 },
    Float,
    Text { length: u64 },
    Binary { length: u64 },
    Boolean,
    Date,
    Time { scale: u8 },
    TimestampNtz { scale: u8 },
    TimestampLtz { scale: u8 },
    TimestampTz { scale: u8 },
    Variant,
    Object,
    Array,
}

impl SfType {
    /// `NUMBER(38,0)`, what INT, INTEGER, BIGINT and friends are in Snowflake.
    pub const INTEGER: SfType = SfType::Number {
        precision: 38,
        scale: 0,
    };
    /// `VARCHAR` with Snowflake's default length.
    pub const TEXT: SfType = SfType::Text {
        length: MAX_TEXT_LENGTH,
    };

    /// The Snowflake type a DuckDB column type stands for, for columns without a declared type
    /// (created by DuckDB itself, e.g. through CTAS of an expression).
    pub fn of_duckdb_type(duckdb: &str) -> SfType {
        let upper = duckdb.to_ascii_uppercase();
        if is_timestamp_tz_storage(&upper) {
            return SfType::TimestampTz { scale: 9 };
        }
        let args = |s: &str| -> Vec<u8> {
            s.split_once('(')
                .map(|(_, rest)| {
                    rest.trim_end_matches(')')
                        .split(',')
                        .filter_map(|p| p.trim().parse().ok())
                        .collect()
                })
                .unwrap_or_default()
        };
        match upper.split('(').next().unwrap_or_default().trim() {
            "DECIMAL" | "NUMERIC" => match args(&upper).as_slice() {
                [p, s] => SfType::Number {
                    precision: *p,
                    scale: *s,
                },
                _ => SfType::INTEGER,
            },
            "TINYINT" | "SMALLINT" | "INTEGER" | "BIGINT" | "HUGEINT" | "UTINYINT"
            | "USMALLINT" | "UINTEGER" | "UBIGINT" | "UHUGEINT" => SfType::INTEGER,
            "FLOAT" | "DOUBLE" | "REAL" => SfType::Float,
            "BOOLEAN" => SfType::Boolean,
            "DATE" => SfType::Date,
            "TIME" => SfType::Time { scale: 9 },
            "TIMESTAMP" | "TIMESTAMP_NS" | "TIMESTAMP_MS" | "TIMESTAMP_S" => {
                SfType::TimestampNtz { scale: 9 }
            }
            "TIMESTAMP WITH TIME ZONE" | "TIMESTAMPTZ" => SfType::TimestampLtz { scale: 9 },
            "BLOB" => SfType::Binary {
                length: MAX_TEXT_LENGTH / 2,
            },
            "JSON" => SfType::Variant,
            _ if upper.ends_with("[]") => SfType::Array,
            _ if upper.starts_with("STRUCT") || upper.starts_with("MAP") => SfType::Object,
            _ => SfType::TEXT,
        }
    }

    /// The DuckDB type a column of this Snowflake type is stored as.
    ///
    /// TIMESTAMP_LTZ is stored as a UTC instant (DuckDB's TIMESTAMPTZ), TIMESTAMP_TZ as an
    /// instant with its offset ([`TIMESTAMP_TZ_STORAGE`]); VARIANT, OBJECT and ARRAY as DuckDB
    /// JSON text.
    pub fn duckdb_type(&self) -> String {
        match self {
            SfType::Number { precision, scale } => format!("DECIMAL({precision},{scale})"),
            SfType::Float => "DOUBLE".into(),
            SfType::Text { .. } => "VARCHAR".into(),
            SfType::Binary { .. } => "BLOB".into(),
            SfType::Boolean => "BOOLEAN".into(),
            SfType::Date => "DATE".into(),
            SfType::Time { .. } => "TIME".into(),
            SfType::TimestampNtz { .. } => "TIMESTAMP".into(),
            SfType::TimestampLtz { .. } => "TIMESTAMPTZ".into(),
            SfType::TimestampTz { .. } => TIMESTAMP_TZ_STORAGE.into(),
            SfType::Variant | SfType::Object | SfType::Array => "JSON".into(),
        }
    }

    /// The lower-case type name clients receive in `rowtype[].type`.
    pub fn wire_name(&self) -> &'static str {
        match self {
            SfType::Number { .. } => "fixed",
            SfType::Float => "real",
            SfType::Text { .. } => "text",
            SfType::Binary { .. } => "binary",
            SfType::Boolean => "boolean",
            SfType::Date => "date",
            SfType::Time { .. } => "time",
            SfType::TimestampNtz { .. } => "timestamp_ntz",
            SfType::TimestampLtz { .. } => "timestamp_ltz",
            SfType::TimestampTz { .. } => "timestamp_tz",
            SfType::Variant => "variant",
            SfType::Object => "object",
            SfType::Array => "array",
        }
    }

    /// The type as SHOW / DESCRIBE print it, e.g. `NUMBER(38,0)`, `VARCHAR(16777216)`.
    pub fn sql_name(&self) -> String {
        match self {
            SfType::Number { precision, scale } => format!("NUMBER({precision},{scale})"),
            SfType::Float => "FLOAT".into(),
            SfType::Text { length } => format!("VARCHAR({length})"),
            SfType::Binary { length } => format!("BINARY({length})"),
            SfType::Boolean => "BOOLEAN".into(),
            SfType::Date => "DATE".into(),
            SfType::Time { scale } => format!("TIME({scale})"),
            SfType::TimestampNtz { scale } => format!("TIMESTAMP_NTZ({scale})"),
            SfType::TimestampLtz { scale } => format!("TIMESTAMP_LTZ({scale})"),
            SfType::TimestampTz { scale } => format!("TIMESTAMP_TZ({scale})"),
            SfType::Variant => "VARIANT".into(),
            SfType::Object => "OBJECT".into(),
            SfType::Array => "ARRAY".into(),
        }
    }

    /// Whether a DuckDB value of `stored` (a DuckDB type name as `duckdb_columns()` prints it)
    /// can be described as this type. Guards declared-type lookups against stale metadata.
    pub fn stored_as(&self, stored: &str) -> bool {
        let mine = self.duckdb_type();
        let stored = stored.to_ascii_uppercase();
        match self {
            SfType::Number { .. } => stored.starts_with("DECIMAL") || stored == mine,
            SfType::TimestampLtz { .. } => {
                stored == "TIMESTAMP WITH TIME ZONE" || stored == "TIMESTAMPTZ"
            }
            SfType::TimestampTz { .. } => is_timestamp_tz_storage(&stored),
            _ => stored == mine,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_for_clients_and_storage() {
        assert_eq!(SfType::INTEGER.duckdb_type(), "DECIMAL(38,0)");
        assert_eq!(SfType::INTEGER.sql_name(), "NUMBER(38,0)");
        assert_eq!(SfType::TEXT.sql_name(), "VARCHAR(16777216)");
        assert_eq!(SfType::TimestampTz { scale: 9 }.wire_name(), "timestamp_tz");
        assert!(SfType::TimestampLtz { scale: 9 }.stored_as("TIMESTAMP WITH TIME ZONE"));
        assert!(SfType::Object.stored_as("JSON"));
        assert!(!SfType::Object.stored_as("VARCHAR"));
        let tz = SfType::TimestampTz { scale: 9 };
        assert!(tz.stored_as("STRUCT(instant TIMESTAMP WITH TIME ZONE, offset_minutes SMALLINT)"));
        assert!(!tz.stored_as("TIMESTAMP WITH TIME ZONE"));
        assert_eq!(
            SfType::of_duckdb_type(
                "STRUCT(\"instant\" TIMESTAMP WITH TIME ZONE, offset_minutes SMALLINT)"
            ),
            tz
        );
        assert_eq!(SfType::of_duckdb_type("STRUCT(a INTEGER)"), SfType::Object);
    }
}
