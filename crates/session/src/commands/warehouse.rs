//! `CREATE | ALTER | DROP WAREHOUSE`: warehouses keep their properties and state (started or
//! suspended) for SHOW WAREHOUSES; compute is local whatever their size. They live in memory
//! and in `warehouses.json` under the stage root, so with persistence a restart keeps them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::WarehouseAction;

use crate::{ResultSet, Session, StatementType};

/// One warehouse: its properties as SHOW WAREHOUSES shows them (names upper-case, the size
/// in Snowflake's display form) and its state.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Warehouse {
    pub suspended: bool,
    /// Microseconds since the epoch.
    pub created_on: i64,
    pub resumed_on: i64,
    pub updated_on: i64,
    pub properties: BTreeMap<String, String>,
}

impl Warehouse {
    pub fn new(now: i64) -> Warehouse {
        Warehouse {
            suspended: false,
            created_on: now,
            resumed_on: now,
            updated_on: now,
            properties: BTreeMap::new(),
        }
    }

    /// A property's value, or its default.
    pub fn property(&self, name: &str) -> String {
        if let Some(v) = self.properties.get(name) {
            return v.clone();
        }
        match name {
            "WAREHOUSE_SIZE" => "X-Small",
            "WAREHOUSE_TYPE" => "STANDARD",
            "MIN_CLUSTER_COUNT" | "MAX_CLUSTER_COUNT" => "1",
            "SCALING_POLICY" => "STANDARD",
            "AUTO_SUSPEND" => "600",
            "AUTO_RESUME" => "true",
            "ENABLE_QUERY_ACCELERATION" => "false",
            "QUERY_ACCELERATION_MAX_SCALE_FACTOR" => "8",
            "RESOURCE_MONITOR" => "null",
            _ => "",
        }
        .to_string()
    }

    /// Set properties, each checked and put in its display form (INITIALLY_SUSPENDED only when
    /// `creating`).
    fn set(&mut self, properties: &[(String, String)], creating: bool) -> Result<()> {
        for (name, value) in properties {
            if !PROPERTIES.contains(&name.as_str()) || (name == "INITIALLY_SUSPENDED" && !creating)
            {
                return Err(SnowflakeError::compilation(
                    ErrorCode::SyntaxError,
                    format!("invalid property '{name}' for 'WAREHOUSE'"),
                ));
            }
            let shown = match name.as_str() {
                "WAREHOUSE_SIZE" => size(value)?,
                "WAREHOUSE_TYPE" => value.to_ascii_uppercase().replace('_', "-"),
                "AUTO_SUSPEND"
                | "MIN_CLUSTER_COUNT"
                | "MAX_CLUSTER_COUNT"
                | "QUERY_ACCELERATION_MAX_SCALE_FACTOR" => match value.parse::<i64>() {
                    Ok(n) if n >= 0 => n.to_string(),
                    // AUTO_SUSPEND = NULL: never suspend.
                    _ if value.eq_ignore_ascii_case("NULL") && name == "AUTO_SUSPEND" => {
                        "null".to_string()
                    }
                    _ => return Err(invalid_value(name, value)),
                },
                "AUTO_RESUME" | "ENABLE_QUERY_ACCELERATION" | "INITIALLY_SUSPENDED" => {
                    match value.to_ascii_uppercase().as_str() {
                        "TRUE" => "true".to_string(),
                        "FALSE" => "false".to_string(),
                        _ => return Err(invalid_value(name, value)),
                    }
                }
                "SCALING_POLICY" => value.to_ascii_uppercase(),
                _ => value.clone(),
            };
            self.properties.insert(name.clone(), shown);
        }
        Ok(())
    }
}

/// The properties CREATE / ALTER WAREHOUSE take (CREATE WAREHOUSE page).
const PROPERTIES: &[&str] = &[
    "WAREHOUSE_TYPE",
    "WAREHOUSE_SIZE",
    "GENERATION",
    "RESOURCE_CONSTRAINT",
    "MAX_CLUSTER_COUNT",
    "MIN_CLUSTER_COUNT",
    "SCALING_POLICY",
    "AUTO_SUSPEND",
    "AUTO_RESUME",
    "INITIALLY_SUSPENDED",
    "RESOURCE_MONITOR",
    "COMMENT",
    "ENABLE_QUERY_ACCELERATION",
    "QUERY_ACCELERATION_MAX_SCALE_FACTOR",
    "MAX_CONCURRENCY_LEVEL",
    "STATEMENT_QUEUED_TIMEOUT_IN_SECONDS",
    "STATEMENT_TIMEOUT_IN_SECONDS",
    "WAIT_FOR_COMPLETION",
];

fn invalid_value(name: &str, value: &str) -> SnowflakeError {
    SnowflakeError::compilation(
        ErrorCode::SyntaxError,
        format!("invalid value '{value}' for property '{name}'"),
    )
}

/// A warehouse size as SHOW WAREHOUSES writes it (`XSMALL`, `'X-SMALL'` → `X-Small`).
fn size(value: &str) -> Result<String> {
    let key = value.to_ascii_uppercase().replace(['-', '_'], "");
    Ok(match key.as_str() {
        "XSMALL" => "X-Small",
        "SMALL" => "Small",
        "MEDIUM" => "Medium",
        "LARGE" => "Large",
        "XLARGE" => "X-Large",
        "XXLARGE" | "X2LARGE" | "2XLARGE" => "2X-Large",
        "XXXLARGE" | "X3LARGE" | "3XLARGE" => "3X-Large",
        "X4LARGE" | "4XLARGE" => "4X-Large",
        "X5LARGE" | "5XLARGE" => "5X-Large",
        "X6LARGE" | "6XLARGE" => "6X-Large",
        _ => return Err(invalid_value("WAREHOUSE_SIZE", value)),
    }
    .to_string())
}

/// Every warehouse, by name.
pub type Warehouses = crate::load_history::JsonFile<BTreeMap<String, Warehouse>>;

/// The registry kept in `file`; COMPUTE_WH alone when there is none.
pub fn open_warehouses(file: PathBuf) -> Warehouses {
    Warehouses::open(file, "warehouses", || {
        BTreeMap::from([("COMPUTE_WH".to_string(), Warehouse::new(now()))])
    })
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn registry(session: &Session) -> Result<std::sync::MutexGuard<'_, Warehouses>> {
    session
        .shared()
        .warehouses
        .lock()
        .map_err(|_| SnowflakeError::internal("warehouse registry poisoned"))
}

fn does_not_exist(name: &str) -> SnowflakeError {
    SnowflakeError::does_not_exist("Warehouse", name)
}

/// As in Snowflake, a new warehouse becomes the session's current warehouse.
pub fn create(
    session: &mut Session,
    name: &str,
    if_not_exists: bool,
    or_replace: bool,
    properties: &[(String, String)],
) -> Result<ResultSet> {
    let mut warehouse = Warehouse::new(now());
    warehouse.set(properties, true)?;
    warehouse.suspended = warehouse.property("INITIALLY_SUSPENDED") == "true";
    warehouse.properties.remove("INITIALLY_SUSPENDED");
    {
        let mut registry = registry(session)?;
        let mut warehouses = registry.current().clone();
        let exists = warehouses.contains_key(name);
        if exists && if_not_exists {
            return ResultSet::status(
                StatementType::Ddl,
                format!("{name} already exists, statement succeeded."),
            );
        }
        if exists && !or_replace {
            return Err(SnowflakeError::already_exists("Object", name));
        }
        warehouses.insert(name.to_string(), warehouse);
        registry.replace(warehouses, &session.shared().engine)?;
    }
    session.warehouse = Some(name.to_string());
    ResultSet::status(
        StatementType::Ddl,
        format!("Warehouse {name} successfully created."),
    )
}

pub fn alter(
    session: &mut Session,
    name: Option<&str>,
    if_exists: bool,
    action: &WarehouseAction,
) -> Result<ResultSet> {
    let Some(name) = name
        .map(str::to_string)
        .or_else(|| session.warehouse.clone())
    else {
        return Err(SnowflakeError::new(
            ErrorCode::CannotPerform,
            "No active warehouse selected in the current session. Select an active warehouse \
             with the 'use warehouse' command.",
        ));
    };
    let mut renamed = None;
    {
        let mut registry = registry(session)?;
        let mut warehouses = registry.current().clone();
        if !warehouses.contains_key(&name) {
            if if_exists {
                return ResultSet::status(StatementType::Ddl, "Statement executed successfully.");
            }
            return Err(does_not_exist(&name));
        }
        let at = now();
        if let WarehouseAction::RenameTo(to) = action {
            if warehouses.contains_key(to) {
                return Err(SnowflakeError::already_exists("Object", to));
            }
            if let Some(w) = warehouses.remove(&name) {
                warehouses.insert(to.clone(), w);
            }
            renamed = Some(to.clone());
        }
        let current = renamed.as_deref().unwrap_or(&name).to_string();
        let Some(warehouse) = warehouses.get_mut(&current) else {
            return Err(does_not_exist(&name));
        };
        match action {
            WarehouseAction::Suspend => {
                if warehouse.suspended {
                    return Err(SnowflakeError::new(
                        ErrorCode::InvalidState,
                        format!("Invalid state. Warehouse '{name}' cannot be suspended."),
                    ));
                }
                warehouse.suspended = true;
            }
            WarehouseAction::Resume { if_suspended } => {
                if !warehouse.suspended && !if_suspended {
                    return Err(SnowflakeError::new(
                        ErrorCode::InvalidState,
                        format!("Invalid state. Warehouse '{name}' cannot be resumed."),
                    ));
                }
                if warehouse.suspended {
                    warehouse.suspended = false;
                    warehouse.resumed_on = at;
                }
            }
            WarehouseAction::AbortAllQueries | WarehouseAction::RenameTo(_) => {}
            WarehouseAction::Set(properties) => {
                warehouse.set(properties, false)?;
            }
            WarehouseAction::Unset(names) => {
                for n in names {
                    warehouse.properties.remove(n);
                }
            }
        }
        warehouse.updated_on = at;
        registry.replace(warehouses, &session.shared().engine)?;
    }
    if let Some(to) = renamed {
        if session.warehouse.as_deref() == Some(name.as_str()) {
            session.warehouse = Some(to);
        }
    }
    ResultSet::status(StatementType::Ddl, "Statement executed successfully.")
}

pub fn drop(session: &mut Session, name: &str, if_exists: bool) -> Result<ResultSet> {
    let removed = {
        let mut registry = registry(session)?;
        let mut warehouses = registry.current().clone();
        let removed = warehouses.remove(name).is_some();
        if removed {
            registry.replace(warehouses, &session.shared().engine)?;
        }
        removed
    };
    if !removed {
        if if_exists {
            return ResultSet::status(
                StatementType::Ddl,
                format!("Drop statement executed successfully ({name} already dropped)."),
            );
        }
        return Err(does_not_exist(name));
    }
    if session.warehouse.as_deref() == Some(name) {
        session.warehouse = None;
    }
    ResultSet::status(StatementType::Ddl, format!("{name} successfully dropped."))
}
