//! `CREATE [OR REPLACE] SCHEMA [IF NOT EXISTS]`, `DROP SCHEMA [IF EXISTS]`.

use snowglobe_catalog::names::{mangle, quote};
use snowglobe_error::{Result, SnowflakeError};

use crate::{ResultSet, Session, StatementType};

fn path(database: &str, name: &str) -> String {
    format!("{}.{}", quote(&mangle(database)), quote(&mangle(name)))
}

/// As in Snowflake, a new schema becomes the session's current schema.
pub fn create(
    session: &mut Session,
    database: &str,
    name: &str,
    if_not_exists: bool,
    or_replace: bool,
    comment: Option<String>,
) -> Result<ResultSet> {
    if !session.conn().database_exists(database)? {
        return Err(SnowflakeError::does_not_exist("Database", database));
    }
    let exists = session.conn().schema_exists(database, name)?;
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
        session
            .conn()
            .execute(&format!("DROP SCHEMA {} CASCADE", path(database, name)))?;
        session.remove_schema_stages(database, name);
    }
    session
        .conn()
        .execute(&format!("CREATE SCHEMA {}", path(database, name)))?;
    session.set_container_comment(database, Some(name), comment.as_deref())?;
    session.database = Some(database.to_string());
    session.schema = Some(name.to_string());
    session.sync_context()?;
    ResultSet::status(
        StatementType::Ddl,
        format!("Schema {name} successfully created."),
    )
}

pub fn drop(
    session: &mut Session,
    database: &str,
    name: &str,
    if_exists: bool,
) -> Result<ResultSet> {
    let exists = session.conn().database_exists(database)?
        && session.conn().schema_exists(database, name)?;
    if !exists {
        if if_exists {
            return ResultSet::status(
                StatementType::Ddl,
                format!("Drop statement executed successfully ({name} already dropped)."),
            );
        }
        return Err(SnowflakeError::does_not_exist("Schema", name));
    }
    let current =
        session.database.as_deref() == Some(database) && session.schema.as_deref() == Some(name);
    if current {
        // DuckDB cannot drop the connection's default schema: step out first.
        session.schema = None;
        session.sync_context()?;
    }
    session
        .conn()
        .execute(&format!("DROP SCHEMA {} CASCADE", path(database, name)))?;
    session.remove_schema_stages(database, name);
    ResultSet::status(StatementType::Ddl, format!("{name} successfully dropped."))
}
