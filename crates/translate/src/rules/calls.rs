//! Building blocks shared by the function rules (conditional, strings, numeric, aggregates):
//! reading a call's arguments, building calls, literals and CASE expressions, and running one
//! rewrite over every function call of a statement.

use std::ops::ControlFlow;

use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::helpers::attached_token::AttachedToken;
use sqlparser::ast::{
    BinaryOperator, CaseWhen, CastKind, DataType, Expr, Function, FunctionArg, FunctionArgExpr,
    FunctionArguments, Statement, Value, VisitMut, VisitorMut,
};

use super::FirstError;

pub use super::functions::call;

/// The upper-case name of a called function.
pub fn name_of(f: &Function) -> String {
    f.name.to_string().to_ascii_uppercase()
}

/// The plain (unnamed, non-wildcard) arguments of a call, or `None` if it has others.
pub fn plain_args(f: &Function) -> Option<Vec<Expr>> {
    match &f.args {
        FunctionArguments::None => Some(vec![]),
        FunctionArguments::List(list) => list
            .args
            .iter()
            .map(|a| match a {
                FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
                _ => None,
            })
            .collect(),
        FunctionArguments::Subquery(_) => None,
    }
}

/// Snowflake's complaint about a call with the wrong number of arguments.
pub fn arity(name: &str, got: usize, expected: &str) -> SnowflakeError {
    SnowflakeError::compilation(
        ErrorCode::InvalidArgumentTypes,
        format!(
            "invalid number of arguments for function [{name}], expected {expected}, got {got}"
        ),
    )
}

/// Fail unless `args` has between `min` and `max` arguments.
pub fn check_arity(name: &str, args: &[Expr], min: usize, max: usize) -> Result<()> {
    if (min..=max).contains(&args.len()) {
        return Ok(());
    }
    let expected = if min == max {
        min.to_string()
    } else {
        format!("{min} to {max}")
    };
    Err(arity(name, args.len(), &expected))
}

pub fn func(name: &str, args: Vec<Expr>) -> Expr {
    Expr::Function(call(name, args))
}

pub fn string(s: &str) -> Expr {
    Expr::value(Value::SingleQuotedString(s.into()))
}

pub fn number(n: i64) -> Expr {
    Expr::value(Value::Number(n.to_string(), false))
}

pub fn null() -> Expr {
    Expr::value(Value::Null)
}

pub fn nested(e: Expr) -> Expr {
    Expr::Nested(Box::new(e))
}

pub fn binary(left: Expr, op: BinaryOperator, right: Expr) -> Expr {
    Expr::BinaryOp {
        left: Box::new(left),
        op,
        right: Box::new(right),
    }
}

/// Whether `e` is the NULL literal (in parentheses or not).
pub fn is_null_literal(e: &Expr) -> bool {
    match e {
        Expr::Value(v) => v.value == sqlparser::ast::Value::Null,
        Expr::Nested(inner) => is_null_literal(inner),
        _ => false,
    }
}

pub fn is_null(e: Expr) -> Expr {
    Expr::IsNull(Box::new(e))
}

pub fn cast(e: Expr, type_name: &str) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(e),
        data_type: DataType::Custom(
            sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new(type_name)]),
            vec![],
        ),
        format: None,
    }
}

/// DuckDB's `range(1, n + 1)`: the positions 1 to `n` of a list or string.
pub fn positions(n: Expr) -> Expr {
    func(
        "range",
        vec![number(1), binary(n, BinaryOperator::Plus, number(1))],
    )
}

/// `value`, or NULL when any of `inputs` is NULL.
pub fn null_if_null(inputs: &[Expr], value: Expr) -> Expr {
    let any_null = inputs
        .iter()
        .map(|e| is_null(e.clone()))
        .reduce(|a, b| binary(a, BinaryOperator::Or, b));
    match any_null {
        Some(condition) => case(vec![(condition, null())], Some(value)),
        None => value,
    }
}

/// `TRY_CAST(e AS type_name)`.
pub fn try_cast(e: Expr, type_name: &str) -> Expr {
    match cast(e, type_name) {
        Expr::Cast {
            expr, data_type, ..
        } => Expr::Cast {
            kind: CastKind::TryCast,
            expr,
            data_type,
            format: None,
        },
        other => other,
    }
}

/// `CASE WHEN c1 THEN r1 ... ELSE e END`.
pub fn case(whens: Vec<(Expr, Expr)>, otherwise: Option<Expr>) -> Expr {
    Expr::Case {
        case_token: AttachedToken::empty(),
        end_token: AttachedToken::empty(),
        operand: None,
        conditions: whens
            .into_iter()
            .map(|(condition, result)| CaseWhen { condition, result })
            .collect(),
        else_result: otherwise.map(Box::new),
    }
}

/// Text read with a DuckDB `strptime` format: `try_strptime(x, f)` in TRY_ mode; otherwise
/// text that does not match fails as Snowflake does: "Can't parse '<x>' as <what> with format
/// '<format>'" (100096), its Snowflake format as written. A format without a year reads
/// dates of 1970, as Snowflake does (strptime's default is 1900).
pub fn parse_with_strptime(
    x: &Expr,
    duckdb_format: &str,
    what: &str,
    format: &str,
    try_mode: bool,
) -> Expr {
    let parsed = if duckdb_format.contains("%Y") || duckdb_format.contains("%y") {
        func("try_strptime", vec![x.clone(), string(duckdb_format)])
    } else {
        func(
            "try_strptime",
            vec![
                nested(binary(
                    string("1970|"),
                    BinaryOperator::StringConcat,
                    cast(x.clone(), "VARCHAR"),
                )),
                string(&format!("%Y|{duckdb_format}")),
            ],
        )
    };
    if try_mode {
        return parsed;
    }
    let message = func(
        "concat",
        vec![
            string("Can't parse '"),
            cast(x.clone(), "VARCHAR"),
            string(&format!("' as {what} with format '{format}'")),
        ],
    );
    case(
        vec![
            (is_null(x.clone()), null()),
            (is_null(parsed.clone()), func("error", vec![message])),
        ],
        Some(parsed),
    )
}

/// Text decoded by DuckDB's `decode` function (`unhex`, `from_base64`) when it matches
/// `pattern`, the text of its `encoding` ('hex', 'base64'). Other text is NULL in `try_mode` (the
/// TRY_ forms) and otherwise fails as Snowflake words it: "The following string is not a legal
/// hex-encoded value: 'zz'" (100115).
pub fn checked_decode(
    x: Expr,
    decode: &str,
    pattern: &str,
    encoding: &str,
    try_mode: bool,
) -> Expr {
    let valid = func("regexp_full_match", vec![x.clone(), string(pattern)]);
    let decoded = func(decode, vec![x.clone()]);
    if try_mode {
        return case(vec![(valid, decoded)], None);
    }
    let message = func(
        "concat",
        vec![
            string(&format!(
                "The following string is not a legal {encoding}-encoded value: '"
            )),
            cast(x.clone(), "VARCHAR"),
            string("'"),
        ],
    );
    case(
        vec![(is_null(x), null()), (valid, decoded)],
        Some(func("error", vec![message])),
    )
}

/// The arguments of a conversion without a format argument of `'AUTO'`, which asks for the
/// format Snowflake detects by itself (TO_DATE, TO_TIME, TO_TIMESTAMP*).
pub fn without_auto_format(args: &[Expr]) -> &[Expr] {
    match args {
        [x, format] if string_literal(format).is_some_and(|f| f.eq_ignore_ascii_case("AUTO")) => {
            std::slice::from_ref(x)
        }
        _ => args,
    }
}

/// The `DEFAULT` keyword written as a value (`INSERT .. VALUES (1, DEFAULT)`, `SET c =
/// DEFAULT`): the parser reads it as an identifier, and no rule may wrap it.
pub fn is_default_keyword(e: &Expr) -> bool {
    matches!(e, Expr::Identifier(i) if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("DEFAULT"))
}

pub fn string_literal(e: &Expr) -> Option<&str> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s),
            _ => None,
        },
        _ => None,
    }
}

/// Whether any expression of `node` (a statement, an expression) satisfies `pred`.
pub fn any_expr<V: sqlparser::ast::Visit>(node: &V, mut pred: impl FnMut(&Expr) -> bool) -> bool {
    sqlparser::ast::visit_expressions(node, |e| {
        if pred(e) {
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    })
    .is_break()
}

/// The text of a constant string argument: a literal, or literals joined with `||` (dbt writes
/// `'yyyy-mm-dd HH24:MI' || 'UTC'`).
pub fn constant_text(e: &Expr) -> Option<String> {
    match e {
        Expr::BinaryOp {
            left,
            op: BinaryOperator::StringConcat,
            right,
        } => Some(constant_text(left)? + &constant_text(right)?),
        Expr::Nested(inner) => constant_text(inner),
        _ => string_literal(e).map(str::to_string),
    }
}

/// The value of an integer literal argument (with an optional minus sign).
pub fn integer_literal(e: &Expr) -> Option<i64> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => n.parse().ok(),
            _ => None,
        },
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Minus,
            expr,
        } => integer_literal(expr).map(|n| -n),
        Expr::Nested(e) => integer_literal(e),
        _ => None,
    }
}

/// Run `rewrite` over every function call of `statement`, innermost first; a call it answers
/// `Some` for is replaced, the first error stops the pass.
pub fn rewrite_calls(
    statement: &mut Statement,
    rewrite: impl FnMut(&Function) -> Result<Option<Expr>>,
) -> Result<()> {
    let mut v = Calls {
        rewrite,
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut v);
    v.error.into_result()
}

struct Calls<F> {
    rewrite: F,
    error: FirstError,
}

impl<F: FnMut(&Function) -> Result<Option<Expr>>> VisitorMut for Calls<F> {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let result = match expr {
            Expr::Function(f) => (self.rewrite)(f),
            _ => Ok(None),
        };
        self.error.replace(expr, result)
    }
}

/// The first FROM item of a query written as text (`SELECT ... FROM <item>`), built by the
/// parser so that every field of it has its default; `what` names the template in errors.
pub(crate) fn parsed_from_item(
    dialect: &dyn sqlparser::dialect::Dialect,
    sql: &str,
    what: &str,
) -> Result<sqlparser::ast::TableFactor> {
    let mut parsed = sqlparser::parser::Parser::parse_sql(dialect, sql)
        .map_err(|e| SnowflakeError::internal(format!("{what}: {e}")))?;
    let Some(sqlparser::ast::Statement::Query(query)) = parsed.pop() else {
        return Err(SnowflakeError::internal(what.to_string()));
    };
    let sqlparser::ast::SetExpr::Select(select) = *query.body else {
        return Err(SnowflakeError::internal(what.to_string()));
    };
    select
        .from
        .into_iter()
        .next()
        .map(|t| t.relation)
        .ok_or_else(|| SnowflakeError::internal(what.to_string()))
}
