//! `rowtype`: the column descriptions every query answer carries.

use serde_json::{json, Value};
use snowglobe_catalog::SfType;
use snowglobe_engine::ResultColumn;

/// One `rowtype` entry. Python indexes name, type, nullable, length, precision and scale
/// directly, so every key is always present (null where it does not apply).
pub fn column(c: &ResultColumn) -> Value {
    let (length, precision, scale, byte_length): (
        Option<u64>,
        Option<u64>,
        Option<u64>,
        Option<u64>,
    ) = match c.sf_type {
        SfType::Number { precision, scale } => {
            (None, Some(precision.into()), Some(scale.into()), None)
        }
        SfType::Text { length } => (Some(length), None, None, Some((length * 4).min(16_777_216))),
        SfType::Binary { length } => (Some(length), None, None, Some(length)),
        SfType::Time { scale } => (None, Some(0), Some(scale.into()), None),
        SfType::TimestampNtz { scale } | SfType::TimestampLtz { scale } => {
            (None, Some(0), Some(scale.into()), None)
        }
        SfType::TimestampTz { scale } => (None, Some(0), Some(scale.into()), Some(16)),
        SfType::Float | SfType::Boolean | SfType::Date => (None, None, None, None),
        SfType::Variant | SfType::Object | SfType::Array => {
            (Some(16_777_216), None, None, Some(16_777_216))
        }
    };
    json!({
        "name": c.name,
        "database": "",
        "schema": "",
        "table": "",
        "type": c.sf_type.wire_name(),
        "nullable": c.nullable,
        "length": length,
        "precision": precision,
        "scale": scale,
        "byteLength": byte_length,
        "collation": null,
    })
}

pub fn rowtype(columns: &[ResultColumn]) -> Vec<Value> {
    columns.iter().map(column).collect()
}
