//! `CREATE [OR REPLACE] DATABASE [IF NOT EXISTS]`, `DROP DATABASE [IF EXISTS]`.

use snowglobe_error::{Result, SnowflakeError};

use crate::{ResultSet, Session, StatementType};

/// As in Snowflake, a new database becomes the session's current database, with PUBLIC as the
/// current schema.
pub fn create(
    session: &mut Session,
    name: &str,
    if_not_exists: bool,
    or_replace: bool,
    comment: Option<String>,
) -> Result<ResultSet> {
    let exists = session.conn().database_exists(name)?;
    if exists && if_not_exists {
        return ResultSet::status(
            StatementType::Ddl,
            format!("{name} already exists, statement succeeded."),
        );
    }
    if exists && !or_replace {
        return Err(SnowflakeError::already_exists("Object", name));
    }
    if exists {
        session.conn().drop_database(name)?;
    }
    session.conn().create_database(name)?;
    session.set_container_comment(name, None, comment.as_deref())?;
    session.database = Some(name.to_string());
    session.schema = Some("PUBLIC".into());
    session.sync_context()?;
    ResultSet::status(
        StatementType::Ddl,
        format!("Database {name} successfully created."),
    )
}

pub fn drop(session: &mut Session, name: &str, if_exists: bool) -> Result<ResultSet> {
    if !session.conn().database_exists(name)? {
        if if_exists {
            return ResultSet::status(
                StatementType::Ddl,
                format!("Drop statement executed successfully ({name} already dropped)."),
            );
        }
        return Err(SnowflakeError::does_not_exist("Database", name));
    }
    session.conn().drop_database(name)?;
    if session.database.as_deref() == Some(name) {
        session.database = None;
        session.schema = None;
    }
    session.temporary_tables.retain(|t| t.database != name);
    session.sync_context()?;
    ResultSet::status(StatementType::Ddl, format!("{name} successfully dropped."))
}
