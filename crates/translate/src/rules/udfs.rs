//! SQL user-defined functions (`CREATE FUNCTION ... AS '<expression or query>'`), inlined
//! where they are called, before any other rule. A scalar function's call becomes
//! `CAST((<body>) AS <returns>)` with each argument name in the body replaced by
//! `CAST(<argument> AS <declared type>)`; when the body holds a query, the arguments are the
//! columns of a one-row derived table instead (`(SELECT <body> FROM (SELECT CAST(<argument> AS
//! <type>) AS <name>, ...) AS sg_args)`), so a column of the body's tables that has an argument's
//! name cannot capture it. A table function (`RETURNS TABLE (...)`) called as `TABLE(f(...))`
//! becomes its query joined to that derived table, its columns named as declared. The body's
//! unqualified names are resolved in the function's own schema. The rules that follow then
//! translate the body like any SQL the user wrote. The session finds the functions a statement
//! calls ([`Context::functions`]).

use std::ops::ControlFlow;

use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    CastKind, DataType, Expr, FunctionArg, FunctionArgExpr, FunctionArguments, Ident, ObjectName,
    Query, SelectItem, SetExpr, Statement, TableAlias, TableAliasColumnDef, TableFactor, Visit,
    VisitMut, Visitor, VisitorMut,
};

use super::FirstError;
use crate::names::{ident_name, resolve_object, Context, UserFunction};

/// How deeply functions may call functions (Snowflake rejects recursive SQL UDFs).
const MAX_DEPTH: usize = 16;

pub fn inline_user_functions(statement: &mut Statement, ctx: &Context) -> Result<()> {
    if ctx.functions.is_empty() {
        return Ok(());
    }
    let mut inline = Inline {
        ctx,
        depth: 0,
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut inline);
    inline.error.into_result()
}

struct Inline<'a> {
    ctx: &'a Context,
    depth: usize,
    error: FirstError,
}

impl Inline<'_> {
    /// The function a call names, the overload taking `arity` arguments when there is one
    /// (functions overload by their number of arguments), else the first (whose arguments then
    /// do not fit).
    fn find(&self, name: &ObjectName, arity: Option<usize>) -> Option<&UserFunction> {
        let object = resolve_object(name, self.ctx, "CALL").ok()?;
        let mut named = self.ctx.functions.iter().filter(|f| f.name == object);
        let first = named.clone().next()?;
        Some(named.find(|f| Some(f.args.len()) == arity).unwrap_or(first))
    }

    /// Inline the functions a function's body calls in turn (named from the function's schema).
    fn nested<T: VisitMut>(&self, node: &mut T, f: &UserFunction) -> Result<()> {
        if self.depth >= MAX_DEPTH {
            return Err(SnowflakeError::compilation(
                ErrorCode::Unsupported,
                format!(
                    "Recursive or too deeply nested call of function '{}'.",
                    f.name.name
                ),
            ));
        }
        let ctx = home(self.ctx, f);
        let mut inner = Inline {
            ctx: &ctx,
            depth: self.depth + 1,
            error: FirstError::default(),
        };
        let _ = node.visit(&mut inner);
        inner.error.into_result()?;
        qualify_tables(node, self.ctx, f);
        Ok(())
    }

    fn scalar(&self, f: &UserFunction, args: Vec<Expr>) -> Result<Expr> {
        if is_table(&f.returns) {
            return Err(SnowflakeError::compilation(
                ErrorCode::InvalidArgumentTypes,
                format!(
                    "Invalid argument types for function '{}': a table function is called \
                     as TABLE({}(...)) in a FROM clause.",
                    f.name.name, f.name.name
                ),
            ));
        }
        let mut body = parse_expr(&f.body)?;
        let values = arguments(f, args)?;
        if holds_query(&body) && !values.is_empty() {
            // `(SELECT <body> FROM (SELECT <values>) AS sg_args)`, arguments read as
            // `sg_args.<name>`.
            substitute(&mut body, &values, true);
            self.nested(&mut body, f)?;
            let mut query = parse_query("SELECT 1 FROM (SELECT 1) AS sg_args")?;
            if let SetExpr::Select(select) = query.body.as_mut() {
                select.projection = vec![SelectItem::UnnamedExpr(body)];
                if let Some(from) = select.from.first_mut() {
                    if let TableFactor::Derived { subquery, .. } = &mut from.relation {
                        **subquery = argument_row(values)?;
                    }
                }
            }
            body = Expr::Subquery(Box::new(query));
        } else {
            substitute(&mut body, &values, false);
            self.nested(&mut body, f)?;
        }
        Ok(Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(Expr::Nested(Box::new(body))),
            data_type: data_type(&f.returns)?,
            format: None,
        })
    }

    fn table(
        &self,
        f: &UserFunction,
        args: Vec<Expr>,
        alias: Option<TableAlias>,
    ) -> Result<TableFactor> {
        if !is_table(&f.returns) {
            return Err(SnowflakeError::compilation(
                ErrorCode::InvalidArgumentTypes,
                format!(
                    "Invalid argument types for function '{}': it returns {}, not a table.",
                    f.name.name,
                    f.returns.trim()
                ),
            ));
        }
        let mut query = parse_query(&f.body)?;
        let values = arguments(f, args)?;
        substitute(&mut query, &values, true);
        self.nested(&mut query, f)?;
        let columns = table_columns(&f.returns)?;
        let inner_alias = TableAlias {
            explicit: true,
            name: Ident::new("sg_udtf"),
            columns: columns
                .into_iter()
                .map(|name| TableAliasColumnDef {
                    name,
                    data_type: None,
                })
                .collect(),
            at: None,
        };
        // `SELECT sg_udtf.* FROM (SELECT <arguments>) AS sg_args, (<body>) AS sg_udtf(<declared
        // names>)`, aliased as the call is.
        let mut outer =
            parse_query("SELECT sg_udtf.* FROM (SELECT 1) AS sg_args, (SELECT 1) AS sg_udtf")?;
        if let SetExpr::Select(select) = outer.body.as_mut() {
            if let [args_table, body_table] = select.from.as_mut_slice() {
                if let TableFactor::Derived { subquery, .. } = &mut args_table.relation {
                    **subquery = argument_row(values)?;
                }
                body_table.relation = TableFactor::Derived {
                    lateral: false,
                    subquery: Box::new(query),
                    alias: Some(inner_alias),
                    sample: None,
                };
            }
        }
        Ok(TableFactor::Derived {
            lateral: false,
            subquery: Box::new(outer),
            alias,
            sample: None,
        })
    }
}

impl VisitorMut for Inline<'_> {
    type Break = ();

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        let (name, args, alias) = match factor {
            TableFactor::TableFunction {
                expr: Expr::Function(f),
                alias,
            } => (f.name.clone(), plain_args(&f.args), alias.clone()),
            TableFactor::Function {
                name, args, alias, ..
            } => (name.clone(), unnamed(args), alias.clone()),
            _ => return ControlFlow::Continue(()),
        };
        let Some(function) = self.find(&name, args.as_ref().map(Vec::len)) else {
            return ControlFlow::Continue(());
        };
        let result = args
            .ok_or_else(|| wrong_arguments(function))
            .and_then(|args| self.table(function, args, alias));
        match result {
            Ok(derived) => *factor = derived,
            Err(e) => {
                self.error.set(e);
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let Expr::Function(call) = expr else {
            return ControlFlow::Continue(());
        };
        if call.over.is_some() {
            return ControlFlow::Continue(());
        }
        let Some(function) = self.find(&call.name, plain_args(&call.args).map(|a| a.len())) else {
            return ControlFlow::Continue(());
        };
        let result = plain_args(&call.args)
            .ok_or_else(|| wrong_arguments(function))
            .and_then(|args| self.scalar(function, args));
        self.error.replace(expr, result.map(Some))
    }
}

/// The names of the functions `node` calls, in calls and in `TABLE(f(...))` (the candidates
/// for user-defined functions the session looks up).
pub fn called_names<T: Visit>(node: &T) -> Vec<ObjectName> {
    struct Calls(Vec<ObjectName>);
    impl Visitor for Calls {
        type Break = ();
        fn pre_visit_expr(&mut self, expr: &Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                if f.over.is_none() && !self.0.contains(&f.name) {
                    self.0.push(f.name.clone());
                }
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            if let TableFactor::Function { name, .. } = factor {
                if !self.0.contains(name) {
                    self.0.push(name.clone());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut calls = Calls(Vec::new());
    let _ = node.visit(&mut calls);
    calls.0
}

/// The functions a function's body calls.
pub fn body_calls(f: &UserFunction) -> Vec<ObjectName> {
    let parsed = if is_table(&f.returns) {
        parse_query(&f.body).map(|q| called_names(&q))
    } else {
        parse_expr(&f.body).map(|e| called_names(&e))
    };
    parsed.unwrap_or_default()
}

/// Check a function's definition as Snowflake does on CREATE: the argument and return types
/// and the body (an expression, or a query for a table function) must parse.
pub fn check(f: &UserFunction) -> Result<()> {
    for (_, type_text) in &f.args {
        data_type(type_text)?;
    }
    if is_table(&f.returns) {
        table_columns(&f.returns)?;
        parse_query(&f.body)?;
    } else {
        data_type(&f.returns)?;
        parse_expr(&f.body)?;
    }
    Ok(())
}

fn wrong_arguments(f: &UserFunction) -> SnowflakeError {
    SnowflakeError::compilation(
        ErrorCode::InvalidArgumentTypes,
        format!("Invalid argument types for function '{}'.", f.name.name),
    )
}

fn plain_args(args: &FunctionArguments) -> Option<Vec<Expr>> {
    match args {
        FunctionArguments::None => Some(vec![]),
        FunctionArguments::List(list) => unnamed(&list.args),
        FunctionArguments::Subquery(_) => None,
    }
}

fn unnamed(args: &[FunctionArg]) -> Option<Vec<Expr>> {
    args.iter()
        .map(|a| match a {
            FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e.clone()),
            _ => None,
        })
        .collect()
}

fn is_table(returns: &str) -> bool {
    returns
        .trim_start()
        .get(..5)
        .is_some_and(|w| w.eq_ignore_ascii_case("TABLE"))
}

/// The arguments of a call as (name, value converted to the declared type).
fn arguments(f: &UserFunction, args: Vec<Expr>) -> Result<Vec<(String, Expr)>> {
    if args.len() != f.args.len() {
        return Err(wrong_arguments(f));
    }
    let mut values = Vec::with_capacity(args.len());
    for ((name, type_text), value) in f.args.iter().zip(args) {
        let converted = Expr::Cast {
            kind: CastKind::Cast,
            expr: Box::new(value),
            data_type: data_type(type_text)?,
            format: None,
        };
        values.push((name.clone(), converted));
    }
    Ok(values)
}

/// `SELECT <value> AS <name>, ...`: the one-row table the arguments are read from.
fn argument_row(values: Vec<(String, Expr)>) -> Result<Query> {
    let mut row = parse_query("SELECT 1")?;
    if values.is_empty() {
        return Ok(row);
    }
    if let SetExpr::Select(select) = row.body.as_mut() {
        select.projection = values
            .into_iter()
            .map(|(name, value)| SelectItem::ExprWithAlias {
                expr: value,
                alias: Ident::with_quote('"', name),
            })
            .collect();
    }
    Ok(row)
}

/// Whether an expression holds a query (a scalar subquery, EXISTS, IN (SELECT ...)).
fn holds_query(expr: &Expr) -> bool {
    struct Finder;
    impl Visitor for Finder {
        type Break = ();
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            ControlFlow::Break(())
        }
    }
    expr.visit(&mut Finder).is_break()
}

/// Replace each argument name in `node` by its value, or (`qualified`) by a reference to the
/// argument table's column (`sg_args."<NAME>"`). Replaced nodes are not visited again.
fn substitute<T: VisitMut>(node: &mut T, values: &[(String, Expr)], qualified: bool) {
    struct Substitute<'a>(&'a [(String, Expr)], bool);
    impl VisitorMut for Substitute<'_> {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if let Expr::Identifier(i) = expr {
                let name = ident_name(i);
                if let Some((n, value)) = self.0.iter().find(|(n, _)| *n == name) {
                    *expr = if self.1 {
                        Expr::CompoundIdentifier(vec![
                            Ident::new("sg_args"),
                            Ident::with_quote('"', n.clone()),
                        ])
                    } else {
                        value.clone()
                    };
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = node.visit(&mut Substitute(values, qualified));
}

/// The context a function's body is read in: the function's own database and schema.
fn home(ctx: &Context, f: &UserFunction) -> Context {
    Context {
        database: Some(f.name.database.clone()),
        schema: Some(f.name.schema.clone()),
        ..ctx.clone()
    }
}

/// Qualify the tables a body names without its database or schema with the function's, when
/// the caller's current schema is another one (names of the body's CTEs are left alone).
fn qualify_tables<T: VisitMut>(node: &mut T, caller: &Context, f: &UserFunction) {
    if caller.database.as_deref() == Some(f.name.database.as_str())
        && caller.schema.as_deref() == Some(f.name.schema.as_str())
    {
        return;
    }
    struct Qualify<'a> {
        f: &'a UserFunction,
        ctes: Vec<String>,
    }
    impl VisitorMut for Qualify<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
            if let Some(with) = &query.with {
                for cte in &with.cte_tables {
                    self.ctes.push(ident_name(&cte.alias.name));
                }
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_relation(&mut self, relation: &mut ObjectName) -> ControlFlow<()> {
            let parts: Vec<Ident> = relation
                .0
                .iter()
                .filter_map(|p| p.as_ident().cloned())
                .collect();
            let quoted = |s: &str| Ident::with_quote('"', s);
            let full = match parts.as_slice() {
                [one] if !self.ctes.contains(&ident_name(one)) => vec![
                    quoted(&self.f.name.database),
                    quoted(&self.f.name.schema),
                    one.clone(),
                ],
                [schema, name] => vec![quoted(&self.f.name.database), schema.clone(), name.clone()],
                _ => return ControlFlow::Continue(()),
            };
            *relation = ObjectName::from(full);
            ControlFlow::Continue(())
        }
    }
    let _ = node.visit(&mut Qualify { f, ctes: vec![] });
}

fn parse_query(sql: &str) -> Result<Query> {
    let text = sql.trim().trim_end_matches(';');
    match crate::parse::parse(text)?.into_iter().next() {
        Some(Statement::Query(q)) => Ok(*q),
        _ => Err(SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            format!("The function body is not a query: {text}"),
        )),
    }
}

/// A scalar body, an expression or a query (a scalar subquery), as an expression.
fn parse_expr(body: &str) -> Result<Expr> {
    let query = parse_query(&format!("SELECT ({})", body.trim().trim_end_matches(';')))?;
    match *query.body {
        SetExpr::Select(select) => match select.projection.into_iter().next() {
            Some(SelectItem::UnnamedExpr(e)) => Ok(e),
            _ => Err(SnowflakeError::internal("function body without a value")),
        },
        _ => Err(SnowflakeError::internal("function body without a value")),
    }
}

/// A type written in a CREATE FUNCTION, as sqlparser reads it.
fn data_type(text: &str) -> Result<DataType> {
    match parse_expr(&format!("CAST(NULL AS {})", text.trim()))? {
        Expr::Nested(inner) => match *inner {
            Expr::Cast { data_type, .. } => Ok(data_type),
            _ => Err(SnowflakeError::internal("not a cast")),
        },
        Expr::Cast { data_type, .. } => Ok(data_type),
        _ => Err(SnowflakeError::internal("not a cast")),
    }
}

/// The column names of `RETURNS TABLE (a INT, b VARCHAR)`.
fn table_columns(returns: &str) -> Result<Vec<Ident>> {
    let definition = returns.trim_start()[5..].trim();
    let sql = format!("CREATE TABLE sg_udtf {definition}");
    match crate::parse::parse(&sql)?.into_iter().next() {
        Some(Statement::CreateTable(create)) => {
            Ok(create.columns.into_iter().map(|c| c.name).collect())
        }
        _ => Err(SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            format!("Invalid RETURNS {returns}"),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::ObjectRef;

    fn ctx() -> Context {
        let udf = |name: &str, args: &[(&str, &str)], returns: &str, body: &str| UserFunction {
            name: ObjectRef {
                database: "DB".into(),
                schema: "PUBLIC".into(),
                name: name.into(),
            },
            args: args
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect(),
            returns: returns.into(),
            body: body.into(),
        };
        Context {
            database: Some("DB".into()),
            schema: Some("PUBLIC".into()),
            functions: vec![
                udf(
                    "AREA",
                    &[("RADIUS", "FLOAT")],
                    "FLOAT",
                    "pi() * radius * radius",
                ),
                udf(
                    "ORDERS_FOR",
                    &[("P", "VARCHAR")],
                    "TABLE (id INT, qty INT)",
                    "select id, qty from orders where product = p",
                ),
            ],
            ..Context::default()
        }
    }

    fn inlined(sql: &str) -> Result<String> {
        let mut statement = crate::parse::parse(sql)?.remove(0);
        inline_user_functions(&mut statement, &ctx())?;
        Ok(statement.to_string())
    }

    #[test]
    fn scalar_calls_become_their_body() {
        assert_eq!(
            inlined("select area(2) from t").unwrap(),
            "SELECT CAST(((pi() * CAST(2 AS FLOAT) * CAST(2 AS FLOAT))) AS FLOAT) FROM t"
        );
        assert!(inlined("select area(1, 2)").is_err());
        assert!(inlined("select * from table(area(1))").is_err());
    }

    #[test]
    fn table_calls_become_derived_tables() {
        let sql = inlined("select * from table(orders_for('x')) as o").unwrap();
        assert_eq!(
            sql,
            "SELECT * FROM (SELECT sg_udtf.* FROM (SELECT CAST('x' AS VARCHAR) AS \"P\") AS \
             sg_args, (SELECT id, qty FROM orders WHERE product = sg_args.\"P\") AS sg_udtf (id, \
             qty)) AS o"
        );
    }

    #[test]
    fn arguments_are_not_captured_by_columns_of_the_same_name() {
        // The argument is the caller's column `radius`: replaced once, not again inside.
        assert_eq!(
            inlined("select area(radius) from circles").unwrap(),
            "SELECT CAST(((pi() * CAST(radius AS FLOAT) * CAST(radius AS FLOAT))) AS FLOAT) \
             FROM circles"
        );
    }
}
