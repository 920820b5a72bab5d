//! Text columns where Snowflake wants a number or a date. Snowflake converts a VARCHAR to a number
//! wherever an operator or function needs one: in arithmetic (`amount_text * 2`), beside a
//! number in NVL, IFNULL, COALESCE, ZEROIFNULL, NVL2, IFF, GREATEST, LEAST, NULLIF and CASE
//! results (`NVL(age_text, 0)`), as NUMBER(18, 5), the type its data-type conversion notes give
//! an implicitly converted string; and in SUM, AVG, STDDEV and VARIANCE, as a FLOAT (their
//! pages' usage notes). A value that is no number fails with 100038. A text column given to a
//! function that takes a part of a date (YEAR, DAYOFWEEK, DATE_PART, EXTRACT, DATEDIFF ...)
//! converts to TIMESTAMP_NTZ, in Snowflake's AUTO forms. DuckDB refuses them all.
//!
//! Unlike comparisons (see [`super::comparisons`]), these conversions show in the result
//! type, so a column counts as text only where the query block reads it from a table that is
//! known to hold it as VARCHAR: a reference qualified by such a table (or its alias), or an
//! unqualified one in a block that reads only tables (no derived table, CTE or table function,
//! whose columns may be typed otherwise under the same name).

use std::ops::ControlFlow;

use snowglobe_catalog::SfType;
use sqlparser::ast::{
    BinaryOperator, DataType, ExactNumberInfo, Expr, FunctionArg, FunctionArgExpr,
    FunctionArguments, Query, Select, Statement, TableFactor, UnaryOperator, VisitMut, VisitorMut,
};

use super::calls::{any_expr, name_of, string_literal};
use super::comparisons::{converted, is_column, is_number_literal};
use crate::names::{ident_name, Context};

/// The functions whose value arguments take a common type: a text column among numbers
/// converts to NUMBER(18, 5). With the index of their first value argument.
const COMMON_TYPE_FUNCTIONS: &[(&str, usize)] = &[
    ("NVL", 0),
    ("IFNULL", 0),
    ("COALESCE", 0),
    ("GREATEST", 0),
    ("LEAST", 0),
    ("NULLIF", 0),
    ("NVL2", 1),
    ("IFF", 1),
];

/// Aggregates that read a text column as FLOAT.
const FLOAT_AGGREGATES: &[&str] = &[
    "SUM",
    "AVG",
    "STDDEV",
    "STDDEV_SAMP",
    "STDDEV_POP",
    "VARIANCE",
    "VARIANCE_SAMP",
    "VARIANCE_POP",
    "VAR_SAMP",
    "VAR_POP",
];

/// Functions that take a part of a date or time, with the positions of their date and time
/// arguments: a text column there converts to TIMESTAMP_NTZ (their results are numbers or
/// names, whatever the input type).
const DATE_PART_FUNCTIONS: &[(&str, &[usize])] = &[
    ("YEAR", &[0]),
    ("YEAROFWEEK", &[0]),
    ("YEAROFWEEKISO", &[0]),
    ("QUARTER", &[0]),
    ("MONTH", &[0]),
    ("WEEK", &[0]),
    ("WEEKOFYEAR", &[0]),
    ("WEEKISO", &[0]),
    ("DAY", &[0]),
    ("DAYOFMONTH", &[0]),
    ("DAYOFWEEK", &[0]),
    ("DAYOFWEEKISO", &[0]),
    ("DAYOFYEAR", &[0]),
    ("HOUR", &[0]),
    ("MINUTE", &[0]),
    ("SECOND", &[0]),
    ("DAYNAME", &[0]),
    ("MONTHNAME", &[0]),
    ("DATE_PART", &[1]),
    ("DATEDIFF", &[1, 2]),
    ("TIMEDIFF", &[1, 2]),
    ("TIMESTAMPDIFF", &[1, 2]),
];

/// Whether `statement` may use a text column where a number is wanted (then the session
/// looks up the column types of the tables it reads, for [`text_as_numbers`]).
pub fn wants_column_types(statement: &Statement) -> bool {
    any_expr(statement, |e| match e {
        Expr::BinaryOp { op, .. } => is_arithmetic(op),
        Expr::UnaryOp { op, expr } => is_sign(op) && is_column(expr),
        Expr::Case { .. } | Expr::Extract { .. } => true,
        Expr::Function(f) => {
            let name = name_of(f);
            name == "ZEROIFNULL"
                || FLOAT_AGGREGATES.contains(&name.as_str())
                || COMMON_TYPE_FUNCTIONS.iter().any(|(n, _)| *n == name)
                || DATE_PART_FUNCTIONS.iter().any(|(n, _)| *n == name)
        }
        _ => false,
    })
}

/// Convert text columns where a number is wanted (see the module docs).
pub fn text_as_numbers(statement: &mut Statement, ctx: &Context) {
    // CTE names matter only where table columns are looked up.
    let mut ctes = Ctes::default();
    if ctx
        .column_types
        .iter()
        .any(|(_, _, t)| matches!(t, SfType::Text { .. }))
    {
        let _ = sqlparser::ast::Visit::visit(&*statement, &mut ctes);
    }
    let _ = statement.visit(&mut Coerce {
        columns: &ctx.column_types,
        ctes: ctes.0,
        scopes: vec![],
    });
}

fn is_arithmetic(op: &BinaryOperator) -> bool {
    matches!(
        op,
        BinaryOperator::Plus
            | BinaryOperator::Minus
            | BinaryOperator::Multiply
            | BinaryOperator::Divide
            | BinaryOperator::Modulo
    )
}

fn is_sign(op: &UnaryOperator) -> bool {
    matches!(op, UnaryOperator::Minus | UnaryOperator::Plus)
}

/// The names of the statement's CTEs: a table reference by one of them reads the CTE.
#[derive(Default)]
struct Ctes(Vec<String>);

impl sqlparser::ast::Visitor for Ctes {
    type Break = ();
    fn pre_visit_query(&mut self, q: &Query) -> ControlFlow<()> {
        if let Some(with) = &q.with {
            self.0
                .extend(with.cte_tables.iter().map(|c| ident_name(&c.alias.name)));
        }
        ControlFlow::Continue(())
    }
}

/// The relations one query block reads: (qualifier, table name) of its tables, `None` as the
/// table of any other relation (derived table, CTE, table function).
struct Scope {
    relations: Vec<(String, Option<String>)>,
}

struct Coerce<'a> {
    /// (table, column, type) of the tables the statement reads.
    columns: &'a [(String, String, SfType)],
    ctes: Vec<String>,
    /// The query blocks being visited, innermost last.
    scopes: Vec<Scope>,
}

impl Coerce<'_> {
    /// The type of the table column `e` refers to, where it is sure (see the module docs).
    fn column_type(&self, e: &Expr) -> Option<&SfType> {
        let of = |table: &str, column: &str| {
            self.columns
                .iter()
                .find(|(t, c, _)| t == table && c == column)
                .map(|(_, _, ty)| ty)
        };
        match e {
            Expr::Nested(inner) => self.column_type(inner),
            Expr::Identifier(i) => {
                let scope = self.scopes.last()?;
                let column = ident_name(i);
                let mut found = None;
                for (_, table) in &scope.relations {
                    let table = table.as_deref()?;
                    if let Some(t) = of(table, &column) {
                        if found.is_some() {
                            return None;
                        }
                        found = Some(t);
                    }
                }
                found
            }
            Expr::CompoundIdentifier(parts) => {
                let [.., qualifier, column] = parts.as_slice() else {
                    return None;
                };
                let qualifier = ident_name(qualifier);
                let relation = self.scopes.iter().rev().find_map(|s| {
                    s.relations
                        .iter()
                        .find(|(q, _)| *q == qualifier)
                        .map(|(_, table)| table)
                })?;
                of(relation.as_deref()?, &ident_name(column))
            }
            _ => None,
        }
    }

    fn is_text(&self, e: &Expr) -> bool {
        matches!(self.column_type(e), Some(SfType::Text { .. }))
    }

    /// A number literal or a numeric table column.
    fn is_number(&self, e: &Expr) -> bool {
        is_number_literal(e)
            || matches!(
                self.column_type(e),
                Some(SfType::Number { .. } | SfType::Float)
            )
    }

    /// Convert the text columns among `values` to NUMBER(18, 5) when a number is among them.
    fn common_number(&self, values: Vec<&mut Expr>) {
        if !values.iter().any(|v| self.is_number(v)) {
            return;
        }
        for v in values {
            if self.is_text(v) {
                *v = converted(v.clone(), number_18_5());
            }
        }
    }
}

impl VisitorMut for Coerce<'_> {
    type Break = ();

    fn pre_visit_select(&mut self, select: &mut Select) -> ControlFlow<()> {
        let mut relations = Vec::new();
        for t in &select.from {
            for factor in std::iter::once(&t.relation).chain(t.joins.iter().map(|j| &j.relation)) {
                let alias = match factor {
                    TableFactor::Table { alias, .. }
                    | TableFactor::Derived { alias, .. }
                    | TableFactor::TableFunction { alias, .. }
                    | TableFactor::Function { alias, .. }
                    | TableFactor::UNNEST { alias, .. } => {
                        alias.as_ref().map(|a| ident_name(&a.name))
                    }
                    _ => None,
                };
                let table = match factor {
                    TableFactor::Table {
                        name, args: None, ..
                    } => {
                        let last = name.0.last().and_then(|p| p.as_ident()).map(ident_name);
                        last.filter(|n| name.0.len() > 1 || !self.ctes.contains(n))
                    }
                    _ => None,
                };
                let qualifier = alias.or_else(|| table.clone()).unwrap_or_default();
                relations.push((qualifier, table));
            }
        }
        self.scopes.push(Scope { relations });
        ControlFlow::Continue(())
    }

    fn post_visit_select(&mut self, _: &mut Select) -> ControlFlow<()> {
        self.scopes.pop();
        ControlFlow::Continue(())
    }

    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        match expr {
            Expr::BinaryOp { left, op, right } if is_arithmetic(op) => {
                // A string constant converts beside a number or text (`'5' + 1`); beside a
                // date it may be one (`d - '2024-01-01'`), which DuckDB reads alike.
                let texts = [self.is_text(left), self.is_text(right)];
                let constants =
                    [left.as_ref(), right.as_ref()].map(|e| string_literal(e).is_some());
                let numbers = [self.is_number(left), self.is_number(right)];
                for (i, side) in [left, right].into_iter().enumerate() {
                    let other = 1 - i;
                    let constant =
                        constants[i] && (numbers[other] || texts[other] || constants[other]);
                    if texts[i] || constant {
                        **side = converted((**side).clone(), number_18_5());
                    }
                }
            }
            Expr::UnaryOp { op, expr: operand }
                if is_sign(op) && (self.is_text(operand) || string_literal(operand).is_some()) =>
            {
                **operand = converted((**operand).clone(), number_18_5());
            }
            Expr::Extract { expr: inner, .. } if self.is_text(inner) => {
                **inner = converted((**inner).clone(), timestamp_ntz());
            }
            Expr::Case {
                conditions,
                else_result,
                ..
            } => {
                let values = conditions
                    .iter_mut()
                    .map(|w| &mut w.result)
                    .chain(else_result.iter_mut().map(|e| &mut **e))
                    .collect();
                self.common_number(values);
            }
            Expr::Function(f) => {
                let name = name_of(f);
                let FunctionArguments::List(list) = &mut f.args else {
                    return ControlFlow::Continue(());
                };
                let mut args: Vec<&mut Expr> = list
                    .args
                    .iter_mut()
                    .filter_map(|a| match a {
                        FunctionArg::Unnamed(FunctionArgExpr::Expr(e)) => Some(e),
                        _ => None,
                    })
                    .collect();
                if name == "ZEROIFNULL" || FLOAT_AGGREGATES.contains(&name.as_str()) {
                    let to = if name == "ZEROIFNULL" {
                        number_18_5()
                    } else {
                        DataType::Double(ExactNumberInfo::None)
                    };
                    if let Some(first) = args.first_mut() {
                        if self.is_text(first) {
                            **first = converted((**first).clone(), to);
                        }
                    }
                } else if let Some((_, from)) =
                    COMMON_TYPE_FUNCTIONS.iter().find(|(n, _)| *n == name)
                {
                    self.common_number(args.into_iter().skip(*from).collect());
                } else if let Some((_, at)) = DATE_PART_FUNCTIONS.iter().find(|(n, _)| *n == name) {
                    for (i, arg) in args.into_iter().enumerate() {
                        if at.contains(&i) && self.is_text(arg) {
                            *arg = converted(arg.clone(), timestamp_ntz());
                        }
                    }
                }
            }
            _ => {}
        }
        ControlFlow::Continue(())
    }
}

fn timestamp_ntz() -> DataType {
    DataType::Custom(
        sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new("TIMESTAMP_NTZ")]),
        vec![],
    )
}

fn number_18_5() -> DataType {
    DataType::Decimal(ExactNumberInfo::PrecisionAndScale(18, 5))
}

#[cfg(test)]
mod tests {
    use snowglobe_catalog::SfType;

    use crate::rules::test_support::{ctx, translate_in};

    fn context() -> crate::names::Context {
        let mut c = ctx();
        c.column_types = vec![
            ("RAW".into(), "AGE".into(), SfType::TEXT),
            (
                "RAW".into(),
                "ID".into(),
                SfType::Number {
                    precision: 38,
                    scale: 0,
                },
            ),
            (
                "OTHER".into(),
                "AGE".into(),
                SfType::Number {
                    precision: 38,
                    scale: 0,
                },
            ),
        ];
        c
    }

    #[test]
    fn text_columns_of_tables_read_as_numbers_where_numbers_are_wanted() {
        let c = context();
        let sql = translate_in(
            "SELECT age + 1, -age, NVL(age, 0), IFF(id > 1, age, id), SUM(age), r.age * 2 FROM raw AS r",
            &c,
        );
        assert_eq!(sql.matches("DECIMAL(18, 5)").count(), 5, "{sql}");
        assert!(sql.contains("DOUBLE"), "{sql}");
        let constants = translate_in(
            "SELECT '5' + 1, +'3', '2' * '3', d - '2024-01-01' FROM t",
            &c,
        );
        assert_eq!(
            constants.matches("DECIMAL(18, 5)").count(),
            4,
            "{constants}"
        );
        // Beside text only, nothing changes.
        let text = translate_in("SELECT NVL(age, 'none') FROM raw", &c);
        assert!(!text.contains("DECIMAL"), "{text}");
    }

    #[test]
    fn columns_of_derived_tables_and_ctes_keep_their_types() {
        let c = context();
        for sql in [
            "WITH raw AS (SELECT 1 AS age) SELECT age + 1 FROM raw",
            "SELECT age + 1 FROM (SELECT age::NUMBER AS age FROM raw)",
            "SELECT age + 1 FROM raw, (SELECT 1 AS x)",
            "SELECT age + 1 FROM other",
        ] {
            let out = translate_in(sql, &c);
            assert!(!out.contains("DECIMAL(18, 5)"), "{sql} → {out}");
        }
        // The inner block reads the table: its own arithmetic converts.
        let out = translate_in("SELECT x FROM (SELECT age * 2 AS x FROM raw)", &c);
        assert!(out.contains("DECIMAL(18, 5)"), "{out}");
    }
}
