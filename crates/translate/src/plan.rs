//! Statement classification: each parsed statement becomes a [`Plan`], either a [`Command`] the
//! session answers itself or a [`SqlPlan`] of DuckDB SQL with what the session needs to shape
//! Snowflake's answer.

use std::ops::ControlFlow;

use snowglobe_catalog::ColumnMeta;
use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    AssignmentTarget, ColumnOption, CreateTable, ObjectName, ObjectType, SchemaName, Statement,
    TableConstraint, Use, Value, Visit, Visitor,
};

use sqlparser::ast::helpers::key_value_options::KeyValueOptionKind;

use crate::names::{
    ident_name, parts, resolve_object, resolve_schema, resolve_single, storage_ident, Context,
    ObjectRef,
};
use crate::rules::identifiers::normalize;
use crate::rules::{apply, RuleContext};
use crate::types::{duckdb_data_type, sf_type};

/// What to do with one statement.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    Command(Command),
    Sql(SqlPlan),
}

/// Statements Snowglobe answers itself, without (or beyond) plain DuckDB SQL.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Use(UseTarget),
    CreateDatabase {
        name: String,
        if_not_exists: bool,
        or_replace: bool,
        transient: bool,
    },
    DropDatabase {
        name: String,
        if_exists: bool,
    },
    CreateSchema {
        database: String,
        name: String,
        if_not_exists: bool,
        or_replace: bool,
    },
    DropSchema {
        database: String,
        name: String,
        if_exists: bool,
    },
    CreateWarehouse {
        name: String,
        if_not_exists: bool,
        or_replace: bool,
    },
    /// `ALTER SESSION SET k = v, ...` (values as text) or `UNSET k, ...` (values `None`).
    AlterSession(Vec<(String, Option<String>)>),
    Show(Show),
    Begin,
    Commit,
    Rollback,
}

/// `SHOW <objects> [LIKE '<pattern>'] [IN DATABASE d | IN [SCHEMA] d.s] [STARTS WITH 'x'] [LIMIT n]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Show {
    pub objects: ShowObjects,
    pub terse: bool,
    /// SQL LIKE pattern, matched case-insensitively as Snowflake does.
    pub like: Option<String>,
    pub starts_with: Option<String>,
    pub limit: Option<u64>,
    /// Database to list in (schemas, tables, views); `None` with `account` for everything.
    pub database: Option<String>,
    /// Schema to list in (tables, views).
    pub schema: Option<String>,
    /// `IN ACCOUNT`: every database.
    pub account: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowObjects {
    Databases,
    Schemas,
    Tables,
    Views,
}

/// The object a `USE` statement switches to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UseTarget {
    Database(String),
    Schema {
        database: Option<String>,
        schema: String,
    },
    Warehouse(String),
    Role(String),
    SecondaryRoles,
}

/// DuckDB SQL for one statement.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlPlan {
    /// The DuckDB SQL text.
    pub sql: String,
    pub kind: SqlKind,
    /// Base tables the statement reads (best effort), to describe result columns with their
    /// declared Snowflake types.
    pub tables: Vec<ObjectRef>,
    /// Result columns that are non-NULL literals (described as not nullable).
    pub literal_columns: Vec<String>,
    /// Result columns computed by semi-structured constructors, with their Snowflake type.
    pub semi_structured_columns: Vec<(String, snowglobe_catalog::SfType)>,
}

/// What kind of answer the statement gets.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlKind {
    Query,
    Insert,
    Update,
    Delete,
    Merge,
    /// CREATE TABLE: the session records each column's declared type after creating it.
    CreateTable {
        table: ObjectRef,
        /// DuckDB path of the created table (differs from `table` for temporary tables).
        storage: String,
        columns: Vec<(String, ColumnMeta)>,
        if_not_exists: bool,
        temporary: bool,
    },
    /// DROP TABLE / VIEW; `storage` is the DuckDB path.
    Drop {
        kind: &'static str,
        object: ObjectRef,
        storage: String,
        if_exists: bool,
    },
    /// Other DDL: answered with a status text.
    Ddl {
        status: String,
    },
}

/// Plan one statement in the session context. `sql` is the statement's original text (column
/// names are spelled from it).
pub fn plan(mut statement: Statement, ctx: &Context, sql: &str) -> Result<Plan> {
    if let Some(command) = command(&statement, ctx)? {
        return Ok(Plan::Command(command));
    }
    let operation = operation(&statement);
    let tables = referenced_tables(&statement, ctx);
    let view_name = match &statement {
        Statement::CreateView(view) => Some(resolve_object(&view.name, ctx, "CREATE VIEW")?),
        _ => None,
    };
    let kind = match &mut statement {
        Statement::Query(_) => SqlKind::Query,
        Statement::Insert(insert) => {
            if insert.overwrite {
                return Err(SnowflakeError::unsupported("INSERT OVERWRITE"));
            }
            for column in &mut insert.columns {
                normalize_object_name(column);
            }
            SqlKind::Insert
        }
        Statement::Update(update) => {
            for assignment in &mut update.assignments {
                match &mut assignment.target {
                    AssignmentTarget::ColumnName(name) => normalize_object_name(name),
                    AssignmentTarget::Tuple(names) => {
                        names.iter_mut().for_each(normalize_object_name)
                    }
                }
            }
            SqlKind::Update
        }
        Statement::Delete(_) => SqlKind::Delete,
        Statement::Merge(_) => SqlKind::Merge,
        Statement::CreateTable(create) => create_table(create, ctx)?,
        Statement::CreateView(view) => {
            let object = resolve_object(&view.name, ctx, "CREATE VIEW")?;
            view.secure = false;
            view.comment = None;
            SqlKind::Ddl {
                status: format!("View {} successfully created.", object.name),
            }
        }
        Statement::Drop {
            object_type: object_type @ (ObjectType::Table | ObjectType::View),
            if_exists,
            names,
            ..
        } => {
            let [name] = names.as_slice() else {
                return Err(SnowflakeError::unsupported(
                    "DROP of several objects in one statement",
                ));
            };
            let object = resolve_object(name, ctx, "DROP")?;
            let (kind, keyword) = match object_type {
                ObjectType::View => ("View", "VIEW"),
                _ => ("Table", "TABLE"),
            };
            let storage = storage_path(&object, ctx);
            let sql = format!(
                "DROP {keyword} {}{storage}",
                if *if_exists { "IF EXISTS " } else { "" }
            );
            return Ok(Plan::Sql(SqlPlan {
                sql,
                kind: SqlKind::Drop {
                    kind,
                    object,
                    storage,
                    if_exists: *if_exists,
                },
                tables,
                literal_columns: vec![],
                semi_structured_columns: vec![],
            }));
        }
        Statement::Truncate(t) => {
            let [target] = t.table_names.as_slice() else {
                return Err(SnowflakeError::unsupported("TRUNCATE of several tables"));
            };
            let object = resolve_object(&target.name, ctx, "TRUNCATE")?;
            let storage = storage_path(&object, ctx);
            if t.if_exists {
                return Err(SnowflakeError::unsupported("TRUNCATE TABLE IF EXISTS"));
            }
            let sql = format!("TRUNCATE {storage}");
            return Ok(Plan::Sql(SqlPlan {
                sql,
                kind: SqlKind::Ddl {
                    status: "Statement executed successfully.".into(),
                },
                tables,
                literal_columns: vec![],
                semi_structured_columns: vec![],
            }));
        }
        other => return Err(unsupported_statement(other)),
    };
    let literal_columns = crate::rules::column_names::literal_columns(&statement, sql);
    let semi_structured_columns =
        crate::rules::column_names::semi_structured_columns(&statement, sql);
    apply(
        &mut statement,
        &RuleContext {
            session: ctx,
            sql,
            operation,
        },
    )?;
    // DDL targets are named in full, after the rules (which would otherwise re-normalise them).
    match (&mut statement, &kind) {
        (
            Statement::CreateTable(create),
            SqlKind::CreateTable {
                table, temporary, ..
            },
        ) => {
            create.name = if *temporary {
                ObjectName::from(vec![storage_ident(&table.name)])
            } else {
                table.object_name()
            };
            create.transient = false;
        }
        (Statement::CreateView(view), _) => {
            if let Some(name) = &view_name {
                view.name = name.object_name();
            }
        }
        _ => {}
    }
    Ok(Plan::Sql(SqlPlan {
        sql: statement.to_string(),
        kind,
        tables,
        literal_columns,
        semi_structured_columns,
    }))
}

/// The DuckDB path of an object, honouring the session's temporary tables.
fn storage_path(object: &ObjectRef, ctx: &Context) -> String {
    if ctx_has_temporary(ctx, object) {
        format!("temp.main.{}", storage_ident(&object.name))
    } else {
        object.storage()
    }
}

fn ctx_has_temporary(ctx: &Context, object: &ObjectRef) -> bool {
    ctx.temporary_tables.iter().any(|t| t == object)
}

fn normalize_object_name(name: &mut ObjectName) {
    for part in &mut name.0 {
        if let sqlparser::ast::ObjectNamePart::Identifier(ident) = part {
            normalize(ident);
        }
    }
}

fn create_table(create: &mut CreateTable, ctx: &Context) -> Result<SqlKind> {
    let table = resolve_object(&create.name, ctx, "CREATE TABLE")?;
    if create.clone.is_some() || create.like.is_some() {
        return Err(SnowflakeError::unsupported("CREATE TABLE ... CLONE / LIKE"));
    }
    let mut columns = Vec::with_capacity(create.columns.len());
    for column in &mut create.columns {
        let sf = sf_type(&column.data_type)?;
        let mut meta = ColumnMeta::new(sf);
        // Snowflake enforces only NOT NULL; PRIMARY KEY / UNIQUE / FOREIGN KEY are informational.
        let mut kept = Vec::new();
        for option in column.options.drain(..) {
            match &option.option {
                ColumnOption::Comment(c) => meta.comment = Some(c.clone()),
                ColumnOption::PrimaryKey(_) => kept.push(not_null(&option)),
                ColumnOption::Unique(_) | ColumnOption::ForeignKey(_) => {}
                ColumnOption::Null | ColumnOption::NotNull | ColumnOption::Default(_) => {
                    kept.push(option)
                }
                ColumnOption::Collation(_) => {}
                other => {
                    return Err(SnowflakeError::unsupported(format!(
                        "column option {other}"
                    )))
                }
            }
        }
        column.options = kept;
        column.data_type = duckdb_data_type(&sf);
        let name = ident_name(&column.name);
        normalize(&mut column.name);
        columns.push((name, meta));
    }
    create
        .constraints
        .retain(|c| matches!(c, TableConstraint::Check(_)));
    create.comment = None;
    create.cluster_by = None;
    create.table_options = sqlparser::ast::CreateTableOptions::None;
    create.copy_grants = false;
    create.change_tracking = None;
    create.data_retention_time_in_days = None;
    create.max_data_extension_time_in_days = None;
    create.enable_schema_evolution = None;
    let storage = if create.temporary {
        format!("temp.main.{}", storage_ident(&table.name))
    } else {
        table.storage()
    };
    Ok(SqlKind::CreateTable {
        storage,
        columns,
        if_not_exists: create.if_not_exists,
        temporary: create.temporary,
        table,
    })
}

/// A PRIMARY KEY column is NOT NULL in Snowflake (the key itself is not enforced).
fn not_null(option: &sqlparser::ast::ColumnOptionDef) -> sqlparser::ast::ColumnOptionDef {
    sqlparser::ast::ColumnOptionDef {
        name: option.name.clone(),
        option: ColumnOption::NotNull,
    }
}

/// The operation name Snowflake uses in "Cannot perform X" messages.
fn operation(statement: &Statement) -> &'static str {
    match statement {
        Statement::Query(_) => "SELECT",
        Statement::Insert(_) => "INSERT",
        Statement::Update(_) => "UPDATE",
        Statement::Delete(_) => "DELETE",
        Statement::Merge(_) => "MERGE",
        Statement::CreateTable(_) => "CREATE TABLE",
        Statement::CreateView(_) => "CREATE VIEW",
        _ => "operation",
    }
}

fn unsupported_statement(statement: &Statement) -> SnowflakeError {
    let text = statement.to_string();
    let words: Vec<&str> = text.split_whitespace().take(2).collect();
    SnowflakeError::unsupported(words.join(" ").to_uppercase())
}

/// Tables read by a statement, resolved in the session context (best effort).
fn referenced_tables(statement: &Statement, ctx: &Context) -> Vec<ObjectRef> {
    struct Collect<'a> {
        ctx: &'a Context,
        out: Vec<ObjectRef>,
    }
    impl Visitor for Collect<'_> {
        type Break = ();
        fn pre_visit_relation(&mut self, relation: &ObjectName) -> ControlFlow<()> {
            if let Ok(r) = resolve_object(relation, self.ctx, "SELECT") {
                if !self.out.contains(&r) {
                    self.out.push(r);
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut c = Collect {
        ctx,
        out: Vec::new(),
    };
    let _ = statement.visit(&mut c);
    c.out
}

/// Session-level statements.
fn command(statement: &Statement, ctx: &Context) -> Result<Option<Command>> {
    let c = match statement {
        Statement::Use(u) => Command::Use(match u {
            Use::Database(n) | Use::Catalog(n) => UseTarget::Database(resolve_single(n)?),
            Use::Object(n) => {
                let p = parts(n)?;
                match p.as_slice() {
                    [db] => UseTarget::Database(db.clone()),
                    [db, schema] => UseTarget::Schema {
                        database: Some(db.clone()),
                        schema: schema.clone(),
                    },
                    _ => return Err(SnowflakeError::unsupported(format!("USE {n}"))),
                }
            }
            Use::Schema(n) => {
                let p = parts(n)?;
                match p.as_slice() {
                    [schema] => UseTarget::Schema {
                        database: None,
                        schema: schema.clone(),
                    },
                    [db, schema] => UseTarget::Schema {
                        database: Some(db.clone()),
                        schema: schema.clone(),
                    },
                    _ => return Err(SnowflakeError::unsupported(format!("USE SCHEMA {n}"))),
                }
            }
            Use::Warehouse(n) => UseTarget::Warehouse(resolve_single(n)?),
            Use::Role(n) => UseTarget::Role(resolve_single(n)?),
            Use::SecondaryRoles(_) => UseTarget::SecondaryRoles,
            Use::Default => return Err(SnowflakeError::unsupported("USE DEFAULT")),
        }),
        Statement::CreateDatabase {
            db_name,
            if_not_exists,
            or_replace,
            transient,
            clone,
            ..
        } => {
            if clone.is_some() {
                return Err(SnowflakeError::unsupported("CREATE DATABASE ... CLONE"));
            }
            Command::CreateDatabase {
                name: resolve_single(db_name)?,
                if_not_exists: *if_not_exists,
                or_replace: *or_replace,
                transient: *transient,
            }
        }
        Statement::CreateSchema {
            schema_name,
            if_not_exists,
            or_replace,
            clone,
            ..
        } => {
            if clone.is_some() {
                return Err(SnowflakeError::unsupported("CREATE SCHEMA ... CLONE"));
            }
            let SchemaName::Simple(name) = schema_name else {
                return Err(SnowflakeError::unsupported("CREATE SCHEMA AUTHORIZATION"));
            };
            let (database, name) = resolve_schema(name, ctx, "CREATE SCHEMA")?;
            Command::CreateSchema {
                database,
                name,
                if_not_exists: *if_not_exists,
                or_replace: *or_replace,
            }
        }
        Statement::Drop {
            object_type: ObjectType::Database,
            if_exists,
            names,
            ..
        } => Command::DropDatabase {
            name: resolve_single(single(names)?)?,
            if_exists: *if_exists,
        },
        Statement::Drop {
            object_type: ObjectType::Schema,
            if_exists,
            names,
            ..
        } => {
            let (database, name) = resolve_schema(single(names)?, ctx, "DROP SCHEMA")?;
            Command::DropSchema {
                database,
                name,
                if_exists: *if_exists,
            }
        }
        Statement::CreateWarehouse(w) => Command::CreateWarehouse {
            name: resolve_single(&w.name)?,
            if_not_exists: w.if_not_exists,
            or_replace: w.or_replace,
        },
        Statement::AlterSession {
            set,
            session_params,
        } => Command::AlterSession(
            session_params
                .options
                .iter()
                .map(|o| {
                    let value = match (&o.option_value, set) {
                        (_, false) => None,
                        (KeyValueOptionKind::Single(v), true) => Some(value_text(&v.value)),
                        (KeyValueOptionKind::Multi(vs), true) => Some(
                            vs.iter()
                                .map(|v| value_text(&v.value))
                                .collect::<Vec<_>>()
                                .join(","),
                        ),
                        (KeyValueOptionKind::KeyValueOptions(kv), true) => Some(kv.to_string()),
                    };
                    (o.option_name.to_uppercase(), value)
                })
                .collect(),
        ),
        Statement::ShowDatabases {
            terse,
            show_options,
            ..
        } => Command::Show(show(ShowObjects::Databases, *terse, show_options, ctx)?),
        Statement::ShowSchemas {
            terse,
            show_options,
            ..
        } => Command::Show(show(ShowObjects::Schemas, *terse, show_options, ctx)?),
        Statement::ShowTables {
            terse,
            show_options,
            ..
        } => Command::Show(show(ShowObjects::Tables, *terse, show_options, ctx)?),
        Statement::ShowViews {
            terse,
            show_options,
            ..
        } => Command::Show(show(ShowObjects::Views, *terse, show_options, ctx)?),
        Statement::StartTransaction { .. } => Command::Begin,
        Statement::Commit { .. } => Command::Commit,
        Statement::Rollback {
            savepoint: None, ..
        } => Command::Rollback,
        _ => return Ok(None),
    };
    Ok(Some(c))
}

fn show(
    objects: ShowObjects,
    terse: bool,
    options: &sqlparser::ast::ShowStatementOptions,
    ctx: &Context,
) -> Result<Show> {
    use sqlparser::ast::{
        ShowStatementFilter, ShowStatementFilterPosition, ShowStatementInParentType,
    };
    let like = match &options.filter_position {
        Some(ShowStatementFilterPosition::Infix(f) | ShowStatementFilterPosition::Suffix(f)) => {
            match f {
                ShowStatementFilter::Like(p)
                | ShowStatementFilter::ILike(p)
                | ShowStatementFilter::NoKeyword(p) => Some(p.clone()),
                ShowStatementFilter::Where(_) => {
                    return Err(SnowflakeError::unsupported("SHOW ... WHERE"))
                }
            }
        }
        None => None,
    };
    let starts_with = options.starts_with.as_ref().map(|v| value_text(&v.value));
    let limit = match &options.limit {
        Some(sqlparser::ast::Expr::Value(v)) => value_text(&v.value).parse().ok(),
        Some(other) => {
            return Err(SnowflakeError::unsupported(format!(
                "SHOW ... LIMIT {other}"
            )))
        }
        None => None,
    };
    let mut out = Show {
        objects,
        terse,
        like,
        starts_with,
        limit,
        database: None,
        schema: None,
        account: false,
    };
    match &options.show_in {
        Some(show_in) => {
            let name = match &show_in.parent_name {
                Some(n) => parts(n)?,
                None => vec![],
            };
            match (&show_in.parent_type, name.as_slice()) {
                (Some(ShowStatementInParentType::Account), _) => out.account = true,
                (Some(ShowStatementInParentType::Database), [db]) => {
                    out.database = Some(db.clone())
                }
                (Some(ShowStatementInParentType::Schema) | None, [schema])
                    if objects != ShowObjects::Schemas =>
                {
                    out.database = Some(crate::names::current_database(ctx, "SHOW")?);
                    out.schema = Some(schema.clone());
                }
                (None, [db]) => out.database = Some(db.clone()),
                (Some(ShowStatementInParentType::Schema) | None, [db, schema]) => {
                    out.database = Some(db.clone());
                    out.schema = Some(schema.clone());
                }
                _ => return Err(SnowflakeError::unsupported(format!("SHOW ... {show_in}"))),
            }
        }
        None => match objects {
            ShowObjects::Databases => out.account = true,
            ShowObjects::Schemas => {
                out.database = Some(crate::names::current_database(ctx, "SHOW")?)
            }
            ShowObjects::Tables | ShowObjects::Views => {
                out.database = Some(crate::names::current_database(ctx, "SHOW")?);
                out.schema = ctx.schema.clone();
            }
        },
    }
    Ok(out)
}

fn single(names: &[ObjectName]) -> Result<&ObjectName> {
    match names {
        [one] => Ok(one),
        _ => Err(SnowflakeError::unsupported(
            "DROP of several objects in one statement",
        )),
    }
}

/// A parameter value as text, without SQL quoting.
fn value_text(v: &Value) -> String {
    match v {
        Value::SingleQuotedString(s) | Value::DoubleQuotedString(s) | Value::Placeholder(s) => {
            s.clone()
        }
        Value::Boolean(b) => b.to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use crate::rules::test_support::ctx;

    fn plan_of(sql: &str) -> Plan {
        plan(parse(sql).unwrap().remove(0), &ctx(), sql).unwrap()
    }

    #[test]
    fn create_table_records_declared_types_and_strips_unenforced_keys() {
        let Plan::Sql(p) = plan_of("create or replace transient table t (id int primary key, name varchar(10) comment 'n', v variant)") else {
            panic!()
        };
        assert_eq!(
            p.sql,
            "CREATE OR REPLACE TABLE \"DB\".\"PUBLIC\".\"T\" (\"ID\" DECIMAL(38, 0) NOT NULL, \"NAME\" VARCHAR, \"V\" JSON)"
        );
        let SqlKind::CreateTable { columns, .. } = p.kind else {
            panic!()
        };
        use snowglobe_catalog::SfType;
        assert_eq!(columns[1].0, "NAME");
        assert_eq!(columns[1].1.sf_type, SfType::Text { length: 10 });
        assert_eq!(columns[1].1.comment.as_deref(), Some("n"));
    }

    #[test]
    fn use_and_session_commands() {
        assert_eq!(
            plan_of("use schema other.s"),
            Plan::Command(Command::Use(UseTarget::Schema {
                database: Some("OTHER".into()),
                schema: "S".into()
            }))
        );
        assert_eq!(
            plan_of("alter session set timezone = 'UTC', query_tag = 'x'"),
            Plan::Command(Command::AlterSession(vec![
                ("TIMEZONE".into(), Some("UTC".into())),
                ("QUERY_TAG".into(), Some("x".into()))
            ]))
        );
        assert_eq!(
            plan_of("create database if not exists \"Mixed\""),
            Plan::Command(Command::CreateDatabase {
                name: "Mixed".into(),
                if_not_exists: true,
                or_replace: false,
                transient: false
            })
        );
    }

    #[test]
    fn show_lists_in_the_current_context_by_default() {
        let Plan::Command(Command::Show(s)) =
            plan_of("show terse tables like 'T%' in schema db.s limit 5")
        else {
            panic!()
        };
        assert_eq!(
            (
                s.objects,
                s.terse,
                s.like.as_deref(),
                s.database.as_deref(),
                s.schema.as_deref(),
                s.limit
            ),
            (
                ShowObjects::Tables,
                true,
                Some("T%"),
                Some("DB"),
                Some("S"),
                Some(5)
            )
        );
        let Plan::Command(Command::Show(s)) = plan_of("show schemas") else {
            panic!()
        };
        assert_eq!(s.database.as_deref(), Some("DB"));
    }

    #[test]
    fn drop_table_names_the_full_path() {
        let Plan::Sql(p) = plan_of("drop table if exists s.t") else {
            panic!()
        };
        assert_eq!(p.sql, "DROP TABLE IF EXISTS \"DB\".\"S\".\"T\"");
    }

    #[test]
    fn unsupported_statements_name_themselves() {
        let e = plan(
            parse("grant role r to user u").unwrap().remove(0),
            &ctx(),
            "",
        )
        .unwrap_err();
        assert_eq!(e.code(), "000002");
        assert!(e.message.contains("GRANT ROLE"), "{}", e.message);
    }
}
