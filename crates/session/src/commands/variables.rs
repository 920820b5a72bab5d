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
