//! Numeric functions and division typing. ROUND (half away from zero, negative scales), TRUNC
//! with a scale, MOD (sign of the dividend), SIGN, ABS, SQRT, POWER and friends mean the same in
//! DuckDB and need no rule.

use std::ops::ControlFlow;

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    BinaryOperator, CeilFloorKind, DataType, ExactNumberInfo, Expr, Function, Statement,
    TypeModifier, UnaryOperator, Value, VisitMut, VisitorMut,
};

use super::calls::{
    binary, case, check_arity, func, integer_literal, is_null, name_of, number, plain_args,
    rewrite_calls, string_literal,
};
use super::FirstError;

/// Rewrite Snowflake numeric functions DuckDB lacks or spells differently.
pub fn rewrite_numeric_functions(statement: &mut Statement) -> Result<()> {
    rewrite_calls(statement, |f: &Function| {
        if f.over.is_some() {
            return Ok(None);
        }
        let name = name_of(f);
        let Some(args) = plain_args(f) else {
            return Ok(None);
        };
        Ok(match name.as_str() {
            "DIV0" => Some(div0_to_case(&name, args, false)?),
            "DIV0NULL" => Some(div0_to_case(&name, args, true)?),
            "TRUNCATE" => Some(truncate_to_trunc(&name, args)?),
            "ROUND" => round_half_to_even(&name, args)?,
            "CEIL" | "CEILING" | "FLOOR" if args.len() == 2 => {
                let Some(scale) = integer_literal(&args[1]).filter(|s| s.abs() <= 37) else {
                    return Err(SnowflakeError::unsupported(format!(
                        "{name} with a non-constant scale"
                    )));
                };
                Some(ceil_floor_at_scale(args[0].clone(), scale, name != "FLOOR"))
            }
            _ => None,
        })
    })?;
    let mut v = CeilFloorScale(FirstError::default());
    let _ = statement.visit(&mut v);
    v.0.into_result()
}

/// Snowflake `DIV0(a, b)` is 0 when `b` is 0 (`DIV0NULL` also when `b` is NULL) →
/// `CASE WHEN b = 0 [OR b IS NULL] THEN 0 ELSE a / b END`.
fn div0_to_case(name: &str, args: Vec<Expr>, or_null: bool) -> Result<Expr> {
    check_arity(name, &args, 2, 2)?;
    let [a, b]: [Expr; 2] = args.try_into().expect("checked arity");
    let mut zero = binary(b.clone(), BinaryOperator::Eq, number(0));
    if or_null {
        zero = binary(zero, BinaryOperator::Or, is_null(b.clone()));
    }
    Ok(case(
        vec![(zero, number(0))],
        Some(binary(a, BinaryOperator::Divide, b)),
    ))
}

/// Snowflake `TRUNCATE(x [, scale])` is TRUNC → DuckDB `trunc(x [, scale])`.
fn truncate_to_trunc(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 2)?;
    Ok(func("trunc", args))
}

/// Snowflake `ROUND(x, scale, 'HALF_TO_EVEN')` → DuckDB `round_even(x, scale)`; the default
/// mode (`'HALF_AWAY_FROM_ZERO'`) is DuckDB's `round`.
fn round_half_to_even(name: &str, args: Vec<Expr>) -> Result<Option<Expr>> {
    if args.len() != 3 {
        return Ok(None);
    }
    let mode = string_literal(&args[2]).map(str::to_ascii_uppercase);
    match mode.as_deref() {
        Some("HALF_TO_EVEN") => Ok(Some(func("round_even", args[..2].to_vec()))),
        Some("HALF_AWAY_FROM_ZERO") => Ok(Some(func("round", args[..2].to_vec()))),
        _ => Err(SnowflakeError::unsupported(format!(
            "{name} with rounding mode {}",
            args[2]
        ))),
    }
}

/// `10^-scale` as an exact literal: `0.01` for 2, `100` for -2.
fn unit(scale: i64) -> Expr {
    let text = if scale > 0 {
        format!("0.{}1", "0".repeat(scale as usize - 1))
    } else {
        format!("1{}", "0".repeat((-scale) as usize))
    };
    Expr::value(Value::Number(text, false))
}

/// Snowflake `CEIL(x, scale)` / `FLOOR(x, scale)` round up / down at `scale` digits; DuckDB's
/// take no scale. With `t = trunc(x, scale)`: CEIL is `CASE WHEN x > t THEN t + 10^-scale ELSE
/// t END`, FLOOR `CASE WHEN x < t THEN t - 10^-scale ELSE t END`, exact for NUMBER.
struct CeilFloorScale(FirstError);

impl VisitorMut for CeilFloorScale {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let (x, field, up) = match expr {
            Expr::Ceil { expr: x, field } => (x, field, true),
            Expr::Floor { expr: x, field } => (x, field, false),
            _ => return ControlFlow::Continue(()),
        };
        let CeilFloorKind::Scale(v) = field else {
            return ControlFlow::Continue(());
        };
        let Some(scale) = integer_literal(&Expr::Value(v.clone())).filter(|s| s.abs() <= 37) else {
            self.0.set(SnowflakeError::unsupported(format!(
                "{} with scale {}",
                if up { "CEIL" } else { "FLOOR" },
                v
            )));
            return ControlFlow::Break(());
        };
        *expr = ceil_floor_at_scale((**x).clone(), scale, up);
        ControlFlow::Continue(())
    }
}

fn ceil_floor_at_scale(x: Expr, scale: i64, up: bool) -> Expr {
    let t = func("trunc", vec![x.clone(), number(scale)]);
    let (cmp, step) = if up {
        (BinaryOperator::Gt, BinaryOperator::Plus)
    } else {
        (BinaryOperator::Lt, BinaryOperator::Minus)
    };
    case(
        vec![(
            binary(x, cmp, t.clone()),
            binary(t.clone(), step, unit(scale)),
        )],
        Some(t),
    )
}

/// Snowflake divides NUMBERs exactly, giving a NUMBER with `L1 + S2` leading digits and scale
/// `max(S1, min(S1 + 6, 12))` (`7/2` is `3.500000`); DuckDB divides DECIMALs as DOUBLE. Where
/// both operands' precision and scale are known from the text (number literals and casts to
/// DECIMAL, as `numbers::integer_literals_as_numbers` writes them), the quotient is cast to
/// Snowflake's DECIMAL. Operands of unknown type (columns) keep DuckDB's typing.
pub fn number_division_scale(statement: &mut Statement) {
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
            if let (Some((p1, s1)), Some((_, s2))) = (exact_type(left), exact_type(right)) {
                let scale = s1.max((s1 + 6).min(12));
                let leading = (p1 - s1) + s2;
                let precision = (leading + scale).clamp(1, 38);
                let scale = scale.min(precision);
                *expr = Expr::Cast {
                    kind: sqlparser::ast::CastKind::Cast,
                    expr: Box::new(expr.clone()),
                    data_type: DataType::Decimal(ExactNumberInfo::PrecisionAndScale(
                        precision,
                        scale as i64,
                    )),
                    format: None,
                };
            }
        }
        ControlFlow::Continue(())
    }
}

/// (precision, scale) of an exact-number expression whose type the text alone tells.
fn exact_type(e: &Expr) -> Option<(u64, u64)> {
    match e {
        Expr::Value(v) => match &v.value {
            Value::Number(n, _) => {
                let digits = n.trim_start_matches('-');
                if !digits.chars().all(|c| c.is_ascii_digit() || c == '.') {
                    return None;
                }
                let (int, frac) = digits.split_once('.').unwrap_or((digits, ""));
                let int = int.trim_start_matches('0');
                let p = (int.len() + frac.len()).max(1) as u64;
                Some((p.max(frac.len() as u64), frac.len() as u64))
            }
            _ => None,
        },
        Expr::Cast { data_type, .. } => match data_type {
            DataType::Decimal(ExactNumberInfo::PrecisionAndScale(p, s))
            | DataType::Numeric(ExactNumberInfo::PrecisionAndScale(p, s)) => {
                Some((*p, u64::try_from(*s).ok()?))
            }
            DataType::Custom(name, modifiers) if name.to_string() == "DECIMAL" => {
                match modifiers.as_slice() {
                    [TypeModifier::Number(p, _), TypeModifier::Number(s, _)] => {
                        Some((p.parse().ok()?, s.parse().ok()?))
                    }
                    _ => None,
                }
            }
            _ => None,
        },
        Expr::Nested(inner) => exact_type(inner),
        Expr::UnaryOp {
            op: UnaryOperator::Minus | UnaryOperator::Plus,
            expr,
        } => exact_type(expr),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn div0_is_zero_on_zero() {
        assert_eq!(
            translate("select div0(a, b) as q from t"),
            "SELECT CASE WHEN \"B\" = 0 THEN 0 ELSE CASE WHEN \"B\" = 0 THEN error('Division by zero') ELSE \"A\" / \"B\" END END AS \"Q\" FROM \"T\""
        );
    }

    #[test]
    fn div0null_is_zero_on_null() {
        assert!(translate("select div0null(a, b) as q from t")
            .starts_with("SELECT CASE WHEN \"B\" = 0 OR \"B\" IS NULL THEN 0 ELSE"));
    }

    #[test]
    fn truncate_is_trunc() {
        assert_eq!(
            translate("select truncate(a, 1) as x from t"),
            "SELECT trunc(\"A\", 1) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn round_half_to_even_is_round_even() {
        assert_eq!(
            translate("select round(a, 0, 'HALF_TO_EVEN') as x from t"),
            "SELECT round_even(\"A\", 0) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn ceil_with_scale_steps_up_from_trunc() {
        assert_eq!(
            translate("select ceil(a, 2) as x from t"),
            "SELECT CASE WHEN \"A\" > trunc(\"A\", 2) THEN trunc(\"A\", 2) + 0.01 ELSE trunc(\"A\", 2) END AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn floor_with_negative_scale() {
        assert_eq!(
            translate("select floor(a, -1) as x from t"),
            "SELECT CASE WHEN \"A\" < trunc(\"A\", -1) THEN trunc(\"A\", -1) - 10 ELSE trunc(\"A\", -1) END AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn integer_division_is_decimal() {
        assert_eq!(
            translate("select 7/2"),
            "SELECT CAST(CASE WHEN CAST(2 AS DECIMAL(1, 0)) = 0 THEN error('Division by zero') ELSE CAST(7 AS DECIMAL(1, 0)) / CAST(2 AS DECIMAL(1, 0)) END AS DECIMAL(7,6)) AS \"7/2\""
        );
    }
}
