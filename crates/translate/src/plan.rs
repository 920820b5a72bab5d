//! Statement classification: each parsed statement becomes a [`Plan`], either a [`Command`] the
//! session answers itself or a [`SqlPlan`] of DuckDB SQL with what the session needs to shape
//! Snowflake's answer.

use std::ops::ControlFlow;

use snowglobe_catalog::meta::{ForeignKeyPart, KeyPart};
use snowglobe_catalog::{ColumnMeta, SfType, ViewMeta};
use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    AssignmentTarget, ColumnOption, CreateTable, Ident, ObjectName, ObjectType, SchemaName,
    SqlOption, Statement, TableConstraint, Use, Value, Visit, Visitor,
};

use sqlparser::ast::helpers::key_value_options::KeyValueOptionKind;

use crate::names::{
    ident_name, parts, resolve_object, resolve_schema, resolve_single, storage_ident, Context,
    ObjectRef,
};
use crate::rules::identifiers::normalize;
use crate::rules::{apply, RuleContext};
use crate::statements::{
    AlterAction, ColumnChange, CommentTarget, KeyChange, SequenceChange, SequenceDef,
};
use crate::types::{duckdb_data_type, sf_type};

/// The schema every database has, answered from the catalog.
pub const INFORMATION_SCHEMA: &str = "INFORMATION_SCHEMA";

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
    /// Roles, users and role grants (see [`crate::access`]).
    Access(crate::access::AccessCommand),
    CreateDatabase {
        name: String,
        if_not_exists: bool,
        or_replace: bool,
        transient: bool,
        comment: Option<String>,
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
        comment: Option<String>,
    },
    /// `ALTER VIEW [IF EXISTS] v SET SECURE | UNSET SECURE`.
    SetViewSecure {
        view: ObjectRef,
        secure: bool,
        if_exists: bool,
    },
    /// `ALTER VIEW [IF EXISTS] v RENAME TO w`.
    RenameView {
        view: ObjectRef,
        target: ObjectRef,
        if_exists: bool,
    },
    DropSchema {
        database: String,
        name: String,
        if_exists: bool,
    },
    /// `CREATE WAREHOUSE` with its properties (`WAREHOUSE_SIZE = 'XSMALL'`, ...): names
    /// upper-case, values as text.
    CreateWarehouse {
        name: String,
        if_not_exists: bool,
        or_replace: bool,
        properties: Vec<(String, String)>,
    },
    /// `ALTER WAREHOUSE [IF EXISTS] [name] ...`; without a name, the current warehouse.
    AlterWarehouse {
        name: Option<String>,
        if_exists: bool,
        action: WarehouseAction,
    },
    DropWarehouse {
        name: String,
        if_exists: bool,
    },
    /// `ALTER SESSION SET k = v, ...` (values as text) or `UNSET k, ...` (values `None`).
    AlterSession(Vec<(String, Option<String>)>),
    Show(Show),
    Begin,
    Commit,
    Rollback,
    /// `SET x = e` / `SET (a, b) = (e1, e2)`: names and Snowflake SQL expressions.
    SetVariables(Vec<(String, String)>),
    UnsetVariables(Vec<String>),
    /// `DESCRIBE [TABLE | VIEW] t`.
    Describe {
        object: ObjectRef,
    },
    CreateSequence(SequenceDef),
    DropSequence {
        object: ObjectRef,
        if_exists: bool,
    },
    AlterSequence {
        object: ObjectRef,
        if_exists: bool,
        change: SequenceChange,
    },
    /// `CREATE OR ALTER TABLE`: created by `create_sql` (plain CREATE TABLE) when missing,
    /// else altered to the declared columns (added, dropped, changed) and comment.
    CreateOrAlterTable {
        table: ObjectRef,
        columns: Vec<crate::statements::DeclaredColumn>,
        comment: Option<String>,
        create_sql: String,
    },
    AlterTable {
        table: ObjectRef,
        if_exists: bool,
        action: AlterAction,
    },
    Comment {
        target: CommentTarget,
        comment: Option<String>,
        if_exists: bool,
    },
    /// `CREATE TABLE t CLONE s` (with the data) / `CREATE TABLE t LIKE s` (without).
    CloneTable {
        target: ObjectRef,
        source: ObjectRef,
        with_data: bool,
        or_replace: bool,
        if_not_exists: bool,
    },
    CloneSchema {
        target: (String, String),
        source: (String, String),
        or_replace: bool,
        if_not_exists: bool,
    },
    CloneDatabase {
        target: String,
        source: String,
        or_replace: bool,
        if_not_exists: bool,
    },
    /// `EXECUTE IMMEDIATE '<sql>'`: the statement text to run.
    ExecuteImmediate(String),
    /// `SELECT GET_DDL(...)` on its own.
    GetDdl(crate::get_ddl::GetDdl),
    ShowGrants(Grants),
    /// A statement accepted that changes nothing Snowglobe models — `GRANT` / `REVOKE` of
    /// privileges on objects (every session may do anything here) — and its status message.
    Accepted(String),
    /// `DESCRIBE DATABASE d` (its schemas) / `DESCRIBE SCHEMA d.s` (its objects).
    DescribeContainer {
        database: String,
        schema: Option<String>,
    },
    /// `DESCRIBE SEQUENCE s`: its SHOW SEQUENCES row.
    DescribeSequence(ObjectRef),
}

/// Whose grants a `SHOW GRANTS` lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grants {
    /// `SHOW GRANTS` / `SHOW GRANTS TO USER u`: the roles granted to the user (the current
    /// user when `None`).
    ToUser(Option<String>),
    /// `TO ROLE r`: the privileges the role holds.
    ToRole(String),
    /// `OF ROLE r`: the users and roles the role is granted to.
    OfRole(String),
    /// `ON <kind> <object>`: the privileges on an object. A DATABASE has only `database`, a
    /// SCHEMA `database` and `schema`, anything else all three.
    On { kind: String, object: ObjectRef },
}

/// The [`Grants`] of a `SHOW GRANTS` form (see `statements::parse_show_grants`).
pub(crate) fn grants_of(
    form: &str,
    kind: Option<&str>,
    name: Option<&ObjectName>,
    ctx: &Context,
) -> Result<Grants> {
    let single = |name: Option<&ObjectName>| -> Result<String> {
        match name {
            Some(n) => resolve_single(n),
            None => Err(SnowflakeError::syntax(1, 0, "<EOF>")),
        }
    };
    Ok(match (form, kind) {
        ("TO USER", _) => Grants::ToUser(name.map(resolve_single).transpose()?),
        ("TO ROLE", _) => Grants::ToRole(single(name)?),
        ("OF ROLE", _) => Grants::OfRole(single(name)?),
        ("ON", Some(kind)) => {
            let name = name.ok_or_else(|| SnowflakeError::syntax(1, 0, "<EOF>"))?;
            let object = match kind {
                "DATABASE" => ObjectRef {
                    database: resolve_single(name)?,
                    schema: String::new(),
                    name: String::new(),
                },
                "SCHEMA" => {
                    let (database, schema) = resolve_schema(name, ctx, "SHOW GRANTS")?;
                    ObjectRef {
                        database,
                        schema,
                        name: String::new(),
                    }
                }
                _ => resolve_object(name, ctx, "SHOW GRANTS")?,
            };
            Grants::On {
                kind: kind.to_string(),
                object,
            }
        }
        _ => return Err(SnowflakeError::unsupported("SHOW GRANTS ON ACCOUNT")),
    })
}

/// The database (and schema) a `DESCRIBE DATABASE | SCHEMA` names.
pub(crate) fn container_of(
    kind: &str,
    name: &ObjectName,
    ctx: &Context,
) -> Result<(String, Option<String>)> {
    if kind == "DATABASE" {
        return Ok((resolve_single(name)?, None));
    }
    let (database, schema) = resolve_schema(name, ctx, "DESCRIBE")?;
    Ok((database, Some(schema)))
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
    /// `LIMIT n FROM 'name'`: the listing starts at the first object whose name begins with
    /// this text (case-sensitive).
    pub limit_from: Option<String>,
    /// Database to list in (schemas, tables, views); `None` with `account` for everything.
    pub database: Option<String>,
    /// Schema to list in (tables, views).
    pub schema: Option<String>,
    /// `IN ACCOUNT`: every database.
    pub account: bool,
    /// `IN TABLE t` (columns, primary keys): the table.
    pub table: Option<String>,
    /// No IN clause, so the scope is the current database, where Snowflake lists objects of
    /// the same name (in different schemas) once.
    pub unscoped: bool,
}

impl Show {
    /// A SHOW of `objects` with its filters, scope still to be set.
    fn new(
        objects: ShowObjects,
        terse: bool,
        like: Option<String>,
        starts_with: Option<String>,
        limit: Option<u64>,
    ) -> Show {
        Show {
            objects,
            terse,
            like,
            starts_with,
            limit,
            limit_from: None,
            database: None,
            schema: None,
            account: false,
            table: None,
            unscoped: false,
        }
    }

    /// The scope of a SHOW without IN: the current database (every schema), or the account
    /// when no database is in use.
    fn current_database_scope(&mut self, ctx: &Context) {
        match &ctx.database {
            Some(db) => {
                self.database = Some(db.clone());
                self.unscoped = true;
            }
            None => self.account = true,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShowObjects {
    Databases,
    Schemas,
    Tables,
    Views,
    /// Tables and views together.
    Objects,
    Columns,
    Sequences,
    Warehouses,
    Parameters,
    Functions,
    UserFunctions,
    PrimaryKeys,
    /// UNIQUE, IMPORTED (foreign) and EXPORTED (referenced) keys: constraints Snowglobe does
    /// not record (Snowflake enforces none of them), so always empty.
    UniqueKeys,
    ImportedKeys,
    ExportedKeys,
    Stages,
    FileFormats,
    Users,
    Roles,
    /// User-defined stored procedures.
    Procedures,
    /// The session's variables (`SET`).
    Variables,
    /// Objects Snowglobe cannot create (tasks, streams, pipes, ...; the SHOW command's words,
    /// `TASKS`): none exist, so the listing is empty, in Snowflake's columns.
    Unmodelled(&'static str),
}

/// The SHOW commands of objects Snowglobe cannot create, and whether each lists the whole
/// account (the others list schemas, as SHOW SEQUENCES does).
pub const UNMODELLED_SHOWS: [(&str, bool); 16] = [
    ("TASKS", false),
    ("STREAMS", false),
    ("PIPES", false),
    ("MATERIALIZED VIEWS", false),
    ("EXTERNAL TABLES", false),
    ("DYNAMIC TABLES", false),
    ("ICEBERG TABLES", false),
    ("EVENT TABLES", false),
    ("TAGS", false),
    ("ALERTS", false),
    ("MASKING POLICIES", false),
    ("ROW ACCESS POLICIES", false),
    ("STREAMLITS", false),
    ("INTEGRATIONS", true),
    ("NETWORK POLICIES", true),
    ("SHARES", true),
];

/// The columns a `CREATE TABLE .. AS SELECT` copies unchanged from the one table it reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopiedColumns {
    pub source: ObjectRef,
    /// `SELECT *`: every column of the source, under its own name.
    pub all: bool,
    /// (new column, source column) for each plain column reference selected.
    pub columns: Vec<(String, String)>,
}

/// One `ALTER WAREHOUSE` action.
#[derive(Debug, Clone, PartialEq)]
pub enum WarehouseAction {
    Suspend,
    Resume {
        if_suspended: bool,
    },
    AbortAllQueries,
    RenameTo(String),
    /// Property names upper-case, values as text.
    Set(Vec<(String, String)>),
    Unset(Vec<String>),
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
    /// INFORMATION_SCHEMA views read, as (database, view): the SQL names each one as the
    /// placeholder [`information_schema_placeholder`], which the session replaces with rows.
    pub information_schema: Vec<(String, String)>,
    /// Query ids whose results the SQL reads (`RESULT_SCAN`), each named by
    /// [`crate::variables::result_scan_placeholder`].
    pub result_scans: Vec<String>,
    /// For a query whose body is a set operation (UNION, INTERSECT, MINUS): where DuckDB makes
    /// text of a number and a text branch, Snowflake makes the text a number (dates, times,
    /// timestamps and booleans likewise): the session casts such columns back.
    pub set_operation: Option<Box<SetOperation>>,
}

/// A query whose body is a set operation, for the session to read its branches' column types
/// and cast a branch's columns before they meet the others' (so that UNION, INTERSECT and
/// MINUS compare the converted values, and ORDER BY sorts them).
#[derive(Debug, Clone, PartialEq)]
pub struct SetOperation {
    /// Each branch's DuckDB SQL, with the query's CTEs: `SELECT * FROM (<branch>)`.
    pub branches: Vec<String>,
    /// Each branch as it is written in the query.
    pub leaves: Vec<String>,
    /// The query with `TABLE <marker>` in place of branch i ([`set_branch_marker`]).
    pub template: String,
}

/// The quoted placeholder standing for `<database>.INFORMATION_SCHEMA.<view>` in DuckDB SQL.
pub fn information_schema_placeholder(database: &str, view: &str) -> String {
    snowglobe_catalog::names::quote(&format!("\u{1}is.{database}.{view}"))
}

/// What kind of answer the statement gets.
#[derive(Debug, Clone, PartialEq)]
pub enum SqlKind {
    Query,
    Insert,
    /// `multi_joined`: for an UPDATE with FROM, the query counting the target rows that join
    /// more than one source row (Snowflake's "number of multi-joined rows updated"), to run
    /// before the update.
    Update {
        multi_joined: Option<String>,
    },
    Delete,
    /// MERGE answers with one count column per kind of clause it has.
    Merge {
        inserts: bool,
        updates: bool,
        deletes: bool,
        /// The same MERGE reading, for each target row, one of the source rows it joins: run
        /// instead where Snowflake picks one of several (its WHEN MATCHED clauses only delete,
        /// or ERROR_ON_NONDETERMINISTIC_MERGE is off) and DuckDB would refuse.
        one_source_row: Option<String>,
        /// The WHEN MATCHED clauses delete and none updates: several source rows per target
        /// row are no error.
        deletes_only: bool,
    },
    /// `INSERT ALL | FIRST`: the source query is kept in a temporary table (named by
    /// [`MULTI_INSERT_SOURCE`]), then each INTO clause inserts from it; each insert is
    /// labelled with its target table for the answer's count columns.
    MultiInsert {
        source: String,
        inserts: Vec<(String, String)>,
        /// `INSERT OVERWRITE ALL | FIRST`: the targets (DuckDB paths) emptied once the source
        /// is read, before the inserts.
        overwrite: Vec<String>,
    },
    /// INSERT OVERWRITE: the target (DuckDB path) is emptied first, in the same transaction.
    InsertOverwrite {
        storage: String,
    },
    /// CREATE TABLE: the session records each column's declared type after creating it.
    CreateTable {
        table: ObjectRef,
        /// DuckDB path of the created table (differs from `table` for temporary tables).
        storage: String,
        columns: Vec<(String, ColumnMeta)>,
        if_not_exists: bool,
        temporary: bool,
        /// Sequences to create first (DuckDB SQL), one per AUTOINCREMENT / IDENTITY column.
        sequences: Vec<String>,
        /// The table's `COMMENT = '...'`.
        comment: Option<String>,
        /// Columns declared NOT NULL in a `CREATE TABLE t (a INT NOT NULL) AS SELECT` (DuckDB
        /// keeps no constraints from a query): set NOT NULL once the table is filled.
        not_null: Vec<String>,
        /// A CTAS reading one table: its columns copied as they are keep their declared
        /// Snowflake types (`VARCHAR(10)`, `ARRAY`, `TIMESTAMP_LTZ`...).
        copied_columns: Option<Box<CopiedColumns>>,
        /// A CTAS's columns whose Snowflake type its query says and DuckDB's storage type does
        /// not: `x::VARCHAR(5) AS c`, `OBJECT_CONSTRUCT(..) AS o`, `ARRAY_AGG(..) AS a`.
        projection_types: Vec<(String, snowglobe_catalog::SfType)>,
        /// `CREATE TRANSIENT TABLE` (recorded in the table's metadata: DuckDB has no such kind).
        transient: bool,
    },
    /// DROP TABLE / VIEW; `storage` is the DuckDB path.
    Drop {
        kind: &'static str,
        object: ObjectRef,
        storage: String,
        if_exists: bool,
    },
    /// CREATE VIEW: the session records the definition as written after creating the view.
    CreateView {
        status: String,
        /// The view.
        view: ObjectRef,
        /// DuckDB path of the view.
        storage: String,
        /// `None` for a temporary view (it lives only as long as the session).
        meta: Option<Box<ViewMeta>>,
        /// `CREATE VIEW IF NOT EXISTS`: the view, which is left as it is when it exists.
        if_not_exists: Option<ObjectRef>,
        /// A temporary view: the session resolves its name to DuckDB's `temp` catalog, as for
        /// a temporary table.
        temporary: Option<ObjectRef>,
    },
    /// Other DDL: answered with a status text.
    Ddl {
        status: String,
    },
}

/// Plan one statement in the session context. `sql` is the statement's original text (column
/// names are spelled from it).
pub fn plan(mut statement: Statement, ctx: &Context, sql: &str) -> Result<Plan> {
    if let Some(feature) = crate::parse::history_clause(sql) {
        return Err(SnowflakeError::unsupported(feature));
    }
    // Columns are named from the text as written, before `$x` and `seq.NEXTVAL` are replaced.
    crate::rules::column_names::name_projection_columns(&mut statement, sql);
    crate::timestamp_mapping::apply(&mut statement, &ctx.timestamp_type_mapping);
    crate::pivot::default_on_null(&mut statement)?;
    crate::variables::substitute(&mut statement, ctx)?;
    if let Statement::CreateTable(create) = &statement {
        if let Some(plain) = crate::parse::without_or_alter(sql) {
            return Ok(Plan::Command(create_or_alter_table(create, ctx, plain)?));
        }
    }
    if let Some(command) = crate::statements::command(&statement, ctx)? {
        return Ok(Plan::Command(command));
    }
    if let Some(command) = command(&statement, ctx)? {
        return Ok(Plan::Command(command));
    }
    let result_scans = crate::variables::result_scans(&mut statement, ctx)?;
    crate::copy_history::rewrite(&mut statement, ctx)?;
    let operation = operation(&statement);
    let tables = referenced_tables(&statement, ctx);
    let view_name = match &statement {
        Statement::CreateView(view) => Some(resolve_object(&view.name, ctx, "CREATE VIEW")?),
        _ => None,
    };
    let kind = match &mut statement {
        Statement::Query(_) => SqlKind::Query,
        Statement::Insert(insert) => {
            if insert.multi_table_insert_type.is_some() {
                return multi_table_insert(insert, ctx);
            }
            for column in &mut insert.columns {
                normalize_object_name(column);
            }
            if insert.overwrite {
                let sqlparser::ast::TableObject::TableName(name) = &insert.table else {
                    return Err(SnowflakeError::unsupported(
                        "INSERT OVERWRITE INTO a function",
                    ));
                };
                let object = resolve_object(name, ctx, "INSERT")?;
                insert.overwrite = false;
                SqlKind::InsertOverwrite {
                    storage: storage_path(&object, ctx),
                }
            } else {
                SqlKind::Insert
            }
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
            unqualified_targets(&mut update.assignments);
            SqlKind::Update { multi_joined: None }
        }
        Statement::Delete(_) => SqlKind::Delete,
        Statement::Merge(merge) => {
            use sqlparser::ast::MergeAction;
            for clause in &mut merge.clauses {
                if let MergeAction::Update(update) = &mut clause.action {
                    if let sqlparser::ast::MergeUpdateKind::Set(assignments) = &mut update.kind {
                        unqualified_targets(assignments);
                    }
                }
            }
            let has = |f: fn(&MergeAction) -> bool| merge.clauses.iter().any(|c| f(&c.action));
            SqlKind::Merge {
                inserts: has(|a| matches!(a, MergeAction::Insert(_))),
                updates: has(|a| matches!(a, MergeAction::Update { .. })),
                deletes: has(|a| matches!(a, MergeAction::Delete { .. })),
                one_source_row: None,
                deletes_only: has(|a| matches!(a, MergeAction::Delete { .. }))
                    && !has(|a| matches!(a, MergeAction::Update { .. })),
            }
        }
        Statement::CreateTable(create) if create.dynamic || create.iceberg || create.external => {
            let kind = if create.dynamic {
                "DYNAMIC"
            } else if create.iceberg {
                "ICEBERG"
            } else {
                "EXTERNAL"
            };
            return Err(SnowflakeError::unsupported(format!("CREATE {kind} TABLE")));
        }
        Statement::CreateTable(create) => create_table(create, ctx)?,
        Statement::CreateView(view) if view.materialized => {
            return Err(SnowflakeError::unsupported("CREATE MATERIALIZED VIEW"));
        }
        Statement::CreateView(view) => {
            let object = resolve_object(&view.name, ctx, "CREATE VIEW")?;
            // Column comments in the column list are kept in the view's metadata; DuckDB
            // takes the names alone.
            let column_comments: Vec<(String, String)> = view
                .columns
                .iter()
                .filter_map(|c| {
                    c.options.as_ref()?.as_slice().iter().find_map(|o| match o {
                        ColumnOption::Comment(text) => Some((ident_name(&c.name), text.clone())),
                        _ => None,
                    })
                })
                .collect();
            // The names follow the identifier rules (`(a, "q")` names A and q).
            for c in &mut view.columns {
                c.options = None;
                normalize(&mut c.name);
            }
            let meta = (!view.temporary).then(|| {
                Box::new(ViewMeta {
                    text: sql.trim().trim_end_matches(';').trim_end().to_string(),
                    body: crate::rules::column_names::text_from(&view.query, sql)
                        .unwrap_or_else(|| view.query.to_string()),
                    secure: view.secure,
                    comment: view.comment.clone(),
                    column_comments,
                    columns: vec![],
                })
            });
            view.secure = false;
            view.comment = None;
            // Grants are not modelled.
            view.copy_grants = false;
            // DuckDB keeps temporary views in its `temp` catalog, under the bare name.
            let (storage, temporary) = if view.temporary {
                (
                    format!("temp.main.{}", storage_ident(&object.name)),
                    Some(object.clone()),
                )
            } else {
                (storage_path(&object, ctx), None)
            };
            SqlKind::CreateView {
                status: format!("View {} successfully created.", object.name),
                view: object.clone(),
                storage,
                meta,
                if_not_exists: view.if_not_exists.then(|| object.clone()),
                temporary,
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
                information_schema: vec![],
                result_scans: vec![],
                set_operation: None,
            }));
        }
        Statement::Truncate(t) => {
            let [target] = t.table_names.as_slice() else {
                return Err(SnowflakeError::unsupported("TRUNCATE of several tables"));
            };
            let object = resolve_object(&target.name, ctx, "TRUNCATE")?;
            let storage = storage_path(&object, ctx);
            let sql = format!("TRUNCATE {storage}");
            return Ok(Plan::Sql(SqlPlan {
                sql,
                kind: SqlKind::Ddl {
                    status: "Statement executed successfully.".into(),
                },
                tables,
                literal_columns: vec![],
                semi_structured_columns: vec![],
                information_schema: vec![],
                result_scans: vec![],
                set_operation: None,
            }));
        }
        other => return Err(unsupported_statement(other)),
    };
    // After the column metadata is taken (a default is recorded as written, `s.nextval`).
    crate::variables::sequence_calls(&mut statement, ctx)?;
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
    let mut kind = kind;
    match (&statement, &mut kind) {
        (Statement::Update(update), SqlKind::Update { multi_joined }) => {
            *multi_joined = multi_joined_count(update);
        }
        (Statement::Merge(merge), SqlKind::Merge { one_source_row, .. }) => {
            *one_source_row = merge_one_source_row(merge);
        }
        _ => {}
    }
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
                view.name = if view.temporary {
                    ObjectName::from(vec![storage_ident(&name.name)])
                } else {
                    name.object_name()
                };
            }
        }
        _ => {}
    }
    let (information_schema, tables): (Vec<ObjectRef>, Vec<ObjectRef>) = tables
        .into_iter()
        .partition(|t| t.schema == INFORMATION_SCHEMA);
    let set_operation = set_operation(&statement);
    Ok(Plan::Sql(SqlPlan {
        sql: asof_joins_as_duckdb(statement.to_string()),
        kind,
        tables,
        literal_columns,
        semi_structured_columns,
        information_schema: information_schema
            .into_iter()
            .map(|t| (t.database, t.name))
            .collect(),
        result_scans,
        set_operation,
    }))
}

/// The top-level set operation of a query (or of the query a CTAS, INSERT ... SELECT or CREATE
/// VIEW reads): its branches, each as a query with the query's CTEs (for their column types),
/// and the statement with each branch a marker ([`set_branch_marker`]) the session fills with
/// the branch, cast or not. `None` when the body is no set operation, when
/// it pairs columns by name (`UNION BY NAME`), or when it has more branches than are worth
/// reading the types of (long unions are made of alike branches).
fn set_operation(statement: &Statement) -> Option<Box<SetOperation>> {
    use sqlparser::ast::{SetExpr, SetQuantifier, Table};
    const MOST_BRANCHES: usize = 16;
    /// Replace each branch with a marker, collecting the branches; false for BY NAME.
    fn mark(body: &mut SetExpr, out: &mut Vec<String>) -> bool {
        match body {
            SetExpr::SetOperation {
                left,
                right,
                set_quantifier,
                ..
            } => {
                if matches!(
                    set_quantifier,
                    SetQuantifier::ByName
                        | SetQuantifier::AllByName
                        | SetQuantifier::DistinctByName
                ) {
                    return false;
                }
                mark(left, out) && mark(right, out)
            }
            leaf => {
                out.push(leaf.to_string());
                *leaf = SetExpr::Table(Box::new(Table {
                    table_name: Some(Ident::new(set_branch_marker(out.len() - 1))),
                    schema_name: None,
                }));
                true
            }
        }
    }
    // The statement's query: a query's own, or what CTAS, INSERT ... SELECT and CREATE VIEW read.
    let mut template = statement.clone();
    let query = match &mut template {
        Statement::Query(query) => query,
        Statement::CreateTable(create) => create.query.as_mut()?,
        Statement::Insert(insert) => insert.source.as_mut()?,
        Statement::CreateView(view) => &mut view.query,
        _ => return None,
    };
    if !matches!(*query.body, SetExpr::SetOperation { .. }) {
        return None;
    }
    let with = query
        .with
        .as_ref()
        .map(|w| format!("{w} "))
        .unwrap_or_default();
    let mut leaves = vec![];
    if !mark(&mut query.body, &mut leaves) || leaves.len() > MOST_BRANCHES {
        return None;
    }
    let branches = leaves
        .iter()
        .map(|leaf| format!("{with}SELECT * FROM ({leaf})"))
        .collect();
    Some(Box::new(SetOperation {
        branches,
        leaves,
        template: template.to_string(),
    }))
}

/// The text standing for branch `i` in [`SetOperation::template`].
pub fn set_branch_marker(i: usize) -> String {
    format!("\u{2}branch{i}\u{2}")
}

/// For a translated `UPDATE t ... FROM s ... WHERE c`: the query counting the rows of `t` that
/// join more than one row of the sources.
fn multi_joined_count(update: &sqlparser::ast::Update) -> Option<String> {
    use sqlparser::ast::{TableFactor, UpdateTableFromKind};
    let from = match &update.from {
        Some(UpdateTableFromKind::BeforeSet(from) | UpdateTableFromKind::AfterSet(from))
            if !from.is_empty() =>
        {
            from
        }
        _ => return None,
    };
    let visible = |factor: &TableFactor| match factor {
        TableFactor::Table { name, alias, .. } => Some(match alias {
            Some(alias) => alias.name.value.clone(),
            None => name.0.last()?.as_ident()?.value.clone(),
        }),
        _ => None,
    };
    let target = match &update.table.relation {
        TableFactor::Table { name, alias, .. } => match alias {
            Some(alias) => alias.name.to_string(),
            None => name.to_string(),
        },
        _ => return None,
    };
    // A source seen under the target's name would make the target's rowid ambiguous.
    let target_name = visible(&update.table.relation)?;
    if from
        .iter()
        .any(|t| visible(&t.relation).is_some_and(|n| n == target_name))
    {
        return None;
    }
    let sources = std::iter::once(&update.table)
        .chain(from)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ");
    let filter = update
        .selection
        .as_ref()
        .map(|c| format!(" WHERE {c}"))
        .unwrap_or_default();
    Some(format!(
        "SELECT count(*) FROM (SELECT 1 FROM {sources}{filter} GROUP BY {target}.rowid HAVING count(*) > 1)"
    ))
}

/// The name a table factor is seen by: its alias, or the last part of its name.
fn visible_name(factor: &sqlparser::ast::TableFactor) -> Option<Ident> {
    use sqlparser::ast::TableFactor;
    match factor {
        TableFactor::Table { alias: Some(a), .. } | TableFactor::Derived { alias: Some(a), .. } => {
            Some(a.name.clone())
        }
        TableFactor::Table { name, .. } => name.0.last()?.as_ident().cloned(),
        _ => None,
    }
}

/// `merge` with its source reduced to one row per target row it joins (the first, or the
/// first meeting a WHEN MATCHED condition when every such clause has one); source rows that
/// join no target row all stay.
fn merge_one_source_row(merge: &sqlparser::ast::Merge) -> Option<String> {
    use sqlparser::ast::{MergeClauseKind, TableFactor};
    let target = visible_name(&merge.table)?;
    let source = visible_name(&merge.source)?;
    if target.value == source.value {
        return None;
    }
    let matched: Vec<&sqlparser::ast::MergeClause> = merge
        .clauses
        .iter()
        .filter(|c| c.clause_kind == MergeClauseKind::Matched)
        .collect();
    let order = if !matched.is_empty() && matched.iter().all(|c| c.predicate.is_some()) {
        let any = matched
            .iter()
            .filter_map(|c| c.predicate.as_ref().map(|p| format!("({p})")))
            .collect::<Vec<_>>()
            .join(" OR ");
        format!(" ORDER BY CASE WHEN {any} THEN 0 ELSE 1 END")
    } else {
        String::new()
    };
    let placeholder = Ident::with_quote('"', "\u{1}merge source");
    let mut reduced = merge.clone();
    // The target is a plain table: its factor, renamed, stands for the new source.
    reduced.source = merge.table.clone();
    let TableFactor::Table { name, alias, .. } = &mut reduced.source else {
        return None;
    };
    *name = ObjectName::from(vec![placeholder.clone()]);
    *alias = None;
    let subquery = format!(
        "(SELECT {source}.* FROM {} LEFT JOIN {} ON {} QUALIFY {target}.rowid IS NULL OR \
         row_number() OVER (PARTITION BY {target}.rowid{order}) = 1) AS {source}",
        merge.source, merge.table, merge.on
    );
    Some(
        reduced
            .to_string()
            .replacen(&placeholder.to_string(), &subquery, 1),
    )
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
        return Err(SnowflakeError::unsupported(
            "CREATE TABLE ... CLONE / LIKE of this form",
        ));
    }
    // `LOCAL` / `GLOBAL TEMPORARY` and `VOLATILE` tables are all Snowflake's temporary tables.
    create.global = None;
    if std::mem::take(&mut create.volatile) {
        create.temporary = true;
    }
    let mut columns = Vec::with_capacity(create.columns.len());
    let mut sequences = Vec::new();
    let declared: Vec<(Ident, sqlparser::ast::DataType)> = create
        .columns
        .iter()
        .map(|c| (c.name.clone(), c.data_type.clone()))
        .collect();
    let ctas_not_null: Vec<String> = match create.query {
        Some(_) => create
            .columns
            .iter()
            .filter(|c| {
                c.options.iter().any(|o| {
                    matches!(
                        o.option,
                        ColumnOption::NotNull | ColumnOption::PrimaryKey(_)
                    )
                })
            })
            .map(|c| ident_name(&c.name))
            .collect(),
        None => vec![],
    };
    for column in &mut create.columns {
        let column_name = ident_name(&column.name);
        let sf = sf_type(&column.data_type)?;
        let mut meta = ColumnMeta::new(sf);
        // Snowflake enforces only NOT NULL; PRIMARY KEY / UNIQUE / FOREIGN KEY are informational.
        let mut kept = Vec::new();
        for option in column.options.drain(..) {
            match &option.option {
                ColumnOption::Comment(c) => meta.comment = Some(c.clone()),
                ColumnOption::PrimaryKey(_) => {
                    meta.primary_key = true;
                    kept.push(not_null(&option))
                }
                ColumnOption::Unique(unique) => {
                    let name = constraint_name(option.name.as_ref().or(unique.name.as_ref()));
                    meta.unique = Some(KeyPart { name, sequence: 1 });
                }
                ColumnOption::ForeignKey(fk) => {
                    let name = constraint_name(option.name.as_ref().or(fk.name.as_ref()));
                    meta.references = Some(Box::new(foreign_key_part(fk, name, 0, ctx)?));
                }
                ColumnOption::Default(e) => {
                    meta.default = Some(e.to_string());
                    // The default's value in the session zone: a TIMESTAMP_TZ stored with its
                    // offset, a TIMESTAMP_NTZ as the wall clock (CURRENT_TIMESTAMP's local time).
                    let in_zone = |function: &str| sqlparser::ast::ColumnOptionDef {
                        name: option.name.clone(),
                        option: ColumnOption::Default(crate::rules::calls::func(
                            function,
                            vec![
                                e.clone(),
                                sqlparser::ast::Expr::value(Value::SingleQuotedString(
                                    crate::rules::timestamps::session_zone(ctx),
                                )),
                            ],
                        )),
                    };
                    let literal = matches!(e, sqlparser::ast::Expr::Value(_));
                    let null =
                        matches!(e, sqlparser::ast::Expr::Value(v) if v.value == Value::Null);
                    match sf {
                        SfType::TimestampTz { .. } if !null => kept.push(in_zone("sg_tz")),
                        SfType::TimestampNtz { .. } if !literal => kept.push(in_zone("sg_ntz")),
                        _ => kept.push(option),
                    }
                }
                ColumnOption::Null | ColumnOption::NotNull => kept.push(option),
                ColumnOption::Collation(_) => {}
                ColumnOption::Identity(identity) => {
                    let (start, increment) = identity_parameters(identity)?;
                    // NOORDER unless ORDER is asked for (Snowflake's default since 2024_01).
                    let (sqlparser::ast::IdentityPropertyKind::Autoincrement(p)
                    | sqlparser::ast::IdentityPropertyKind::Identity(p)) = identity;
                    let order = match p.order {
                        Some(sqlparser::ast::IdentityPropertyOrder::Order) => "ORDER",
                        _ => "NOORDER",
                    };
                    meta.default = Some(format!(
                        "IDENTITY START {start} INCREMENT {increment} {order}"
                    ));
                    let sequence = ObjectRef {
                        name: format!("\u{1}identity.{}.{column_name}", table.name),
                        ..table.clone()
                    };
                    let path = if create.temporary {
                        format!("temp.main.{}", storage_ident(&sequence.name))
                    } else {
                        sequence.storage()
                    };
                    sequences.push(crate::statements::sequence_sql(&path, start, increment));
                    kept.push(sqlparser::ast::ColumnOptionDef {
                        name: None,
                        option: ColumnOption::Default(crate::rules::calls::func(
                            "nextval",
                            vec![sqlparser::ast::Expr::value(Value::SingleQuotedString(path))],
                        )),
                    });
                }
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
    let position = |columns: &[(String, ColumnMeta)], key: &str| -> Result<usize> {
        columns.iter().position(|(n, _)| n == key).ok_or_else(|| {
            SnowflakeError::compilation(
                snowglobe_error::ErrorCode::InvalidIdentifier,
                format!("invalid identifier '{key}'"),
            )
        })
    };
    for constraint in &create.constraints {
        for (key, change) in key_columns(constraint, ctx)?.unwrap_or_default() {
            let at = position(&columns, &key)?;
            let meta = &mut columns[at].1;
            match change {
                KeyChange::Primary => {
                    meta.primary_key = true;
                    let options = &mut create.columns[at].options;
                    if !options.iter().any(|o| o.option == ColumnOption::NotNull) {
                        options.push(sqlparser::ast::ColumnOptionDef {
                            name: None,
                            option: ColumnOption::NotNull,
                        });
                    }
                }
                KeyChange::Unique(part) => meta.unique = Some(part),
                KeyChange::Foreign(part) => meta.references = Some(part),
            }
        }
    }
    create
        .constraints
        .retain(|c| matches!(c, TableConstraint::Check(_)));
    let comment = declared_comment(create);
    create.comment = None;
    create.cluster_by = None;
    create.table_options = sqlparser::ast::CreateTableOptions::None;
    create.copy_grants = false;
    create.change_tracking = None;
    create.data_retention_time_in_days = None;
    create.max_data_extension_time_in_days = None;
    create.enable_schema_evolution = None;
    let copied_columns = match (&create.query, declared.is_empty()) {
        (Some(query), true) => copied_columns(query, ctx).map(Box::new),
        _ => None,
    };
    let projection_types = match (&create.query, declared.is_empty()) {
        (Some(query), true) => crate::rules::column_names::projection_types(query),
        _ => vec![],
    };
    if let (Some(query), false) = (create.query.as_mut(), declared.is_empty()) {
        ctas_with_columns(query, &declared)?;
        create.columns.clear();
    }
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
        sequences,
        comment,
        not_null: ctas_not_null,
        copied_columns,
        projection_types,
        transient: create.transient,
    })
}

/// The columns a CTAS query copies unchanged: the plain column references (and `*`) of a
/// SELECT reading one table, without CTEs, joins or set operations.
fn copied_columns(query: &sqlparser::ast::Query, ctx: &Context) -> Option<CopiedColumns> {
    use sqlparser::ast::{Expr, SelectItem, SetExpr, TableFactor};
    if query.with.is_some() {
        return None;
    }
    let SetExpr::Select(select) = query.body.as_ref() else {
        return None;
    };
    let [from] = select.from.as_slice() else {
        return None;
    };
    let TableFactor::Table {
        name, args: None, ..
    } = &from.relation
    else {
        return None;
    };
    if !from.joins.is_empty() {
        return None;
    }
    let source = resolve_object(name, ctx, "CREATE TABLE").ok()?;
    let plain = |e: &Expr| match e {
        Expr::Identifier(i) => Some(ident_name(i)),
        Expr::CompoundIdentifier(parts) => parts.last().map(ident_name),
        _ => None,
    };
    let mut out = CopiedColumns {
        source,
        all: false,
        columns: vec![],
    };
    for item in &select.projection {
        match item {
            // Every column under its own name (with EXCLUDE, a computed column could take a
            // dropped column's name).
            SelectItem::Wildcard(o) | SelectItem::QualifiedWildcard(_, o)
                if o.opt_replace.is_none()
                    && o.opt_rename.is_none()
                    && o.opt_alias.is_none()
                    && o.opt_exclude.is_none()
                    && o.opt_except.is_none()
                    && o.opt_ilike.is_none() =>
            {
                out.all = true
            }
            SelectItem::UnnamedExpr(e) => {
                if let Some(c) = plain(e) {
                    out.columns.push((c.clone(), c));
                }
            }
            SelectItem::ExprWithAlias { expr, alias } => {
                if let Some(c) = plain(expr) {
                    out.columns.push((ident_name(alias), c));
                }
            }
            _ => {}
        }
    }
    (out.all || !out.columns.is_empty()).then_some(out)
}

/// `CREATE TABLE t (a INT, b TEXT) AS SELECT ..` names and types the query's columns by
/// position; DuckDB takes no column list with AS: the query becomes `SELECT CAST(sg_c1 AS INT)
/// AS a, CAST(sg_c2 AS TEXT) AS b FROM (query) AS sg_ctas (sg_c1, sg_c2)`.
fn ctas_with_columns(
    query: &mut Box<sqlparser::ast::Query>,
    declared: &[(Ident, sqlparser::ast::DataType)],
) -> Result<()> {
    let inner: Vec<String> = (1..=declared.len())
        .map(|i| format!("\"SG_C{i}\""))
        .collect();
    let projection: Vec<String> = declared
        .iter()
        .zip(&inner)
        .map(|((name, data_type), c)| format!("CAST({c} AS {data_type}) AS {name}"))
        .collect();
    let sql = format!(
        "SELECT {} FROM ({query}) AS sg_ctas ({})",
        projection.join(", "),
        inner.join(", ")
    );
    match crate::parse::parse(&sql)?.pop() {
        Some(Statement::Query(q)) => {
            *query = q;
            Ok(())
        }
        _ => Err(SnowflakeError::internal(
            "CREATE TABLE .. AS with columns: the query did not parse",
        )),
    }
}

/// `AUTOINCREMENT | IDENTITY [(start, increment) | START n INCREMENT m]`, defaults 1 and 1.
fn identity_parameters(identity: &sqlparser::ast::IdentityPropertyKind) -> Result<(i64, i64)> {
    use sqlparser::ast::{IdentityPropertyFormatKind as F, IdentityPropertyKind as K};
    let (K::Autoincrement(p) | K::Identity(p)) = identity;
    let number = |e: &sqlparser::ast::Expr| -> Result<i64> {
        let text = e.to_string().replace(' ', "");
        text.parse().map_err(|_| {
            SnowflakeError::compilation(
                snowglobe_error::ErrorCode::SyntaxError,
                format!("invalid value [{e}] for identity start or increment"),
            )
        })
    };
    match &p.parameters {
        None => Ok((1, 1)),
        Some(F::FunctionCall(p) | F::StartAndIncrement(p)) => {
            Ok((number(&p.seed)?, number(&p.increment)?))
        }
    }
}

/// The temporary table a multi-table INSERT reads its source rows from.
pub const MULTI_INSERT_SOURCE: &str = "\u{1}MULTI_INSERT_SOURCE";

/// `INSERT ALL | FIRST [WHEN c THEN] INTO t [(cols)] [VALUES (...)] ... [ELSE INTO ...] <query>`
/// as plain INSERTs reading the source once: under FIRST a row goes to the first WHEN that
/// holds, under ALL to every one; ELSE takes the rows no WHEN took.
fn multi_table_insert(insert: &sqlparser::ast::Insert, ctx: &Context) -> Result<Plan> {
    use sqlparser::ast::{MultiTableInsertIntoClause, MultiTableInsertType};
    let source = insert
        .source
        .as_ref()
        .ok_or_else(|| SnowflakeError::unsupported("multi-table INSERT without a query"))?;
    let source_sql = source.to_string();
    let Plan::Sql(source_plan) = plan(
        crate::parse::parse(&source_sql)?
            .into_iter()
            .next()
            .ok_or_else(|| SnowflakeError::internal("no source query"))?,
        ctx,
        &source_sql,
    )?
    else {
        return Err(SnowflakeError::unsupported("multi-table INSERT source"));
    };
    let first = matches!(
        insert.multi_table_insert_type,
        Some(MultiTableInsertType::First)
    );
    // An unconditional multi-table insert is INSERT ALL; FIRST needs WHEN clauses.
    if first && insert.multi_table_when_clauses.is_empty() {
        return Err(SnowflakeError::compilation(
            snowglobe_error::ErrorCode::SyntaxError,
            "syntax error: unexpected 'INTO' (INSERT FIRST takes WHEN clauses)".to_string(),
        ));
    }
    let source_name = snowglobe_catalog::names::quote(MULTI_INSERT_SOURCE);
    let mut inserts = Vec::new();
    let mut overwrite: Vec<String> = Vec::new();
    let mut add = |clause: &MultiTableInsertIntoClause, condition: Option<String>| -> Result<()> {
        let target = resolve_object(&clause.table_name, ctx, "INSERT")?;
        let path = storage_path(&target, ctx);
        if insert.overwrite && !overwrite.contains(&path) {
            overwrite.push(path);
        }
        // A column given DEFAULT is left out, so it takes its default.
        let defaulted = |i: usize| {
            clause.values.as_ref().is_some_and(|v| {
                v.values
                    .get(i)
                    .is_some_and(|v| matches!(v, sqlparser::ast::MultiTableInsertValue::Default))
            })
        };
        let count = clause.values.as_ref().map_or(0, |v| v.values.len());
        if (clause.columns.is_empty() || (0..count).all(defaulted)) && (0..count).any(defaulted) {
            return Err(SnowflakeError::unsupported(
                "DEFAULT in a multi-table INSERT's VALUES without a column list or for every \
                 column",
            ));
        }
        let columns = if clause.columns.is_empty() {
            String::new()
        } else {
            format!(
                " ({})",
                clause
                    .columns
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !defaulted(*i))
                    .map(|(_, c)| c.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let values = match &clause.values {
            Some(v) => v
                .values
                .iter()
                .enumerate()
                .filter(|(i, _)| !defaulted(*i))
                .map(|(_, v)| v.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            None => "*".into(),
        };
        let filter = condition.map(|c| format!(" WHERE {c}")).unwrap_or_default();
        let sql = format!(
            "INSERT INTO {}{columns} SELECT {values} FROM {source_name}{filter}",
            clause.table_name
        );
        let statement = crate::parse::parse(&sql)?
            .into_iter()
            .next()
            .ok_or_else(|| SnowflakeError::internal("no insert"))?;
        let mut clause_ctx = ctx.clone();
        clause_ctx.target_columns = vec![];
        let Plan::Sql(p) = plan(statement, &clause_ctx, &sql)? else {
            return Err(SnowflakeError::internal("multi-table INSERT clause"));
        };
        inserts.push((target.name, p.sql));
        Ok(())
    };
    for clause in &insert.multi_table_into_clauses {
        add(clause, None)?;
    }
    // "No earlier WHEN held" (a NULL condition does not hold).
    let none_of = |earlier: &[String]| {
        let held: Vec<String> = earlier
            .iter()
            .map(|c| format!("coalesce({c}, FALSE)"))
            .collect();
        format!("NOT ({})", held.join(" OR "))
    };
    let mut earlier: Vec<String> = Vec::new();
    for when in &insert.multi_table_when_clauses {
        let own = format!("({})", when.condition);
        let condition = if first && !earlier.is_empty() {
            format!("{own} AND {}", none_of(&earlier))
        } else {
            own.clone()
        };
        for clause in &when.into_clauses {
            add(clause, Some(condition.clone()))?;
        }
        earlier.push(own);
    }
    if let Some(otherwise) = &insert.multi_table_else_clause {
        let condition = (!earlier.is_empty()).then(|| none_of(&earlier));
        for clause in otherwise {
            add(clause, condition.clone())?;
        }
    }
    Ok(Plan::Sql(SqlPlan {
        sql: String::new(),
        kind: SqlKind::MultiInsert {
            source: source_plan.sql,
            inserts,
            overwrite,
        },
        tables: vec![],
        literal_columns: vec![],
        semi_structured_columns: vec![],
        information_schema: source_plan.information_schema,
        result_scans: source_plan.result_scans,
        set_operation: None,
    }))
}

/// One column definition as `CREATE TABLE` would translate it (`ALTER TABLE ... ADD COLUMN`).
/// Snowflake lets `UPDATE t SET t.c = ..` (and MERGE's `UPDATE SET`) name the target table
/// before the column; DuckDB takes the column alone.
fn unqualified_targets(assignments: &mut [sqlparser::ast::Assignment]) {
    for assignment in assignments {
        if let AssignmentTarget::ColumnName(name) = &mut assignment.target {
            if name.0.len() > 1 {
                name.0.drain(..name.0.len() - 1);
            }
        }
    }
}

/// `CREATE OR ALTER TABLE t (...)`: the table's declared columns and comment, and the plain
/// `CREATE TABLE` text that creates it when it does not exist.
fn create_or_alter_table(
    create: &sqlparser::ast::CreateTable,
    ctx: &Context,
    create_sql: String,
) -> Result<Command> {
    if create.query.is_some() {
        return Err(SnowflakeError::unsupported(
            "CREATE OR ALTER TABLE ... AS SELECT",
        ));
    }
    if create.clone.is_some() || create.like.is_some() || create.temporary {
        return Err(SnowflakeError::unsupported(
            "CREATE OR ALTER of a temporary, cloned or LIKE table",
        ));
    }
    let mut columns = Vec::with_capacity(create.columns.len());
    for column in &create.columns {
        let not_null = column
            .options
            .iter()
            .any(|o| matches!(o.option, ColumnOption::NotNull));
        let default = column.options.iter().find_map(|o| match &o.option {
            ColumnOption::Default(e) => Some(e),
            _ => None,
        });
        let default = match default {
            Some(e) => Some((translate_expr(e, ctx)?, e.to_string())),
            None => None,
        };
        columns.push(crate::statements::DeclaredColumn {
            change: translate_column(column, ctx)?,
            not_null,
            default,
        });
    }
    Ok(Command::CreateOrAlterTable {
        table: resolve_object(&create.name, ctx, "CREATE TABLE")?,
        columns,
        comment: declared_comment(create),
        create_sql,
    })
}

/// A CREATE TABLE's `COMMENT = '...'` (one of Snowflake's table options).
fn declared_comment(create: &sqlparser::ast::CreateTable) -> Option<String> {
    let options = match &create.table_options {
        sqlparser::ast::CreateTableOptions::Plain(options) => options.as_slice(),
        _ => &[],
    };
    options
        .iter()
        .find_map(|o| match o {
            sqlparser::ast::SqlOption::Comment(c) => Some(c.clone()),
            _ => None,
        })
        .or(create.comment.clone())
        .map(|c| match c {
            sqlparser::ast::CommentDef::WithEq(c) | sqlparser::ast::CommentDef::WithoutEq(c) => c,
        })
}

pub(crate) fn translate_column(
    column: &sqlparser::ast::ColumnDef,
    ctx: &Context,
) -> Result<ColumnChange> {
    let sql = format!("CREATE TABLE \"\u{1}column\" ({column})");
    // The placeholder table needs a database and schema to resolve in, even when the session
    // has none (`ALTER TABLE db.schema.t ADD COLUMN ...` names its table in full).
    let scoped;
    let ctx = if ctx.database.is_none() || ctx.schema.is_none() {
        let mut c = ctx.clone();
        c.database.get_or_insert_with(|| "\u{1}database".into());
        c.schema.get_or_insert_with(|| "\u{1}schema".into());
        scoped = c;
        &scoped
    } else {
        ctx
    };
    let statement = crate::parse::parse(&sql)?
        .into_iter()
        .next()
        .ok_or_else(|| SnowflakeError::internal("no column definition"))?;
    let Plan::Sql(SqlPlan {
        sql: translated,
        kind: SqlKind::CreateTable {
            columns, sequences, ..
        },
        ..
    }) = plan(statement, ctx, &sql)?
    else {
        return Err(SnowflakeError::internal("column definition did not plan"));
    };
    if !sequences.is_empty() {
        return Err(SnowflakeError::unsupported(
            "ALTER TABLE ... ADD COLUMN ... AUTOINCREMENT / IDENTITY (declare the column in \
             CREATE TABLE, or use a sequence default)",
        ));
    }
    let (name, meta) = columns
        .into_iter()
        .next()
        .ok_or_else(|| SnowflakeError::internal("no column definition"))?;
    let definition = translated
        .split_once('(')
        .and_then(|(_, rest)| rest.strip_suffix(')'))
        .unwrap_or_default()
        .to_string();
    Ok(ColumnChange {
        name,
        meta,
        definition,
    })
}

/// One expression as a query would translate it (`ALTER COLUMN ... SET DEFAULT`).
pub(crate) fn translate_expr(expr: &sqlparser::ast::Expr, ctx: &Context) -> Result<String> {
    let sql = format!("SELECT {expr}");
    let statement = crate::parse::parse(&sql)?
        .into_iter()
        .next()
        .ok_or_else(|| SnowflakeError::internal("no expression"))?;
    let Plan::Sql(p) = plan(statement, ctx, &sql)? else {
        return Err(SnowflakeError::internal("expression did not plan"));
    };
    let translated = crate::parse::parse(&p.sql)?
        .into_iter()
        .next()
        .ok_or_else(|| SnowflakeError::internal("no expression"))?;
    match translated {
        Statement::Query(q) => match *q.body {
            sqlparser::ast::SetExpr::Select(select) => match select.projection.first() {
                Some(sqlparser::ast::SelectItem::UnnamedExpr(e))
                | Some(sqlparser::ast::SelectItem::ExprWithAlias { expr: e, .. }) => {
                    Ok(e.to_string())
                }
                _ => Err(SnowflakeError::internal("no expression")),
            },
            _ => Err(SnowflakeError::internal("no expression")),
        },
        _ => Err(SnowflakeError::internal("no expression")),
    }
}

/// The column an index column of a key names (an expression that is not a name gives "").
fn ident_name_of_index_column(column: &sqlparser::ast::IndexColumn) -> String {
    match &column.column.expr {
        sqlparser::ast::Expr::Identifier(i) => ident_name(i),
        other => other.to_string(),
    }
}

/// The columns of a PRIMARY KEY, UNIQUE or FOREIGN KEY table constraint, each with its part
/// in the key; `None` for other constraints.
pub(crate) fn key_columns(
    constraint: &TableConstraint,
    ctx: &Context,
) -> Result<Option<Vec<(String, KeyChange)>>> {
    Ok(Some(match constraint {
        TableConstraint::PrimaryKey(pk) => pk
            .columns
            .iter()
            .map(|key| (ident_name_of_index_column(key), KeyChange::Primary))
            .collect(),
        TableConstraint::Unique(unique) => {
            let name = constraint_name(unique.name.as_ref());
            unique
                .columns
                .iter()
                .enumerate()
                .map(|(i, key)| {
                    let part = KeyPart {
                        name: name.clone(),
                        sequence: i as u32 + 1,
                    };
                    (ident_name_of_index_column(key), KeyChange::Unique(part))
                })
                .collect()
        }
        TableConstraint::ForeignKey(fk) => {
            let name = constraint_name(fk.name.as_ref());
            let mut keys = Vec::with_capacity(fk.columns.len());
            for (i, key) in fk.columns.iter().enumerate() {
                let part = foreign_key_part(fk, name.clone(), i, ctx)?;
                keys.push((ident_name(key), KeyChange::Foreign(Box::new(part))));
            }
            keys
        }
        _ => return Ok(None),
    }))
}

/// A constraint's name: as written, or Snowflake's generated `SYS_CONSTRAINT_<uuid>`.
fn constraint_name(name: Option<&sqlparser::ast::Ident>) -> String {
    use std::hash::{BuildHasher, Hasher};
    if let Some(name) = name {
        return ident_name(name);
    }
    let random = |salt: u64| {
        let mut h = std::collections::hash_map::RandomState::new().build_hasher();
        h.write_u64(salt);
        h.finish()
    };
    let (a, b) = (random(1), random(2));
    format!(
        "SYS_CONSTRAINT_{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0xfff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// The `i`-th column of a FOREIGN KEY: the referenced table, resolved in the session's
/// context, and the referenced column at the same position, if the constraint names columns.
fn foreign_key_part(
    fk: &sqlparser::ast::ForeignKeyConstraint,
    name: String,
    i: usize,
    ctx: &Context,
) -> Result<ForeignKeyPart> {
    let target = resolve_object(&fk.foreign_table, ctx, "CREATE TABLE")?;
    Ok(ForeignKeyPart {
        key: KeyPart {
            name,
            sequence: i as u32 + 1,
        },
        database: target.database,
        schema: target.schema,
        table: target.name,
        column: fk.referred_columns.get(i).map(ident_name),
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

/// `ASOF JOIN r MATCH_CONDITION (<marker>) ON ...`, as the clauses rule leaves a Snowflake ASOF
/// JOIN, in DuckDB's words: `ASOF LEFT JOIN r ON ...` (sqlparser prints no such join).
pub(crate) fn asof_joins_as_duckdb(sql: String) -> String {
    // Most statements have no ASOF JOIN: one search, no allocation, for them.
    if !sql.contains(crate::rules::clauses::ASOF_MARKER) {
        return sql;
    }
    let marker = format!(" MATCH_CONDITION ({})", crate::rules::clauses::ASOF_MARKER);
    sql.replace(&marker, "")
        .replace(" ASOF JOIN ", " ASOF LEFT JOIN ")
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
        Statement::Grant(sqlparser::ast::Grant {
            objects: Some(_), ..
        })
        | Statement::Revoke(sqlparser::ast::Revoke {
            objects: Some(_), ..
        }) => Command::Accepted("Statement executed successfully.".into()),
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
        Statement::CreateTable(create) if create.clone.is_some() || create.like.is_some() => {
            let source = match (&create.clone, &create.like) {
                (Some(source), _) => source,
                (None, Some(sqlparser::ast::CreateTableLikeKind::Plain(like)))
                | (None, Some(sqlparser::ast::CreateTableLikeKind::Parenthesized(like))) => {
                    &like.name
                }
                _ => return Err(SnowflakeError::unsupported("CREATE TABLE ... LIKE")),
            };
            if create.temporary {
                return Err(SnowflakeError::unsupported(
                    "CREATE TEMPORARY TABLE ... CLONE / LIKE",
                ));
            }
            Command::CloneTable {
                target: resolve_object(&create.name, ctx, "CREATE TABLE")?,
                source: resolve_object(source, ctx, "CREATE TABLE")?,
                with_data: create.clone.is_some(),
                or_replace: create.or_replace,
                if_not_exists: create.if_not_exists,
            }
        }
        Statement::CreateDatabase {
            db_name,
            if_not_exists,
            or_replace,
            clone: Some(source),
            ..
        } => Command::CloneDatabase {
            target: resolve_single(db_name)?,
            source: resolve_single(source)?,
            or_replace: *or_replace,
            if_not_exists: *if_not_exists,
        },
        Statement::CreateDatabase {
            db_name,
            if_not_exists,
            or_replace,
            transient,
            comment,
            ..
        } => Command::CreateDatabase {
            name: resolve_single(db_name)?,
            if_not_exists: *if_not_exists,
            or_replace: *or_replace,
            transient: *transient,
            comment: comment.clone(),
        },
        Statement::CreateSchema {
            schema_name,
            if_not_exists,
            or_replace,
            clone,
            with,
            ..
        } => {
            let SchemaName::Simple(name) = schema_name else {
                return Err(SnowflakeError::unsupported("CREATE SCHEMA AUTHORIZATION"));
            };
            let (database, name) = resolve_schema(name, ctx, "CREATE SCHEMA")?;
            if let Some(source) = clone {
                return Ok(Some(Command::CloneSchema {
                    target: (database, name),
                    source: resolve_schema(source, ctx, "CREATE SCHEMA")?,
                    or_replace: *or_replace,
                    if_not_exists: *if_not_exists,
                }));
            }
            // `statements::parse_special` carries a `COMMENT = '...'` option as `WITH`.
            let comment = with.iter().flatten().find_map(|o| match o {
                SqlOption::KeyValue { key, value } if key.to_string() == "COMMENT" => {
                    crate::rules::calls::string_literal(value).map(str::to_string)
                }
                _ => None,
            });
            Command::CreateSchema {
                database,
                name,
                if_not_exists: *if_not_exists,
                or_replace: *or_replace,
                comment,
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
            properties: w
                .options
                .options
                .iter()
                .map(|o| (o.option_name.to_uppercase(), option_text(&o.option_value)))
                .collect(),
        },
        Statement::Drop {
            object_type: ObjectType::Warehouse,
            if_exists,
            names,
            ..
        } => Command::DropWarehouse {
            name: resolve_single(single(names)?)?,
            if_exists: *if_exists,
        },
        Statement::AlterSession {
            set,
            session_params,
        } => Command::AlterSession(
            session_params
                .options
                .iter()
                .map(|o| {
                    let value = set.then(|| option_text(&o.option_value));
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
            external,
            show_options,
            ..
        } => {
            let objects = if *external {
                ShowObjects::Unmodelled("EXTERNAL TABLES")
            } else {
                ShowObjects::Tables
            };
            Command::Show(show(objects, *terse, show_options, ctx)?)
        }
        Statement::ShowViews {
            terse,
            materialized,
            show_options,
        } => {
            let objects = if *materialized {
                ShowObjects::Unmodelled("MATERIALIZED VIEWS")
            } else {
                ShowObjects::Views
            };
            Command::Show(show(objects, *terse, show_options, ctx)?)
        }
        Statement::ShowObjects(o) => {
            Command::Show(show(ShowObjects::Objects, o.terse, &o.show_options, ctx)?)
        }
        Statement::ShowColumns { show_options, .. } => {
            Command::Show(show(ShowObjects::Columns, false, show_options, ctx)?)
        }
        Statement::ShowFunctions { filter } => {
            let like = match filter {
                Some(
                    sqlparser::ast::ShowStatementFilter::Like(p)
                    | sqlparser::ast::ShowStatementFilter::ILike(p)
                    | sqlparser::ast::ShowStatementFilter::NoKeyword(p),
                ) => Some(p.clone()),
                Some(sqlparser::ast::ShowStatementFilter::Where(_)) => {
                    return Err(SnowflakeError::unsupported("SHOW ... WHERE"))
                }
                None => None,
            };
            Command::Show(Show {
                account: true,
                ..Show::new(ShowObjects::Functions, false, like, None, None)
            })
        }
        Statement::StartTransaction { .. } => Command::Begin,
        Statement::Commit { .. } => Command::Commit,
        Statement::Rollback {
            savepoint: None, ..
        } => Command::Rollback,
        Statement::Query(query) => match crate::get_ddl::call(query)? {
            Some(call) => Command::GetDdl(call),
            None => return Ok(None),
        },
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
    let mut out = Show::new(objects, terse, like, starts_with, limit);
    out.limit_from = options.limit_from.as_ref().map(|v| value_text(&v.value));
    match &options.show_in {
        Some(show_in) => {
            let name = match &show_in.parent_name {
                Some(n) => parts(n)?,
                None => vec![],
            };
            match (&show_in.parent_type, name.as_slice()) {
                (Some(ShowStatementInParentType::Account), _) => out.account = true,
                // `SHOW COLUMNS IN t`: a bare name is a table (or view) there too.
                (Some(ShowStatementInParentType::Table | ShowStatementInParentType::View), _)
                | (None, [_, ..])
                    if show_in.parent_type.is_some() || objects == ShowObjects::Columns =>
                {
                    let object = resolve_object(
                        show_in.parent_name.as_ref().ok_or_else(|| {
                            SnowflakeError::unsupported("SHOW ... IN TABLE without a name")
                        })?,
                        ctx,
                        "SHOW",
                    )?;
                    out.database = Some(object.database);
                    out.schema = Some(object.schema);
                    out.table = Some(object.name);
                }
                (Some(ShowStatementInParentType::Database), [db]) => {
                    out.database = Some(db.clone())
                }
                (Some(ShowStatementInParentType::Database), []) => {
                    out.database = Some(crate::names::current_database(ctx, "SHOW")?)
                }
                (Some(ShowStatementInParentType::Schema), [])
                    if objects != ShowObjects::Schemas =>
                {
                    out.database = Some(crate::names::current_database(ctx, "SHOW")?);
                    out.schema = Some(crate::names::current_schema(ctx, "SHOW")?);
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
            ShowObjects::Warehouses
            | ShowObjects::Parameters
            | ShowObjects::Functions
            | ShowObjects::UserFunctions => out.account = true,
            // Tables, views, objects, columns: Snowflake's "If you omit IN ..." rule.
            _ => out.current_database_scope(ctx),
        },
    }
    Ok(out)
}

/// The [`Show`] of a SHOW command sqlparser does not read (see `statements::parse_special`).
#[allow(clippy::too_many_arguments)]
pub(crate) fn show_of(
    kind: &str,
    terse: bool,
    like: Option<String>,
    scope: Option<String>,
    name: Option<&ObjectName>,
    starts_with: Option<String>,
    limit: Option<u64>,
    ctx: &Context,
) -> Result<Show> {
    let objects = match kind {
        "SEQUENCES" => ShowObjects::Sequences,
        "WAREHOUSES" => ShowObjects::Warehouses,
        "PARAMETERS" => ShowObjects::Parameters,
        "PRIMARY KEYS" => ShowObjects::PrimaryKeys,
        "UNIQUE KEYS" => ShowObjects::UniqueKeys,
        "IMPORTED KEYS" => ShowObjects::ImportedKeys,
        "EXPORTED KEYS" => ShowObjects::ExportedKeys,
        "STAGES" => ShowObjects::Stages,
        "FILE FORMATS" => ShowObjects::FileFormats,
        "USERS" => ShowObjects::Users,
        "ROLES" => ShowObjects::Roles,
        "PROCEDURES" => ShowObjects::Procedures,
        "VARIABLES" => ShowObjects::Variables,
        other => match UNMODELLED_SHOWS.iter().find(|(k, _)| *k == other) {
            Some((kind, _)) => ShowObjects::Unmodelled(kind),
            None => ShowObjects::UserFunctions,
        },
    };
    let mut out = Show::new(objects, terse, like, starts_with, limit);
    let name_parts = match name {
        Some(n) => parts(n)?,
        None => vec![],
    };
    let keys = matches!(
        objects,
        ShowObjects::PrimaryKeys
            | ShowObjects::UniqueKeys
            | ShowObjects::ImportedKeys
            | ShowObjects::ExportedKeys
    );
    // A bare name is a table for the keys, a schema for the rest (as in SHOW TABLES).
    let scope = match (scope.as_deref(), name_parts.len()) {
        (Some(""), 1..=3) if keys => Some("TABLE"),
        (Some(""), 1) => Some("SCHEMA"),
        (other, _) => other,
    };
    match (scope, name_parts.as_slice()) {
        (None, _) => match objects {
            ShowObjects::Warehouses
            | ShowObjects::Parameters
            | ShowObjects::UserFunctions
            | ShowObjects::Users
            | ShowObjects::Roles
            | ShowObjects::Procedures
            | ShowObjects::Variables => out.account = true,
            ShowObjects::Unmodelled(kind)
                if UNMODELLED_SHOWS
                    .iter()
                    .any(|(k, account)| *k == kind && *account) =>
            {
                out.account = true
            }
            ShowObjects::Sequences
            | ShowObjects::Stages
            | ShowObjects::FileFormats
            | ShowObjects::Unmodelled(_) => out.current_database_scope(ctx),
            _ => {
                out.database = Some(crate::names::current_database(ctx, "SHOW")?);
                out.schema = ctx.schema.clone();
            }
        },
        (Some("ACCOUNT" | "SESSION" | "WAREHOUSE"), _) => out.account = true,
        (Some("DATABASE"), []) => out.database = Some(crate::names::current_database(ctx, "SHOW")?),
        (Some("DATABASE") | Some(""), [db]) => out.database = Some(db.clone()),
        (Some("SCHEMA"), []) => {
            out.database = Some(crate::names::current_database(ctx, "SHOW")?);
            out.schema = Some(crate::names::current_schema(ctx, "SHOW")?);
        }
        (Some("SCHEMA"), [s]) => {
            out.database = Some(crate::names::current_database(ctx, "SHOW")?);
            out.schema = Some(s.clone());
        }
        (Some("SCHEMA") | Some(""), [db, s]) => {
            out.database = Some(db.clone());
            out.schema = Some(s.clone());
        }
        (Some("TABLE"), [..]) if name.is_some() => {
            let object = resolve_object(
                name.ok_or_else(|| SnowflakeError::internal("no name"))?,
                ctx,
                "SHOW",
            )?;
            out.database = Some(object.database);
            out.schema = Some(object.schema);
            out.table = Some(object.name);
        }
        (Some(other), _) => {
            return Err(SnowflakeError::unsupported(format!(
                "SHOW {kind} IN {other}"
            )))
        }
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
/// A `name = value` option's value as text (several values joined by commas).
fn option_text(value: &KeyValueOptionKind) -> String {
    match value {
        KeyValueOptionKind::Single(v) => value_text(&v.value),
        KeyValueOptionKind::Multi(vs) => vs
            .iter()
            .map(|v| value_text(&v.value))
            .collect::<Vec<_>>()
            .join(","),
        KeyValueOptionKind::KeyValueOptions(kv) => kv.to_string(),
    }
}

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
        let SqlKind::CreateTable {
            columns, transient, ..
        } = p.kind
        else {
            panic!()
        };
        assert!(transient);
        use snowglobe_catalog::SfType;
        assert_eq!(columns[1].0, "NAME");
        assert_eq!(columns[1].1.sf_type, SfType::Text { length: 10 });
        assert_eq!(columns[1].1.comment.as_deref(), Some("n"));
    }

    #[test]
    fn a_set_operation_gives_its_branches_and_a_template() {
        let Plan::Sql(p) = plan_of(
            "with c as (select a from s) select a from c union all select b from t order by 1 limit 2",
        ) else {
            panic!()
        };
        let set = p.set_operation.unwrap();
        assert_eq!(
            set.branches,
            [
                "WITH \"C\" AS (SELECT \"A\" FROM \"S\") SELECT * FROM (SELECT \"A\" FROM \"C\")",
                "WITH \"C\" AS (SELECT \"A\" FROM \"S\") SELECT * FROM (SELECT \"B\" FROM \"T\")"
            ]
        );
        assert_eq!(
            set.template,
            format!(
                "WITH \"C\" AS (SELECT \"A\" FROM \"S\") TABLE {} UNION ALL TABLE {} ORDER BY 1 LIMIT 2",
                set_branch_marker(0),
                set_branch_marker(1)
            )
        );
        assert_eq!(set.leaves[1], "SELECT \"B\" FROM \"T\"");
        let Plan::Sql(p) = plan_of("create table x as select a from s union select b from t")
        else {
            panic!()
        };
        let set = p.set_operation.unwrap();
        assert!(set.template.starts_with("CREATE TABLE"), "{}", set.template);
        assert_eq!(set.leaves.len(), 2);
        let Plan::Sql(p) = plan_of("select a from s union all by name select b from t") else {
            panic!()
        };
        assert_eq!(p.set_operation, None);
        let Plan::Sql(p) = plan_of("select 1 from t") else {
            panic!()
        };
        assert_eq!(p.set_operation, None);
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
                transient: false,
                comment: None
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
        // Without IN: the whole current database, each name once.
        let Plan::Command(Command::Show(s)) = plan_of("show tables") else {
            panic!()
        };
        assert_eq!(
            (s.database.as_deref(), s.schema.as_deref(), s.unscoped),
            (Some("DB"), None, true)
        );
        let Plan::Command(Command::Show(s)) = plan_of("show views in schema") else {
            panic!()
        };
        assert_eq!(
            (s.database.as_deref(), s.schema.as_deref(), s.unscoped),
            (Some("DB"), Some("PUBLIC"), false)
        );
    }

    #[test]
    fn merge_can_read_one_source_row_per_target_row() {
        let Plan::Sql(p) = plan_of(
            "merge into t using s on t.id = s.id when matched and s.gone then delete \
             when not matched then insert (id) values (s.id)",
        ) else {
            panic!()
        };
        let SqlKind::Merge {
            one_source_row: Some(one),
            deletes_only: true,
            ..
        } = p.kind
        else {
            panic!("{:?}", p.kind)
        };
        assert_eq!(
            one,
            "MERGE INTO \"T\" USING (SELECT \"S\".* FROM \"S\" LEFT JOIN \"T\" ON \"T\".\"ID\" = \
             \"S\".\"ID\" QUALIFY \"T\".rowid IS NULL OR row_number() OVER (PARTITION BY \"T\".rowid \
             ORDER BY CASE WHEN (\"S\".\"GONE\") THEN 0 ELSE 1 END) = 1) AS \"S\" ON \"T\".\"ID\" = \
             \"S\".\"ID\" WHEN MATCHED AND \"S\".\"GONE\" THEN DELETE WHEN NOT MATCHED THEN INSERT (id) \
             VALUES (\"S\".\"ID\")"
        );
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
            parse("create materialized view mv as select 1 as x")
                .unwrap()
                .remove(0),
            &ctx(),
            "",
        )
        .unwrap_err();
        assert_eq!(e.code(), "000002");
        assert!(
            e.message.contains("CREATE MATERIALIZED VIEW"),
            "{}",
            e.message
        );
    }
}
