//! Snowflake SQL → DuckDB SQL. Pure: no I/O and no DuckDB dependency, so it builds and tests in
//! seconds.
//!
//! A request's text is parsed with sqlparser's Snowflake dialect ([`parse`]), bind values are
//! substituted as literals ([`binds`]), and each statement becomes a [`Plan`] ([`plan`]): either a
//! command the session answers itself (USE, CREATE DATABASE, ALTER SESSION, ...) or DuckDB SQL
//! produced by the ordered rewrite rules in [`rules`].
//!
//! Layout:
//! - [`parse`]: parsing and syntax errors in Snowflake's wording.
//! - [`binds`]: client bind values (qmark `?` and numeric `:1`) as typed literals.
//! - [`compile_errors`]: DuckDB's compile errors completed from the user's statement.
//! - [`plan`]: statement classification into [`Plan`]s.
//! - [`pivot`]: dynamic pivots (`IN (ANY)`, `IN (subquery)`) and `DEFAULT ON NULL`.
//! - [`get_ddl`]: `SELECT GET_DDL(...)`, answered by the session from its catalog.
//! - [`stages`]: stage statements (CREATE STAGE, PUT, GET, LIST, REMOVE, COPY INTO), read by
//!   a reader of their own.
//! - [`statements`]: session variables, DESCRIBE, sequences, ALTER TABLE, COMMENT, CLONE.
//! - [`variables`]: `$x`, `IDENTIFIER()` and `seq.NEXTVAL`, resolved before planning.
//! - [`rules`]: one file per area of rewrite rules; `rules::apply` runs them in order.
//! - [`types`]: Snowflake type names → [`snowglobe_catalog::SfType`].
//! - [`timestamp_mapping`]: TIMESTAMP_TYPE_MAPPING, applied to the statement before planning.
//! - [`names`]: object names resolved against the session's current database and schema.

pub mod access;
pub mod binds;
pub mod compile_errors;
pub mod copy_history;
pub mod get_ddl;
pub mod names;
pub mod parse;
pub mod pivot;
pub mod plan;
pub mod rules;
pub mod scripting;
pub mod stages;
pub mod statements;
pub mod timestamp_mapping;
pub mod types;
pub mod variables;

pub use access::{AccessCommand, AlterAction as AccessAlter, Principal};
pub use binds::{BindValue, Bindings};
pub use get_ddl::{DdlObject, GetDdl};
pub use names::{Context, ObjectRef, UserFunction};
pub use parse::parse;
pub use plan::{
    plan, Command, CopiedColumns, Grants, Plan, SetOperation, Show, ShowObjects, SqlKind, SqlPlan,
    UseTarget, WarehouseAction,
};
/// sqlparser's AST, for callers that hold parsed statements.
pub use sqlparser::ast as sql_ast;
pub use statements::{
    AlterAction, ColumnChange, CommentTarget, DeclaredColumn, KeyChange, SequenceChange,
    SequenceDef,
};
pub const SNOWFLAKE_VERSION: &str = "8.40.0";
