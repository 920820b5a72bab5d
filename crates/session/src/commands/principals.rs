//! Roles and users created with `CREATE ROLE | USER`, and the roles granted to roles and
//! users (`GRANT | REVOKE ROLE`). Access is not enforced (every session may do anything), but
//! what a setup script creates is there for SHOW ROLES / USERS / GRANTS and DESCRIBE USER, as
//! in Snowflake. Kept in memory and in `principals.json` under the stage root, so with
//! persistence a restart keeps them, as it keeps warehouses.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::{AccessAlter, AccessCommand, Principal};

use crate::results::Cell;
use crate::{ResultSet, Session, StatementType};

/// A role created by a user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleRecord {
    /// Microseconds since the epoch.
    pub created_on: i64,
    pub owner: String,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A user created by a user: its properties, names upper-case (a password is not kept, only
/// that one was given: `HAS_PASSWORD`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    pub created_on: i64,
    pub owner: String,
    pub properties: BTreeMap<String, String>,
}

/// A role granted to a role or a user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleGrant {
    pub role: String,
    /// `ROLE` or `USER`.
    pub to: String,
    pub grantee: String,
    pub created_on: i64,
    pub granted_by: String,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Registry {
    pub roles: BTreeMap<String, RoleRecord>,
    pub users: BTreeMap<String, UserRecord>,
    pub grants: Vec<RoleGrant>,
}

/// The registry of roles and users.
pub type Principals = crate::load_history::JsonFile<Registry>;

/// The roles and users kept in `file` (none when there is none).
pub fn open_principals(file: PathBuf) -> Principals {
    Principals::open(file, "roles and users", Registry::default)
}

fn lock(session: &Session) -> Result<std::sync::MutexGuard<'_, Principals>> {
    session
        .shared()
        .principals
        .lock()
        .map_err(|_| SnowflakeError::internal("role registry poisoned"))
}

/// A copy of the registry, for SHOW and DESCRIBE.
pub fn snapshot(session: &Session) -> Registry {
    lock(session)
        .map(|mut p| p.current().clone())
        .unwrap_or_default()
}

fn now() -> i64 {
    chrono::Utc::now().timestamp_micros()
}

fn kind_name(kind: Principal) -> &'static str {
    match kind {
        Principal::Role => "Role",
        Principal::User => "User",
    }
}

fn done() -> Result<ResultSet> {
    ResultSet::status(StatementType::Ddl, "Statement executed successfully.")
}

/// Whether a role exists: a system role or one created.
pub fn role_exists(registry: &Registry, name: &str) -> bool {
    super::access::is_system_role(name) || registry.roles.contains_key(name)
}

/// Whether a user exists: the one logged in or one created.
pub fn user_exists(session: &Session, registry: &Registry, name: &str) -> bool {
    name == session.user || registry.users.contains_key(name)
}

fn current_role(session: &Session) -> String {
    session
        .role
        .clone()
        .unwrap_or_else(|| "ACCOUNTADMIN".into())
}

pub fn execute(session: &mut Session, command: &AccessCommand) -> Result<ResultSet> {
    let role = current_role(session);
    let user = session.user.clone();
    let mut principals = lock(session)?;
    let mut next = principals.current().clone();
    let exists = |r: &Registry, kind: Principal, name: &str| match kind {
        Principal::Role => role_exists(r, name),
        Principal::User => name == user || r.users.contains_key(name),
    };
    let answer = match command {
        AccessCommand::Create {
            kind,
            name,
            or_replace,
            if_not_exists,
            properties,
        } => {
            let builtin = match kind {
                Principal::Role => super::access::is_system_role(name),
                Principal::User => *name == user,
            };
            if exists(&next, *kind, name) {
                if *if_not_exists {
                    return ResultSet::status(
                        StatementType::Ddl,
                        format!("{name} already exists, statement succeeded."),
                    );
                }
                if !*or_replace || builtin {
                    return Err(SnowflakeError::already_exists("Object", name));
                }
            }
            match kind {
                Principal::Role => {
                    let comment = properties
                        .iter()
                        .find(|(k, _)| k == "COMMENT")
                        .map(|(_, v)| v.clone());
                    next.roles.insert(
                        name.clone(),
                        RoleRecord {
                            created_on: now(),
                            owner: role.clone(),
                            comment,
                        },
                    );
                }
                Principal::User => {
                    let mut record = UserRecord {
                        created_on: now(),
                        owner: role.clone(),
                        properties: BTreeMap::new(),
                    };
                    set_user_properties(&mut record, properties);
                    next.users.insert(name.clone(), record);
                }
            }
            format!("{} {name} successfully created.", kind_name(*kind))
        }
        AccessCommand::Drop {
            kind,
            name,
            if_exists,
        } => {
            let removed = match kind {
                Principal::Role if super::access::is_system_role(name) => {
                    return Err(SnowflakeError::new(
                        snowglobe_error::ErrorCode::CannotPerform,
                        format!("SQL execution error: Cannot drop system role '{name}'."),
                    ))
                }
                Principal::Role => next.roles.remove(name).is_some(),
                Principal::User => next.users.remove(name).is_some(),
            };
            if !removed {
                if *if_exists {
                    return ResultSet::status(
                        StatementType::Ddl,
                        "Drop statement executed successfully (".to_string()
                            + name
                            + " already dropped).",
                    );
                }
                return Err(SnowflakeError::does_not_exist(kind_name(*kind), name));
            }
            let word = kind_word(*kind);
            let involves = |g: &RoleGrant| {
                (g.to == word && g.grantee == *name)
                    || (*kind == Principal::Role && g.role == *name)
            };
            next.grants.retain(|g| !involves(g));
            format!("{name} successfully dropped.")
        }
        AccessCommand::Alter {
            kind,
            name,
            if_exists,
            action,
        } => {
            if !exists(&next, *kind, name) {
                if *if_exists {
                    return done();
                }
                return Err(SnowflakeError::does_not_exist(kind_name(*kind), name));
            }
            let builtin = match kind {
                Principal::Role => super::access::is_system_role(name),
                Principal::User => *name == user,
            };
            match action {
                AccessAlter::RenameTo(to) => {
                    if builtin {
                        return Err(SnowflakeError::unsupported(format!(
                            "renaming {} {name}",
                            kind_word(*kind)
                        )));
                    }
                    if exists(&next, *kind, to) {
                        return Err(SnowflakeError::already_exists("Object", to));
                    }
                    match kind {
                        Principal::Role => {
                            if let Some(r) = next.roles.remove(name) {
                                next.roles.insert(to.clone(), r);
                            }
                        }
                        Principal::User => {
                            if let Some(u) = next.users.remove(name) {
                                next.users.insert(to.clone(), u);
                            }
                        }
                    }
                    let word = kind_word(*kind);
                    for g in &mut next.grants {
                        if g.to == word && g.grantee == *name {
                            g.grantee = to.clone();
                        }
                        if *kind == Principal::Role && g.role == *name {
                            g.role = to.clone();
                        }
                    }
                }
                AccessAlter::Set(properties) => match kind {
                    Principal::Role => {
                        if let Some(r) = next.roles.get_mut(name) {
                            if let Some((_, c)) = properties.iter().find(|(k, _)| k == "COMMENT") {
                                r.comment = Some(c.clone());
                            }
                        }
                    }
                    Principal::User => {
                        let record = next
                            .users
                            .entry(name.clone())
                            .or_insert_with(|| UserRecord {
                                created_on: session_start(),
                                owner: "ACCOUNTADMIN".into(),
                                properties: BTreeMap::new(),
                            });
                        set_user_properties(record, properties);
                    }
                },
                AccessAlter::Unset(names) => match kind {
                    Principal::Role => {
                        if let Some(r) = next.roles.get_mut(name) {
                            if names.iter().any(|n| n == "COMMENT") {
                                r.comment = None;
                            }
                        }
                    }
                    Principal::User => {
                        if let Some(u) = next.users.get_mut(name) {
                            for n in names {
                                u.properties.remove(n);
                            }
                        }
                    }
                },
            }
            "Statement executed successfully.".to_string()
        }
        AccessCommand::GrantRole {
            role: granted,
            to,
            grantee,
            revoke,
        } => {
            if !role_exists(&next, granted) {
                return Err(SnowflakeError::does_not_exist("Role", granted));
            }
            if !exists(&next, *to, grantee) {
                return Err(SnowflakeError::does_not_exist(kind_name(*to), grantee));
            }
            let word = kind_word(*to).to_string();
            let same = |g: &RoleGrant| g.role == *granted && g.to == word && g.grantee == *grantee;
            if *revoke {
                next.grants.retain(|g| !same(g));
            } else if !next.grants.iter().any(same) {
                if *to == Principal::Role && granted == grantee {
                    return Err(SnowflakeError::new(
                        snowglobe_error::ErrorCode::CannotPerform,
                        format!("SQL execution error: Cannot grant role '{granted}' to itself."),
                    ));
                }
                next.grants.push(RoleGrant {
                    role: granted.clone(),
                    to: word,
                    grantee: grantee.clone(),
                    created_on: now(),
                    granted_by: role.clone(),
                });
            }
            "Statement executed successfully.".to_string()
        }
        AccessCommand::DescribeUser(name) => {
            drop(principals);
            return describe_user(session, name);
        }
    };
    principals.replace(next, &session.shared().engine)?;
    ResultSet::status(StatementType::Ddl, answer)
}

/// The logged-in user has no record until an ALTER USER gives it properties; it has existed
/// since the server started, as far as SHOW USERS can tell.
fn session_start() -> i64 {
    now()
}

fn kind_word(kind: Principal) -> &'static str {
    match kind {
        Principal::Role => "ROLE",
        Principal::User => "USER",
    }
}

/// Record user properties: a password or key only as the fact that there is one.
fn set_user_properties(record: &mut UserRecord, properties: &[(String, String)]) {
    for (k, v) in properties {
        match k.as_str() {
            "PASSWORD" => {
                record
                    .properties
                    .insert("HAS_PASSWORD".into(), "true".into());
            }
            "RSA_PUBLIC_KEY" | "RSA_PUBLIC_KEY_2" => {
                record
                    .properties
                    .insert("HAS_RSA_PUBLIC_KEY".into(), "true".into());
            }
            "DISABLED" | "MUST_CHANGE_PASSWORD" => {
                record.properties.insert(k.clone(), v.to_ascii_lowercase());
            }
            _ => {
                record.properties.insert(k.clone(), v.clone());
            }
        }
    }
}

/// A user's property value as SHOW USERS / DESCRIBE USER print it, or `None` (NULL).
pub fn user_property(name: &str, record: Option<&UserRecord>, property: &str) -> Option<String> {
    let set = record.and_then(|r| r.properties.get(property).cloned());
    match property {
        "LOGIN_NAME" => Some(set.map(|s| s.to_uppercase()).unwrap_or_else(|| name.into())),
        "DISPLAY_NAME" => Some(set.unwrap_or_else(|| name.into())),
        "DISABLED" | "MUST_CHANGE_PASSWORD" | "HAS_RSA_PUBLIC_KEY" => {
            Some(set.unwrap_or_else(|| "false".into()))
        }
        "HAS_PASSWORD" => Some(set.unwrap_or_else(|| {
            // the logged-in user logged in with one
            if record.is_none() { "true" } else { "false" }.into()
        })),
        "DEFAULT_SECONDARY_ROLES" => Some(set.unwrap_or_else(|| "[\"ALL\"]".into())),
        _ => set,
    }
}

/// `DESCRIBE USER name`: property, value, default, description.
fn describe_user(session: &Session, name: &str) -> Result<ResultSet> {
    let registry = snapshot(session);
    if !user_exists(session, &registry, name) {
        return Err(SnowflakeError::does_not_exist("User", name));
    }
    let record = registry.users.get(name);
    const PROPERTIES: [(&str, &str); 16] = [
        ("NAME", "Name"),
        (
            "COMMENT",
            "user comment associated to an object in the dictionary",
        ),
        ("DISPLAY_NAME", "Display name of the associated object"),
        ("LOGIN_NAME", "Login name of the user"),
        ("FIRST_NAME", "First name of the user"),
        ("MIDDLE_NAME", "Middle name of the user"),
        ("LAST_NAME", "Last name of the user"),
        ("EMAIL", "Email address of the user"),
        ("PASSWORD", "Password of the user"),
        ("MUST_CHANGE_PASSWORD", "User must change the password"),
        ("DISABLED", "Whether the user is disabled"),
        ("DEFAULT_WAREHOUSE", "Default warehouse for this user"),
        (
            "DEFAULT_NAMESPACE",
            "Default database namespace prefix for this user",
        ),
        (
            "DEFAULT_ROLE",
            "Primary principal of user session will be set to this role",
        ),
        (
            "DEFAULT_SECONDARY_ROLES",
            "The secondary roles will be set to all roles provided here",
        ),
        ("TYPE", "Type of the user"),
    ];
    let rows = PROPERTIES
        .iter()
        .map(|(property, description)| {
            let value = match *property {
                "NAME" => Some(name.to_string()),
                "PASSWORD" => (user_property(name, record, "HAS_PASSWORD").as_deref()
                    == Some("true"))
                .then(|| "********".to_string()),
                p => user_property(name, record, p),
            };
            let default = match *property {
                "DISABLED" | "MUST_CHANGE_PASSWORD" => "false",
                "DEFAULT_SECONDARY_ROLES" => "[\"ALL\"]",
                _ => "null",
            };
            vec![
                Cell::Text(property.to_string()),
                Cell::Text(value.unwrap_or_else(|| "null".into())),
                Cell::Text(default.into()),
                Cell::Text(description.to_string()),
            ]
        })
        .collect();
    let text = snowglobe_catalog::SfType::TEXT;
    ResultSet::table(
        StatementType::Scl,
        &[
            ("property", text),
            ("value", text),
            ("default", text),
            ("description", text),
        ],
        rows,
    )
}
