//! ARRAY functions built from DuckDB list functions over the array's elements (`JSON[]`):
//! multiset difference and intersection, insertion and removal, sorting, minimum and maximum,
//! flattening, ranges, and the TO_ARRAY / TO_OBJECT conversions. Called from the
//! semi-structured pass while names are still Snowflake's.

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{BinaryOperator, Expr, Value};

use super::calls::{binary, case, check_arity, func, is_null, null, number, string};
use super::semi_structured::{elements, ident, json_type, lambda, to_json};

/// The DuckDB expression for a Snowflake array function, or None for other names.
pub(crate) fn rewrite(name: &str, args: &[Expr]) -> Result<Option<Expr>> {
    let arity = |min: usize, max: usize| check_arity(name, args, min, max);
    let a = |i: usize| args[i].clone();
    let items = |i: usize| elements(args[i].clone());
    Ok(Some(match name {
        // Multisets: the k-th occurrence of x in the first array is kept by ARRAY_EXCEPT when
        // the second array has fewer than k of them, by ARRAY_INTERSECTION when it has k or
        // more (`['B','B','B']` except `['B']` is `['B','B']`).
        "ARRAY_EXCEPT" | "ARRAY_INTERSECTION" => {
            arity(2, 2)?;
            let count_of_x = |list: Expr| {
                func(
                    "len",
                    vec![func(
                        "list_filter",
                        vec![
                            list,
                            lambda(
                                &["sg_y"],
                                binary(ident("sg_y"), BinaryOperator::Eq, ident("sg_x")),
                            ),
                        ],
                    )],
                )
            };
            let seen = count_of_x(func("list_slice", vec![items(0), number(1), ident("sg_i")]));
            let op = if name == "ARRAY_EXCEPT" {
                BinaryOperator::Gt
            } else {
                BinaryOperator::LtEq
            };
            let kept = func(
                "list_filter",
                vec![
                    items(0),
                    lambda(&["sg_x", "sg_i"], binary(seen, op, count_of_x(items(1)))),
                ],
            );
            super::calls::null_if_null(&[a(0), a(1)], to_json(kept))
        }
        // Every element equal to the value removed; a NULL value gives NULL.
        "ARRAY_REMOVE" => {
            arity(2, 2)?;
            let kept = func(
                "list_filter",
                vec![
                    items(0),
                    lambda(
                        &["sg_x"],
                        binary(ident("sg_x"), BinaryOperator::NotEq, to_json(a(1))),
                    ),
                ],
            );
            super::calls::null_if_null(&[a(0), a(1)], to_json(kept))
        }
        // The element at a 0-based position (negative: from the end) removed; a position
        // outside the array leaves it as it is.
        "ARRAY_REMOVE_AT" => {
            arity(2, 2)?;
            let kept = func(
                "list_filter",
                vec![
                    items(0),
                    lambda(
                        &["sg_x", "sg_i"],
                        binary(ident("sg_i"), BinaryOperator::NotEq, one_based(&a(0), a(1))),
                    ),
                ],
            );
            super::calls::null_if_null(&[a(0), a(1)], to_json(kept))
        }
        // The element inserted before the 0-based position (negative: from the end); past the
        // end, the array is padded with nulls up to it.
        "ARRAY_INSERT" => {
            arity(3, 3)?;
            let at = nested(case(
                vec![(
                    binary(a(1), BinaryOperator::Lt, number(0)),
                    binary(length(&a(0)), BinaryOperator::Plus, a(1)),
                )],
                Some(a(1)),
            ));
            let padded = func(
                "list_resize",
                vec![items(0), func("greatest", vec![length(&a(0)), at.clone()])],
            );
            let before = func("list_slice", vec![padded.clone(), number(1), at.clone()]);
            let after = func(
                "list_slice",
                vec![
                    padded,
                    binary(at, BinaryOperator::Plus, number(1)),
                    number(i64::MAX),
                ],
            );
            let element = Expr::Array(sqlparser::ast::Array {
                elem: vec![to_json(a(2))],
                named: false,
            });
            let joined = func(
                "list_concat",
                vec![func("list_concat", vec![before, element]), after],
            );
            super::calls::null_if_null(&[a(0), a(1)], to_json(joined))
        }
        "ARRAY_REVERSE" => {
            arity(1, 1)?;
            to_json(func("list_reverse", vec![items(0)]))
        }
        // A NULL sort order or NULL placement gives NULL.
        "ARRAY_SORT"
            if args
                .iter()
                .skip(1)
                .any(|e| matches!(e, Expr::Value(v) if v.value == Value::Null)) =>
        {
            arity(1, 3)?;
            null()
        }
        // Sorted by value (numbers by number, then text), JSON nulls first or last.
        "ARRAY_SORT" => {
            arity(1, 3)?;
            let flag = |i: usize, default: bool| -> Result<bool> {
                match args.get(i) {
                    None => Ok(default),
                    Some(Expr::Value(v)) => match v.value {
                        Value::Boolean(b) => Ok(b),
                        _ => Err(SnowflakeError::unsupported(format!(
                            "ARRAY_SORT with argument {}",
                            args[i]
                        ))),
                    },
                    Some(e) => Err(SnowflakeError::unsupported(format!(
                        "ARRAY_SORT with a non-constant argument {e}"
                    ))),
                }
            };
            let ascending = flag(1, true)?;
            let nulls_first = flag(2, !ascending)?;
            let sorted = sorted_values(&a(0), ascending);
            let nulls = func(
                "list_filter",
                vec![
                    items(0),
                    lambda(
                        &["sg_x"],
                        binary(json_type(ident("sg_x")), BinaryOperator::Eq, string("NULL")),
                    ),
                ],
            );
            let parts = if nulls_first {
                vec![nulls, sorted]
            } else {
                vec![sorted, nulls]
            };
            to_json(func("list_concat", parts))
        }
        // The smallest / largest element by value, NULL for an array of no values.
        "ARRAY_MIN" | "ARRAY_MAX" => {
            arity(1, 1)?;
            func(
                "list_extract",
                vec![sorted_values(&a(0), name == "ARRAY_MIN"), number(1)],
            )
        }
        // ARRAYS_ZIP(a1, ..., an): an array of objects {"$1": a1[i], ..., "$n": an[i]} as long
        // as the longest input, missing elements null; `[{}]` for empty inputs; NULL for a
        // NULL input.
        "ARRAYS_ZIP" => {
            arity(1, usize::MAX)?;
            let at = |i: usize| Expr::CompoundFieldAccess {
                root: Box::new(super::calls::nested(items(i))),
                access_chain: vec![sqlparser::ast::AccessExpr::Subscript(
                    sqlparser::ast::Subscript::Index {
                        index: ident("sg_i"),
                    },
                )],
            };
            let longest = func(
                "greatest",
                (0..args.len())
                    .map(|i| func("len", vec![items(i)]))
                    .collect(),
            );
            let fields = (0..args.len())
                .flat_map(|i| [string(&format!("${}", i + 1)), at(i)])
                .collect();
            let zipped = func(
                "json_quote",
                vec![func(
                    "list_transform",
                    vec![
                        super::calls::positions(longest.clone()),
                        lambda(&["sg_i"], func("json_object", fields)),
                    ],
                )],
            );
            let args_now: Vec<Expr> = args.to_vec();
            super::calls::null_if_null(
                &args_now,
                case(
                    vec![(
                        binary(longest, BinaryOperator::Eq, number(0)),
                        func("json", vec![string("[{}]")]),
                    )],
                    Some(zipped),
                ),
            )
        }
        // ARRAYS_TO_OBJECT(keys, values): keys[i] → values[i], NULL keys skipped.
        "ARRAYS_TO_OBJECT" => {
            arity(2, 2)?;
            let keys = func("json_extract_string", vec![a(0), string("$[*]")]);
            let at = |list: Expr| Expr::CompoundFieldAccess {
                root: Box::new(super::calls::nested(list)),
                access_chain: vec![sqlparser::ast::AccessExpr::Subscript(
                    sqlparser::ast::Subscript::Index {
                        index: ident("sg_i"),
                    },
                )],
            };
            let positions = func(
                "list_filter",
                vec![
                    super::calls::positions(func("len", vec![keys.clone()])),
                    lambda(&["sg_i"], Expr::IsNotNull(Box::new(at(keys.clone())))),
                ],
            );
            let entries = func(
                "list_transform",
                vec![
                    positions,
                    lambda(&["sg_i"], func("row", vec![at(keys), at(items(1))])),
                ],
            );
            super::calls::null_if_null(
                &[a(0), a(1)],
                func("to_json", vec![func("map_from_entries", vec![entries])]),
            )
        }
        // One level of nesting removed: `[[1, 2], [3]]` is `[1, 2, 3]`.
        // A NULL element makes the result NULL; an element that is no array is an error.
        "ARRAY_FLATTEN" => {
            arity(1, 1)?;
            let kinds = func(
                "list_transform",
                vec![items(0), lambda(&["sg_x"], json_type(ident("sg_x")))],
            );
            let flattened = to_json(func(
                "flatten",
                vec![func(
                    "list_transform",
                    vec![items(0), lambda(&["sg_x"], elements(ident("sg_x")))],
                )],
            ));
            case(
                vec![
                    (
                        func("list_contains", vec![kinds.clone(), string("NULL")]),
                        null(),
                    ),
                    (
                        func(
                            "list_bool_or",
                            vec![func(
                                "list_transform",
                                vec![
                                    kinds,
                                    lambda(
                                        &["sg_k"],
                                        binary(
                                            ident("sg_k"),
                                            BinaryOperator::NotEq,
                                            string("ARRAY"),
                                        ),
                                    ),
                                ],
                            )],
                        ),
                        func(
                            "error",
                            vec![string(
                                "Not an array: 'Input argument to ARRAY_FLATTEN is not an array \
                                 of arrays'",
                            )],
                        ),
                    ),
                ],
                Some(flattened),
            )
        }
        "ARRAY_GENERATE_RANGE" => {
            arity(2, 3)?;
            // Integer arguments as they are: a cast written here would become DECIMAL(38, 0),
            // which DuckDB's `range` does not take.
            let step = args.get(2).cloned().unwrap_or_else(|| number(1));
            to_json(func("range", vec![a(0), a(1), step]))
        }
        // An ARRAY stays as it is; any other value becomes a one-element array.
        "TO_ARRAY" => {
            arity(1, 1)?;
            let json = to_json(a(0));
            case(
                vec![
                    (is_null(a(0)), null()),
                    (
                        binary(json_type(json.clone()), BinaryOperator::Eq, string("ARRAY")),
                        json.clone(),
                    ),
                ],
                Some(func(
                    "json_quote",
                    vec![Expr::Array(sqlparser::ast::Array {
                        elem: vec![json],
                        named: false,
                    })],
                )),
            )
        }
        // An OBJECT stays as it is; anything else is an error.
        "TO_OBJECT" => {
            arity(1, 1)?;
            let json = to_json(a(0));
            case(
                vec![
                    (is_null(a(0)), null()),
                    (
                        binary(
                            json_type(json.clone()),
                            BinaryOperator::Eq,
                            string("OBJECT"),
                        ),
                        json,
                    ),
                ],
                Some(func(
                    "error",
                    vec![string("Invalid object value: TO_OBJECT needs an OBJECT")],
                )),
            )
        }
        _ => return Ok(None),
    }))
}

fn nested(e: Expr) -> Expr {
    super::calls::nested(e)
}

/// The number of elements of an array.
fn length(array: &Expr) -> Expr {
    func("len", vec![elements(array.clone())])
}

/// A Snowflake 0-based position (negative: from the end) as a DuckDB 1-based index.
fn one_based(array: &Expr, position: Expr) -> Expr {
    nested(case(
        vec![(
            binary(position.clone(), BinaryOperator::Lt, number(0)),
            binary(
                binary(length(array), BinaryOperator::Plus, position.clone()),
                BinaryOperator::Plus,
                number(1),
            ),
        )],
        Some(binary(position, BinaryOperator::Plus, number(1))),
    ))
}

/// The array's non-null elements sorted by value: numbers by number, other values by text.
fn sorted_values(array: &Expr, ascending: bool) -> Expr {
    let x = ident("sg_x");
    let present = func(
        "list_filter",
        vec![
            elements(array.clone()),
            lambda(
                &["sg_x"],
                binary(json_type(x.clone()), BinaryOperator::NotEq, string("NULL")),
            ),
        ],
    );
    let keyed = func(
        "list_transform",
        vec![
            present,
            lambda(
                &["sg_x"],
                func(
                    "row",
                    vec![
                        super::calls::try_cast(x.clone(), "DOUBLE"),
                        super::calls::cast(x.clone(), "VARCHAR"),
                        x,
                    ],
                ),
            ),
        ],
    );
    let order = if ascending { "ASC" } else { "DESC" };
    func(
        "list_transform",
        vec![
            func(
                "list_sort",
                vec![keyed, string(order), string("NULLS LAST")],
            ),
            lambda(
                &["sg_s"],
                func("struct_extract", vec![ident("sg_s"), number(3)]),
            ),
        ],
    )
}

/// Whether a function that reads an array is given a NULL literal for it (DuckDB cannot type
/// the list functions over an untyped NULL; Snowflake's answer is NULL).
pub(crate) fn null_array_argument(name: &str, args: &[Expr]) -> bool {
    let arrays: &[usize] = match name {
        "ARRAY_SIZE" | "ARRAY_COMPACT" | "ARRAY_DISTINCT" | "ARRAY_SLICE" | "ARRAY_APPEND"
        | "ARRAY_PREPEND" | "ARRAY_TO_STRING" | "ARRAY_REVERSE" | "ARRAY_SORT" | "ARRAY_MIN"
        | "ARRAY_MAX" | "ARRAY_FLATTEN" | "ARRAY_REMOVE" | "ARRAY_REMOVE_AT" | "ARRAY_INSERT" => {
            &[0]
        }
        "ARRAY_CAT" | "ARRAY_EXCEPT" | "ARRAY_INTERSECTION" | "ARRAYS_OVERLAP" => &[0, 1],
        _ => &[],
    };
    arrays
        .iter()
        .any(|i| matches!(args.get(*i), Some(Expr::Value(v)) if v.value == Value::Null))
}

/// ARRAY_REPEAT(element, count): `count` copies of the element (none for 0 or less), NULL for
/// a NULL count. Rewritten after the casts take their storage types (see
/// `numeric::rewrite_numeric_functions`): the count becomes the BIGINT DuckDB's `range`
/// takes, whatever numeric (or numeric text or VARIANT) value it is, rounded.
pub(crate) fn array_repeat(args: &[Expr]) -> Result<Expr> {
    check_arity("ARRAY_REPEAT", args, 2, 2)?;
    let rounded = func("round", vec![super::calls::cast(args[1].clone(), "DOUBLE")]);
    let count = super::calls::cast(func("greatest", vec![rounded, number(0)]), "BIGINT");
    let copies = func(
        "list_transform",
        vec![
            func("range", vec![count]),
            lambda(&["sg_copy"], to_json(args[0].clone())),
        ],
    );
    Ok(case(
        vec![(is_null(args[1].clone()), null())],
        Some(func("json_quote", vec![copies])),
    ))
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn array_except_counts_occurrences() {
        let sql = translate("select array_except(a, b) as x from t");
        assert!(
            sql.starts_with("SELECT CASE WHEN \"A\" IS NULL OR \"B\" IS NULL THEN NULL ELSE json_quote(list_filter(json_extract(\"A\", '$[*]'), lambda sg_x, sg_i : len(list_filter(list_slice(json_extract(\"A\", '$[*]'), 1, \"SG_I\")"),
            "{sql}"
        );
        assert!(sql.contains(") > len("), "{sql}");
    }

    #[test]
    fn array_min_takes_the_first_sorted_value() {
        let sql = translate("select array_min(a) as x from t");
        assert!(
            sql.starts_with("SELECT list_extract(list_transform(list_sort("),
            "{sql}"
        );
        assert!(sql.contains("'ASC', 'NULLS LAST')"), "{sql}");
    }

    #[test]
    fn array_sort_flags_must_be_constants() {
        let mut s = crate::parse::parse("select array_sort(a, b) from t")
            .unwrap()
            .remove(0);
        let ctx = crate::rules::test_support::ctx();
        assert!(
            crate::rules::semi_structured::rewrite_semi_structured(&mut s, &ctx.semi_columns)
                .is_err()
        );
    }
}
