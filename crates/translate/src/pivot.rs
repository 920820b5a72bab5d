//! PIVOT forms DuckDB does not have, written as ones it has.
//!
//! - Dynamic pivots, `IN (ANY [ORDER BY ...])` and `IN (<subquery>)`: the session reads the
//!   values first ([`next_dynamic_pivot`] gives the query) and they become a value list
//!   ([`fill_pivot_values`]), as if written out.
//! - `DEFAULT ON NULL (<expr>)`: the pivot is read through a subquery that replaces each pivoted
//!   column's NULL with the default ([`default_on_null`]).

use std::ops::ControlFlow;

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    Cte, Expr, ExprWithAlias, Ident, PivotValueSource, Query, SetExpr, Statement, TableFactor,
    Value, ValueWithSpan, Visit, VisitMut, Visitor, VisitorMut,
};

/// One value read for a dynamic pivot: its text, and whether it is written bare (a number or
/// a boolean) rather than quoted.
#[derive(Debug, Clone, PartialEq)]
pub struct PivotValue {
    pub text: String,
    pub bare: bool,
}

/// The Snowflake SQL that reads the values of the statement's first dynamic pivot (outermost
/// first, so an inner one is resolved by the query itself), or `None` when it has none.
pub fn next_dynamic_pivot(statement: &mut Statement) -> Option<String> {
    // Most statements have none: found without the CTE copies the search below keeps.
    if !has_dynamic_pivot(statement) {
        return None;
    }
    let mut finder = Finder {
        ctes: vec![],
        found: None,
        fill: None,
    };
    let _ = statement.visit(&mut finder);
    finder.found
}

fn has_dynamic_pivot(statement: &Statement) -> bool {
    struct Dynamic;
    impl Visitor for Dynamic {
        type Break = ();
        fn pre_visit_table_factor(&mut self, factor: &TableFactor) -> ControlFlow<()> {
            match factor {
                TableFactor::Pivot {
                    value_source: PivotValueSource::Any(_) | PivotValueSource::Subquery(_),
                    ..
                } => ControlFlow::Break(()),
                _ => ControlFlow::Continue(()),
            }
        }
    }
    Visit::visit(statement, &mut Dynamic).is_break()
}

/// Replace the statement's first dynamic pivot's value source with `values`, in order.
pub fn fill_pivot_values(statement: &mut Statement, values: Vec<PivotValue>) {
    let mut finder = Finder {
        ctes: vec![],
        found: None,
        fill: Some(values),
    };
    let _ = statement.visit(&mut finder);
}

struct Finder {
    /// The CTEs of each enclosing query, outermost first, with how many of them are in scope:
    /// a dynamic pivot's value query may read them, but inside a CTE's own query only the
    /// CTEs declared before it (never itself: its pivot would be read again, without end).
    ctes: Vec<(Vec<(*const Query, Cte)>, usize)>,
    found: Option<String>,
    fill: Option<Vec<PivotValue>>,
}

impl VisitorMut for Finder {
    type Break = ();

    fn pre_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        let here: *const Query = query;
        if let Some((enclosing, in_scope)) = self.ctes.last_mut() {
            if let Some(at) = enclosing.iter().position(|(q, _)| std::ptr::eq(*q, here)) {
                *in_scope = at;
            }
        }
        let own: Vec<(*const Query, Cte)> = query
            .with
            .as_ref()
            .map(|w| {
                w.cte_tables
                    .iter()
                    .map(|c| (&*c.query as *const Query, c.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let n = own.len();
        self.ctes.push((own, n));
        ControlFlow::Continue(())
    }

    fn post_visit_query(&mut self, query: &mut Query) -> ControlFlow<()> {
        self.ctes.pop();
        let here: *const Query = query;
        if let Some((enclosing, in_scope)) = self.ctes.last_mut() {
            if enclosing.iter().any(|(q, _)| std::ptr::eq(*q, here)) {
                *in_scope = enclosing.len();
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        let TableFactor::Pivot {
            table,
            value_column,
            value_source,
            ..
        } = factor
        else {
            return ControlFlow::Continue(());
        };
        let query = match value_source {
            PivotValueSource::List(_) => return ControlFlow::Continue(()),
            PivotValueSource::Any(order_by) => {
                let columns = comma(value_column.iter());
                let order = if order_by.is_empty() {
                    columns.clone()
                } else {
                    comma(order_by.iter())
                };
                let table = snowflake_text(table.as_ref());
                format!("SELECT DISTINCT {columns} FROM {table} ORDER BY {order}")
            }
            PivotValueSource::Subquery(query) => snowflake_text(query.as_ref()),
        };
        if let Some(values) = self.fill.take() {
            *value_source = PivotValueSource::List(
                values
                    .into_iter()
                    .map(|v| ExprWithAlias {
                        expr: Expr::Value(
                            if v.bare {
                                Value::Number(v.text, false)
                            } else {
                                Value::SingleQuotedString(v.text)
                            }
                            .into(),
                        ),
                        alias: None,
                    })
                    .collect(),
            );
            return ControlFlow::Break(());
        }
        let ctes: Vec<String> = self
            .ctes
            .iter()
            .flat_map(|(all, in_scope)| all[..*in_scope].iter())
            .map(|(_, cte)| snowflake_text(cte))
            .collect();
        self.found = Some(if ctes.is_empty() {
            query
        } else {
            format!("WITH {} {query}", ctes.join(", "))
        });
        ControlFlow::Break(())
    }
}

/// A node as Snowflake SQL text to be parsed again: sqlparser keeps string literals unescaped
/// and prints them so, but Snowflake SQL escapes `\` (`'x\\y'` is `x\y`).
fn snowflake_text<T: Clone + std::fmt::Display + VisitMut>(node: &T) -> String {
    struct Escape;
    impl VisitorMut for Escape {
        type Break = ();
        fn pre_visit_value(&mut self, value: &mut ValueWithSpan) -> ControlFlow<()> {
            if let Value::SingleQuotedString(text) = &mut value.value {
                if text.contains('\\') {
                    *text = text.replace('\\', "\\\\");
                }
            }
            ControlFlow::Continue(())
        }
    }
    let mut copy = node.clone();
    let _ = copy.visit(&mut Escape);
    copy.to_string()
}

fn comma<T: std::fmt::Display>(items: impl Iterator<Item = T>) -> String {
    items.map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

/// Rewrite every `PIVOT (... DEFAULT ON NULL (d))` as a subquery over the pivot without it that
/// replaces NULL in each pivoted column with `d`. Runs on Snowflake SQL, before the rules.
pub fn default_on_null(statement: &mut Statement) -> Result<()> {
    let mut rewriter = DefaultOnNull { error: None };
    let _ = statement.visit(&mut rewriter);
    match rewriter.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

struct DefaultOnNull {
    error: Option<SnowflakeError>,
}

impl VisitorMut for DefaultOnNull {
    type Break = ();

    fn post_visit_table_factor(&mut self, factor: &mut TableFactor) -> ControlFlow<()> {
        let TableFactor::Pivot {
            default_on_null,
            value_source,
            alias,
            aggregate_functions,
            ..
        } = factor
        else {
            return ControlFlow::Continue(());
        };
        let Some(default) = default_on_null.take() else {
            return ControlFlow::Continue(());
        };
        let PivotValueSource::List(values) = value_source else {
            // Dynamic pivots are made lists by the session before planning.
            self.error = Some(SnowflakeError::unsupported(
                "PIVOT DEFAULT ON NULL with ANY",
            ));
            return ControlFlow::Break(());
        };
        if aggregate_functions.len() != 1 {
            self.error = Some(SnowflakeError::unsupported(
                "PIVOT with more than one aggregate",
            ));
            return ControlFlow::Break(());
        }
        // Each value's column is named (as it would be) so that the subquery can name it.
        let mut replaced = Vec::new();
        for value in values.iter_mut() {
            let alias = value.alias.get_or_insert_with(|| {
                let shown = match &value.expr {
                    Expr::Value(v) => match &v.value {
                        Value::SingleQuotedString(text) => format!("'{text}'"),
                        other => other.to_string(),
                    },
                    other => other.to_string(),
                };
                Ident::with_quote('"', shown)
            });
            let name = alias.to_string();
            let default = snowflake_text(&default);
            replaced.push(format!("COALESCE({name}, {default}) AS {name}"));
        }
        let outer_alias = alias.take();
        let pivot = snowflake_text(&*factor);
        let sql = format!(
            "SELECT * FROM (SELECT * REPLACE ({}) FROM {pivot})",
            replaced.join(", ")
        );
        let parsed = match crate::parse::parse(&sql) {
            Ok(mut statements) if statements.len() == 1 => statements.remove(0),
            Ok(_) => {
                self.error = Some(SnowflakeError::unsupported("PIVOT DEFAULT ON NULL"));
                return ControlFlow::Break(());
            }
            Err(e) => {
                self.error = Some(e);
                return ControlFlow::Break(());
            }
        };
        let derived = match parsed {
            Statement::Query(query) => match *query.body {
                SetExpr::Select(select) => select.from.into_iter().next().map(|from| from.relation),
                _ => None,
            },
            _ => None,
        };
        match derived {
            Some(TableFactor::Derived {
                lateral,
                subquery,
                sample,
                ..
            }) => {
                *factor = TableFactor::Derived {
                    lateral,
                    subquery,
                    alias: outer_alias,
                    sample,
                };
                ControlFlow::Continue(())
            }
            _ => {
                self.error = Some(SnowflakeError::unsupported("PIVOT DEFAULT ON NULL"));
                ControlFlow::Break(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sql: &str) -> Statement {
        crate::parse::parse(sql).unwrap().remove(0)
    }

    #[test]
    fn any_reads_the_distinct_values_in_order() {
        let mut s = statement("SELECT * FROM t PIVOT(SUM(a) FOR q IN (ANY ORDER BY q DESC))");
        assert_eq!(
            next_dynamic_pivot(&mut s).as_deref(),
            Some("SELECT DISTINCT q FROM t ORDER BY q DESC")
        );
        let mut s = statement("SELECT * FROM t PIVOT(SUM(a) FOR q IN (ANY))");
        assert_eq!(
            next_dynamic_pivot(&mut s).as_deref(),
            Some("SELECT DISTINCT q FROM t ORDER BY q")
        );
    }

    #[test]
    fn a_subquery_is_the_value_query_and_sees_the_ctes() {
        let mut s = statement(
            "WITH v AS (SELECT 'x' AS q) SELECT * FROM t PIVOT(SUM(a) FOR q IN (SELECT q FROM v))",
        );
        assert_eq!(
            next_dynamic_pivot(&mut s).as_deref(),
            Some("WITH v AS (SELECT 'x' AS q) SELECT q FROM v")
        );
    }

    #[test]
    fn the_value_query_writes_backslashes_as_snowflake_reads_them() {
        let mut s = statement("SELECT * FROM (SELECT 'x\\\\y' AS m) PIVOT(SUM(v) FOR m IN (ANY))");
        assert_eq!(
            next_dynamic_pivot(&mut s).as_deref(),
            Some("SELECT DISTINCT m FROM (SELECT 'x\\\\y' AS m) ORDER BY m")
        );
    }

    #[test]
    fn a_pivot_in_a_cte_reads_the_ctes_before_it_only() {
        let mut s = statement(
            "WITH a AS (SELECT 1 AS q), b AS (SELECT * FROM a PIVOT(SUM(x) FOR q IN (ANY))), \
             c AS (SELECT 2 AS q) SELECT * FROM b",
        );
        assert_eq!(
            next_dynamic_pivot(&mut s).as_deref(),
            Some("WITH a AS (SELECT 1 AS q) SELECT DISTINCT q FROM a ORDER BY q")
        );
        let mut s = statement(
            "WITH a AS (SELECT 1 AS q) SELECT * FROM (SELECT 3 AS q) PIVOT(SUM(x) FOR q IN (ANY))",
        );
        assert_eq!(
            next_dynamic_pivot(&mut s).as_deref(),
            Some("WITH a AS (SELECT 1 AS q) SELECT DISTINCT q FROM (SELECT 3 AS q) ORDER BY q")
        );
    }

    #[test]
    fn default_on_null_names_non_text_values_too() {
        let mut s =
            statement("SELECT * FROM t PIVOT(COUNT(k) FOR b IN (TRUE, 1.5) DEFAULT ON NULL (0))");
        default_on_null(&mut s).unwrap();
        assert_eq!(
            s.to_string(),
            "SELECT * FROM (SELECT * REPLACE (COALESCE(\"true\", 0) AS \"true\", \
             COALESCE(\"1.5\", 0) AS \"1.5\") FROM t PIVOT(COUNT(k) FOR b IN (true AS \"true\", \
             1.5 AS \"1.5\")))"
        );
    }

    #[test]
    fn filled_values_become_the_list() {
        let mut s = statement("SELECT * FROM t PIVOT(SUM(a) FOR q IN (ANY))");
        fill_pivot_values(
            &mut s,
            vec![
                PivotValue {
                    text: "a'b".into(),
                    bare: false,
                },
                PivotValue {
                    text: "2".into(),
                    bare: true,
                },
            ],
        );
        assert_eq!(
            s.to_string(),
            "SELECT * FROM t PIVOT(SUM(a) FOR q IN ('a''b', 2))"
        );
        assert_eq!(next_dynamic_pivot(&mut s), None);
    }

    #[test]
    fn default_on_null_coalesces_each_pivoted_column() {
        let mut s = statement(
            "SELECT * FROM t PIVOT(SUM(a) FOR q IN ('x', 'y' AS b) DEFAULT ON NULL (0)) AS p ORDER BY 1",
        );
        default_on_null(&mut s).unwrap();
        assert_eq!(
            s.to_string(),
            "SELECT * FROM (SELECT * REPLACE (COALESCE(\"'x'\", 0) AS \"'x'\", COALESCE(b, 0) AS b) \
             FROM t PIVOT(SUM(a) FOR q IN ('x' AS \"'x'\", 'y' AS b))) AS p ORDER BY 1"
        );
    }
}
