//! Users, roles and grants as Snowflake lists them: `SHOW USERS`, `SHOW ROLES`, `SHOW GRANTS`,
//! and `DESCRIBE DATABASE | SCHEMA`. Snowglobe has one user (the one logged in), Snowflake's
//! system roles with their usual hierarchy (ACCOUNTADMIN over SECURITYADMIN and SYSADMIN,
//! SECURITYADMIN over USERADMIN), and ACCOUNTADMIN owns every object; roles and users created
//! and roles granted (see [`super::principals`]) are listed with them. Privilege grants are
//! not recorded, so the grants listed are these ownerships and role grants only.

use snowglobe_catalog::SfType;
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::{Grants, Show};

use super::principals::{self, Registry};
use super::show::{keep, text, yes_no};
use crate::results::Cell;
use crate::{ResultSet, Session, StatementType};

const TEXT: SfType = SfType::TEXT;
const NUMBER: SfType = SfType::INTEGER;
const TIMESTAMP: SfType = SfType::TimestampLtz { scale: 3 };
const OWNER: &str = "ACCOUNTADMIN";

type Listing = (Vec<(&'static str, SfType)>, Vec<Vec<Cell>>);

/// A system role: name, comment, the roles granted to it, and users/roles counts as SHOW ROLES
/// reports them (assigned_to_users, granted_to_roles, granted_roles).
struct Role {
    name: &'static str,
    comment: &'static str,
    children: &'static [&'static str],
    counts: (i64, i64, i64),
}

const ROLES: &[Role] = &[
    Role {
        name: "ACCOUNTADMIN",
        comment: "Account administrator can manage all aspects of the account.",
        children: &["SECURITYADMIN", "SYSADMIN"],
        counts: (1, 0, 2),
    },
    Role {
        name: "ORGADMIN",
        comment:
            "Organization administrator can manage organizations and accounts in organizations",
        children: &[],
        counts: (1, 0, 0),
    },
    Role {
        name: "PUBLIC",
        comment: "Public role is automatically available to every user in the account.",
        children: &[],
        counts: (0, 0, 0),
    },
    Role {
        name: "SECURITYADMIN",
        comment: "Security administrator can manage security aspects of the account.",
        children: &["USERADMIN"],
        counts: (0, 1, 1),
    },
    Role {
        name: "SYSADMIN",
        comment: "System administrator can create and manage databases and warehouses.",
        children: &[],
        counts: (1, 1, 0),
    },
    Role {
        name: "USERADMIN",
        comment: "User administrator can create and manage users and roles",
        children: &[],
        counts: (0, 1, 0),
    },
];

/// Whether `name` is one of Snowflake's system roles.
pub(crate) fn is_system_role(name: &str) -> bool {
    ROLES.iter().any(|r| r.name == name)
}

/// The role `name` and every role below it (system children and granted roles).
fn inherited(registry: &Registry, name: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut pending = vec![name.to_string()];
    while let Some(n) = pending.pop() {
        if out.contains(&n) {
            continue;
        }
        pending.extend(granted_to(registry, "ROLE", &n).into_iter().map(|(r, _)| r));
        out.push(n);
    }
    out
}

fn current_role(session: &Session) -> String {
    session.role.clone().unwrap_or_else(|| OWNER.into())
}

fn check_user(session: &Session, registry: &Registry, user: &str) -> Result<()> {
    if principals::user_exists(session, registry, user) {
        Ok(())
    } else {
        Err(SnowflakeError::does_not_exist("User", user))
    }
}

/// The roles granted to a role or a user (`to` is `ROLE` or `USER`): for a system role, its
/// system children; then the roles granted with GRANT ROLE.
fn granted_to(registry: &Registry, to: &str, grantee: &str) -> Vec<(String, String)> {
    let system = ROLES
        .iter()
        .filter(|r| to == "ROLE" && r.name == grantee)
        .flat_map(|r| r.children.iter().map(|c| (c.to_string(), String::new())));
    let granted = registry
        .grants
        .iter()
        .filter(|g| g.to == to && g.grantee == grantee)
        .map(|g| (g.role.clone(), g.granted_by.clone()));
    system.chain(granted).collect()
}

/// `SHOW USERS`: the user logged in.
pub fn users(session: &Session, show: &Show, now: i64) -> Listing {
    let columns = vec![
        ("name", TEXT),
        ("created_on", TIMESTAMP),
        ("login_name", TEXT),
        ("display_name", TEXT),
        ("first_name", TEXT),
        ("last_name", TEXT),
        ("email", TEXT),
        ("mins_to_unlock", TEXT),
        ("days_to_expiry", TEXT),
        ("comment", TEXT),
        ("disabled", TEXT),
        ("must_change_password", TEXT),
        ("snowflake_lock", TEXT),
        ("default_warehouse", TEXT),
        ("default_namespace", TEXT),
        ("default_role", TEXT),
        ("default_secondary_roles", TEXT),
        ("ext_authn_duo", TEXT),
        ("ext_authn_uid", TEXT),
        ("mins_to_bypass_mfa", TEXT),
        ("owner", TEXT),
        ("last_success_login", TIMESTAMP),
        ("expires_at_time", TIMESTAMP),
        ("locked_until_time", TIMESTAMP),
        ("has_password", TEXT),
        ("has_rsa_public_key", TEXT),
        ("type", TEXT),
        ("has_mfa", TEXT),
        ("has_pat", TEXT),
        ("has_federated_workload_authentication", TEXT),
        ("is_from_organization_user", TEXT),
    ];
    let registry = principals::snapshot(session);
    let mut names: Vec<&String> = registry.users.keys().collect();
    if !registry.users.contains_key(&session.user) {
        names.push(&session.user);
    }
    names.sort();
    let rows = names
        .into_iter()
        .filter(|name| keep(show, name))
        .map(|name| {
            let record = registry.users.get(name);
            let logged_in = *name == session.user;
            let property = |p: &str| match principals::user_property(name, record, p) {
                Some(v) => text(&v),
                None => Cell::Null,
            };
            let default_role = match principals::user_property(name, record, "DEFAULT_ROLE") {
                Some(r) => text(&r),
                None if logged_in => text(OWNER),
                None => Cell::Null,
            };
            let has_password = if logged_in && record.is_none() {
                text("true")
            } else {
                property("HAS_PASSWORD")
            };
            let f = || text("false");
            vec![
                text(name),
                Cell::Timestamp(record.map_or(now, |r| r.created_on)),
                property("LOGIN_NAME"),
                property("DISPLAY_NAME"),
                property("FIRST_NAME"),
                property("LAST_NAME"),
                property("EMAIL"),
                property("MINS_TO_UNLOCK"),
                property("DAYS_TO_EXPIRY"),
                property("COMMENT"),
                property("DISABLED"),
                property("MUST_CHANGE_PASSWORD"),
                f(),
                property("DEFAULT_WAREHOUSE"),
                property("DEFAULT_NAMESPACE"),
                default_role,
                property("DEFAULT_SECONDARY_ROLES"),
                f(),
                Cell::Null,
                property("MINS_TO_BYPASS_MFA"),
                text(record.map_or(OWNER, |r| r.owner.as_str())),
                if logged_in {
                    Cell::Timestamp(now)
                } else {
                    Cell::Null
                },
                Cell::Null,
                Cell::Null,
                has_password,
                property("HAS_RSA_PUBLIC_KEY"),
                property("TYPE"),
                f(),
                f(),
                f(),
                f(),
            ]
        })
        .collect();
    (columns, rows)
}

/// A role as SHOW ROLES lists it: name, created_on, owner, comment, and the counts a system
/// role starts with (users, roles granted to, roles granted).
type RoleListing = (String, i64, String, String, (i64, i64, i64));

/// `SHOW ROLES`: the system roles and the roles created.
pub fn roles(session: &Session, show: &Show, now: i64) -> Listing {
    let current = current_role(session);
    let registry = principals::snapshot(session);
    let below = inherited(&registry, &current);
    let mut all: Vec<RoleListing> = ROLES
        .iter()
        .map(|r| {
            (
                r.name.to_string(),
                now,
                String::new(),
                r.comment.to_string(),
                r.counts,
            )
        })
        .chain(registry.roles.iter().map(|(name, r)| {
            let comment = r.comment.clone().unwrap_or_default();
            (
                name.clone(),
                r.created_on,
                r.owner.clone(),
                comment,
                (0, 0, 0),
            )
        }))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    let count = |f: &dyn Fn(&principals::RoleGrant) -> bool| {
        registry.grants.iter().filter(|g| f(g)).count() as i64
    };
    let rows = all
        .into_iter()
        .filter(|(name, ..)| keep(show, name))
        .map(
            |(name, created_on, owner, comment, (users, to_roles, granted))| {
                let users = users + count(&|g| g.role == name && g.to == "USER");
                let to_roles = to_roles + count(&|g| g.role == name && g.to == "ROLE");
                let granted = granted + count(&|g| g.grantee == name && g.to == "ROLE");
                vec![
                    Cell::Timestamp(created_on),
                    text(&name),
                    yes_no(name == OWNER),
                    yes_no(name == current),
                    yes_no(name != current && (below.contains(&name) || name == "PUBLIC")),
                    Cell::Int(users),
                    Cell::Int(to_roles),
                    Cell::Int(granted),
                    text(&owner),
                    text(&comment),
                ]
            },
        )
        .collect();
    (
        vec![
            ("created_on", TIMESTAMP),
            ("name", TEXT),
            ("is_default", TEXT),
            ("is_current", TEXT),
            ("is_inherited", TEXT),
            ("assigned_to_users", NUMBER),
            ("granted_to_roles", NUMBER),
            ("granted_roles", NUMBER),
            ("owner", TEXT),
            ("comment", TEXT),
        ],
        rows,
    )
}

/// An OWNERSHIP or USAGE grant row: privilege, granted_on, name, granted_to, grantee_name,
/// grant_option, granted_by.
fn grant_row(now: i64, fields: [&str; 7]) -> Vec<Cell> {
    std::iter::once(Cell::Timestamp(now))
        .chain(fields.iter().map(|f| text(f)))
        .collect()
}

const PRIVILEGE_COLUMNS: [(&str, SfType); 8] = [
    ("created_on", TIMESTAMP),
    ("privilege", TEXT),
    ("granted_on", TEXT),
    ("name", TEXT),
    ("granted_to", TEXT),
    ("grantee_name", TEXT),
    ("grant_option", TEXT),
    ("granted_by", TEXT),
];

pub fn show_grants(session: &Session, grants: Grants) -> Result<ResultSet> {
    let now = super::show::now_micros();
    let registry = principals::snapshot(session);
    let (columns, rows): (Vec<(&str, SfType)>, Vec<Vec<Cell>>) = match grants {
        Grants::ToUser(user) => {
            let user = user.unwrap_or_else(|| session.user.clone());
            check_user(session, &registry, &user)?;
            let mut roles: Vec<(String, String)> = granted_to(&registry, "USER", &user);
            if user == session.user {
                roles.insert(0, (OWNER.to_string(), String::new()));
            }
            let rows = roles
                .iter()
                .map(|(r, by)| {
                    let mut row = grant_row(now, ["USAGE", "ROLE", r, "USER", &user, "false", by]);
                    row.insert(4, text(r));
                    row
                })
                .collect();
            let mut columns = PRIVILEGE_COLUMNS.to_vec();
            columns.insert(4, ("role", TEXT));
            (columns, rows)
        }
        Grants::ToRole(name) => {
            if !principals::role_exists(&registry, &name) {
                return Err(SnowflakeError::does_not_exist("Role", &name));
            }
            let mut rows: Vec<Vec<Cell>> = granted_to(&registry, "ROLE", &name)
                .iter()
                .map(|(child, by)| {
                    grant_row(now, ["USAGE", "ROLE", child, "ROLE", &name, "false", by])
                })
                .collect();
            if name == OWNER {
                for (kind, object) in owned_objects(session)? {
                    rows.push(grant_row(
                        now,
                        ["OWNERSHIP", kind, &object, "ROLE", OWNER, "true", OWNER],
                    ));
                }
                for role in registry.roles.keys() {
                    rows.push(grant_row(
                        now,
                        ["OWNERSHIP", "ROLE", role, "ROLE", OWNER, "true", OWNER],
                    ));
                }
            }
            (PRIVILEGE_COLUMNS.to_vec(), rows)
        }
        Grants::OfRole(name) => {
            if !principals::role_exists(&registry, &name) {
                return Err(SnowflakeError::does_not_exist("Role", &name));
            }
            let of = |granted_to: &str, grantee: &str, by: &str| {
                vec![
                    Cell::Timestamp(now),
                    text(&name),
                    text(granted_to),
                    text(grantee),
                    text(by),
                ]
            };
            let mut rows: Vec<Vec<Cell>> = ROLES
                .iter()
                .filter(|parent| parent.children.contains(&name.as_str()))
                .map(|parent| of("ROLE", parent.name, ""))
                .collect();
            rows.extend(
                registry
                    .grants
                    .iter()
                    .filter(|g| g.role == name)
                    .map(|g| of(&g.to, &g.grantee, &g.granted_by)),
            );
            if matches!(name.as_str(), "ACCOUNTADMIN" | "ORGADMIN" | "SYSADMIN") {
                rows.push(of("USER", &session.user, ""));
            }
            (
                vec![
                    ("created_on", TIMESTAMP),
                    ("role", TEXT),
                    ("granted_to", TEXT),
                    ("grantee_name", TEXT),
                    ("granted_by", TEXT),
                ],
                rows,
            )
        }
        Grants::On { kind, object } => {
            let name = object_name(session, &kind, &object)?;
            let mut row = grant_row(
                now,
                ["OWNERSHIP", &kind, &name, "ROLE", OWNER, "true", OWNER],
            );
            row.push(text("ROLE"));
            let mut columns = PRIVILEGE_COLUMNS.to_vec();
            columns.push(("granted_by_role_type", TEXT));
            (columns, vec![row])
        }
    };
    ResultSet::table(StatementType::Scl, &columns, rows)
}

/// The name SHOW GRANTS prints for an object, failing as Snowflake does when it is missing.
fn object_name(
    session: &Session,
    kind: &str,
    object: &snowglobe_translate::ObjectRef,
) -> Result<String> {
    let conn = session.conn();
    let database_exists = conn.database_exists(&object.database)?;
    match kind {
        "DATABASE" => {
            if !database_exists {
                return Err(SnowflakeError::does_not_exist("Database", &object.database));
            }
            Ok(object.database.clone())
        }
        "SCHEMA" => {
            if !database_exists || !conn.schema_exists(&object.database, &object.schema)? {
                return Err(SnowflakeError::does_not_exist("Schema", &object.schema));
            }
            Ok(format!("{}.{}", object.database, object.schema))
        }
        "TABLE" | "VIEW" => {
            let view = kind == "VIEW";
            let found = database_exists
                && conn.schema_exists(&object.database, &object.schema)?
                && conn
                    .relations(&object.database, &object.schema)?
                    .iter()
                    .any(|(n, is_view, _)| *n == object.name && *is_view == view);
            if !found {
                let kind = if view { "View" } else { "Table" };
                return Err(SnowflakeError::does_not_exist(kind, &object.name));
            }
            Ok(format!(
                "{}.{}.{}",
                object.database, object.schema, object.name
            ))
        }
        other => Err(SnowflakeError::unsupported(format!(
            "SHOW GRANTS ON {other}"
        ))),
    }
}

/// Every database, schema, table and view (what ACCOUNTADMIN owns), as (kind, name).
fn owned_objects(session: &Session) -> Result<Vec<(&'static str, String)>> {
    let conn = session.conn();
    let mut out = Vec::new();
    for db in conn.databases()? {
        out.push(("DATABASE", db.clone()));
        for schema in conn.schemas(&db)? {
            out.push(("SCHEMA", format!("{db}.{schema}")));
            for (name, is_view, _) in conn.relations(&db, &schema)? {
                let kind = if is_view { "VIEW" } else { "TABLE" };
                out.push((kind, format!("{db}.{schema}.{name}")));
            }
        }
    }
    Ok(out)
}

/// `DESCRIBE DATABASE d` lists its schemas, `DESCRIBE SCHEMA d.s` its tables and views.
pub fn describe_container(
    session: &Session,
    database: &str,
    schema: Option<&str>,
) -> Result<ResultSet> {
    let now = super::show::now_micros();
    let conn = session.conn();
    if !conn.database_exists(database)? {
        return Err(SnowflakeError::does_not_exist("Database", database));
    }
    let mut rows: Vec<(String, &str)> = match schema {
        None => {
            let mut schemas = conn.schemas(database)?;
            schemas.push(snowglobe_engine::INFORMATION_SCHEMA.to_string());
            schemas.into_iter().map(|s| (s, "SCHEMA")).collect()
        }
        Some(schema) => {
            if !conn.schema_exists(database, schema)? {
                return Err(SnowflakeError::does_not_exist("Schema", schema));
            }
            conn.relations(database, schema)?
                .into_iter()
                .map(|(name, is_view, _)| (name, if is_view { "VIEW" } else { "TABLE" }))
                .collect()
        }
    };
    rows.sort();
    ResultSet::table(
        StatementType::Scl,
        &[("created_on", TIMESTAMP), ("name", TEXT), ("kind", TEXT)],
        rows.into_iter()
            .map(|(name, kind)| vec![Cell::Timestamp(now), text(&name), text(kind)])
            .collect(),
    )
}
