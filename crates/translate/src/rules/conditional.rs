//! Conditional expressions: Snowflake's NULL-handling shorthands as DuckDB CASE, COALESCE and
//! `IS NOT DISTINCT FROM`. IFF and NVL live in `functions.rs`; COALESCE, NULLIF, IFNULL and CASE
//! mean the same in both engines and need no rule.

use snowglobe_error::Result;
use sqlparser::ast::{Expr, Function, Statement};

use super::calls::{case, check_arity, func, name_of, nested, number, plain_args, rewrite_calls};

/// Rewrite the conditional functions DuckDB lacks or spells differently.
pub fn rewrite_conditionals(statement: &mut Statement) -> Result<()> {
    rewrite_calls(statement, |f: &Function| {
        if f.over.is_some() {
            return Ok(None);
        }
        let name = name_of(f);
        let Some(args) = plain_args(f) else {
            return Ok(None);
        };
        Ok(Some(match name.as_str() {
            "NVL2" => nvl2_to_case(&name, args)?,
            "DECODE" => decode_to_case(&name, args)?,
            "ZEROIFNULL" => zeroifnull_to_coalesce(&name, args)?,
            "NULLIFZERO" => nullifzero_to_nullif(&name, args)?,
            "EQUAL_NULL" => equal_null_to_not_distinct(&name, args)?,
            _ => return Ok(None),
        }))
    })
}

/// Snowflake `NVL2(a, b, c)` is `b` when `a` is not NULL, else `c`; DuckDB has no NVL2:
/// `CASE WHEN a IS NOT NULL THEN b ELSE c END`.
fn nvl2_to_case(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 3, 3)?;
    let [a, b, c]: [Expr; 3] = args.try_into().expect("checked arity");
    Ok(case(vec![(Expr::IsNotNull(Box::new(a)), b)], Some(c)))
}

/// Snowflake `DECODE(x, s1, r1, ..., [default])` compares with NULL-safe equality (a NULL `x`
/// matches a NULL search value); DuckDB's `decode` is a BLOB function. Becomes
/// `CASE WHEN x IS NOT DISTINCT FROM s1 THEN r1 ... ELSE default END`.
fn decode_to_case(name: &str, args: Vec<Expr>) -> Result<Expr> {
    if args.len() < 3 {
        return Err(super::calls::arity(name, args.len(), "at least 3"));
    }
    let mut rest = args.into_iter();
    let subject = rest.next().expect("checked arity");
    let rest: Vec<Expr> = rest.collect();
    let mut whens = Vec::new();
    let mut pairs = rest.chunks_exact(2);
    for pair in &mut pairs {
        whens.push((
            Expr::IsNotDistinctFrom(Box::new(subject.clone()), Box::new(pair[0].clone())),
            pair[1].clone(),
        ));
    }
    let default = pairs.remainder().first().cloned();
    Ok(case(whens, default))
}

/// Snowflake `ZEROIFNULL(x)` → DuckDB `coalesce(x, 0)`.
fn zeroifnull_to_coalesce(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 1)?;
    let x = args.into_iter().next().expect("checked arity");
    Ok(func("coalesce", vec![x, number(0)]))
}

/// Snowflake `NULLIFZERO(x)` → DuckDB `nullif(x, 0)`.
fn nullifzero_to_nullif(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 1)?;
    let x = args.into_iter().next().expect("checked arity");
    Ok(func("nullif", vec![x, number(0)]))
}

/// Snowflake `EQUAL_NULL(a, b)` is NULL-safe equality (never NULL) → DuckDB
/// `(a IS NOT DISTINCT FROM b)`.
fn equal_null_to_not_distinct(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 2)?;
    let [a, b]: [Expr; 2] = args.try_into().expect("checked arity");
    Ok(nested(Expr::IsNotDistinctFrom(Box::new(a), Box::new(b))))
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn nvl2_is_case() {
        assert_eq!(
            translate("select nvl2(a, b, c) as x from t"),
            "SELECT CASE WHEN \"A\" IS NOT NULL THEN \"B\" ELSE \"C\" END AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn decode_is_null_safe_case() {
        assert_eq!(
            translate("select decode(a, 1, 'one', null, 'none', 'other') as x from t"),
            "SELECT CASE WHEN \"A\" IS NOT DISTINCT FROM 1 THEN 'one' WHEN \"A\" IS NOT DISTINCT FROM NULL THEN 'none' ELSE 'other' END AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn zeroifnull_is_coalesce() {
        assert_eq!(
            translate("select zeroifnull(a) as x from t"),
            "SELECT coalesce(\"A\", 0) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn nullifzero_is_nullif() {
        assert_eq!(
            translate("select nullifzero(a) as x from t"),
            "SELECT nullif(\"A\", 0) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn equal_null_is_not_distinct() {
        assert_eq!(
            translate("select equal_null(a, b) as x from t"),
            "SELECT (\"A\" IS NOT DISTINCT FROM \"B\") AS \"X\" FROM \"T\""
        );
    }
}
