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
    ResultSet::status(StatementType::Scl, "Statement executed successfully.")
}
