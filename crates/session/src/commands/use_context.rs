//! `USE [DATABASE | SCHEMA | WAREHOUSE | ROLE] name`.

use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::UseTarget;

use crate::{ResultSet, Session, StatementType};

/// Snowflake answers a USE of a missing object, or a SHOW in one, with 002043 (which dbt reads
/// as "the schema is empty").
pub(crate) fn missing() -> SnowflakeError {
    SnowflakeError::compilation(
        ErrorCode::CannotPerform,
        "Object does not exist, or operation cannot be performed.",
    )
}

pub fn run(session: &mut Session, target: UseTarget) -> Result<ResultSet> {
    match target {
        UseTarget::Database(db) => {
            if !session.conn().database_exists(&db)? {
                return Err(missing());
            }
            let schema = session
                .conn()
                .schema_exists(&db, "PUBLIC")?
                .then(|| "PUBLIC".to_string());
            session.database = Some(db);
            session.schema = schema;
        }
        UseTarget::Schema { database, schema } => {
            let db = match database.or_else(|| session.database.clone()) {
                Some(db) => db,
                None => return Err(SnowflakeError::no_current_database("USE SCHEMA")),
            };
            if !session.conn().database_exists(&db)?
                || !session.conn().schema_exists(&db, &schema)?
            {
                return Err(missing());
            }
            session.database = Some(db);
            session.schema = Some(schema);
        }
        UseTarget::Warehouse(w) => session.warehouse = Some(w),
        UseTarget::Role(r) => session.role = Some(r),
        UseTarget::SecondaryRoles => {}
    }
    session.sync_context()?;
    ResultSet::status(StatementType::Scl, "Statement executed successfully.")
}
