//! Session variables: `SET x = e`, `SET (a, b) = (e1, e2)`, `UNSET x`, `UNSET (a, b)`.
//!
//! Every right-hand side is evaluated (as one query, before any assignment, so
//! `SET (a, b) = (2, $a)` reads the old `$a`) and kept as a Snowflake literal of its type.

use snowglobe_catalog::SfType;
use snowglobe_engine::arrow::array::Array;
use snowglobe_error::{Result, SnowflakeError};

use crate::{ResultSet, Session, StatementType};

pub fn set(session: &mut Session, pairs: Vec<(String, String)>) -> Result<ResultSet> {
    let select = format!(
        "SELECT {}",
        pairs
            .iter()
            .map(|(_, e)| e.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    );
    let result = session.query(&select)?;
    let batch = result
        .batches
        .iter()
        .find(|b| b.num_rows() > 0)
        .ok_or_else(|| SnowflakeError::internal("SET: no value"))?;
    let mut values = Vec::with_capacity(pairs.len());
    for (i, column) in result.columns.iter().enumerate() {
        let array = batch.column(i);
        let literal = if array.is_null(0) {
            "NULL".to_string()
        } else {
            let text = crate::result_scan::cell_text(array.as_ref(), 0)?;
            literal(&column.sf_type, &text)
        };
        values.push(literal);
    }
    for ((name, _), value) in pairs.into_iter().zip(values) {
        session.variables.insert(name, value);
    }
    ResultSet::status(StatementType::Scl, "Statement executed successfully.")
}

pub fn unset(session: &mut Session, names: Vec<String>) -> Result<ResultSet> {
    for name in names {
        if session.variables.remove(&name).is_none() {
            return Err(SnowflakeError::compilation(
                snowglobe_error::ErrorCode::UndefinedVariable,
                format!("Session variable '${name}' does not exist"),
            ));
        }
    }
    ResultSet::status(StatementType::Scl, "Statement executed successfully.")
}

/// A variable's value as text and its type, as SHOW VARIABLES shows them, from the literal
/// [`literal`] wrote (NULL has no value).
pub(crate) fn value_and_type(literal: &str) -> (Option<String>, &'static str) {
    let unquoted = |q: &str| -> String {
        let inner = q
            .strip_prefix('\'')
            .and_then(|q| q.strip_suffix('\''))
            .unwrap_or(q);
        inner.replace("\\'", "'").replace("\\\\", "\\")
    };
    const CASTS: &[(&str, &str)] = &[
        ("::FLOAT", "real"),
        ("::DATE", "date"),
        ("::TIME", "time"),
        ("::TIMESTAMP_NTZ", "timestamp_ntz"),
        ("::TIMESTAMP_LTZ", "timestamp_ltz"),
        ("::TIMESTAMP_TZ", "timestamp_tz"),
    ];
    if literal == "NULL" {
        return (None, "null");
    }
    if literal == "TRUE" || literal == "FALSE" {
        return (Some(literal.to_ascii_lowercase()), "boolean");
    }
    for (suffix, kind) in CASTS {
        if let Some(value) = literal.strip_suffix(suffix) {
            return (Some(unquoted(value)), kind);
        }
    }
    if literal.starts_with('\'') {
        return (Some(unquoted(literal)), "text");
    }
    let call = |prefix: &str, suffix: &str| {
        literal
            .strip_prefix(prefix)
            .and_then(|rest| rest.strip_suffix(suffix))
            .map(unquoted)
    };
    if let Some(hex) = call("TO_BINARY(", ", 'HEX')") {
        return (Some(hex), "binary");
    }
    if let Some(json) = call("PARSE_JSON(", ")") {
        return (Some(json), "variant");
    }
    if literal.parse::<f64>().is_ok() {
        return (Some(literal.to_string()), "fixed");
    }
    (Some(literal.to_string()), "variant")
}

pub(crate) fn quoted(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// A value of a Snowflake type, as Snowflake SQL that gives it back.
pub(crate) fn literal(sf_type: &SfType, text: &str) -> String {
    match sf_type {
        SfType::Number { .. } => text.to_string(),
        SfType::Float => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => format!("{text}::FLOAT"),
            _ => format!("{}::FLOAT", quoted(text)),
        },
        SfType::Boolean => text.to_uppercase(),
        SfType::Text { .. } => quoted(text),
        SfType::Binary { .. } => format!("TO_BINARY({}, 'HEX')", quoted(text)),
        SfType::Date => format!("{}::DATE", quoted(text)),
        SfType::Time { .. } => format!("{}::TIME", quoted(text)),
        SfType::TimestampNtz { .. } => {
            format!("{}::TIMESTAMP_NTZ", quoted(&text.replace('T', " ")))
        }
        SfType::TimestampLtz { .. } => {
            format!("{}::TIMESTAMP_LTZ", quoted(&text.replace('T', " ")))
        }
        SfType::TimestampTz { .. } => format!("{}::TIMESTAMP_TZ", quoted(&text.replace('T', " "))),
        SfType::Variant | SfType::Object | SfType::Array => {
            format!("PARSE_JSON({})", quoted(text))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn show_variables_reads_values_back_from_their_literals() {
        let cases = [
            (SfType::INTEGER, "42", Some("42"), "fixed"),
            (SfType::TEXT, "it's", Some("it's"), "text"),
            (SfType::Boolean, "true", Some("true"), "boolean"),
            (SfType::Float, "1.5", Some("1.5"), "real"),
            (SfType::Date, "2024-01-02", Some("2024-01-02"), "date"),
            (SfType::Variant, "{\"a\":1}", Some("{\"a\":1}"), "variant"),
        ];
        for (t, text, value, kind) in cases {
            let written = literal(&t, text);
            assert_eq!(
                value_and_type(&written),
                (value.map(str::to_string), kind),
                "{written}"
            );
        }
        assert_eq!(value_and_type("NULL"), (None, "null"));
    }
}
