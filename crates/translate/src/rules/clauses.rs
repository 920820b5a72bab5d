//! Query clauses Snowflake spells differently from DuckDB: `MINUS` is `EXCEPT`, and
//! `SELECT TOP n` is a `LIMIT n` on the query the SELECT is the body of. Clauses DuckDB has no
//! counterpart for (CONNECT BY, MATCH_RECOGNIZE) fail as unsupported rather than as DuckDB
//! syntax errors. `ASOF JOIN ... MATCH_CONDITION` becomes DuckDB's ASOF LEFT JOIN.

use std::ops::ControlFlow;

use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    Expr, JoinConstraint, JoinOperator, LimitClause, Query, Select, SetExpr, SetOperator,
    Statement, TableFactor, TopQuantity, Value, VisitMut, VisitorMut,
};

use super::FirstError;

pub fn rewrite_clauses(statement: &mut Statement) -> Result<()> {
    let mut clauses = Clauses(FirstError::default());
    let _ = statement.visit(&mut clauses);
    clauses.0.into_result()
}

struct Clauses(FirstError);

impl VisitorMut for Clauses {
    type Break = ();

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        group_by_all_with_windows(select);
        let mut asof_using = false;
        for join in select.from.iter_mut().flat_map(|t| &mut t.joins) {
            asof_using |= !asof_as_duckdb(&mut join.join_operator);
        }
        // A TOP the query did not take: a set operation's branch, or TOP with LIMIT.
        let unsupported = if asof_using {
            "ASOF JOIN ... USING"
        } else if select.top.is_some() {
            "TOP in a set operation's branch or with LIMIT"
        } else if !select.connect_by.is_empty() {
            "CONNECT BY"
        } else {
            return ControlFlow::Continue(());
        };
        self.0.set(SnowflakeError::unsupported(unsupported));
        ControlFlow::Break(())
    }

    fn pre_visit_table_factor(&mut self, table: &mut TableFactor) -> ControlFlow<()> {
        if matches!(table, TableFactor::MatchRecognize { .. }) {
            self.0.set(SnowflakeError::unsupported("MATCH_RECOGNIZE"));
            return ControlFlow::Break(());
        }
        // `TABLE(f(...))` of a function no rule knows (user functions are inlined already).
        if let TableFactor::TableFunction {
            expr: Expr::Function(f),
            ..
        } = table
        {
            let name = f.name.to_string().to_ascii_uppercase();
            let known = [
                "FLATTEN",
                "GENERATOR",
                "SPLIT_TO_TABLE",
                "STRTOK_SPLIT_TO_TABLE",
                "RESULT_SCAN",
                "INFER_SCHEMA",
            ];
            if !known.iter().any(|k| name.rsplit('.').next() == Some(k)) {
                self.0.set(SnowflakeError::compilation(
                    ErrorCode::UnknownFunction,
                    format!("Unknown user-defined table function {name}"),
                ));
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        if let Some(with) = &mut query.with {
            for cte in &with.cte_tables {
                let name = crate::names::ident_name(&cte.alias.name);
                if !names_table(&cte.query, &name) {
                    continue;
                }
                // Snowflake's RECURSIVE keyword is optional; DuckDB's is not.
                with.recursive = true;
                // A recursive term that aggregates never converges in DuckDB (it runs until
                // stopped); Snowflake refuses it.
                if let SetExpr::SetOperation { .. } = cte.query.body.as_ref() {
                    if recursive_branches_aggregate(&cte.query.body, &name) {
                        self.0.set(SnowflakeError::compilation(
                            ErrorCode::SyntaxError,
                            format!(
                                "Recursive CTE '{name}': aggregate functions and GROUP BY are not allowed in its recursive clause."
                            ),
                        ));
                        return ControlFlow::Break(());
                    }
                }
            }
        }
        empty_text_limits(query);
        single_row_order_by(query);
        if let SetExpr::Select(select) = query.body.as_mut() {
            if query.limit_clause.is_none() && query.fetch.is_none() {
                if let Some(quantity) = select.top.take().and_then(|top| top.quantity) {
                    let n = match quantity {
                        TopQuantity::Expr(e) => e,
                        TopQuantity::Constant(n) => {
                            Expr::value(Value::Number(n.to_string(), false))
                        }
                    };
                    query.limit_clause = Some(LimitClause::LimitOffset {
                        limit: Some(n),
                        offset: None,
                        limit_by: vec![],
                    });
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        minus_as_except(&mut query.body);
        ControlFlow::Continue(())
    }
}

/// The marker match condition of an ASOF JOIN whose condition [`asof_as_duckdb`] moved into
/// ON: the plan prints `l ASOF JOIN r MATCH_CONDITION (<marker>) ON ...` as DuckDB's
/// `l ASOF LEFT JOIN r ON ...` (see [`crate::plan::asof_joins_as_duckdb`]).
pub const ASOF_MARKER: &str = "'sg_asof'";

/// Snowflake `l ASOF JOIN r MATCH_CONDITION (l.t >= r.t) ON l.k = r.k`: for each left row the
/// right row nearest in the match condition among those with equal keys, NULLs without one.
/// That is DuckDB's `l ASOF LEFT JOIN r ON l.k = r.k AND l.t >= r.t`: the condition joins the
/// ON keys, and a marker stands in its place. `false` for an ASOF JOIN with USING (its keys
/// would need the tables' names), left as it is.
fn asof_as_duckdb(operator: &mut JoinOperator) -> bool {
    let JoinOperator::AsOf {
        match_condition,
        constraint,
    } = operator
    else {
        return true;
    };
    if matches!(constraint, JoinConstraint::Using(_)) {
        return false;
    }
    let marker = Expr::value(Value::SingleQuotedString("sg_asof".into()));
    let condition = std::mem::replace(match_condition, marker);
    let condition = super::calls::nested(condition);
    *constraint = JoinConstraint::On(match std::mem::replace(constraint, JoinConstraint::None) {
        JoinConstraint::On(keys) => super::calls::binary(
            super::calls::nested(keys),
            sqlparser::ast::BinaryOperator::And,
            condition,
        ),
        _ => condition,
    });
    true
}

/// An aggregate query without GROUP BY answers one row, which its ORDER BY does not move.
/// Snowflake accepts one naming a column the aggregates read (ARRAY_AGG's DISTINCT example);
/// DuckDB refuses it, so it goes.
fn single_row_order_by(query: &mut Query) {
    let SetExpr::Select(select) = query.body.as_ref() else {
        return;
    };
    let grouped =
        !matches!(&select.group_by, sqlparser::ast::GroupByExpr::Expressions(e, _) if e.is_empty());
    if query.order_by.is_none()
        || grouped
        || select.distinct.is_some()
        || select
            .projection
            .iter()
            .any(|item| calls(item, false, |f| f.over.is_some()))
        || !super::semi_structured::calls_aggregate(&select.projection)
    {
        return;
    }
    query.order_by = None;
}

/// `LIMIT ''` (or `$$$$`) means no limit and `OFFSET ''` no offset, as `LIMIT NULL` and
/// `OFFSET NULL` do (the LIMIT / FETCH page); DuckDB would read the text as a number.
fn empty_text_limits(query: &mut Query) {
    let empty = |e: &Expr| {
        matches!(e, Expr::Value(v) if match &v.value {
            Value::SingleQuotedString(s) => s.is_empty(),
            Value::DollarQuotedString(d) => d.value.is_empty(),
            _ => false,
        })
    };
    if let Some(LimitClause::LimitOffset { limit, offset, .. }) = &mut query.limit_clause {
        if limit.as_ref().is_some_and(empty) {
            *limit = None;
        }
        if offset.as_ref().is_some_and(|o| empty(&o.value)) {
            *offset = None;
        }
    }
}

/// Whether a branch of a set operation that reads the CTE `name` aggregates.
fn recursive_branches_aggregate(body: &SetExpr, name: &str) -> bool {
    match body {
        SetExpr::SetOperation { left, right, .. } => {
            recursive_branches_aggregate(left, name) || recursive_branches_aggregate(right, name)
        }
        SetExpr::Query(q) => recursive_branches_aggregate(&q.body, name),
        branch => {
            let mut find = NamesTable(name, false);
            let _ = sqlparser::ast::Visit::visit(branch, &mut find);
            find.1 && aggregates(branch)
        }
    }
}

/// Finds a table of a (one-part) name.
struct NamesTable<'a>(&'a str, bool);

impl sqlparser::ast::Visitor for NamesTable<'_> {
    type Break = ();
    fn pre_visit_table_factor(&mut self, t: &TableFactor) -> ControlFlow<()> {
        if let TableFactor::Table { name, .. } = t {
            if let [part] = name.0.as_slice() {
                if part.as_ident().map(crate::names::ident_name).as_deref() == Some(self.0) {
                    self.1 = true;
                    return ControlFlow::Break(());
                }
            }
        }
        ControlFlow::Continue(())
    }
}

/// `GROUP BY ALL` groups by the SELECT items that use no aggregate function. DuckDB's takes
/// a window function that uses none (`ROW_NUMBER() OVER (ORDER BY k)`) for a grouping item
/// and fails, so with such an item the grouping items are listed: those with neither an
/// aggregate nor a window.
fn group_by_all_with_windows(select: &mut Select) {
    use sqlparser::ast::{GroupByExpr, SelectItem};
    if !matches!(&select.group_by, GroupByExpr::All(modifiers) if modifiers.is_empty()) {
        return;
    }
    let mut grouping = vec![];
    let mut window_only = false;
    for item in &select.projection {
        let expr = match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => e,
            _ => return,
        };
        let aggregate = super::semi_structured::calls_aggregate(std::slice::from_ref(item));
        if calls_window(expr) {
            window_only |= !aggregate;
        } else if !aggregate {
            grouping.push(expr.clone());
        }
    }
    if window_only {
        select.group_by = GroupByExpr::Expressions(grouping, vec![]);
    }
}

/// Whether an expression calls a window function (outside subqueries).
fn calls_window(expr: &Expr) -> bool {
    calls(expr, false, |f| f.over.is_some())
}

/// Whether `node` calls a function `found` accepts; subqueries are searched only when
/// `into_subqueries`.
fn calls(
    node: &impl sqlparser::ast::Visit,
    into_subqueries: bool,
    found: impl Fn(&sqlparser::ast::Function) -> bool,
) -> bool {
    struct Find<F> {
        found: F,
        into_subqueries: bool,
        hit: bool,
    }
    impl<F: Fn(&sqlparser::ast::Function) -> bool> sqlparser::ast::Visitor for Find<F> {
        type Break = ();
        fn pre_visit_expr(&mut self, e: &Expr) -> ControlFlow<()> {
            if matches!(e, Expr::Function(f) if (self.found)(f)) {
                self.hit = true;
                return ControlFlow::Break(());
            }
            ControlFlow::Continue(())
        }
        fn pre_visit_query(&mut self, _: &Query) -> ControlFlow<()> {
            if self.into_subqueries {
                ControlFlow::Continue(())
            } else {
                ControlFlow::Break(())
            }
        }
    }
    let mut find = Find {
        found,
        into_subqueries,
        hit: false,
    };
    let _ = node.visit(&mut find);
    find.hit
}

/// Whether a query reads a table of this (one-part) name anywhere.
fn names_table(query: &Query, name: &str) -> bool {
    let mut find = NamesTable(name, false);
    let _ = sqlparser::ast::Visit::visit(query, &mut find);
    find.1
}

/// Whether a query term aggregates: GROUP BY, or an aggregate function that is not a window.
fn aggregates(body: &SetExpr) -> bool {
    let SetExpr::Select(select) = body else {
        return false;
    };
    let grouped = match &select.group_by {
        sqlparser::ast::GroupByExpr::All(_) => true,
        sqlparser::ast::GroupByExpr::Expressions(e, _) => !e.is_empty(),
    };
    let aggregate = |f: &sqlparser::ast::Function| {
        let name = f.name.to_string().to_ascii_uppercase();
        f.over.is_none() && super::semi_structured::AGGREGATES.contains(&name.as_str())
    };
    grouped
        || select
            .projection
            .iter()
            .any(|item| calls(item, true, aggregate))
}

fn minus_as_except(body: &mut SetExpr) {
    if let SetExpr::SetOperation {
        op, left, right, ..
    } = body
    {
        if *op == SetOperator::Minus {
            *op = SetOperator::Except;
        }
        minus_as_except(left);
        minus_as_except(right);
    }
}
