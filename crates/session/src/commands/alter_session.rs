//! `ALTER SESSION SET name = value, ...` and `ALTER SESSION UNSET name, ...`.

use snowglobe_error::Result;

use crate::{ResultSet, Session, StatementType};

pub fn run(session: &mut Session, settings: Vec<(String, Option<String>)>) -> Result<ResultSet> {
    for (name, value) in settings {
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
