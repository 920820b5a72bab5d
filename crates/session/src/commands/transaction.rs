//! `BEGIN` / `START TRANSACTION`, `COMMIT`, `ROLLBACK`.
//!
//! Snowflake accepts COMMIT and ROLLBACK with no open transaction (they do nothing); DuckDB
//! rejects them, so the session tracks whether one is open. A statement that fails inside the
//! transaction is undone alone (see `EngineSession::begin_transaction`).

use snowglobe_error::Result;

use crate::{ResultSet, Session, StatementType};

pub fn begin(session: &mut Session) -> Result<ResultSet> {
    if !session.in_transaction {
        session.open_transaction()?;
    }
    ResultSet::status(StatementType::Tcl, "Statement executed successfully.")
}

pub fn commit(session: &mut Session) -> Result<ResultSet> {
    if session.in_transaction {
        session.in_transaction = false;
        session.conn().commit()?;
    }
    ResultSet::status(StatementType::Tcl, "Statement executed successfully.")
}

pub fn rollback(session: &mut Session) -> Result<ResultSet> {
    if session.in_transaction {
        session.in_transaction = false;
        session.conn().rollback()?;
    }
    ResultSet::status(StatementType::Tcl, "Statement executed successfully.")
}
