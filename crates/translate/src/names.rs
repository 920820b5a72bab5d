//! Object names resolved against the session's current database and schema, with Snowflake's
//! identifier rules (unquoted → upper case, quoted → exact).

use snowglobe_catalog::names::{mangle, quote, resolve};
use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{Ident, ObjectName, ObjectNamePart};

/// The session context a statement is translated in. Names are Snowflake names (exact case).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    pub database: Option<String>,
    pub schema: Option<String>,
    pub warehouse: Option<String>,
    pub role: Option<String>,
    pub user: String,
    pub account: String,
    /// The session's temporary tables (DuckDB keeps them in its `temp` catalog).
    pub temporary_tables: Vec<ObjectRef>,
    /// The session `TIMEZONE` (an IANA name); empty means Snowflake's default.
    pub timezone: String,
    /// For an `INSERT`, `UPDATE` or `MERGE`: the target table's columns (name, declared type)
    /// in table order, so values are converted to them the way Snowflake converts (see
    /// `rules::timestamps`) and checked against VARCHAR(n) lengths (`rules::lengths`).
    pub target_columns: Vec<(String, snowglobe_catalog::SfType)>,
    /// Session variables (`SET x = ...`): upper-case name → the value as a Snowflake SQL
    /// literal expression, substituted for `$x` before anything else.
    pub variables: std::collections::BTreeMap<String, String>,
    /// The session's id (`CURRENT_SESSION()`).
    pub session_id: u64,
    /// The id of the session's open transaction (`CURRENT_TRANSACTION()`).
    pub transaction: Option<u64>,
    /// Ids of the session's recent queries, oldest first (`LAST_QUERY_ID()`).
    pub query_ids: Vec<String>,
    /// Names (exact case) of the VARIANT, OBJECT and ARRAY columns of the tables the statement
    /// reads, when [`crate::rules::semi_structured::wants_column_types`] asked for them: a bare
    /// reference to one is then known to be semi-structured (`v::string` drops the quotes).
    pub semi_columns: Vec<String>,
    /// NUMBER columns (name, precision, scale) of the tables the statement reads, when
    /// [`crate::rules::numeric::wants_number_types`] asked for them: a quotient or an average
    /// of them gets Snowflake's scale. A name listed twice with different types is ambiguous.
    pub number_columns: Vec<(String, u64, u64)>,
    /// Names (exact case) of the VARCHAR columns of the tables the statement reads, when
    /// [`crate::rules::comparisons::wants_text_columns`] asked for them (a name that is also a
    /// column of another type is left out): compared with a number, one is read as a number.
    pub text_columns: Vec<String>,
    /// The columns (table name, column name; exact case) and types of the tables the statement
    /// reads, when [`crate::rules::coercion::wants_column_types`] or another rule asked for
    /// them: a text column where a number is wanted converts (see [`crate::rules::coercion`]).
    pub column_types: Vec<(String, String, snowglobe_catalog::SfType)>,
    /// TIMESTAMP_TZ columns (table name, column name; exact case) of the tables the statement
    /// reads, when the database may hold any: they are stored with their offsets and read as
    /// instants (see [`crate::rules::timestamp_tz`]).
    pub tz_columns: Vec<(String, String)>,
    /// How values converted to text without a format print (the `*_OUTPUT_FORMAT` parameters).
    pub output_formats: OutputFormats,
    /// The session's WEEK_START (0: legacy, ISO weeks; 1-7: Monday-Sunday) and
    /// WEEK_OF_YEAR_POLICY (0: ISO-like, 1: the week of January 1 is week 1).
    pub week_start: i64,
    pub week_of_year_policy: i64,
    /// The session's TIMESTAMP_TYPE_MAPPING: the variation the bare TIMESTAMP type stands for
    /// (empty or TIMESTAMP_NTZ: Snowflake's default; see [`crate::timestamp_mapping`]).
    pub timestamp_type_mapping: String,
    /// The SQL user-defined functions the statement calls, as the session found them (see
    /// [`crate::rules::udfs`]).
    pub functions: Vec<UserFunction>,
}

/// A SQL user-defined function: its name, arguments (upper-case name, type as written), the
/// RETURNS type as written (`FLOAT`, `TABLE (a INT)`) and the body (an expression or a query).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFunction {
    pub name: ObjectRef,
    pub args: Vec<(String, String)>,
    pub returns: String,
    pub body: String,
}

/// The session's `*_OUTPUT_FORMAT` parameters where they differ from Snowflake's defaults, by
/// the type they print; an empty format prints as Snowflake's default does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutputFormats {
    pub date: String,
    pub time: String,
    pub timestamp_ntz: String,
    pub timestamp_ltz: String,
    pub timestamp_tz: String,
}

impl OutputFormats {
    /// From the parameters' values (`param("DATE_OUTPUT_FORMAT")`, ...). An empty
    /// TIMESTAMP_NTZ/LTZ/TZ_OUTPUT_FORMAT means TIMESTAMP_OUTPUT_FORMAT, as in Snowflake.
    pub fn from_parameters(param: impl Fn(&str) -> String) -> OutputFormats {
        let timestamp = param("TIMESTAMP_OUTPUT_FORMAT");
        let typed = |name: &str| {
            let value = param(name);
            if value.trim().is_empty() {
                timestamp.clone()
            } else {
                value
            }
        };
        let unless_default = |value: String, default: &str| {
            let value = value.trim();
            if value.is_empty() || value.eq_ignore_ascii_case(default) {
                String::new()
            } else {
                value.to_string()
            }
        };
        const DEFAULT_TIMESTAMP: &str = "YYYY-MM-DD HH24:MI:SS.FF3 TZHTZM";
        OutputFormats {
            date: unless_default(param("DATE_OUTPUT_FORMAT"), "YYYY-MM-DD"),
            time: unless_default(param("TIME_OUTPUT_FORMAT"), "HH24:MI:SS"),
            timestamp_ntz: unless_default(
                typed("TIMESTAMP_NTZ_OUTPUT_FORMAT"),
                "YYYY-MM-DD HH24:MI:SS.FF3",
            ),
            timestamp_ltz: unless_default(typed("TIMESTAMP_LTZ_OUTPUT_FORMAT"), DEFAULT_TIMESTAMP),
            timestamp_tz: unless_default(typed("TIMESTAMP_TZ_OUTPUT_FORMAT"), DEFAULT_TIMESTAMP),
        }
    }
}

/// A fully resolved object name: database, schema, object (Snowflake names, exact case).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectRef {
    pub database: String,
    pub schema: String,
    pub name: String,
}

impl ObjectRef {
    /// The quoted DuckDB storage path `"DB"."SCHEMA"."NAME"`.
    pub fn storage(&self) -> String {
        format!(
            "{}.{}.{}",
            quote(&mangle(&self.database)),
            quote(&mangle(&self.schema)),
            quote(&mangle(&self.name))
        )
    }

    /// The storage path as an AST name.
    pub fn object_name(&self) -> ObjectName {
        ObjectName::from(vec![
            storage_ident(&self.database),
            storage_ident(&self.schema),
            storage_ident(&self.name),
        ])
    }
}

/// An identifier as written → its Snowflake name.
pub fn ident_name(ident: &Ident) -> String {
    resolve(&ident.value, ident.quote_style.is_some())
}

/// A quoted identifier carrying a Snowflake name's storage name.
pub fn storage_ident(name: &str) -> Ident {
    Ident::with_quote('"', mangle(name))
}

/// The identifier parts of an object name, resolved; `IDENTIFIER('<name>')` parts are expanded.
pub fn parts(name: &ObjectName) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(name.0.len());
    for part in &name.0 {
        match part {
            ObjectNamePart::Identifier(ident) => out.push(ident_name(ident)),
            ObjectNamePart::Function(f) => match crate::variables::identifier_name(part)? {
                Some(expanded) => out.extend(parts(&expanded)?),
                None => {
                    return Err(SnowflakeError::unsupported(format!(
                        "{}() in an object name",
                        f.name
                    )))
                }
            },
        }
    }
    Ok(out)
}

/// Resolve `[db.][schema.]name` for an operation (named in the "no current database" error).
pub fn resolve_object(name: &ObjectName, ctx: &Context, operation: &str) -> Result<ObjectRef> {
    resolve_parts(parts(name)?, ctx, operation)
}

/// Resolve already case-resolved name parts `[db, schema,] name`.
pub fn resolve_parts(mut p: Vec<String>, ctx: &Context, operation: &str) -> Result<ObjectRef> {
    let object = p.pop().unwrap_or_default();
    let (database, schema) = match p.len() {
        0 => (
            current_database(ctx, operation)?,
            current_schema(ctx, operation)?,
        ),
        1 => (current_database(ctx, operation)?, p.remove(0)),
        2 => {
            let schema = p.pop().unwrap_or_default();
            (p.remove(0), schema)
        }
        _ => {
            return Err(SnowflakeError::compilation(
                snowglobe_error::ErrorCode::SyntaxError,
                format!("invalid object name '{}.{object}'", p.join(".")),
            ))
        }
    };
    Ok(ObjectRef {
        database,
        schema,
        name: object,
    })
}

/// Resolve `[db.]schema` for CREATE/DROP/USE SCHEMA.
pub fn resolve_schema(
    name: &ObjectName,
    ctx: &Context,
    operation: &str,
) -> Result<(String, String)> {
    let mut p = parts(name)?;
    match p.len() {
        1 => Ok((current_database(ctx, operation)?, p.remove(0))),
        2 => {
            let schema = p.pop().unwrap_or_default();
            Ok((p.remove(0), schema))
        }
        _ => Err(SnowflakeError::compilation(
            snowglobe_error::ErrorCode::SyntaxError,
            format!("invalid schema name '{name}'"),
        )),
    }
}

/// Resolve a single-part name (database, warehouse, role).
pub fn resolve_single(name: &ObjectName) -> Result<String> {
    let p = parts(name)?;
    match p.as_slice() {
        [one] => Ok(one.clone()),
        _ => Err(SnowflakeError::compilation(
            snowglobe_error::ErrorCode::SyntaxError,
            format!("invalid name '{name}'"),
        )),
    }
}

pub fn current_database(ctx: &Context, operation: &str) -> Result<String> {
    ctx.database
        .clone()
        .ok_or_else(|| SnowflakeError::no_current_database(operation))
}

pub fn current_schema(ctx: &Context, operation: &str) -> Result<String> {
    ctx.schema
        .clone()
        .ok_or_else(|| SnowflakeError::no_current_schema(operation))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(parts: &[&str]) -> ObjectName {
        ObjectName::from(parts.iter().map(|p| Ident::new(*p)).collect::<Vec<_>>())
    }

    #[test]
    fn one_part_names_use_the_session_context() {
        let ctx = Context {
            database: Some("DB".into()),
            schema: Some("PUBLIC".into()),
            ..Context::default()
        };
        let r = resolve_object(&name(&["t"]), &ctx, "CREATE TABLE").unwrap();
        assert_eq!(r.storage(), "\"DB\".\"PUBLIC\".\"T\"");
        let r = resolve_object(&name(&["s", "t"]), &ctx, "CREATE TABLE").unwrap();
        assert_eq!((r.schema.as_str(), r.name.as_str()), ("S", "T"));
    }

    #[test]
    fn no_current_database_is_90105() {
        let e = resolve_object(&name(&["t"]), &Context::default(), "SELECT").unwrap_err();
        assert_eq!(e.code(), "090105");
    }
}
