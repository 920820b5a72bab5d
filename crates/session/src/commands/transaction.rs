//! `BEGIN` / `START TRANSACTION`, `COMMIT`, `ROLLBACK`.
//!
//! Snowflake accepts COMMIT and ROLLBACK with no open transaction (they do nothing); DuckDB
//! rejects them, so the session tracks whether one is open.

use snowglobe_error::Result;

use crate::{ResultSet, Session, StatementType};

pub fn begin(session: &mut Session) -> Result<ResultSet> {
    if !session.in_transaction {
        session.conn().execute("BEGIN TRANSACTION")?;
        session.in_transaction = true;
    }
    ResultSet::status(StatementType::Tcl, "Statement executed successfully.")
}

pub fn commit(session: &mut Session) -> Result<ResultSet> {
    if session.in_transaction {
        session.in_transaction = false;
        session.conn().execute("COMMIT")?;
    }
    ResultSet::status(StatementType::Tcl, "Statement executed successfully.")
}

pub fn rollback(session: &mut Session) -> Result<ResultSet> {
    if session.in_transaction {
        session.in_transaction = false;
        session.conn().execute("ROLLBACK")?;
    }
    ResultSet::status(StatementType::Tcl, "Statement executed successfully.")
}
