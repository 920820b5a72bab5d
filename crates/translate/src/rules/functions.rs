//! Snowflake functions → DuckDB functions and expressions.

use std::ops::ControlFlow;

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    Expr, Function, FunctionArg, FunctionArgExpr, FunctionArgumentList, FunctionArguments, Ident,
    ObjectName, Statement, Value, VisitMut, VisitorMut,
};

use super::calls::plain_args;
use super::FirstError;
use crate::names::Context;

/// A plain function call `name(args...)`.
pub fn call(name: &str, args: Vec<Expr>) -> Function {
    Function {
        name: ObjectName::from(vec![Ident::new(name)]),
        uses_odbc_syntax: false,
        parameters: FunctionArguments::None,
        args: FunctionArguments::List(FunctionArgumentList {
            duplicate_treatment: None,
            args: args
                .into_iter()
                .map(|e| FunctionArg::Unnamed(FunctionArgExpr::Expr(e)))
                .collect(),
            clauses: vec![],
        }),
        within_group: vec![],
        filter: None,
        null_treatment: None,
        over: None,
    }
}

fn text_or_null(value: Option<&String>) -> Expr {
    match value {
        Some(v) => Expr::value(Value::SingleQuotedString(v.clone())),
        None => Expr::value(Value::Null),
    }
}

/// The system roles and the roles each one is granted (its own privileges include theirs).
const SYSTEM_ROLES: [(&str, &[&str]); 6] = [
    ("ACCOUNTADMIN", &["SECURITYADMIN", "SYSADMIN"]),
    ("SECURITYADMIN", &["USERADMIN"]),
    ("USERADMIN", &["PUBLIC"]),
    ("SYSADMIN", &["PUBLIC"]),
    ("ORGADMIN", &["PUBLIC"]),
    ("PUBLIC", &[]),
];

/// Whether `role` is `current` or granted to it, directly or through other roles.
fn role_includes(current: &str, role: &str) -> bool {
    current == role
        || SYSTEM_ROLES
            .iter()
            .find(|(name, _)| *name == current)
            .is_some_and(|(_, granted)| granted.iter().any(|g| role_includes(g, role)))
}

fn wrong_args(name: &str, n: usize) -> SnowflakeError {
    SnowflakeError::compilation(
        snowglobe_error::ErrorCode::InvalidArgumentTypes,
        format!("not enough arguments for function [{name}], expected {n}"),
    )
}

/// Context functions also written without parentheses (`SELECT current_user`): reserved words,
/// never column names.
pub(crate) const USER_KEYWORDS: &[&str] = &["CURRENT_USER", "CURRENT_ROLE"];

/// The optional second argument of PARSE_JSON and TRY_PARSE_JSON, a constant: `'s'` (the
/// default) rejects duplicate keys, `'d'` keeps a duplicate key's last value.
pub(crate) fn json_parse_mode(name: &str, args: &[Expr]) -> Result<Expr> {
    let mode = match args {
        [_] => "s".to_string(),
        [_, Expr::Value(v)] => match &v.value {
            Value::SingleQuotedString(m) if m.eq_ignore_ascii_case("d") => "d".to_string(),
            Value::SingleQuotedString(m) if m.eq_ignore_ascii_case("s") => "s".to_string(),
            other => {
                return Err(SnowflakeError::compilation(
                    snowglobe_error::ErrorCode::InvalidArgumentTypes,
                    format!("invalid value [{other}] for parameter of function {name}"),
                ))
            }
        },
        [_, other] => {
            return Err(SnowflakeError::compilation(
                snowglobe_error::ErrorCode::InvalidArgumentTypes,
                format!("argument 2 to function {name} needs to be constant, found '{other}'"),
            ))
        }
        _ => {
            return Err(SnowflakeError::compilation(
                snowglobe_error::ErrorCode::InvalidArgumentTypes,
                format!(
                    "{} arguments for function [{name}], expected 1 or 2",
                    if args.is_empty() {
                        "not enough"
                    } else {
                        "too many"
                    }
                ),
            ))
        }
    };
    Ok(Expr::value(Value::SingleQuotedString(mode)))
}

/// Rewrite Snowflake-only functions: session context functions become literals (the session
/// knows them at translation time), conditional shorthands become CASE/COALESCE, and
/// semi-structured constructors become DuckDB's JSON functions.
pub fn rewrite_functions(statement: &mut Statement, ctx: &Context) -> Result<()> {
    let mut v = Functions {
        ctx,
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut v);
    v.error.into_result()
}

struct Functions<'a> {
    ctx: &'a Context,
    error: FirstError,
}

impl Functions<'_> {
    fn rewrite(&self, f: &Function) -> Result<Option<Expr>> {
        if f.over.is_some() {
            return Ok(None);
        }
        let name = f.name.to_string().to_ascii_uppercase();
        if let ("OBJECT_CONSTRUCT" | "OBJECT_CONSTRUCT_KEEP_NULL", Some(columns)) =
            (name.as_str(), wildcard_arg(f))
        {
            return row_object(columns?, name == "OBJECT_CONSTRUCT_KEEP_NULL").map(Some);
        }
        let Some(args) = plain_args(f) else {
            return Ok(None);
        };
        let need = |n: usize| -> Result<()> {
            if args.len() == n {
                Ok(())
            } else {
                Err(wrong_args(&name, n))
            }
        };
        let expr = match name.as_str() {
            "CURRENT_DATABASE" => text_or_null(self.ctx.database.as_ref()),
            "CURRENT_SCHEMA" => text_or_null(self.ctx.schema.as_ref()),
            "CURRENT_WAREHOUSE" => text_or_null(self.ctx.warehouse.as_ref()),
            "CURRENT_ROLE" => text_or_null(self.ctx.role.as_ref()),
            "CURRENT_USER" => text_or_null(Some(&self.ctx.user)),
            "CURRENT_ACCOUNT" | "CURRENT_ACCOUNT_NAME" => text_or_null(Some(&self.ctx.account)),
            "CURRENT_VERSION" => text_or_null(Some(&crate::SNOWFLAKE_VERSION.to_string())),
            "CURRENT_REGION" => text_or_null(Some(&"AWS_US_WEST_2".to_string())),
            "CURRENT_SESSION" => text_or_null(Some(&self.ctx.session_id.to_string())),
            "CURRENT_IP_ADDRESS" => {
                need(0)?;
                text_or_null(Some(&"127.0.0.1".to_string()))
            }
            "CURRENT_SCHEMAS" => {
                need(0)?;
                let path = match (&self.ctx.database, &self.ctx.schema) {
                    (Some(d), Some(s)) => format!("[\"{d}.{s}\"]"),
                    _ => "[]".to_string(),
                };
                text_or_null(Some(&path))
            }
            "CURRENT_AVAILABLE_ROLES" => {
                need(0)?;
                let roles = SYSTEM_ROLES.map(|(r, _)| format!("\"{r}\"")).join(",");
                text_or_null(Some(&format!("[{roles}]")))
            }
            "CURRENT_SECONDARY_ROLES" => {
                need(0)?;
                text_or_null(Some(&r#"{"roles":"","value":""}"#.to_string()))
            }
            "IS_ROLE_IN_SESSION" => {
                need(1)?;
                let Some(asked) = super::calls::string_literal(&args[0]) else {
                    return Err(SnowflakeError::unsupported(
                        "IS_ROLE_IN_SESSION of a role name that is not a constant",
                    ));
                };
                let current = self.ctx.role.as_deref().unwrap_or("PUBLIC");
                Expr::value(Value::Boolean(role_includes(
                    current,
                    &asked.to_uppercase(),
                )))
            }
            "CURRENT_TRANSACTION" => {
                need(0)?;
                text_or_null(self.ctx.transaction.map(|id| id.to_string()).as_ref())
            }
            "LAST_QUERY_ID" => {
                let index = match args.as_slice() {
                    [] => -1,
                    [e] => match e.to_string().replace(' ', "").parse::<i64>() {
                        Ok(n) if n.abs() <= 10_000 => n,
                        Ok(_) => {
                            return Err(SnowflakeError::compilation(
                                snowglobe_error::ErrorCode::SyntaxError,
                                "Value for parameter 1 exceeds maximum allowable value (10,000).",
                            ))
                        }
                        Err(_) if e.to_string().eq_ignore_ascii_case("NULL") => 0,
                        Err(_) => {
                            return Err(SnowflakeError::compilation(
                                snowglobe_error::ErrorCode::SyntaxError,
                                format!("argument 1 to function LAST_QUERY_ID needs to be constant, found '{e}'"),
                            ))
                        }
                    },
                    _ => return Err(wrong_args(&name, 1)),
                };
                text_or_null(crate::variables::query_at(self.ctx, index))
            }
            "IFF" => {
                need(3)?;
                Expr::Case {
                    case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
                    end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
                    operand: None,
                    conditions: vec![sqlparser::ast::CaseWhen {
                        condition: args[0].clone(),
                        result: args[1].clone(),
                    }],
                    else_result: Some(Box::new(args[2].clone())),
                }
            }
            "NVL" => {
                need(2)?;
                Expr::Function(call("coalesce", args))
            }
            // An empty or blank text is NULL, not malformed JSON; a number is read as its text.
            "PARSE_JSON" => {
                let mode = json_parse_mode(&name, &args)?;
                let trimmed = Expr::Function(call(
                    "trim",
                    vec![
                        crate::rules::calls::cast(args[0].clone(), "VARCHAR"),
                        Expr::value(Value::SingleQuotedString(" \t\r\n".into())),
                    ],
                ));
                let blank_is_null = Expr::Function(call(
                    "nullif",
                    vec![
                        trimmed,
                        Expr::value(Value::SingleQuotedString(String::new())),
                    ],
                ));
                Expr::Function(call(
                    "json",
                    vec![Expr::Function(call(
                        "sg_parse_json",
                        vec![blank_is_null, mode],
                    ))],
                ))
            }
            "TO_BINARY" | "TRY_TO_BINARY" => {
                // (decoding function, the pattern of text it decodes)
                let (decode, pattern, encoding) = match args.as_slice() {
                    [_] => ("unhex", HEX_TEXT, "hex"),
                    [_, Expr::Value(v)] => match &v.value {
                        Value::SingleQuotedString(f) if f.eq_ignore_ascii_case("HEX") => {
                            ("unhex", HEX_TEXT, "hex")
                        }
                        Value::SingleQuotedString(f)
                            if f.eq_ignore_ascii_case("UTF-8")
                                || f.eq_ignore_ascii_case("UTF8") =>
                        {
                            ("encode", "", "")
                        }
                        Value::SingleQuotedString(f) if f.eq_ignore_ascii_case("BASE64") => {
                            ("from_base64", BASE64_TEXT, "base64")
                        }
                        _ => return Err(SnowflakeError::unsupported(format!("{name} format {v}"))),
                    },
                    _ => return Err(wrong_args(&name, 2)),
                };
                let x = args[0].clone();
                if pattern.is_empty() {
                    Expr::Function(call(decode, vec![x]))
                } else {
                    // Text not of the format: an error, or NULL for TRY_TO_BINARY.
                    let try_mode = name == "TRY_TO_BINARY";
                    super::calls::checked_decode(x, decode, pattern, encoding, try_mode)
                }
            }
            // PARSE_URL(url [, permissive]), PARSE_IP(address, type [, permissive]): the
            // engine's parsers; with permissive = 1 text they cannot read is `{"error": ...}`
            // instead of a failure.
            "PARSE_URL" | "PARSE_IP" => {
                let (engine, inputs) = if name == "PARSE_URL" {
                    super::calls::check_arity(&name, &args, 1, 2)?;
                    ("sg_parse_url", 1)
                } else {
                    super::calls::check_arity(&name, &args, 2, 3)?;
                    ("sg_parse_ip", 2)
                };
                let parsed = |f: String| {
                    Expr::Function(call(
                        "json",
                        vec![Expr::Function(call(&f, args[..inputs].to_vec()))],
                    ))
                };
                let strict = parsed(engine.to_string());
                match args.get(inputs) {
                    None => strict,
                    Some(p) => super::calls::case(
                        vec![
                            (super::calls::is_null(p.clone()), super::calls::null()),
                            (
                                super::calls::binary(
                                    p.clone(),
                                    sqlparser::ast::BinaryOperator::Eq,
                                    super::calls::number(1),
                                ),
                                parsed(format!("{engine}_permissive")),
                            ),
                        ],
                        Some(strict),
                    ),
                }
            }
            "OBJECT_CONSTRUCT" => object_construct(without_null_keys(args))?,
            "OBJECT_CONSTRUCT_KEEP_NULL" => Expr::Function(call(
                "json_object",
                without_null_keys(args)
                    .into_iter()
                    .enumerate()
                    .map(|(i, a)| if i % 2 == 1 { element(a) } else { a })
                    .collect(),
            )),
            "ARRAY_CONSTRUCT" => {
                Expr::Function(call("json_array", args.into_iter().map(element).collect()))
            }
            _ => return Ok(None),
        };
        Ok(Some(expr))
    }
}

use super::semi_structured::to_json;

/// Text TO_BINARY reads as HEX: pairs of hexadecimal digits.
pub(crate) const HEX_TEXT: &str = "([0-9A-Fa-f]{2})*";
/// Text TO_BINARY reads as BASE64: groups of four, the last one padded.
pub(crate) const BASE64_TEXT: &str = "([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?";

/// An element of a constructed array or object: a literal as it is (`json_array` and
/// `json_object` write it), anything else as JSON.
fn element(e: Expr) -> Expr {
    if matches!(e, Expr::Value(_)) {
        e
    } else {
        to_json(e)
    }
}

/// Both OBJECT_CONSTRUCT forms leave out a pair whose key is NULL (`OBJECT_CONSTRUCT_KEEP_NULL(
/// 'a', 1, NULL, 2)` is `{"a": 1}`); an odd argument count is left for the caller to reject.
fn without_null_keys(args: Vec<Expr>) -> Vec<Expr> {
    if !args.len().is_multiple_of(2) {
        return args;
    }
    args.chunks(2)
        .filter(|p| !matches!(&p[0], Expr::Value(v) if v.value == Value::Null))
        .flatten()
        .cloned()
        .collect()
}

/// Snowflake's OBJECT_CONSTRUCT leaves out a pair whose value is SQL NULL (a JSON null stays).
/// Literal values: `json_object` of the non-NULL pairs. Otherwise the pairs become a DuckDB MAP
/// whose NULL entries are filtered out before it is turned into JSON.
fn object_construct(args: Vec<Expr>) -> Result<Expr> {
    if !args.len().is_multiple_of(2) {
        return Err(SnowflakeError::compilation(
            snowglobe_error::ErrorCode::InvalidArgumentTypes,
            "Invalid argument count for function OBJECT_CONSTRUCT: expected an even number of arguments".to_string(),
        ));
    }
    let is_null = |e: &Expr| matches!(e, Expr::Value(v) if v.value == Value::Null);
    if args.chunks(2).all(|p| matches!(&p[1], Expr::Value(_))) {
        let kept: Vec<Expr> = args
            .chunks(2)
            .filter(|p| !is_null(&p[1]))
            .flatten()
            .cloned()
            .collect();
        return Ok(Expr::Function(call("json_object", kept)));
    }
    let list = |elem: Vec<Expr>| Expr::Array(sqlparser::ast::Array { elem, named: false });
    let keys = args.iter().step_by(2).cloned().collect();
    let values = args
        .iter()
        .skip(1)
        .step_by(2)
        .map(|v| to_json(v.clone()))
        .collect();
    let entries = Expr::Function(call(
        "map_entries",
        vec![Expr::Function(call("map", vec![list(keys), list(values)]))],
    ));
    let value_is_set = Expr::IsNotNull(Box::new(Expr::CompoundIdentifier(vec![
        Ident::new("sg_e"),
        Ident::new("value"),
    ])));
    let kept = Expr::Function(call(
        "list_filter",
        vec![
            entries,
            super::semi_structured::lambda(&["sg_e"], value_is_set),
        ],
    ));
    Ok(Expr::Function(call(
        "json_quote",
        vec![Expr::Function(call("map_from_entries", vec![kept]))],
    )))
}

/// DuckDB's `*COLUMNS(columns)`: the columns a [`wildcard_arg`] names, as arguments.
pub(super) fn unpacked_columns(columns: FunctionArgExpr) -> Expr {
    let mut unpacked = call("*COLUMNS", vec![]);
    if let FunctionArguments::List(list) = &mut unpacked.args {
        list.args = vec![FunctionArg::Unnamed(columns)];
    }
    Expr::Function(unpacked)
}

/// The wildcard argument of `OBJECT_CONSTRUCT(*)`, `(t.*)`, `(* EXCLUDE ...)`, `(* ILIKE ...)`
/// as the argument of DuckDB's `*COLUMNS(...)`; `None` if the call has no wildcard argument.
pub(super) fn wildcard_arg(f: &Function) -> Option<Result<FunctionArgExpr>> {
    let FunctionArguments::List(list) = &f.args else {
        return None;
    };
    let is_wildcard = |a: &FunctionArg| {
        matches!(
            a,
            FunctionArg::Unnamed(
                FunctionArgExpr::Wildcard
                    | FunctionArgExpr::QualifiedWildcard(_)
                    | FunctionArgExpr::WildcardWithOptions(_)
            )
        )
    };
    if !list.args.iter().any(is_wildcard) {
        return None;
    }
    let unsupported = |what: &str| Some(Err(SnowflakeError::unsupported(what.to_string())));
    let [FunctionArg::Unnamed(arg)] = list.args.as_slice() else {
        return unsupported("a wildcard mixed with other arguments");
    };
    Some(Ok(match arg {
        FunctionArgExpr::QualifiedWildcard(table) => {
            let mut table = table.clone();
            for part in &mut table.0 {
                if let sqlparser::ast::ObjectNamePart::Identifier(i) = part {
                    super::identifiers::normalize(i);
                }
            }
            FunctionArgExpr::QualifiedWildcard(table)
        }
        FunctionArgExpr::WildcardWithOptions(options) => {
            let mut options = options.clone();
            if options.opt_except.is_some()
                || options.opt_replace.is_some()
                || options.opt_rename.is_some()
                || options.opt_alias.is_some()
            {
                return unsupported(
                    "OBJECT_CONSTRUCT(* ...) with other options than ILIKE or EXCLUDE",
                );
            }
            if let Some(ilike) = options.opt_ilike.take() {
                // Stored names carry their case pattern after U+001F (`snowglobe_catalog::names`).
                let parts = Expr::Function(call(
                    "string_split",
                    vec![
                        Expr::Identifier(Ident::new("sg_c")),
                        Expr::Function(call(
                            "chr",
                            vec![Expr::value(Value::Number("31".into(), false))],
                        )),
                    ],
                ));
                let spelled = Expr::Function(call(
                    "list_extract",
                    vec![parts, Expr::value(Value::Number("1".into(), false))],
                ));
                let matches = Expr::ILike {
                    negated: false,
                    any: false,
                    expr: Box::new(spelled),
                    pattern: Box::new(Expr::value(Value::SingleQuotedString(ilike.pattern))),
                    escape_char: None,
                };
                return Some(Ok(FunctionArgExpr::Expr(super::semi_structured::lambda(
                    &["sg_c"],
                    matches,
                ))));
            }
            if let Some(exclude) = &mut options.opt_exclude {
                let names = match exclude {
                    sqlparser::ast::ExcludeSelectItem::Single(n) => std::slice::from_mut(n),
                    sqlparser::ast::ExcludeSelectItem::Multiple(ns) => ns.as_mut_slice(),
                };
                for name in names {
                    if let Some(sqlparser::ast::ObjectNamePart::Identifier(i)) = name.0.last_mut() {
                        let mut column = i.clone();
                        super::identifiers::normalize(&mut column);
                        *name = ObjectName::from(vec![column]);
                    }
                }
            }
            FunctionArgExpr::WildcardWithOptions(options)
        }
        other => other.clone(),
    }))
}

/// `OBJECT_CONSTRUCT(*)`: an OBJECT of the columns of the FROM clause, named as Snowflake names
/// them. DuckDB packs the columns into a struct (`struct_pack(*COLUMNS(*))`, the `*` unpacking
/// the columns into arguments); `sg_row_object` (engine) spells the names, drops NULL members
/// unless `keep_nulls`, and sorts the keys.
fn row_object(columns: FunctionArgExpr, keep_nulls: bool) -> Result<Expr> {
    let row = Expr::Function(call(
        "to_json",
        vec![Expr::Function(call(
            "struct_pack",
            vec![unpacked_columns(columns)],
        ))],
    ));
    let spelled = if keep_nulls {
        "sg_row_object_keep_null"
    } else {
        "sg_row_object"
    };
    Ok(Expr::Function(call(
        "json",
        vec![Expr::Function(call(spelled, vec![row]))],
    )))
}

impl VisitorMut for Functions<'_> {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let result = match expr {
            Expr::Function(f) => self.rewrite(f),
            // Written without parentheses they are DuckDB's keywords (its own user, 'duckdb').
            Expr::Identifier(i)
                if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("CURRENT_USER") =>
            {
                Ok(Some(text_or_null(Some(&self.ctx.user))))
            }
            Expr::Identifier(i)
                if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("CURRENT_ROLE") =>
            {
                Ok(Some(text_or_null(self.ctx.role.as_ref())))
            }
            // DuckDB's own `current_schema` keyword names its schema ('main').
            Expr::Identifier(i)
                if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("CURRENT_SCHEMA") =>
            {
                Ok(Some(text_or_null(self.ctx.schema.as_ref())))
            }
            _ => Ok(None),
        };
        self.error.replace(expr, result)
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn context_functions_are_literals() {
        assert_eq!(
            translate("select current_database() as d, current_schema() as s"),
            "SELECT 'DB' AS \"D\", 'PUBLIC' AS \"S\""
        );
    }

    #[test]
    fn user_keywords_are_the_session_user() {
        let ctx = crate::names::Context {
            user: "TEST".into(),
            role: Some("SYSADMIN".into()),
            ..crate::rules::test_support::ctx()
        };
        assert_eq!(
            crate::rules::test_support::translate_in(
                "select current_user, session_user, current_role",
                &ctx
            ),
            "SELECT 'TEST' AS \"CURRENT_USER\", \"SESSION_USER\", 'SYSADMIN' AS \"CURRENT_ROLE\""
        );
    }

    #[test]
    fn iff_is_case() {
        assert_eq!(
            translate("select iff(a > 0, 'p', 'n') as x from t"),
            "SELECT CASE WHEN \"A\" > 0 THEN 'p' ELSE 'n' END AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn object_construct_leaves_out_null_values() {
        assert_eq!(
            translate("select object_construct('a', 1, 'b', null) as o"),
            "SELECT json_object('a', 1) AS \"O\""
        );
    }

    #[test]
    fn object_construct_of_a_wildcard_packs_the_row() {
        assert_eq!(
            translate("select object_construct(*) as o from t"),
            "SELECT json(sg_row_object(to_json(struct_pack(*COLUMNS(*))))) AS \"O\" FROM \"T\""
        );
        assert!(translate("select object_construct_keep_null(x.*) from t x")
            .contains("sg_row_object_keep_null(to_json(struct_pack(*COLUMNS(\"X\".*))))"));
        assert!(
            translate("select object_construct(* exclude (a, \"b\")) from t")
                .contains("*COLUMNS(* EXCLUDE (\"A\", \"b\u{1f}l\"))")
        );
        assert!(
            translate("select object_construct(* ilike 'a%') from t").contains(
                "*COLUMNS(lambda sg_c : list_extract(string_split(\"SG_C\", chr(CAST(31 AS INTEGER))), 1) ILIKE 'a%')"
            ),
            "{}",
            translate("select object_construct(* ilike 'a%') from t")
        );
    }

    #[test]
    fn parse_json_is_json() {
        assert_eq!(
            translate("select parse_json(s) as v from t"),
            "SELECT json(sg_parse_json(nullif(trim(CAST(\"S\" AS VARCHAR), ' \t\r\n'), ''), 's')) AS \"V\" FROM \"T\""
        );
    }
}
