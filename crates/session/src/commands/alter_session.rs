//! `ALTER SESSION SET name = value, ...` and `ALTER SESSION UNSET name, ...`.

use snowglobe_error::{ErrorCode, Result, SnowflakeError};

use crate::{ResultSet, Session, StatementType};

pub fn run(session: &mut Session, settings: Vec<(String, Option<String>)>) -> Result<ResultSet> {
    for (name, value) in settings {
        if name.eq_ignore_ascii_case("DEFAULT_NULL_ORDERING") {
            null_ordering(session, value.as_deref())?;
        }
        if let (true, Some(v)) = (
            name.eq_ignore_ascii_case("TIMESTAMP_TYPE_MAPPING"),
            value.as_deref(),
        ) {
            one_of(
                &name,
                v,
                &["TIMESTAMP_NTZ", "TIMESTAMP_LTZ", "TIMESTAMP_TZ"],
            )?;
        }
        match value {
            Some(v) => session.params.set_text(&name, &v),
            None => session.params.unset(&name),
        }
    }
    // Turning AUTOCOMMIT back on commits the transaction it left open, as in Snowflake.
    if session.autocommit() && session.in_transaction {
        session.in_transaction = false;
        session.conn().commit()?;
    }
    ResultSet::status(StatementType::Scl, "Statement executed successfully.")
}

/// A parameter whose value is one of a few names (upper-cased before it is compared).
fn one_of(name: &str, value: &str, allowed: &[&str]) -> Result<()> {
    let upper = value.trim().to_ascii_uppercase();
    if allowed.contains(&upper.as_str()) {
        return Ok(());
    }
    Err(invalid_value(name, value))
}

fn invalid_value(name: &str, value: &str) -> SnowflakeError {
    SnowflakeError::compilation(
        ErrorCode::SyntaxError,
        format!(
            "invalid value '{}' for parameter '{}'",
            value.trim(),
            name.to_ascii_uppercase()
        ),
    )
}

/// `DEFAULT_NULL_ORDERING`: LAST (the default) sorts NULLs last ascending and first
/// descending, FIRST the other way round (ORDER BY's NULLS FIRST | LAST still win).
fn null_ordering(session: &mut Session, value: Option<&str>) -> Result<()> {
    let order = match value.map(|v| v.trim().to_ascii_uppercase()).as_deref() {
        None | Some("LAST") => "nulls_last_on_asc_first_on_desc",
        Some("FIRST") => "nulls_first_on_asc_last_on_desc",
        Some(other) => return Err(invalid_value("DEFAULT_NULL_ORDERING", other)),
    };
    session
        .conn()
        .execute(&format!("SET SESSION default_null_order = '{order}'"))
}
