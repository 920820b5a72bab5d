//! A NULL in the anchor of a recursive CTE. Snowflake types a column of `WITH RECURSIVE` by both
//! of its branches, so `SELECT title, NULL AS manager_title ... UNION ALL SELECT e.title,
//! cte.title ...` has a VARCHAR `manager_title`; DuckDB types it by the anchor alone, and
//! then cannot convert the recursive rows' values to a NULL type. The anchor's NULL is given
//! the type of the recursive branch's value at its position, where that is evident: a cast, a
//! literal, a concatenation, a column of a table the session knows, or a column of the CTE
//! itself whose anchor value is one of those.

use std::ops::ControlFlow;

use snowglobe_catalog::SfType;
use sqlparser::ast::{
    Cte, Expr, Query, Select, SelectItem, SetExpr, SetOperator, Statement, TableFactor, Value,
    Visit, VisitMut, Visitor, VisitorMut,
};

use super::calls::cast;
use crate::names::{ident_name, Context};

/// Whether `statement` has a recursive CTE whose anchor selects a NULL (then the session looks
/// up the column types of the tables it reads).
pub fn wants_column_types(statement: &Statement) -> bool {
    struct Find(bool);
    impl Visitor for Find {
        type Break = ();
        fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
            if let Some(with) = q.with.as_ref().filter(|w| w.recursive) {
                if with
                    .cte_tables
                    .iter()
                    .filter_map(branches)
                    .any(|(anchor, _)| anchor.projection.iter().any(|i| is_null(item_expr(i))))
                {
                    self.0 = true;
                    return ControlFlow::Break(());
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut find = Find(false);
    let _ = statement.visit(&mut find);
    find.0
}

/// Type the NULLs of recursive CTE anchors (see the module docs).
pub fn typed_anchor_nulls(statement: &mut Statement, ctx: &Context) {
    struct Rewrite<'a>(&'a [(String, String, SfType)]);
    impl VisitorMut for Rewrite<'_> {
        type Break = ();
        fn pre_visit_query(&mut self, q: &mut Query) -> ControlFlow<()> {
            let Some(with) = q.with.as_mut().filter(|w| w.recursive) else {
                return ControlFlow::Continue(());
            };
            for cte in &mut with.cte_tables {
                let Some((anchor, recursive)) = branches(cte) else {
                    continue;
                };
                let cte_name = ident_name(&cte.alias.name);
                let columns: Vec<String> = if cte.alias.columns.is_empty() {
                    anchor.projection.iter().map(item_name).collect()
                } else {
                    cte.alias
                        .columns
                        .iter()
                        .map(|c| ident_name(&c.name))
                        .collect()
                };
                let resolver = Resolver {
                    tables: self.0,
                    cte_name: &cte_name,
                    columns: &columns,
                    anchor,
                };
                let types: Vec<Option<Expr>> = (0..anchor.projection.len())
                    .map(|i| {
                        if !is_null(item_expr(&anchor.projection[i])) {
                            return None;
                        }
                        let value = recursive.projection.get(i).and_then(item_expr)?;
                        resolver.typed_null(value, recursive, 0)
                    })
                    .collect();
                if let Some(anchor) = anchor_mut(cte) {
                    for (item, typed) in anchor.projection.iter_mut().zip(types) {
                        if let (Some(typed), Some(e)) = (typed, item_expr_mut(item)) {
                            *e = typed;
                        }
                    }
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut Rewrite(&ctx.column_types));
}

/// The anchor and the recursive branch of a CTE written `anchor UNION [ALL] recursive`.
fn branches(cte: &Cte) -> Option<(&Select, &Select)> {
    match cte.query.body.as_ref() {
        SetExpr::SetOperation {
            op: SetOperator::Union,
            left,
            right,
            ..
        } => match (left.as_ref(), right.as_ref()) {
            (SetExpr::Select(a), SetExpr::Select(r)) => Some((a, r)),
            _ => None,
        },
        _ => None,
    }
}

fn anchor_mut(cte: &mut Cte) -> Option<&mut Select> {
    match cte.query.body.as_mut() {
        SetExpr::SetOperation { left, .. } => match left.as_mut() {
            SetExpr::Select(a) => Some(a),
            _ => None,
        },
        _ => None,
    }
}

fn item_expr(item: &SelectItem) -> Option<&Expr> {
    match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
        _ => None,
    }
}

fn item_expr_mut(item: &mut SelectItem) -> Option<&mut Expr> {
    match item {
        SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => Some(e),
        _ => None,
    }
}

/// The name a select item gives its column: its alias, or the name of the column it reads.
fn item_name(item: &SelectItem) -> String {
    match item {
        SelectItem::ExprWithAlias { alias, .. } => ident_name(alias),
        SelectItem::UnnamedExpr(Expr::Identifier(i)) => ident_name(i),
        SelectItem::UnnamedExpr(Expr::CompoundIdentifier(parts)) => {
            parts.last().map(ident_name).unwrap_or_default()
        }
        _ => String::new(),
    }
}

fn is_null(e: Option<&Expr>) -> bool {
    e.is_some_and(super::calls::is_null_literal)
}

struct Resolver<'a> {
    tables: &'a [(String, String, SfType)],
    cte_name: &'a str,
    columns: &'a [String],
    anchor: &'a Select,
}

impl Resolver<'_> {
    /// A NULL cast to the type of `value`, an expression of the query block `select`, when
    /// that type is evident.
    fn typed_null(&self, value: &Expr, select: &Select, depth: usize) -> Option<Expr> {
        let null = Expr::value(Value::Null);
        match value {
            Expr::Cast { data_type, .. } => Some(Expr::Cast {
                kind: sqlparser::ast::CastKind::Cast,
                expr: Box::new(null),
                data_type: data_type.clone(),
                format: None,
            }),
            Expr::Nested(inner) => self.typed_null(inner, select, depth),
            Expr::BinaryOp {
                op: sqlparser::ast::BinaryOperator::StringConcat,
                ..
            } => Some(cast(null, "VARCHAR")),
            Expr::Value(v) => match &v.value {
                Value::SingleQuotedString(_) => Some(cast(null, "VARCHAR")),
                Value::Boolean(_) => Some(cast(null, "BOOLEAN")),
                _ => None,
            },
            Expr::Identifier(column) => self.column(None, &ident_name(column), select, depth),
            Expr::CompoundIdentifier(parts) => match parts.as_slice() {
                [.., qualifier, column] => self.column(
                    Some(&ident_name(qualifier)),
                    &ident_name(column),
                    select,
                    depth,
                ),
                _ => None,
            },
            _ => None,
        }
    }

    /// A NULL of the type of column `column` (of the relation `qualifier`, or of the only one
    /// holding it) as `select` reads it.
    fn column(
        &self,
        qualifier: Option<&str>,
        column: &str,
        select: &Select,
        depth: usize,
    ) -> Option<Expr> {
        let mut found = None;
        for (name, table) in relations(select) {
            if qualifier.is_some_and(|q| q != name) {
                continue;
            }
            let typed = if table == self.cte_name && depth == 0 {
                // The CTE itself: the anchor's value of that column.
                let at = self.columns.iter().position(|c| c == column)?;
                let value = item_expr(self.anchor.projection.get(at)?)?;
                self.typed_null(value, self.anchor, depth + 1)
            } else {
                self.tables
                    .iter()
                    .find(|(t, c, _)| *t == table && c == column)
                    .map(|(_, _, ty)| cast(Expr::value(Value::Null), &ty.duckdb_type()))
            };
            if typed.is_some() {
                if found.is_some() {
                    return None; // ambiguous
                }
                found = typed;
            }
        }
        found
    }
}

/// (qualifier, table name) of the tables a query block reads (its FROM and joins).
fn relations(select: &Select) -> Vec<(String, String)> {
    select
        .from
        .iter()
        .flat_map(|t| std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)))
        .filter_map(|factor| match factor {
            TableFactor::Table { name, alias, .. } => {
                let table = name.0.last().and_then(|p| p.as_ident()).map(ident_name)?;
                let qualifier = alias
                    .as_ref()
                    .map(|a| ident_name(&a.name))
                    .unwrap_or_else(|| table.clone());
                Some((qualifier, table))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use snowglobe_catalog::SfType;

    use crate::rules::test_support::{ctx, translate_in};

    #[test]
    fn anchor_nulls_take_the_recursive_branch_type() {
        let mut c = ctx();
        c.column_types = vec![("EMP".into(), "TITLE".into(), SfType::TEXT)];
        let sql = translate_in(
            "WITH RECURSIVE h (t, id, boss) AS (SELECT title, 1, NULL FROM emp \
             UNION ALL SELECT e.title, h.id + 1, h.t FROM emp e JOIN h ON true) SELECT * FROM h",
            &c,
        );
        assert!(sql.contains("CAST(NULL AS VARCHAR"), "{sql}");
        // Not evident (arithmetic on a column of another block): left as it is.
        let sql = translate_in(
            "WITH RECURSIVE r (n, x) AS (SELECT 1, NULL UNION ALL SELECT n + 1, n * 2 FROM r) \
             SELECT * FROM r",
            &c,
        );
        assert!(!sql.contains("CAST(NULL"), "{sql}");
        let sql = translate_in(
            "WITH RECURSIVE r (n, x) AS (SELECT 1, NULL UNION ALL SELECT n + 1, n FROM r) \
             SELECT * FROM r",
            &c,
        );
        assert!(sql.contains("CAST(NULL AS DECIMAL(38, 0))"), "{sql}");
    }

    #[test]
    fn only_recursive_anchors_with_nulls_want_column_types() {
        let wants = |sql: &str| {
            let statement = crate::parse::parse(sql).unwrap().remove(0);
            super::wants_column_types(&statement)
        };
        assert!(wants(
            "WITH RECURSIVE r AS (SELECT NULL AS x UNION ALL SELECT x FROM r) SELECT * FROM r"
        ));
        assert!(!wants(
            "WITH RECURSIVE r AS (SELECT 1 AS x UNION ALL SELECT x FROM r) SELECT * FROM r"
        ));
        assert!(!wants("WITH r AS (SELECT NULL AS x) SELECT * FROM r"));
    }
}
