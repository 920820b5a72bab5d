//! Numbers: Snowflake's NUMBER typing of literals and counts, and division that fails on zero.

use std::ops::ControlFlow;

use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Ident, ObjectName, SelectItem, SetExpr, Statement,
    TypeModifier, UnaryOperator, Value, VisitMut, VisitorMut,
};

fn decimal(precision: usize, scale: usize) -> DataType {
    DataType::Custom(
        ObjectName::from(vec![Ident::new("DECIMAL")]),
        vec![
            TypeModifier::Number(precision.to_string(), false),
            TypeModifier::Number(scale.to_string(), false),
        ],
    )
}

fn cast(expr: Expr, data_type: DataType) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type,
        format: None,
    }
}

/// Snowflake types an integer literal as NUMBER with as many digits as it has (`select 1` is
/// NUMBER(1,0)); DuckDB types it INTEGER. Literals in the projection, alone or in arithmetic,
/// become DECIMAL(digits,0), so results report Snowflake's precision and arithmetic follows
/// NUMBER rules. Literals elsewhere (LIMIT, function arguments, VALUES rows) are left alone
/// (the division rule types VALUES columns from their literals without casts).
pub fn integer_literals_as_numbers(statement: &mut Statement) {
    let _ = statement.visit(&mut Literals);
}

struct Literals;

impl VisitorMut for Literals {
    type Break = ();
    /// The anchor of a recursive CTE fixes its column types, and the recursive rows must fit
    /// them: `SELECT 1 AS n UNION ALL SELECT n + 1 ...` counts past 9 in Snowflake, so the
    /// anchor's literals are NUMBER(38,0).
    fn pre_visit_query(&mut self, query: &mut sqlparser::ast::Query) -> ControlFlow<()> {
        if let Some(with) = query.with.as_mut().filter(|w| w.recursive) {
            for cte in &mut with.cte_tables {
                let mut body = cte.query.body.as_mut();
                while let SetExpr::SetOperation { left, .. } = body {
                    body = left.as_mut();
                }
                if let SetExpr::Select(select) = body {
                    type_projection(select, 38);
                }
            }
        }
        ControlFlow::Continue(())
    }

    fn pre_visit_select(&mut self, select: &mut sqlparser::ast::Select) -> ControlFlow<()> {
        type_projection(select, 0);
        ControlFlow::Continue(())
    }
}

/// Type the integer literals of a projection: NUMBER(digits,0), or NUMBER(`precision`,0) when
/// `precision` is not 0.
fn type_projection(select: &mut sqlparser::ast::Select, precision: usize) {
    for item in &mut select.projection {
        match item {
            SelectItem::UnnamedExpr(e) | SelectItem::ExprWithAlias { expr: e, .. } => {
                type_literals(e, precision)
            }
            _ => {}
        }
    }
}

fn type_literals(expr: &mut Expr, precision: usize) {
    match expr {
        Expr::Value(v) => {
            if let Value::Number(n, _) = &v.value {
                let digits = n.trim_start_matches('-').len();
                if n.chars().all(|c| c.is_ascii_digit()) && (1..=38).contains(&digits) {
                    let precision = if precision == 0 { digits } else { precision };
                    *expr = cast(expr.clone(), decimal(precision, 0));
                }
            }
        }
        // A date or timestamp plus or minus an integer counts days: DuckDB has `DATE + INTEGER`
        // but no `DATE + DECIMAL`, so an integer added to anything but literals stays an
        // integer (DuckDB widens it to the other side's NUMBER type itself).
        Expr::BinaryOp {
            left,
            op: BinaryOperator::Plus | BinaryOperator::Minus,
            right,
        } if (is_integer_literal(left) && !is_literal_arithmetic(right))
            || (is_integer_literal(right) && !is_literal_arithmetic(left)) =>
        {
            if is_integer_literal(left) {
                type_literals(right, precision)
            } else {
                type_literals(left, precision)
            }
        }
        Expr::BinaryOp {
            left,
            op:
                BinaryOperator::Plus
                | BinaryOperator::Minus
                | BinaryOperator::Multiply
                | BinaryOperator::Divide
                | BinaryOperator::Modulo,
            right,
        } => {
            type_literals(left, precision);
            type_literals(right, precision);
        }
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr: inner,
        } => type_literals(inner, precision),
        Expr::Nested(inner) => type_literals(inner, precision),
        _ => {}
    }
}

fn is_integer_literal(expr: &Expr) -> bool {
    match expr {
        Expr::Value(v) => {
            matches!(&v.value, Value::Number(n, _) if n.chars().all(|c| c.is_ascii_digit()))
        }
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        }
        | Expr::Nested(expr) => is_integer_literal(expr),
        _ => false,
    }
}

/// Numbers and arithmetic on numbers only.
fn is_literal_arithmetic(expr: &Expr) -> bool {
    match expr {
        Expr::Value(v) => matches!(&v.value, Value::Number(..)),
        Expr::UnaryOp { expr, .. } | Expr::Nested(expr) => is_literal_arithmetic(expr),
        Expr::BinaryOp { left, right, .. } => {
            is_literal_arithmetic(left) && is_literal_arithmetic(right)
        }
        _ => false,
    }
}

/// Snowflake's COUNT returns NUMBER(18,0); DuckDB's returns BIGINT.
pub fn count_as_number(statement: &mut Statement) {
    let _ = statement.visit(&mut Counts);
}

struct Counts;

impl VisitorMut for Counts {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Function(f) = expr {
            let name = f.name.to_string().to_ascii_uppercase();
            if name == "COUNT" || name == "COUNT_IF" {
                *expr = cast(expr.clone(), decimal(18, 0));
            }
        }
        ControlFlow::Continue(())
    }
}

/// Snowflake fails a division by zero with 100051; DuckDB returns NULL. `a / b` becomes
/// `CASE WHEN b = 0 THEN error('Division by zero') ELSE a / b END`.
pub fn checked_division(statement: &mut Statement) {
    let _ = statement.visit(&mut Division);
}

struct Division;

impl VisitorMut for Division {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::BinaryOp {
            left,
            op: BinaryOperator::Divide,
            right,
        } = expr
        {
            let divide = Expr::BinaryOp {
                left: left.clone(),
                op: BinaryOperator::Divide,
                right: right.clone(),
            };
            let fail = Expr::Function(crate::rules::functions::call(
                "error",
                vec![Expr::value(Value::SingleQuotedString(
                    "Division by zero".into(),
                ))],
            ));
            *expr = Expr::Case {
                case_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
                end_token: sqlparser::ast::helpers::attached_token::AttachedToken::empty(),
                operand: None,
                conditions: vec![sqlparser::ast::CaseWhen {
                    condition: Expr::BinaryOp {
                        left: right.clone(),
                        op: BinaryOperator::Eq,
                        right: Box::new(Expr::value(Value::Number("0".into(), false))),
                    },
                    result: fail,
                }],
                else_result: Some(Box::new(divide)),
            };
        }
        ControlFlow::Continue(())
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn integer_literals_are_numbers() {
        assert_eq!(
            translate("select 1"),
            "SELECT CAST(1 AS DECIMAL(1, 0)) AS \"1\""
        );
        assert_eq!(translate("select 1.5 as x"), "SELECT 1.5 AS \"X\"");
        assert_eq!(
            translate("select 1 + 2 as x, d - 1 as y"),
            "SELECT CAST(1 AS DECIMAL(1, 0)) + CAST(2 AS DECIMAL(1, 0)) AS \"X\", \"D\" - 1 AS \"Y\""
        );
        assert_eq!(
            translate("select a from t limit 10"),
            "SELECT \"A\" FROM \"T\" LIMIT 10"
        );
    }

    #[test]
    fn count_is_number_18() {
        assert_eq!(
            translate("select count(*) as n from t"),
            "SELECT CAST(count(*) AS DECIMAL(18, 0)) AS \"N\" FROM \"T\""
        );
    }

    #[test]
    fn division_checks_for_zero() {
        assert_eq!(
            translate("select a / b as q from t"),
            "SELECT CASE WHEN \"B\" = 0 THEN error('Division by zero') ELSE \"A\" / \"B\" END AS \"Q\" FROM \"T\""
        );
    }
}
