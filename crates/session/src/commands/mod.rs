//! Statements Snowglobe answers itself, one file each, behind one `match` on
//! [`snowglobe_translate::Command`].

mod alter_session;
mod database;
mod schema;
mod show;
mod transaction;
mod use_context;
mod warehouse;

use snowglobe_error::Result;
use snowglobe_translate::Command;

use crate::{ResultSet, Session};

/// Run one session command.
pub fn run(session: &mut Session, command: Command) -> Result<ResultSet> {
    match command {
        Command::Use(target) => use_context::run(session, target),
        Command::CreateDatabase {
            name,
            if_not_exists,
            or_replace,
            transient: _,
        } => database::create(session, &name, if_not_exists, or_replace),
        Command::DropDatabase { name, if_exists } => database::drop(session, &name, if_exists),
        Command::CreateSchema {
            database,
            name,
            if_not_exists,
            or_replace,
        } => schema::create(session, &database, &name, if_not_exists, or_replace),
        Command::DropSchema {
            database,
            name,
            if_exists,
        } => schema::drop(session, &database, &name, if_exists),
        Command::CreateWarehouse {
            name,
            if_not_exists,
            or_replace,
        } => warehouse::create(session, &name, if_not_exists, or_replace),
        Command::AlterSession(settings) => alter_session::run(session, settings),
        Command::Show(show) => show::run(session, show),
        Command::Begin => transaction::begin(session),
        Command::Commit => transaction::commit(session),
        Command::Rollback => transaction::rollback(session),
    }
}
