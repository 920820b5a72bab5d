//! The file format properties `DESCRIBE FILE FORMAT` and `DESCRIBE STAGE` list: for each format
//! type, Snowflake's property names in its order, their kinds, the value a format of that type has
//! when the property is not set, and the default Snowflake shows beside it (that of a CSV format).

use crate::stages::{format_list, format_text};

#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Kind {
    String,
    Integer,
    Boolean,
    List,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Kind::String => "String",
            Kind::Integer => "Integer",
            Kind::Boolean => "Boolean",
            Kind::List => "List",
        }
    }
}

/// One property: name, kind, value when unset (for this format type), default shown.
type Property = (&'static str, Kind, &'static str, &'static str);

#[rustfmt::skip]
const CSV: &[Property] = &[
    ("TYPE", Kind::String, "CSV", "CSV"),
    ("RECORD_DELIMITER", Kind::String, "\n", "\n"),
    ("FIELD_DELIMITER", Kind::String, ",", ","),
    ("FILE_EXTENSION", Kind::String, "", ""),
    ("SKIP_HEADER", Kind::Integer, "0", "0"),
    ("PARSE_HEADER", Kind::Boolean, "FALSE", "FALSE"),
    ("DATE_FORMAT", Kind::String, "AUTO", "AUTO"),
    ("TIME_FORMAT", Kind::String, "AUTO", "AUTO"),
    ("TIMESTAMP_FORMAT", Kind::String, "AUTO", "AUTO"),
    ("BINARY_FORMAT", Kind::String, "HEX", "HEX"),
    ("ESCAPE", Kind::String, "NONE", "NONE"),
    ("ESCAPE_UNENCLOSED_FIELD", Kind::String, "\\", "\\"),
    ("TRIM_SPACE", Kind::Boolean, "FALSE", "FALSE"),
    ("FIELD_OPTIONALLY_ENCLOSED_BY", Kind::String, "NONE", "NONE"),
    ("NULL_IF", Kind::List, "\\N", "\\N"),
    ("COMPRESSION", Kind::String, "AUTO", "AUTO"),
    ("ERROR_ON_COLUMN_COUNT_MISMATCH", Kind::Boolean, "TRUE", "TRUE"),
    ("VALIDATE_UTF8", Kind::Boolean, "TRUE", "TRUE"),
    ("SKIP_BLANK_LINES", Kind::Boolean, "FALSE", "FALSE"),
    ("REPLACE_INVALID_CHARACTERS", Kind::Boolean, "FALSE", "FALSE"),
    ("EMPTY_FIELD_AS_NULL", Kind::Boolean, "TRUE", "TRUE"),
    ("SKIP_BYTE_ORDER_MARK", Kind::Boolean, "TRUE", "TRUE"),
    ("ENCODING", Kind::String, "UTF8", "UTF8"),
];

#[rustfmt::skip]
const JSON: &[Property] = &[
    ("TYPE", Kind::String, "JSON", "CSV"),
    ("FILE_EXTENSION", Kind::String, "", ""),
    ("DATE_FORMAT", Kind::String, "AUTO", "AUTO"),
    ("TIME_FORMAT", Kind::String, "AUTO", "AUTO"),
    ("TIMESTAMP_FORMAT", Kind::String, "AUTO", "AUTO"),
    ("BINARY_FORMAT", Kind::String, "HEX", "HEX"),
    ("TRIM_SPACE", Kind::Boolean, "FALSE", "FALSE"),
    ("NULL_IF", Kind::List, "", "\\N"),
    ("COMPRESSION", Kind::String, "AUTO", "AUTO"),
    ("ENABLE_OCTAL", Kind::Boolean, "FALSE", "FALSE"),
    ("ALLOW_DUPLICATE", Kind::Boolean, "FALSE", "FALSE"),
    ("STRIP_OUTER_ARRAY", Kind::Boolean, "FALSE", "FALSE"),
    ("STRIP_NULL_VALUES", Kind::Boolean, "FALSE", "FALSE"),
    ("IGNORE_UTF8_ERRORS", Kind::Boolean, "FALSE", "FALSE"),
    ("REPLACE_INVALID_CHARACTERS", Kind::Boolean, "FALSE", "FALSE"),
    ("SKIP_BYTE_ORDER_MARK", Kind::Boolean, "TRUE", "TRUE"),
];

#[rustfmt::skip]
const PARQUET: &[Property] = &[
    ("TYPE", Kind::String, "PARQUET", "CSV"),
    ("TRIM_SPACE", Kind::Boolean, "FALSE", "FALSE"),
    ("NULL_IF", Kind::List, "", "\\N"),
    ("COMPRESSION", Kind::String, "AUTO", "AUTO"),
    ("BINARY_AS_TEXT", Kind::Boolean, "TRUE", "TRUE"),
];

/// One listed property: name, kind, value, default, as Snowflake prints them.
pub(crate) struct Listed {
    pub name: &'static str,
    pub kind: Kind,
    pub value: String,
    pub default: String,
}

/// The properties of a format with these stored options (upper-case names; text values, lists
/// as arrays), in Snowflake's order. Text is printed with `\n`, `\t`, `\r` and `\\` escapes,
/// lists as `[a, b]`, booleans upper-case.
pub(crate) fn properties(format: &[(String, serde_json::Value)]) -> Vec<Listed> {
    let format_type = format_text(format, "TYPE")
        .map(|t| t.to_ascii_uppercase())
        .unwrap_or_else(|| "CSV".into());
    let table = match format_type.as_str() {
        "JSON" => JSON,
        "PARQUET" => PARQUET,
        _ => CSV,
    };
    table
        .iter()
        .map(|&(name, kind, unset, default)| {
            let value = match kind {
                Kind::List => list(&format_list(format, name).unwrap_or_else(|| split(unset))),
                Kind::Boolean => format_text(format, name)
                    .map(|v| v.to_ascii_uppercase())
                    .unwrap_or_else(|| unset.into()),
                _ if name == "TYPE" => unset.into(),
                _ => escaped(&format_text(format, name).unwrap_or_else(|| unset.into())),
            };
            let default = match kind {
                Kind::List => list(&split(default)),
                _ => escaped(default),
            };
            Listed {
                name,
                kind,
                value,
                default,
            }
        })
        .collect()
}

fn split(items: &str) -> Vec<String> {
    if items.is_empty() {
        vec![]
    } else {
        vec![items.to_string()]
    }
}

fn list(items: &[String]) -> String {
    let items: Vec<String> = items.iter().map(|i| escaped(i)).collect();
    format!("[{}]", items.join(", "))
}

fn escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn find<'a>(listed: &'a [Listed], name: &str) -> &'a Listed {
        listed.iter().find(|l| l.name == name).expect(name)
    }

    #[test]
    fn csv_defaults_and_set_values_print_as_snowflake_prints_them() {
        let listed = properties(&[
            ("TYPE".into(), json!("csv")),
            ("SKIP_HEADER".into(), json!("1")),
            ("NULL_IF".into(), json!(["NULL", "null"])),
            ("TRIM_SPACE".into(), json!("true")),
        ]);
        assert_eq!(listed.len(), 23);
        assert_eq!(find(&listed, "TYPE").value, "CSV");
        assert_eq!(find(&listed, "RECORD_DELIMITER").value, "\\n");
        assert_eq!(find(&listed, "ESCAPE_UNENCLOSED_FIELD").default, "\\\\");
        assert_eq!(find(&listed, "SKIP_HEADER").value, "1");
        assert_eq!(find(&listed, "NULL_IF").value, "[NULL, null]");
        assert_eq!(find(&listed, "NULL_IF").default, "[\\\\N]");
        assert_eq!(find(&listed, "TRIM_SPACE").value, "TRUE");
        assert_eq!(find(&listed, "ENCODING").value, "UTF8");
    }

    #[test]
    fn json_and_parquet_list_their_own_properties() {
        let json_format = properties(&[("TYPE".into(), json!("JSON"))]);
        assert_eq!(json_format.len(), 16);
        assert_eq!(find(&json_format, "TYPE").default, "CSV");
        assert_eq!(find(&json_format, "NULL_IF").value, "[]");
        let parquet = properties(&[("TYPE".into(), json!("PARQUET"))]);
        let names: Vec<&str> = parquet.iter().map(|l| l.name).collect();
        assert_eq!(
            names,
            [
                "TYPE",
                "TRIM_SPACE",
                "NULL_IF",
                "COMPRESSION",
                "BINARY_AS_TEXT"
            ]
        );
    }
}
