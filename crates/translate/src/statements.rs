//! Statements beyond queries and plain DML: session variables, DESCRIBE, sequences, ALTER TABLE,
//! COMMENT ON, CLONE / LIKE and EXECUTE IMMEDIATE, planned into [`Command`]s the session runs.
//!
//! sqlparser cannot read `UNSET` nor Snowflake's `CREATE [OR REPLACE] SEQUENCE ... START = n`:
//! [`parse_special`] reads them and carries them as a `SET` statement marked `hivevar` (a Hive
//! form the Snowflake dialect never produces) whose variable names the statement; only
//! [`command`] reads that marker back.

use snowglobe_catalog::ColumnMeta;
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    AlterColumnOperation, AlterTableOperation, AlterView, AlterViewOperation, CommentObject,
    DescribeAlias, Expr, Ident, ObjectName, ObjectType, RenameTableNameKind, SchemaName, Set,
    SqlOption, Statement, Value,
};
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use crate::names::{
    ident_name, parts, resolve_object, resolve_schema, resolve_single, Context, ObjectRef,
};
use crate::plan::Command;

/// A sequence to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SequenceDef {
    pub object: ObjectRef,
    pub start: i64,
    pub increment: i64,
    pub or_replace: bool,
    pub if_not_exists: bool,
    pub comment: Option<String>,
}

/// What `ALTER SEQUENCE` changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SequenceChange {
    RenameTo(ObjectRef),
    /// The new step: the value already drawn next keeps the old one.
    Increment(i64),
    Comment(Option<String>),
    /// `SET ORDER | NOORDER`: Snowglobe's sequences are always in order.
    Nothing,
}

/// A new or changed column, translated: its Snowflake name, declared type and DuckDB column
/// definition text.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnChange {
    pub name: String,
    pub meta: ColumnMeta,
    pub definition: String,
}

/// A column as a `CREATE OR ALTER TABLE` declares it: translated, NOT NULL or not, and its
/// default (DuckDB SQL and as written).
#[derive(Debug, Clone, PartialEq)]
pub struct DeclaredColumn {
    pub change: ColumnChange,
    pub not_null: bool,
    pub default: Option<(String, String)>,
}

/// One `ALTER TABLE` action.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterAction {
    AddColumn {
        column: ColumnChange,
        if_not_exists: bool,
    },
    DropColumns {
        names: Vec<String>,
        if_exists: bool,
    },
    RenameColumn {
        from: String,
        to: String,
    },
    RenameTo(ObjectRef),
    SwapWith(ObjectRef),
    /// `ALTER COLUMN c SET DATA TYPE t`: the column's new declared type and DuckDB type.
    SetType {
        column: String,
        meta: ColumnMeta,
        duckdb_type: String,
    },
    /// `ALTER COLUMN c SET DEFAULT e` with `e` in DuckDB SQL and as written.
    SetDefault {
        column: String,
        expr: String,
        written: String,
    },
    DropDefault(String),
    SetNotNull(String),
    DropNotNull(String),
    /// `ALTER TABLE t SET COMMENT = '...'` / `UNSET COMMENT`.
    SetComment(Option<String>),
    /// `ALTER COLUMN c COMMENT '...'`.
    ColumnComment {
        column: String,
        comment: Option<String>,
    },
    /// `CLUSTER BY (...)`, `DROP CLUSTERING KEY`, `SUSPEND | RESUME RECLUSTER`: clustering
    /// only steers Snowflake's storage, so these succeed and change nothing.
    Clustering,
    /// `ADD [CONSTRAINT name] PRIMARY KEY | UNIQUE | FOREIGN KEY (...)`: an informational key,
    /// each of its columns with its part in it.
    AddKey(Vec<(String, KeyChange)>),
    /// `DROP PRIMARY KEY`.
    DropPrimaryKey,
    /// `DROP CONSTRAINT name` (a UNIQUE or FOREIGN KEY constraint).
    DropConstraint(String),
    /// Several actions in one statement (`ADD COLUMN a INT, b INT`), applied in order.
    Several(Vec<AlterAction>),
}

/// A column's part in a key added by `ALTER TABLE ... ADD`.
#[derive(Debug, Clone, PartialEq)]
pub enum KeyChange {
    Primary,
    Unique(snowglobe_catalog::meta::KeyPart),
    Foreign(Box<snowglobe_catalog::meta::ForeignKeyPart>),
}

/// What a `COMMENT ON` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CommentTarget {
    /// A table or view.
    Relation(ObjectRef),
    Column(ObjectRef, String),
    Schema(String, String),
    Database(String),
}

/// DuckDB SQL creating (or replacing) a sequence at `path` (a quoted DuckDB path). DuckDB's
/// bounds default to positive (or negative) values only; Snowflake's sequences take any start.
pub fn sequence_sql(path: &str, start: i64, increment: i64) -> String {
    let bound = if increment > 0 {
        format!("MINVALUE {}", start.min(1))
    } else {
        format!("MAXVALUE {}", start.max(-1))
    };
    format!("CREATE OR REPLACE SEQUENCE {path} START {start} INCREMENT {increment} {bound}")
}

/// Read the statements sqlparser does not: `UNSET ...` and `CREATE [OR REPLACE] SEQUENCE ...`.
/// `None` when the text is neither.
pub fn parse_special(sql: &str) -> Option<Result<Statement>> {
    let mut p = Parser::new(&SnowflakeDialect).try_with_sql(sql).ok()?;
    if p.parse_keyword(Keyword::UNSET) {
        return Some(parse_unset(&mut p, sql));
    }
    if let Some(statement) = crate::access::parse(&mut p, sql) {
        return Some(statement);
    }
    if p.parse_keyword(Keyword::SHOW) {
        return parse_show(&mut p, sql);
    }
    if p.parse_keyword(Keyword::DESC) || p.parse_keyword(Keyword::DESCRIBE) {
        for (keyword, kind) in [
            (Keyword::DATABASE, "DATABASE"),
            (Keyword::SCHEMA, "SCHEMA"),
            (Keyword::SEQUENCE, "SEQUENCE"),
        ] {
            if p.parse_keyword(keyword) {
                let name = p.parse_object_name(false).ok()?;
                let name = Expr::CompoundIdentifier(
                    name.0
                        .iter()
                        .filter_map(|p| p.as_ident().cloned())
                        .collect(),
                );
                let kind = Expr::value(Value::SingleQuotedString(kind.into()));
                return Some(end(&mut p, sql).map(|_| marker("DESCRIBE", vec![kind, name])));
            }
        }
        let table = p.parse_keyword(Keyword::TABLE);
        if !table && !p.parse_keyword(Keyword::VIEW) {
            return None;
        }
        let name = p.parse_object_name(false).ok()?;
        // `DESCRIBE TABLE t TYPE = COLUMNS` (what SQLAlchemy's reflection sends) is the plain
        // DESCRIBE; `TYPE = STAGE` lists stage properties, which Snowglobe does not keep.
        if table && parse_word(&mut p, "TYPE") {
            if !p.consume_token(&Token::Eq) {
                return Some(Err(syntax(sql)));
            }
            if !parse_word(&mut p, "COLUMNS") {
                return Some(Err(SnowflakeError::unsupported(
                    "DESCRIBE TABLE ... TYPE = STAGE",
                )));
            }
        }
        return Some(end(&mut p, sql).map(|_| Statement::ExplainTable {
            describe_alias: DescribeAlias::Describe,
            hive_format: None,
            has_table_keyword: table,
            table_name: name,
        }));
    }
    if p.parse_keywords(&[Keyword::ALTER, Keyword::TABLE]) {
        return parse_alter_comment(&mut p, sql);
    }
    if p.parse_keywords(&[Keyword::ALTER, Keyword::SEQUENCE]) {
        return Some(parse_alter_sequence(&mut p, sql));
    }
    if p.parse_keywords(&[Keyword::ALTER, Keyword::WAREHOUSE]) {
        return Some(parse_alter_warehouse(&mut p, sql));
    }
    for (keyword, object_type) in [
        (Keyword::VIEW, CommentObject::View),
        (Keyword::SCHEMA, CommentObject::Schema),
        (Keyword::DATABASE, CommentObject::Database),
    ] {
        if p.parse_keywords(&[Keyword::ALTER, keyword]) {
            return parse_alter_set_comment(&mut p, sql, object_type);
        }
    }
    if p.parse_keyword(Keyword::CREATE) {
        let or_replace = p.parse_keywords(&[Keyword::OR, Keyword::REPLACE]);
        if p.parse_keyword(Keyword::SEQUENCE) {
            return Some(parse_create_sequence(&mut p, or_replace, sql));
        }
        let _ = p.parse_keyword(Keyword::TRANSIENT);
        if p.parse_keyword(Keyword::SCHEMA) {
            return Some(parse_create_schema(&mut p, or_replace, sql));
        }
    }
    None
}

/// `ALTER VIEW | SCHEMA | DATABASE [IF EXISTS] <name> SET COMMENT = '...' | UNSET COMMENT`, as
/// the `COMMENT ON` it means; `ALTER VIEW [IF EXISTS] <name> SET | UNSET SECURE` as a marker:
/// the name, SECURE or not, IF EXISTS.
fn parse_alter_set_comment(
    p: &mut Parser<'_>,
    sql: &str,
    object_type: CommentObject,
) -> Option<Result<Statement>> {
    let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let object_name = p.parse_object_name(false).ok()?;
    if object_type == CommentObject::View {
        let secure = if p.parse_keywords(&[Keyword::SET, Keyword::SECURE]) {
            Some(true)
        } else if p.parse_keywords(&[Keyword::UNSET, Keyword::SECURE]) {
            Some(false)
        } else {
            None
        };
        if let Some(secure) = secure {
            let name = Expr::CompoundIdentifier(
                object_name
                    .0
                    .iter()
                    .filter_map(|p| p.as_ident().cloned())
                    .collect(),
            );
            let flags = [secure, if_exists].map(|b| Expr::value(Value::Boolean(b)));
            let [secure, if_exists] = flags;
            return Some(
                end(p, sql).map(|_| marker("ALTER VIEW SECURE", vec![name, secure, if_exists])),
            );
        }
    }
    let comment = if p.parse_keywords(&[Keyword::SET, Keyword::COMMENT]) {
        let _ = p.consume_token(&Token::Eq);
        Some(p.parse_literal_string().ok()?)
    } else if p.parse_keywords(&[Keyword::UNSET, Keyword::COMMENT]) {
        None
    } else {
        return None;
    };
    Some(end(p, sql).map(|_| Statement::Comment {
        object_type,
        object_name,
        comment,
        if_exists,
    }))
}

/// `CREATE [OR REPLACE] [TRANSIENT] SCHEMA [IF NOT EXISTS] <name> [CLONE <source>] [WITH
/// MANAGED ACCESS] [<property> = <value> ...] [[WITH] TAG (...)]`, which sqlparser reads only
/// without properties. The properties (retention times, collation, ...) steer Snowflake's
/// storage and access control and are accepted and ignored, except `COMMENT`, kept.
fn parse_create_schema(p: &mut Parser<'_>, or_replace: bool, sql: &str) -> Result<Statement> {
    let if_not_exists = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = p.parse_object_name(false).map_err(|_| syntax(sql))?;
    let mut clone = None;
    let mut comment = None;
    loop {
        if p.parse_keyword(Keyword::CLONE) {
            clone = Some(p.parse_object_name(false).map_err(|_| syntax(sql))?);
        } else if p.parse_keywords(&[Keyword::WITH, Keyword::MANAGED, Keyword::ACCESS]) {
            // Access control is not modelled.
        } else if p.parse_keyword(Keyword::TAG) || p.parse_keywords(&[Keyword::WITH, Keyword::TAG])
        {
            p.expect_token(&Token::LParen).map_err(|_| syntax(sql))?;
            let _ = p.parse_comma_separated(|p| {
                let key = p.parse_object_name(false)?;
                p.expect_token(&Token::Eq)?;
                Ok((key, p.parse_literal_string()?))
            });
            p.expect_token(&Token::RParen).map_err(|_| syntax(sql))?;
        } else if let Token::Word(w) = p.peek_token().token {
            if !matches!(p.peek_nth_token(1).token, Token::Eq) {
                break;
            }
            p.next_token();
            p.next_token();
            let value = p.parse_expr().map_err(|_| syntax(sql))?;
            if w.value.eq_ignore_ascii_case("COMMENT") {
                comment = crate::rules::calls::string_literal(&value).map(str::to_string);
            }
        } else {
            break;
        }
    }
    end(p, sql)?;
    Ok(Statement::CreateSchema {
        schema_name: SchemaName::Simple(name),
        or_replace,
        if_not_exists,
        with: comment.map(|c| {
            vec![SqlOption::KeyValue {
                key: ObjectName::from(vec![Ident::new("COMMENT")]),
                value: Expr::value(Value::SingleQuotedString(c)),
            }]
        }),
        options: None,
        default_collate_spec: None,
        clone,
    })
}

/// `ALTER WAREHOUSE [IF EXISTS] [<name>] SUSPEND | RESUME [IF SUSPENDED] | ABORT ALL QUERIES |
/// RENAME TO <name> | SET <property> = <value> [, ...] | UNSET <property> [, ...]`, as a marker:
/// name (NULL for the current warehouse), IF EXISTS, the action word, then its arguments as
/// text (the new name; property names and values in turn).
fn parse_alter_warehouse(p: &mut Parser<'_>, sql: &str) -> Result<Statement> {
    let text = |s: &str| Expr::value(Value::SingleQuotedString(s.to_string()));
    let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let is_action = |p: &Parser<'_>| {
        let next = p.peek_token().token.to_string().to_ascii_uppercase();
        ["SUSPEND", "RESUME", "ABORT", "RENAME", "SET", "UNSET"].contains(&next.as_str())
    };
    let name = if is_action(p) {
        Expr::value(Value::Null)
    } else {
        Expr::Identifier(p.parse_identifier().map_err(|_| syntax(sql))?)
    };
    let mut values = vec![name, Expr::value(Value::Boolean(if_exists))];
    if parse_word(p, "SUSPEND") {
        values.push(text("SUSPEND"));
    } else if parse_word(p, "RESUME") {
        let if_suspended = p.parse_keyword(Keyword::IF);
        if if_suspended && !parse_word(p, "SUSPENDED") {
            return Err(syntax(sql));
        }
        values.push(text(if if_suspended {
            "RESUME IF SUSPENDED"
        } else {
            "RESUME"
        }));
    } else if parse_word(p, "ABORT") {
        if !(p.parse_keyword(Keyword::ALL) && parse_word(p, "QUERIES")) {
            return Err(syntax(sql));
        }
        values.push(text("ABORT"));
    } else if parse_word(p, "RENAME") {
        if !p.parse_keyword(Keyword::TO) {
            return Err(syntax(sql));
        }
        let to = p.parse_identifier().map_err(|_| syntax(sql))?;
        values.push(text("RENAME"));
        values.push(Expr::Identifier(to));
    } else if p.parse_keyword(Keyword::SET) {
        values.push(text("SET"));
        loop {
            let property = p.parse_identifier().map_err(|_| syntax(sql))?;
            if !p.consume_token(&Token::Eq) {
                return Err(syntax(sql));
            }
            let value = match p.next_token().token {
                Token::SingleQuotedString(s) => s,
                Token::Number(n, _) => n,
                Token::Word(w) => w.value.to_uppercase(),
                _ => return Err(syntax(sql)),
            };
            values.push(text(&property.value.to_uppercase()));
            values.push(text(&value));
            if !p.consume_token(&Token::Comma) && !is_property(p) {
                break;
            }
        }
    } else if parse_word(p, "UNSET") {
        values.push(text("UNSET"));
        loop {
            let property = p.parse_identifier().map_err(|_| syntax(sql))?;
            values.push(text(&property.value.to_uppercase()));
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
    } else {
        return Err(syntax(sql));
    }
    end(p, sql)?;
    Ok(marker("ALTER WAREHOUSE", values))
}

/// Whether the next tokens are another `name = value` (properties may follow without commas).
fn is_property(p: &Parser<'_>) -> bool {
    matches!(p.peek_token().token, Token::Word(_)) && p.peek_nth_token(1).token == Token::Eq
}

pub(crate) fn parse_word(p: &mut Parser<'_>, word: &str) -> bool {
    if matches!(&p.peek_token().token, Token::Word(w) if w.value.eq_ignore_ascii_case(word)) {
        p.next_token();
        return true;
    }
    false
}

pub(crate) fn syntax(sql: &str) -> SnowflakeError {
    SnowflakeError::compilation(
        ErrorCode::SyntaxError,
        format!(
            "syntax error line 1 at position 0 unexpected '{}'.",
            sql.trim()
        ),
    )
}

pub(crate) fn marker(statement: &str, values: Vec<Expr>) -> Statement {
    Statement::Set(Set::SingleAssignment {
        scope: None,
        hivevar: true,
        variable: ObjectName::from(vec![Ident::new(statement)]),
        values,
    })
}

fn parse_unset(p: &mut Parser<'_>, sql: &str) -> Result<Statement> {
    let mut names = Vec::new();
    let parenthesized = p.consume_token(&Token::LParen);
    loop {
        let ident = p.parse_identifier().map_err(|_| syntax(sql))?;
        names.push(Expr::Identifier(ident));
        if !p.consume_token(&Token::Comma) {
            break;
        }
    }
    if parenthesized && !p.consume_token(&Token::RParen) {
        return Err(syntax(sql));
    }
    end(p, sql)?;
    Ok(marker("UNSET", names))
}

pub(crate) fn end(p: &mut Parser<'_>, sql: &str) -> Result<()> {
    while p.consume_token(&Token::SemiColon) {}
    if p.peek_token().token == Token::EOF {
        Ok(())
    } else {
        Err(syntax(sql))
    }
}

/// `SHOW [TERSE] SEQUENCES | WAREHOUSES | PARAMETERS | PRIMARY | UNIQUE | IMPORTED | EXPORTED
/// KEYS | USER FUNCTIONS [LIKE
/// '<p>'] [IN <scope> [<name>]] [STARTS WITH '<s>'] [LIMIT n]` (sqlparser reads these as a list
/// of words and drops the pattern), as a marker: kind, terse, like, scope, name, starts, limit.
fn parse_show(p: &mut Parser<'_>, sql: &str) -> Option<Result<Statement>> {
    let terse = p.parse_keyword(Keyword::TERSE);
    let kind = if p.parse_keyword(Keyword::SEQUENCES) {
        "SEQUENCES"
    } else if p.parse_keyword(Keyword::WAREHOUSES) {
        "WAREHOUSES"
    } else if parse_word(p, "PARAMETERS") {
        "PARAMETERS"
    } else if p.parse_keywords(&[Keyword::PRIMARY, Keyword::KEYS]) {
        "PRIMARY KEYS"
    } else if p.parse_keywords(&[Keyword::UNIQUE, Keyword::KEYS]) {
        "UNIQUE KEYS"
    } else if parse_word(p, "IMPORTED") && p.parse_keyword(Keyword::KEYS) {
        "IMPORTED KEYS"
    } else if parse_word(p, "EXPORTED") && p.parse_keyword(Keyword::KEYS) {
        "EXPORTED KEYS"
    } else if p.parse_keywords(&[Keyword::USER, Keyword::FUNCTIONS]) {
        "USER FUNCTIONS"
    } else if parse_word(p, "PROCEDURES")
        || (p.parse_keyword(Keyword::USER) && parse_word(p, "PROCEDURES"))
    {
        "PROCEDURES"
    } else if parse_word(p, "STAGES") {
        "STAGES"
    } else if parse_word(p, "FILE") && parse_word(p, "FORMATS") {
        "FILE FORMATS"
    } else if parse_word(p, "USERS") {
        "USERS"
    } else if parse_word(p, "VARIABLES") {
        "VARIABLES"
    } else if p.parse_keyword(Keyword::ROLES) {
        "ROLES"
    } else if parse_word(p, "GRANTS") {
        return Some(parse_show_grants(p, sql));
    } else {
        parse_unmodelled_kind(p)?
    };
    let null = || Expr::value(Value::Null);
    let text = |s: &str| Expr::value(Value::SingleQuotedString(s.to_string()));
    let (mut like, mut scope, mut name, mut starts, mut limit) =
        (null(), null(), null(), null(), null());
    loop {
        if p.parse_keyword(Keyword::LIKE) {
            // A literal, not an expression: `LIKE 'x' IN SESSION` is no IN test.
            like = match p.parse_value() {
                Ok(v) => Expr::Value(v),
                Err(_) => return Some(Err(syntax(sql))),
            };
        } else if p.parse_keyword(Keyword::IN) {
            let kinds = [
                (Keyword::ACCOUNT, "ACCOUNT"),
                (Keyword::DATABASE, "DATABASE"),
                (Keyword::SCHEMA, "SCHEMA"),
                (Keyword::TABLE, "TABLE"),
                (Keyword::SESSION, "SESSION"),
                (Keyword::WAREHOUSE, "WAREHOUSE"),
            ];
            scope = text("");
            for (k, n) in kinds {
                if p.parse_keyword(k) {
                    scope = text(n);
                    break;
                }
            }
            if !matches!(p.peek_token().token, Token::EOF | Token::SemiColon)
                && !matches!(&p.peek_token().token, Token::Word(w) if matches!(w.keyword, Keyword::STARTS | Keyword::LIMIT | Keyword::LIKE))
            {
                name = match p.parse_object_name(false) {
                    Ok(n) => Expr::CompoundIdentifier(
                        n.0.iter().filter_map(|p| p.as_ident().cloned()).collect(),
                    ),
                    Err(_) => return Some(Err(syntax(sql))),
                };
            }
        } else if p.parse_keywords(&[Keyword::STARTS, Keyword::WITH]) {
            starts = match p.parse_value() {
                Ok(v) => Expr::Value(v),
                Err(_) => return Some(Err(syntax(sql))),
            };
        } else if p.parse_keyword(Keyword::LIMIT) {
            limit = match p.parse_expr() {
                Ok(e) => e,
                Err(_) => return Some(Err(syntax(sql))),
            };
        } else {
            break;
        }
    }
    Some(end(p, sql).map(|_| {
        marker(
            "SHOW",
            vec![
                text(kind),
                Expr::value(Value::Boolean(terse)),
                like,
                scope,
                name,
                starts,
                limit,
            ],
        )
    }))
}

/// The words of a SHOW of objects Snowglobe cannot create (`crate::plan::UNMODELLED_SHOWS`);
/// `SHOW [API | CATALOG | EXTERNAL ACCESS | NOTIFICATION | SECURITY | STORAGE] INTEGRATIONS`
/// is SHOW INTEGRATIONS.
fn parse_unmodelled_kind(p: &mut Parser<'_>) -> Option<&'static str> {
    // The words next, consumed if they all match.
    let mut take = |words: &[&str]| {
        let all = words.iter().enumerate().all(|(i, w)| {
            matches!(&p.peek_nth_token(i).token, Token::Word(x) if x.value.eq_ignore_ascii_case(w))
        });
        if all {
            for _ in words {
                p.next_token();
            }
        }
        all
    };
    for (kind, _) in crate::plan::UNMODELLED_SHOWS {
        if take(&kind.split(' ').collect::<Vec<_>>()) {
            return Some(kind);
        }
    }
    for prefix in [
        &["API"][..],
        &["CATALOG"],
        &["EXTERNAL", "ACCESS"],
        &["NOTIFICATION"],
        &["SECURITY"],
        &["STORAGE"],
    ] {
        if take(&[prefix, &["INTEGRATIONS"]].concat()) {
            return Some("INTEGRATIONS");
        }
    }
    None
}

/// `SHOW GRANTS [ON ACCOUNT | ON <object type> <name> | TO {ROLE | USER} <name> | OF ROLE
/// <name>]`, as a marker: the form (`TO USER` for the bare command), the object type and the
/// name (NULL when absent).
fn parse_show_grants(p: &mut Parser<'_>, sql: &str) -> Result<Statement> {
    let text = |s: &str| Expr::value(Value::SingleQuotedString(s.to_string()));
    let null = || Expr::value(Value::Null);
    let (form, kind) = if p.parse_keyword(Keyword::ON) {
        if p.parse_keyword(Keyword::ACCOUNT) {
            ("ON ACCOUNT", null())
        } else {
            let mut words = Vec::new();
            // Object types of one or two words: TABLE, VIEW, SCHEMA, DATABASE, WAREHOUSE,
            // FILE FORMAT, MATERIALIZED VIEW, ...
            while let Token::Word(w) = &p.peek_token().token {
                let next = p.peek_nth_token(1).token;
                let next_is_limit = matches!(&next, Token::Word(n) if n.keyword == Keyword::LIMIT);
                if words.len() == 2
                    || next_is_limit
                    || matches!(next, Token::EOF | Token::SemiColon | Token::Period)
                {
                    break;
                }
                words.push(w.value.to_uppercase());
                p.next_token();
            }
            // `SHOW GRANTS ON <name>` (as dbt sends it) names a table or view.
            if words.is_empty() {
                words.push("TABLE".into());
            }
            ("ON", text(&words.join(" ")))
        }
    } else if p.parse_keywords(&[Keyword::TO, Keyword::ROLE]) {
        ("TO ROLE", null())
    } else if p.parse_keywords(&[Keyword::TO, Keyword::USER]) {
        ("TO USER", null())
    } else if p.parse_keywords(&[Keyword::OF, Keyword::ROLE]) {
        ("OF ROLE", null())
    } else {
        ("TO USER", null())
    };
    let name = match p.peek_token().token {
        Token::EOF | Token::SemiColon => null(),
        _ => {
            let name = p.parse_object_name(false).map_err(|_| syntax(sql))?;
            Expr::CompoundIdentifier(
                name.0
                    .iter()
                    .filter_map(|p| p.as_ident().cloned())
                    .collect(),
            )
        }
    };
    let _ = p.parse_keyword(Keyword::LIMIT) && p.parse_expr().is_ok();
    end(p, sql)?;
    Ok(marker("SHOW GRANTS", vec![text(form), kind, name]))
}

/// `ALTER TABLE [IF EXISTS] t SET COMMENT = '...'` / `UNSET COMMENT` / `ALTER [COLUMN] c
/// COMMENT '...'`, as a marker carrying the table, the column (or NULL) and the comment.
/// Table properties `ALTER TABLE ... SET | UNSET` takes that only steer Snowflake's storage.
const STORAGE_PROPERTIES: &[&str] = &[
    "DATA_RETENTION_TIME_IN_DAYS",
    "MAX_DATA_EXTENSION_TIME_IN_DAYS",
    "CHANGE_TRACKING",
    "ENABLE_SCHEMA_EVOLUTION",
    "DEFAULT_DDL_COLLATION",
];

fn parse_alter_comment(p: &mut Parser<'_>, sql: &str) -> Option<Result<Statement>> {
    let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = p.parse_object_name(false).ok()?;
    let table = Expr::CompoundIdentifier(
        name.0
            .iter()
            .filter_map(|p| p.as_ident().cloned())
            .collect(),
    );
    let flag = Expr::value(Value::Boolean(if_exists));
    let null = || Expr::value(Value::Null);
    if p.parse_keywords(&[Keyword::SET, Keyword::COMMENT]) {
        let _ = p.consume_token(&Token::Eq);
        let comment = p.parse_expr().ok()?;
        return Some(
            end(p, sql).map(|_| marker("ALTER TABLE COMMENT", vec![table, null(), comment, flag])),
        );
    }
    if p.parse_keywords(&[Keyword::UNSET, Keyword::COMMENT]) {
        return Some(
            end(p, sql).map(|_| marker("ALTER TABLE COMMENT", vec![table, null(), null(), flag])),
        );
    }
    // `SET | UNSET` of storage properties (Time Travel retention, change tracking, schema
    // evolution, collation of new columns): nothing Snowglobe models reads them, so they
    // succeed and change nothing, as CLUSTER BY does (read as `SUSPEND RECLUSTER`).
    if let (Token::Word(verb), Token::Word(property)) =
        (p.peek_token().token, p.peek_nth_token(1).token)
    {
        let verb = verb.value.to_ascii_uppercase();
        if (verb == "SET" || verb == "UNSET")
            && STORAGE_PROPERTIES.contains(&property.value.to_ascii_uppercase().as_str())
        {
            let exists = if if_exists { "IF EXISTS " } else { "" };
            return Some(
                crate::parse::parse(&format!("ALTER TABLE {exists}{name} SUSPEND RECLUSTER"))
                    .and_then(|mut statements| statements.pop().ok_or_else(|| syntax(sql))),
            );
        }
    }
    let at = p.peek_token().span.start;
    let modify = p.parse_keyword(Keyword::MODIFY);
    if modify || p.parse_keyword(Keyword::ALTER) {
        let _ = p.parse_keyword(Keyword::COLUMN);
        let column = p.parse_identifier().ok()?;
        // `MODIFY c SET DATA TYPE | TYPE | SET ... | DROP ...` is Snowflake's other spelling of
        // `ALTER c ...`, which sqlparser reads.
        if modify
            && matches!(&p.peek_token().token, Token::Word(w) if matches!(w.keyword, Keyword::SET | Keyword::DROP | Keyword::TYPE))
        {
            let start = char_offset(sql, at.line, at.column)?;
            let rewritten = format!("{}ALTER{}", &sql[..start], &sql[start + "MODIFY".len()..]);
            return Some(
                crate::parse::parse(&rewritten)
                    .and_then(|mut statements| statements.pop().ok_or_else(|| syntax(sql))),
            );
        }
        if p.parse_keyword(Keyword::COMMENT) {
            let comment = p.parse_expr().ok()?;
            let mut values = vec![table, Expr::Identifier(column), comment, flag];
            // More columns: `, [COLUMN] c2 COMMENT '...'` (dbt's persist_docs sends these).
            while p.consume_token(&Token::Comma) {
                let _ = p.parse_keyword(Keyword::COLUMN);
                values.push(Expr::Identifier(p.parse_identifier().ok()?));
                if !p.parse_keyword(Keyword::COMMENT) {
                    return None;
                }
                values.push(p.parse_expr().ok()?);
            }
            return Some(end(p, sql).map(|_| marker("ALTER TABLE COMMENT", values)));
        }
        if p.parse_keywords(&[Keyword::UNSET, Keyword::COMMENT]) {
            return Some(end(p, sql).map(|_| {
                marker(
                    "ALTER TABLE COMMENT",
                    vec![table, Expr::Identifier(column), null(), flag],
                )
            }));
        }
    }
    None
}

/// The byte offset of a 1-based (line, column) position in `sql`.
fn char_offset(sql: &str, line: u64, column: u64) -> Option<usize> {
    let (mut l, mut c) = (1, 1);
    for (i, ch) in sql.char_indices() {
        if (l, c) == (line, column) {
            return Some(i);
        }
        if ch == '\n' {
            l += 1;
            c = 1;
        } else {
            c += 1;
        }
    }
    None
}

fn parse_create_sequence(p: &mut Parser<'_>, or_replace: bool, sql: &str) -> Result<Statement> {
    let if_not_exists = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = p.parse_object_name(false).map_err(|_| syntax(sql))?;
    let mut start = Expr::value(Value::Number("1".into(), false));
    let mut increment = Expr::value(Value::Number("1".into(), false));
    let mut comment = Expr::value(Value::Null);
    loop {
        if p.parse_keyword(Keyword::WITH) {
            continue;
        }
        if p.parse_keyword(Keyword::START) {
            let _ = p.parse_keyword(Keyword::WITH);
            let _ = p.consume_token(&Token::Eq);
            start = p.parse_expr().map_err(|_| syntax(sql))?;
        } else if p.parse_keyword(Keyword::INCREMENT) {
            let _ = p.parse_keyword(Keyword::BY);
            let _ = p.consume_token(&Token::Eq);
            increment = p.parse_expr().map_err(|_| syntax(sql))?;
        } else if p.parse_keyword(Keyword::ORDER) || p.parse_keyword(Keyword::NOORDER) {
        } else if p.parse_keyword(Keyword::COMMENT) {
            let _ = p.consume_token(&Token::Eq);
            comment = p.parse_expr().map_err(|_| syntax(sql))?;
        } else {
            break;
        }
    }
    end(p, sql)?;
    let flag = |b: bool| Expr::value(Value::Boolean(b));
    Ok(marker(
        "CREATE SEQUENCE",
        vec![
            Expr::CompoundIdentifier(
                name.0
                    .iter()
                    .filter_map(|p| p.as_ident().cloned())
                    .collect(),
            ),
            start,
            increment,
            flag(or_replace),
            flag(if_not_exists),
            comment,
        ],
    ))
}

/// `ALTER SEQUENCE [IF EXISTS] <name>` and one of `RENAME TO <name>`, `[SET] INCREMENT [BY] [=]
/// n`, `SET [ORDER | NOORDER] [COMMENT = '...']`, `UNSET COMMENT`, as a marker: the name, what
/// changes (`RENAME`, `INCREMENT`, `COMMENT` or `NOTHING`), its argument and IF EXISTS.
fn parse_alter_sequence(p: &mut Parser<'_>, sql: &str) -> Result<Statement> {
    let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = p.parse_object_name(false).map_err(|_| syntax(sql))?;
    let compound = |name: ObjectName| {
        Expr::CompoundIdentifier(
            name.0
                .iter()
                .filter_map(|p| p.as_ident().cloned())
                .collect(),
        )
    };
    let (change, argument) = if p.parse_keywords(&[Keyword::RENAME, Keyword::TO]) {
        let target = p.parse_object_name(false).map_err(|_| syntax(sql))?;
        ("RENAME", compound(target))
    } else if p.parse_keywords(&[Keyword::UNSET, Keyword::COMMENT]) {
        ("COMMENT", Expr::value(Value::Null))
    } else {
        let set = p.parse_keyword(Keyword::SET);
        if p.parse_keyword(Keyword::INCREMENT) {
            let _ = p.parse_keyword(Keyword::BY);
            let _ = p.consume_token(&Token::Eq);
            ("INCREMENT", p.parse_expr().map_err(|_| syntax(sql))?)
        } else if set {
            let mut change = ("NOTHING", Expr::value(Value::Null));
            loop {
                if p.parse_keyword(Keyword::ORDER) || p.parse_keyword(Keyword::NOORDER) {
                    continue;
                }
                if p.parse_keyword(Keyword::COMMENT) {
                    let _ = p.consume_token(&Token::Eq);
                    let comment = p.parse_literal_string().map_err(|_| syntax(sql))?;
                    change = ("COMMENT", Expr::value(Value::SingleQuotedString(comment)));
                    continue;
                }
                break;
            }
            change
        } else {
            return Err(syntax(sql));
        }
    };
    end(p, sql)?;
    Ok(marker(
        "ALTER SEQUENCE",
        vec![
            compound(name),
            Expr::value(Value::SingleQuotedString(change.into())),
            argument,
            Expr::value(Value::Boolean(if_exists)),
        ],
    ))
}

/// A sequence's increment: a non-zero integer.
fn sequence_step(expr: &Expr) -> Result<i64> {
    match integer(expr)? {
        0 => Err(SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            "Sequence increment must not be zero.",
        )),
        n => Ok(n),
    }
}

fn integer(expr: &Expr) -> Result<i64> {
    let bad = || {
        SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            format!("invalid value [{expr}] for parameter: an integer is expected"),
        )
    };
    match expr {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().map_err(|_| bad()),
            _ => Err(bad()),
        },
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Minus,
            expr,
        } => integer(expr).map(|n| -n),
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Plus,
            expr,
        } => integer(expr),
        _ => Err(bad()),
    }
}

fn text_value(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            Value::DollarQuotedString(d) => Some(d.value.clone()),
            _ => None,
        },
        _ => None,
    }
}

/// The commands of this module's statements; `None` for any other statement.
pub fn command(statement: &Statement, ctx: &Context) -> Result<Option<Command>> {
    let c = match statement {
        Statement::Set(Set::SingleAssignment {
            hivevar: true,
            variable,
            values,
            ..
        }) => {
            let kind = variable.to_string();
            match kind.as_str() {
                "ALTER WAREHOUSE" => alter_warehouse(values)?,
                crate::access::MARKER => Command::Access(crate::access::command(values)?),
                "UNSET" => Command::UnsetVariables(
                    values
                        .iter()
                        .filter_map(|v| match v {
                            Expr::Identifier(i) => Some(i.value.to_uppercase()),
                            _ => None,
                        })
                        .collect(),
                ),
                "CREATE SEQUENCE" => {
                    let [Expr::CompoundIdentifier(name), start, increment, Expr::Value(or_replace), Expr::Value(if_not_exists), comment] =
                        values.as_slice()
                    else {
                        return Err(SnowflakeError::internal("malformed CREATE SEQUENCE"));
                    };
                    let name = ObjectName::from(name.clone());
                    Command::CreateSequence(SequenceDef {
                        object: resolve_object(&name, ctx, "CREATE SEQUENCE")?,
                        start: integer(start)?,
                        increment: sequence_step(increment)?,
                        or_replace: or_replace.value == Value::Boolean(true),
                        if_not_exists: if_not_exists.value == Value::Boolean(true),
                        comment: text_value(comment),
                    })
                }
                "ALTER SEQUENCE" => {
                    let [Expr::CompoundIdentifier(name), change, argument, Expr::Value(if_exists)] =
                        values.as_slice()
                    else {
                        return Err(SnowflakeError::internal("malformed ALTER SEQUENCE"));
                    };
                    let change = match (text_value(change).as_deref(), argument) {
                        (Some("RENAME"), Expr::CompoundIdentifier(target)) => {
                            SequenceChange::RenameTo(resolve_object(
                                &ObjectName::from(target.clone()),
                                ctx,
                                "ALTER SEQUENCE",
                            )?)
                        }
                        (Some("INCREMENT"), n) => SequenceChange::Increment(sequence_step(n)?),
                        (Some("COMMENT"), comment) => SequenceChange::Comment(text_value(comment)),
                        _ => SequenceChange::Nothing,
                    };
                    Command::AlterSequence {
                        object: resolve_object(
                            &ObjectName::from(name.clone()),
                            ctx,
                            "ALTER SEQUENCE",
                        )?,
                        if_exists: if_exists.value == Value::Boolean(true),
                        change,
                    }
                }
                "SHOW" => {
                    let [kind, Expr::Value(terse), like, scope, name, starts, limit] =
                        values.as_slice()
                    else {
                        return Err(SnowflakeError::internal("malformed SHOW"));
                    };
                    let name = match name {
                        Expr::CompoundIdentifier(n) => Some(ObjectName::from(n.clone())),
                        _ => None,
                    };
                    Command::Show(crate::plan::show_of(
                        &text_value(kind).unwrap_or_default(),
                        terse.value == Value::Boolean(true),
                        text_value(like),
                        text_value(scope),
                        name.as_ref(),
                        text_value(starts),
                        match limit {
                            Expr::Value(v) => match &v.value {
                                Value::Number(n, _) => n.parse().ok(),
                                _ => None,
                            },
                            _ => None,
                        },
                        ctx,
                    )?)
                }
                "SHOW GRANTS" => {
                    let [form, kind, name] = values.as_slice() else {
                        return Err(SnowflakeError::internal("malformed SHOW GRANTS"));
                    };
                    let name = match name {
                        Expr::CompoundIdentifier(n) => Some(ObjectName::from(n.clone())),
                        _ => None,
                    };
                    Command::ShowGrants(crate::plan::grants_of(
                        &text_value(form).unwrap_or_default(),
                        text_value(kind).as_deref(),
                        name.as_ref(),
                        ctx,
                    )?)
                }
                "DESCRIBE" => {
                    let [kind, Expr::CompoundIdentifier(name)] = values.as_slice() else {
                        return Err(SnowflakeError::internal("malformed DESCRIBE"));
                    };
                    let name = ObjectName::from(name.clone());
                    if text_value(kind).as_deref() == Some("SEQUENCE") {
                        return Ok(Some(Command::DescribeSequence(resolve_object(
                            &name, ctx, "DESCRIBE",
                        )?)));
                    }
                    let (database, schema) = crate::plan::container_of(
                        &text_value(kind).unwrap_or_default(),
                        &name,
                        ctx,
                    )?;
                    Command::DescribeContainer { database, schema }
                }
                "ALTER VIEW SECURE" => {
                    let [Expr::CompoundIdentifier(name), Expr::Value(secure), Expr::Value(if_exists)] =
                        values.as_slice()
                    else {
                        return Err(SnowflakeError::internal("malformed ALTER VIEW SECURE"));
                    };
                    Command::SetViewSecure {
                        view: resolve_object(&ObjectName::from(name.clone()), ctx, "ALTER VIEW")?,
                        secure: secure.value == Value::Boolean(true),
                        if_exists: if_exists.value == Value::Boolean(true),
                    }
                }
                "ALTER TABLE COMMENT" => {
                    let [Expr::CompoundIdentifier(name), column, comment, Expr::Value(if_exists), more @ ..] =
                        values.as_slice()
                    else {
                        return Err(SnowflakeError::internal("malformed ALTER TABLE COMMENT"));
                    };
                    let comment = text_value(comment);
                    let mut action = match column {
                        Expr::Identifier(c) => AlterAction::ColumnComment {
                            column: ident_name(c),
                            comment,
                        },
                        _ => AlterAction::SetComment(comment),
                    };
                    if !more.is_empty() {
                        let mut actions = vec![action];
                        for pair in more.chunks(2) {
                            let [Expr::Identifier(c), comment] = pair else {
                                return Err(SnowflakeError::internal(
                                    "malformed ALTER TABLE COMMENT",
                                ));
                            };
                            actions.push(AlterAction::ColumnComment {
                                column: ident_name(c),
                                comment: text_value(comment),
                            });
                        }
                        action = AlterAction::Several(actions);
                    }
                    Command::AlterTable {
                        table: resolve_object(&ObjectName::from(name.clone()), ctx, "ALTER TABLE")?,
                        if_exists: if_exists.value == Value::Boolean(true),
                        action,
                    }
                }
                _ => return Ok(None),
            }
        }
        Statement::Set(Set::SingleAssignment {
            variable, values, ..
        }) => Command::SetVariables(set_pairs(std::slice::from_ref(variable), values)?),
        Statement::Set(Set::ParenthesizedAssignments { variables, values }) => {
            Command::SetVariables(set_pairs(variables, values)?)
        }
        Statement::ExplainTable {
            describe_alias: DescribeAlias::Describe | DescribeAlias::Desc,
            table_name,
            ..
        } => Command::Describe {
            object: resolve_object(table_name, ctx, "DESCRIBE")?,
        },
        Statement::Drop {
            object_type: ObjectType::Sequence,
            if_exists,
            names,
            ..
        } => {
            let [name] = names.as_slice() else {
                return Err(SnowflakeError::unsupported(
                    "DROP of several objects in one statement",
                ));
            };
            Command::DropSequence {
                object: resolve_object(name, ctx, "DROP SEQUENCE")?,
                if_exists: *if_exists,
            }
        }
        Statement::AlterView(AlterView {
            name,
            if_exists,
            operation: AlterViewOperation::RenameTo { new_name },
            materialized: false,
        }) => Command::RenameView {
            view: resolve_object(name, ctx, "ALTER VIEW")?,
            target: resolve_object(new_name, ctx, "ALTER VIEW")?,
            if_exists: *if_exists,
        },
        Statement::AlterTable(alter) => {
            let action = match alter.operations.as_slice() {
                [operation] => alter_action(operation, ctx)?,
                operations => {
                    let actions = operations
                        .iter()
                        .map(|o| alter_action(o, ctx))
                        .collect::<Result<Vec<_>>>()?;
                    if actions
                        .iter()
                        .any(|a| matches!(a, AlterAction::RenameTo(_) | AlterAction::SwapWith(_)))
                    {
                        return Err(SnowflakeError::unsupported(
                            "ALTER TABLE ... RENAME TO or SWAP WITH among other actions",
                        ));
                    }
                    AlterAction::Several(actions)
                }
            };
            Command::AlterTable {
                table: resolve_object(&alter.name, ctx, "ALTER TABLE")?,
                if_exists: alter.if_exists,
                action,
            }
        }
        Statement::Comment {
            object_type,
            object_name,
            comment,
            if_exists,
        } => Command::Comment {
            target: match object_type {
                CommentObject::Table | CommentObject::View => {
                    CommentTarget::Relation(resolve_object(object_name, ctx, "COMMENT")?)
                }
                CommentObject::Column => {
                    let mut name = object_name.clone();
                    let column = name
                        .0
                        .pop()
                        .and_then(|p| p.as_ident().map(ident_name))
                        .ok_or_else(|| SnowflakeError::unsupported("COMMENT ON COLUMN name"))?;
                    CommentTarget::Column(resolve_object(&name, ctx, "COMMENT")?, column)
                }
                CommentObject::Schema => {
                    let (db, s) = resolve_schema(object_name, ctx, "COMMENT")?;
                    CommentTarget::Schema(db, s)
                }
                CommentObject::Database => CommentTarget::Database(resolve_single(object_name)?),
                other => return Err(SnowflakeError::unsupported(format!("COMMENT ON {other}"))),
            },
            comment: comment.clone(),
            if_exists: *if_exists,
        },
        Statement::Execute {
            immediate: true,
            parameters,
            using,
            ..
        } => {
            if !using.is_empty() {
                return Err(SnowflakeError::unsupported("EXECUTE IMMEDIATE ... USING"));
            }
            let [text] = parameters.as_slice() else {
                return Err(SnowflakeError::unsupported(
                    "EXECUTE IMMEDIATE of this form",
                ));
            };
            let sql = text_value(text)
                .ok_or_else(|| SnowflakeError::unsupported(format!("EXECUTE IMMEDIATE {text}")))?;
            Command::ExecuteImmediate(sql)
        }
        _ => return Ok(None),
    };
    Ok(Some(c))
}

/// The command an `ALTER WAREHOUSE` marker (see [`parse_alter_warehouse`]) stands for.
fn alter_warehouse(values: &[Expr]) -> Result<Command> {
    use crate::plan::WarehouseAction;
    let malformed = || SnowflakeError::internal("malformed ALTER WAREHOUSE");
    let [name, Expr::Value(if_exists), action, rest @ ..] = values else {
        return Err(malformed());
    };
    let name = match name {
        Expr::Identifier(i) => Some(ident_name(i)),
        _ => None,
    };
    let words: Vec<String> = rest
        .iter()
        .map(|e| match e {
            Expr::Identifier(i) => ident_name(i),
            other => text_value(other).unwrap_or_default(),
        })
        .collect();
    let action = match text_value(action).as_deref() {
        Some("SUSPEND") => WarehouseAction::Suspend,
        Some("RESUME") => WarehouseAction::Resume {
            if_suspended: false,
        },
        Some("RESUME IF SUSPENDED") => WarehouseAction::Resume { if_suspended: true },
        Some("ABORT") => WarehouseAction::AbortAllQueries,
        Some("RENAME") => WarehouseAction::RenameTo(words.first().cloned().ok_or_else(malformed)?),
        Some("SET") => WarehouseAction::Set(
            words
                .chunks(2)
                .map(|pair| (pair[0].clone(), pair.get(1).cloned().unwrap_or_default()))
                .collect(),
        ),
        Some("UNSET") => WarehouseAction::Unset(words),
        _ => return Err(malformed()),
    };
    Ok(Command::AlterWarehouse {
        name,
        if_exists: if_exists.value == Value::Boolean(true),
        action,
    })
}

fn set_pairs(variables: &[ObjectName], values: &[Expr]) -> Result<Vec<(String, String)>> {
    let values: Vec<&Expr> = match values {
        [Expr::Tuple(items)] if variables.len() > 1 => items.iter().collect(),
        other => other.iter().collect(),
    };
    if values.len() != variables.len() {
        return Err(SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            format!(
                "Assignment to '{}' not done because value exhausted.",
                variables
                    .get(values.len())
                    .map(|v| v.to_string().to_uppercase())
                    .unwrap_or_default()
            ),
        ));
    }
    variables
        .iter()
        .zip(values)
        .map(|(name, value)| {
            let p = parts(name)?;
            let [name] = p.as_slice() else {
                return Err(SnowflakeError::unsupported(format!("SET {name}")));
            };
            Ok((name.to_uppercase(), value.to_string()))
        })
        .collect()
}

fn alter_action(operation: &AlterTableOperation, ctx: &Context) -> Result<AlterAction> {
    let column = |i: &Ident| ident_name(i);
    Ok(match operation {
        AlterTableOperation::AddColumn {
            column_def,
            if_not_exists,
            ..
        } => AlterAction::AddColumn {
            column: crate::plan::translate_column(column_def, ctx)?,
            if_not_exists: *if_not_exists,
        },
        // `MODIFY c <type>`: the type change of `ALTER c SET DATA TYPE <type>`.
        AlterTableOperation::ModifyColumn {
            col_name,
            data_type,
            options,
            column_position: None,
        } if options.is_empty() => {
            let sf = crate::types::sf_type(data_type)?;
            AlterAction::SetType {
                column: column(col_name),
                duckdb_type: sf.duckdb_type(),
                meta: ColumnMeta::new(sf),
            }
        }
        AlterTableOperation::DropColumn {
            column_names,
            if_exists,
            ..
        } => AlterAction::DropColumns {
            names: column_names.iter().map(column).collect(),
            if_exists: *if_exists,
        },
        AlterTableOperation::RenameColumn {
            old_column_name,
            new_column_name,
        } => AlterAction::RenameColumn {
            from: column(old_column_name),
            to: column(new_column_name),
        },
        AlterTableOperation::RenameTable {
            table_name: RenameTableNameKind::To(name) | RenameTableNameKind::As(name),
        } => AlterAction::RenameTo(resolve_object(name, ctx, "ALTER TABLE")?),
        AlterTableOperation::SwapWith { table_name } => {
            AlterAction::SwapWith(resolve_object(table_name, ctx, "ALTER TABLE")?)
        }
        AlterTableOperation::AddConstraint { constraint, .. } => {
            match crate::plan::key_columns(constraint, ctx)? {
                Some(columns) => AlterAction::AddKey(columns),
                None => {
                    return Err(SnowflakeError::unsupported(format!(
                        "ALTER TABLE ... ADD {constraint}"
                    )))
                }
            }
        }
        AlterTableOperation::DropPrimaryKey { .. } => AlterAction::DropPrimaryKey,
        AlterTableOperation::DropConstraint { name, .. }
        | AlterTableOperation::DropForeignKey { name, .. } => {
            AlterAction::DropConstraint(column(name))
        }
        AlterTableOperation::ClusterBy { .. }
        | AlterTableOperation::DropClusteringKey
        | AlterTableOperation::SuspendRecluster
        | AlterTableOperation::ResumeRecluster => AlterAction::Clustering,
        AlterTableOperation::AlterColumn { column_name, op } => {
            let name = column(column_name);
            match op {
                AlterColumnOperation::SetNotNull => AlterAction::SetNotNull(name),
                AlterColumnOperation::DropNotNull => AlterAction::DropNotNull(name),
                AlterColumnOperation::DropDefault => AlterAction::DropDefault(name),
                AlterColumnOperation::SetDefault { value } => AlterAction::SetDefault {
                    column: name,
                    expr: crate::plan::translate_expr(value, ctx)?,
                    written: value.to_string(),
                },
                AlterColumnOperation::SetDataType { data_type, .. } => {
                    let sf = crate::types::sf_type(data_type)?;
                    AlterAction::SetType {
                        column: name,
                        duckdb_type: sf.duckdb_type(),
                        meta: ColumnMeta::new(sf),
                    }
                }
                other => {
                    return Err(SnowflakeError::unsupported(format!(
                        "ALTER TABLE ... ALTER COLUMN {other}"
                    )))
                }
            }
        }
        other => {
            let text = other.to_string();
            if let Some(c) = comment_option(&text) {
                return Ok(AlterAction::SetComment(c));
            }
            return Err(SnowflakeError::unsupported(format!(
                "ALTER TABLE ... {text}"
            )));
        }
    })
}

/// `SET COMMENT = '...'` / `UNSET COMMENT` as sqlparser prints its generic options.
fn comment_option(text: &str) -> Option<Option<String>> {
    let upper = text.to_uppercase();
    if upper.starts_with("UNSET") && upper.contains("COMMENT") {
        return Some(None);
    }
    if upper.starts_with("SET") && upper.contains("COMMENT") {
        let (_, rest) = text.split_once('=')?;
        let rest = rest.trim().trim_end_matches(')').trim();
        let inner = rest.strip_prefix('\'')?.strip_suffix('\'')?;
        return Some(Some(inner.replace("''", "'")));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use crate::rules::test_support::ctx;

    fn command_of(sql: &str) -> Command {
        let s = parse(sql).unwrap().remove(0);
        command(&s, &ctx()).unwrap().unwrap()
    }

    #[test]
    fn set_and_unset() {
        assert_eq!(
            command_of("set (a, b) = (1, 'two')"),
            Command::SetVariables(vec![("A".into(), "1".into()), ("B".into(), "'two'".into())])
        );
        assert_eq!(
            command_of("unset (a, b)"),
            Command::UnsetVariables(vec!["A".into(), "B".into()])
        );
    }

    #[test]
    fn describe_table_type_columns_is_describe() {
        let expected = Command::Describe {
            object: ObjectRef {
                database: "DB".into(),
                schema: "S".into(),
                name: "T".into(),
            },
        };
        assert_eq!(
            command_of("desc table \"S\".\"T\" type = columns"),
            expected
        );
        assert_eq!(command_of("describe table s.t"), expected);
        let e = parse("describe table s.t type = stage").unwrap_err();
        assert_eq!(e.code(), "000002");
    }

    #[test]
    fn create_sequence_with_snowflake_options() {
        let Command::CreateSequence(s) =
            command_of("create or replace sequence s1 start = 10 increment by 5 comment = 'c'")
        else {
            panic!()
        };
        assert_eq!((s.start, s.increment, s.or_replace), (10, 5, true));
        assert_eq!(s.object.storage(), "\"DB\".\"PUBLIC\".\"S1\"");
        assert_eq!(s.comment.as_deref(), Some("c"));
    }

    #[test]
    fn alter_table_actions() {
        let Command::AlterTable { action, .. } = command_of("alter table t rename column a to b")
        else {
            panic!()
        };
        assert_eq!(
            action,
            AlterAction::RenameColumn {
                from: "A".into(),
                to: "B".into()
            }
        );
        let Command::AlterTable { action, .. } =
            command_of("alter table t add column c number(5,1) default 7")
        else {
            panic!()
        };
        let AlterAction::AddColumn { column, .. } = action else {
            panic!()
        };
        assert_eq!(column.definition, "\"C\" DECIMAL(5, 1) DEFAULT 7");
    }
}
