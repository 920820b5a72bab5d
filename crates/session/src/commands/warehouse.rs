//! `CREATE [OR REPLACE] WAREHOUSE [IF NOT EXISTS]`: warehouses are names only; compute is local.

use snowglobe_error::{Result, SnowflakeError};

use crate::{ResultSet, Session, StatementType};

/// As in Snowflake, a new warehouse becomes the session's current warehouse.
pub fn create(
    session: &mut Session,
    name: &str,
    if_not_exists: bool,
    or_replace: bool,
) -> Result<ResultSet> {
    let inserted = {
        let mut warehouses = session
            .shared()
            .warehouses
            .lock()
            .map_err(|_| SnowflakeError::internal("warehouse registry poisoned"))?;
        let exists = warehouses.contains(name);
        if exists && if_not_exists {
            false
        } else if exists && !or_replace {
            return Err(SnowflakeError::already_exists("Object", name));
        } else {
            warehouses.insert(name.to_string());
            true
        }
    };
    if !inserted {
        return ResultSet::status(
            StatementType::Ddl,
            format!("{name} already exists, statement succeeded."),
        );
    }
    session.warehouse = Some(name.to_string());
    ResultSet::status(
        StatementType::Ddl,
        format!("Warehouse {name} successfully created."),
    )
}
