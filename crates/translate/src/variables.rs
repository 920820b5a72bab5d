//! Session variables and `IDENTIFIER()`, resolved before a statement is planned: `$x` becomes
//! the variable's value (a literal), `IDENTIFIER('t')` / `IDENTIFIER($name)` becomes the name
//! it spells, in table references, expressions and DDL names alike.

use std::ops::ControlFlow;

use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    Expr, FunctionArg, FunctionArgExpr, FunctionArguments, ObjectName, ObjectNamePart, Statement,
    Value, VisitMut, VisitorMut,
};
use sqlparser::dialect::SnowflakeDialect;
use sqlparser::parser::Parser;

use crate::names::Context;
use crate::rules::FirstError;

/// Substitute session variables and expand `IDENTIFIER()` in `statement`.
pub fn substitute(statement: &mut Statement, ctx: &Context) -> Result<()> {
    let mut v = Substitute {
        ctx,
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut v);
    v.error.into_result()
}

struct Substitute<'a> {
    ctx: &'a Context,
    error: FirstError,
}

impl VisitorMut for Substitute<'_> {
    type Break = ();

    fn pre_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::Value(v) => {
                if let Value::Placeholder(p) = &v.value {
                    if let Some(name) = variable_name(p) {
                        let at = (v.span.start.line, v.span.start.column);
                        match self.value(&name).map_err(|e| locate(e, at)) {
                            Ok(e) => *expr = e,
                            Err(e) => self.error.set(e),
                        }
                    }
                }
            }
            // GETVARIABLE('NAME'): the session variable's value (the name as stored, so an
            // unquoted `SET x` is read as 'X'), NULL when it is not set.
            Expr::Function(f) if f.name.to_string().eq_ignore_ascii_case("GETVARIABLE") => {
                let FunctionArguments::List(list) = &f.args else {
                    return ControlFlow::Continue(());
                };
                if let [FunctionArg::Unnamed(FunctionArgExpr::Expr(Expr::Value(v)))] =
                    list.args.as_slice()
                {
                    if let Value::SingleQuotedString(name) = &v.value {
                        if !self.ctx.variables.contains_key(name) {
                            *expr = Expr::value(Value::Null);
                        } else {
                            match self.value(name) {
                                Ok(e) => *expr = e,
                                Err(e) => self.error.set(e),
                            }
                        }
                    }
                }
            }
            Expr::Function(f) if is_identifier_function(&f.name) => {
                let FunctionArguments::List(list) = &mut f.args else {
                    return ControlFlow::Continue(());
                };
                let [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))] = list.args.as_mut_slice()
                else {
                    return ControlFlow::Continue(());
                };
                match self.literal_text(arg).and_then(|t| object_name(&t)) {
                    Ok(name) => {
                        let idents = name
                            .0
                            .into_iter()
                            .filter_map(|p| match p {
                                ObjectNamePart::Identifier(i) => Some(i),
                                ObjectNamePart::Function(_) => None,
                            })
                            .collect::<Vec<_>>();
                        *expr = match <[_; 1]>::try_from(idents) {
                            Ok([one]) => Expr::Identifier(one),
                            Err(many) => Expr::CompoundIdentifier(many),
                        };
                    }
                    Err(e) => self.error.set(e),
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }

    fn post_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
        let mut parts = Vec::with_capacity(relation.0.len());
        for part in relation.0.drain(..) {
            match identifier_name(&part) {
                Ok(Some(name)) => parts.extend(name.0),
                Ok(None) => parts.push(part),
                Err(e) => {
                    self.error.set(e);
                    parts.push(part);
                }
            }
        }
        relation.0 = parts;
        ControlFlow::Continue(())
    }
}

impl Substitute<'_> {
    /// The value of `$name` as an expression.
    fn value(&self, name: &str) -> Result<Expr> {
        let text = self.ctx.variables.get(name).ok_or_else(|| {
            SnowflakeError::compilation(
                ErrorCode::UndefinedVariable,
                format!("Session variable '${name}' does not exist"),
            )
        })?;
        Parser::new(&SnowflakeDialect)
            .try_with_sql(text)
            .and_then(|mut p| p.parse_expr())
            .map_err(|e| SnowflakeError::internal(format!("variable ${name}: {e}")))
    }

    /// The text of a string literal or of a variable holding one.
    fn literal_text(&self, expr: &Expr) -> Result<String> {
        let resolved;
        let expr = match expr {
            Expr::Value(v) => match &v.value {
                Value::Placeholder(p) => match variable_name(p) {
                    Some(name) => {
                        resolved = self.value(&name)?;
                        &resolved
                    }
                    None => expr,
                },
                _ => expr,
            },
            _ => expr,
        };
        string_literal(expr).ok_or_else(|| {
            SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                format!("invalid identifier argument {expr}: IDENTIFIER() takes a string literal or a session variable"),
            )
        })
    }
}

/// The quoted placeholder naming a previous query's result in DuckDB SQL (`RESULT_SCAN`).
pub fn result_scan_placeholder(query_id: &str) -> String {
    format!("\"\u{1}RESULT.{}\"", query_id.to_uppercase())
}

/// `TABLE(RESULT_SCAN(<query id> | LAST_QUERY_ID([n]) | <n>))` → a placeholder relation the
/// session replaces with that query's rows; returns the query ids read.
pub fn result_scans(statement: &mut Statement, ctx: &Context) -> Result<Vec<String>> {
    struct Scans<'a> {
        ctx: &'a Context,
        ids: Vec<String>,
        error: FirstError,
    }
    impl VisitorMut for Scans<'_> {
        type Break = ();
        fn pre_visit_table_factor(
            &mut self,
            factor: &mut sqlparser::ast::TableFactor,
        ) -> ControlFlow<()> {
            let sqlparser::ast::TableFactor::TableFunction {
                expr: Expr::Function(f),
                alias,
            } = factor
            else {
                return ControlFlow::Continue(());
            };
            if !f.name.to_string().eq_ignore_ascii_case("RESULT_SCAN") {
                return ControlFlow::Continue(());
            }
            let args: Vec<&Expr> = match &f.args {
                FunctionArguments::List(l) => l
                    .args
                    .iter()
                    .filter_map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                        _ => None,
                    })
                    .collect(),
                _ => vec![],
            };
            match query_id(&args, self.ctx) {
                Ok(id) => {
                    let placeholder = result_scan_placeholder(&id);
                    self.ids.push(id);
                    *factor = sqlparser::ast::TableFactor::Table {
                        name: ObjectName::from(vec![sqlparser::ast::Ident::with_quote(
                            '"',
                            &placeholder[1..placeholder.len() - 1],
                        )]),
                        alias: alias.take(),
                        args: None,
                        with_hints: vec![],
                        version: None,
                        with_ordinality: false,
                        partitions: vec![],
                        json_path: None,
                        sample: None,
                        index_directives: vec![],
                        inheritance: None,
                    };
                }
                Err(e) => {
                    self.error.set(e);
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut v = Scans {
        ctx,
        ids: vec![],
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut v);
    v.error.into_result().map(|_| v.ids)
}

/// The session's query at `index` as `LAST_QUERY_ID` counts: 1 the first, -1 the latest,
/// 0 none.
pub fn query_at(ctx: &Context, index: i64) -> Option<&String> {
    let ids = &ctx.query_ids;
    match index {
        0 => None,
        n if n < 0 => ids
            .len()
            .checked_sub(n.unsigned_abs() as usize)
            .and_then(|i| ids.get(i)),
        n => ids.get(n as usize - 1),
    }
}

/// The query id a RESULT_SCAN argument names.
fn query_id(args: &[&Expr], ctx: &Context) -> Result<String> {
    let by_index = |n: i64| -> Result<String> {
        query_at(ctx, n).cloned().ok_or_else(|| {
            SnowflakeError::compilation(
                ErrorCode::QueryNotFound,
                format!("Statement at index {n} of this session not found"),
            )
        })
    };
    let index = |e: &Expr| e.to_string().replace(' ', "").parse::<i64>().ok();
    match args {
        [] => by_index(-1),
        [Expr::Function(f)] if f.name.to_string().eq_ignore_ascii_case("LAST_QUERY_ID") => {
            match &f.args {
                FunctionArguments::List(l) => match l.args.as_slice() {
                    [] => by_index(-1),
                    [FunctionArg::Unnamed(FunctionArgExpr::Expr(e))] => {
                        by_index(index(e).unwrap_or(-1))
                    }
                    _ => by_index(-1),
                },
                _ => by_index(-1),
            }
        }
        [e] => match (string_literal(e), index(e)) {
            (Some(id), _) => Ok(id),
            (None, Some(n)) => by_index(n),
            _ => Err(SnowflakeError::unsupported(format!("RESULT_SCAN({e})"))),
        },
        _ => Err(SnowflakeError::unsupported(
            "RESULT_SCAN with several arguments",
        )),
    }
}

/// `seq.NEXTVAL` → DuckDB's `nextval('<sequence path>')`, the sequence named in the session's
/// context.
pub fn sequence_calls(statement: &mut Statement, ctx: &Context) -> Result<()> {
    // A bare `seq.NEXTVAL` column is named NEXTVAL.
    if let Statement::Query(q) = statement {
        if let sqlparser::ast::SetExpr::Select(select) = q.body.as_mut() {
            for item in &mut select.projection {
                if let sqlparser::ast::SelectItem::UnnamedExpr(e @ Expr::CompoundIdentifier(_)) =
                    item
                {
                    if let Expr::CompoundIdentifier(idents) = &*e {
                        if idents.len() > 1
                            && idents.last().is_some_and(|l| {
                                l.quote_style.is_none() && l.value.eq_ignore_ascii_case("NEXTVAL")
                            })
                        {
                            *item = sqlparser::ast::SelectItem::ExprWithAlias {
                                expr: e.clone(),
                                alias: sqlparser::ast::Ident::with_quote('"', "NEXTVAL"),
                            };
                        }
                    }
                }
            }
        }
    }
    let mut error = FirstError::default();
    let _ = sqlparser::ast::visit_expressions_mut(statement, |expr| {
        let Expr::CompoundIdentifier(idents) = expr else {
            return ControlFlow::Continue(());
        };
        let Some((last, prefix)) = idents.split_last() else {
            return ControlFlow::Continue(());
        };
        if prefix.is_empty()
            || last.quote_style.is_some()
            || !last.value.eq_ignore_ascii_case("NEXTVAL")
        {
            return ControlFlow::Continue(());
        }
        let name = ObjectName::from(prefix.to_vec());
        let result = crate::names::resolve_object(&name, ctx, "SELECT").map(|object| {
            Some(crate::rules::calls::func(
                "nextval",
                vec![Expr::value(Value::SingleQuotedString(object.storage()))],
            ))
        });
        error.replace(expr, result)
    });
    error.into_result()
}

/// An undefined variable's error names where it was used, as Snowflake's does.
fn locate(e: SnowflakeError, (line, column): (u64, u64)) -> SnowflakeError {
    if e.code != ErrorCode::UndefinedVariable || line == 0 {
        return e;
    }
    let detail = e
        .message
        .rsplit('\n')
        .next()
        .unwrap_or_default()
        .to_string();
    SnowflakeError::new(
        e.code,
        format!(
            "SQL compilation error: error line {line} at position {}\n{detail}",
            column.saturating_sub(1)
        ),
    )
}

fn string_literal(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s)
            | Value::DollarQuotedString(sqlparser::ast::DollarQuotedString { value: s, .. }) => {
                Some(s.clone())
            }
            _ => None,
        },
        _ => None,
    }
}

/// `$name` → `NAME` (unquoted variable names are case-insensitive); `$1` (a column position)
/// and `?`-style placeholders are not variables.
fn variable_name(placeholder: &str) -> Option<String> {
    let name = placeholder.strip_prefix('$')?;
    let first = name.chars().next()?;
    if !(first.is_alphabetic() || first == '_') {
        return None;
    }
    Some(name.to_uppercase())
}

fn is_identifier_function(name: &ObjectName) -> bool {
    matches!(name.0.as_slice(), [ObjectNamePart::Identifier(i)] if i.quote_style.is_none() && i.value.eq_ignore_ascii_case("IDENTIFIER"))
}

/// Parse the text of `IDENTIFIER('<text>')` as an object name.
pub(crate) fn object_name(text: &str) -> Result<ObjectName> {
    Parser::new(&SnowflakeDialect)
        .try_with_sql(text)
        .and_then(|mut p| p.parse_object_name(false))
        .map_err(|_| {
            SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                format!("invalid identifier '{text}'"),
            )
        })
}

/// The object name an `IDENTIFIER('<name>')` part stands for (its argument must be a string
/// literal by now: variables are substituted first); `None` for any other part.
pub fn identifier_name(part: &ObjectNamePart) -> Result<Option<ObjectName>> {
    let ObjectNamePart::Function(f) = part else {
        return Ok(None);
    };
    if !f.name.value.eq_ignore_ascii_case("IDENTIFIER") {
        return Ok(None);
    }
    let [FunctionArg::Unnamed(FunctionArgExpr::Expr(arg))] = f.args.as_slice() else {
        return Ok(None);
    };
    let text = string_literal(arg).ok_or_else(|| {
        SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            format!("invalid identifier argument {arg}"),
        )
    })?;
    object_name(&text).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::parse;
    use crate::rules::test_support::ctx;

    fn run(sql: &str, vars: &[(&str, &str)]) -> Result<String> {
        let mut c = ctx();
        for (k, v) in vars {
            c.variables.insert(k.to_string(), v.to_string());
        }
        let mut s = parse(sql)?.remove(0);
        substitute(&mut s, &c)?;
        Ok(s.to_string())
    }

    #[test]
    fn variables_become_their_values() {
        assert_eq!(
            run(
                "select $x + 1, $Name from t",
                &[("X", "5"), ("NAME", "'two'")]
            )
            .unwrap(),
            "SELECT 5 + 1, 'two' FROM t"
        );
    }

    #[test]
    fn an_unknown_variable_is_an_error() {
        let e = run("select $nope", &[]).unwrap_err();
        assert!(
            e.message
                .contains("Session variable '$NOPE' does not exist"),
            "{}",
            e.message
        );
    }

    #[test]
    fn identifier_names_tables_and_columns() {
        assert_eq!(
            run(
                "select identifier('c') from identifier($t)",
                &[("T", "'s.tbl'")]
            )
            .unwrap(),
            "SELECT c FROM s.tbl"
        );
    }
}
