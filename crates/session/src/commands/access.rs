//! Users, roles and grants as Snowflake lists them: `SHOW USERS`, `SHOW ROLES`, `SHOW GRANTS`,
//! and `DESCRIBE DATABASE | SCHEMA`. Snowglobe has one user (the one logged in), Snowflake's
//! system roles with their usual hierarchy (ACCOUNTADMIN over SECURITYADMIN and SYSADMIN,
//! SECURITYADMIN over USERADMIN), and ACCOUNTADMIN owns every object. GRANT and REVOKE are
//! not recorded, so the grants listed are these ownerships and role grants only.

use snowglobe_catalog::SfType;
use snowglobe_error::{Result, SnowflakeError};
use snowglobe_translate::{Grants, Show};

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

fn role(name: &str) -> Result<&'static Role> {
    ROLES
        .iter()
        .find(|r| r.name == name)
        .ok_or_else(|| SnowflakeError::does_not_exist("Role", name))
}

/// The role `name` and every role below it.
fn inherited(name: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut pending = vec![name];
    while let Some(n) = pending.pop() {
        if let Some(r) = ROLES.iter().find(|r| r.name == n) {
            out.push(r.name);
            pending.extend(r.children);
        }
    }
    out
}

fn current_role(session: &Session) -> String {
    session.role.clone().unwrap_or_else(|| OWNER.into())
}

fn check_user(session: &Session, user: &str) -> Result<()> {
    if user == session.user {
        Ok(())
    } else {
        Err(SnowflakeError::does_not_exist("User", user))
    }
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
    let user = &session.user;
    let rows = if keep(show, user) {
        let f = || text("false");
        vec![vec![
            text(user),
            Cell::Timestamp(now),
            text(user),
            text(user),
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null,
            Cell::Null,
            f(),
            f(),
            f(),
            Cell::Null,
            Cell::Null,
            text(OWNER),
            text("[\"ALL\"]"),
            f(),
            Cell::Null,
            Cell::Null,
            text(OWNER),
            Cell::Timestamp(now),
            Cell::Null,
            Cell::Null,
            text("true"),
            f(),
            Cell::Null,
            f(),
            f(),
            f(),
            f(),
        ]]
    } else {
        vec![]
    };
    (columns, rows)
}

/// `SHOW ROLES`: the system roles.
pub fn roles(session: &Session, show: &Show, now: i64) -> Listing {
    let current = current_role(session);
    let below = inherited(&current);
    let rows = ROLES
        .iter()
        .filter(|r| keep(show, r.name))
        .map(|r| {
            let (users, to_roles, granted) = r.counts;
            vec![
                Cell::Timestamp(now),
                text(r.name),
                yes_no(r.name == OWNER),
                yes_no(r.name == current),
                yes_no(r.name != current && (below.contains(&r.name) || r.name == "PUBLIC")),
                Cell::Int(users),
                Cell::Int(to_roles),
                Cell::Int(granted),
                text(""),
                text(r.comment),
            ]
        })
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
    let (columns, rows): (Vec<(&str, SfType)>, Vec<Vec<Cell>>) = match grants {
        Grants::ToUser(user) => {
            let user = user.unwrap_or_else(|| session.user.clone());
            check_user(session, &user)?;
            let rows = [OWNER]
                .iter()
                .map(|r| {
                    let mut row = grant_row(now, ["USAGE", "ROLE", r, "USER", &user, "false", ""]);
                    row.insert(4, text(r));
                    row
                })
                .collect();
            let mut columns = PRIVILEGE_COLUMNS.to_vec();
            columns.insert(4, ("role", TEXT));
            (columns, rows)
        }
        Grants::ToRole(name) => {
            let r = role(&name)?;
            let mut rows: Vec<Vec<Cell>> = r
                .children
                .iter()
                .map(|child| grant_row(now, ["USAGE", "ROLE", child, "ROLE", r.name, "false", ""]))
                .collect();
            if r.name == OWNER {
                for (kind, object) in owned_objects(session)? {
                    rows.push(grant_row(
                        now,
                        ["OWNERSHIP", kind, &object, "ROLE", OWNER, "true", OWNER],
                    ));
                }
            }
            (PRIVILEGE_COLUMNS.to_vec(), rows)
        }
        Grants::OfRole(name) => {
            let r = role(&name)?;
            let mut rows: Vec<Vec<Cell>> = ROLES
                .iter()
                .filter(|parent| parent.children.contains(&r.name))
                .map(|parent| {
                    vec![
                        Cell::Timestamp(now),
                        text(r.name),
                        text("ROLE"),
                        text(parent.name),
                        text(""),
                    ]
                })
                .collect();
            if matches!(r.name, "ACCOUNTADMIN" | "ORGADMIN" | "SYSADMIN") {
                rows.push(vec![
                    Cell::Timestamp(now),
                    text(r.name),
                    text("USER"),
                    text(&session.user),
                    text(""),
                ]);
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
