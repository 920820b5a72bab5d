//! Strings: Snowflake's string functions as DuckDB functions and expressions, one function per
//! idea. Functions that DuckDB has with the same arguments and meaning (UPPER, LOWER, REVERSE,
//! REPEAT, LEFT, RIGHT, TRANSLATE, CONTAINS, TRIM/LTRIM/RTRIM with characters, MD5, SHA1, ASCII)
//! need no rule.

use std::ops::ControlFlow;

use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    BinaryOperator, Expr, Function, Ident, LambdaFunction, LambdaSyntax, ObjectName,
    OneOrManyWithParens, Statement, VisitMut, VisitorMut,
};

use super::calls::{
    binary, case, cast, check_arity, checked_decode, func, integer_literal, is_null, name_of,
    nested, null_if_null, number, plain_args, rewrite_calls, string, string_literal,
};
use super::functions::{BASE64_TEXT, HEX_TEXT};
use super::FirstError;

/// The name user-written LENGTH / LEN calls carry from [`mark_length_calls`] to this rule, so
/// that the `len` / `length` calls other rules generate (of lists, of text) are left alone.
const USER_LENGTH: &str = "SG_LENGTH";

/// Rename the LENGTH / LEN calls the user wrote (before the rules that generate calls of those
/// names run).
pub fn mark_length_calls(statement: &mut Statement) {
    struct Mark;
    impl VisitorMut for Mark {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            if let Expr::Function(f) = expr {
                if f.over.is_none() && matches!(name_of(f).as_str(), "LENGTH" | "LEN") {
                    f.name = ObjectName::from(vec![Ident::new(USER_LENGTH)]);
                }
            }
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut Mark);
}

/// `on_binary(x as BLOB)` when `x` is a BINARY, else `otherwise` (text functions Snowflake also
/// applies to BINARY values, read as their bytes).
fn binary_or(x: &Expr, on_binary: impl FnOnce(Expr) -> Expr, otherwise: Expr) -> Expr {
    case(
        vec![(
            binary(
                func("typeof", vec![x.clone()]),
                BinaryOperator::Eq,
                string("BLOB"),
            ),
            on_binary(super::calls::try_cast(x.clone(), "BLOB")),
        )],
        Some(otherwise),
    )
}

/// Rewrite Snowflake string functions DuckDB lacks or spells differently.
pub fn rewrite_string_functions(statement: &mut Statement) -> Result<()> {
    rewrite_calls(statement, |f: &Function| {
        if f.over.is_some() {
            return Ok(None);
        }
        let name = name_of(f);
        // HASH(*), HASH(t.*), HASH(* EXCLUDE ...): the hash of those columns.
        if let ("HASH", Some(columns)) = (name.as_str(), super::functions::wildcard_arg(f)) {
            let columns = super::functions::unpacked_columns(columns?);
            return Ok(Some(hash_as_signed(&name, vec![columns])?));
        }
        let Some(args) = plain_args(f) else {
            return Ok(None);
        };
        let n = &name;
        Ok(Some(match name.as_str() {
            "CONCAT" => concat_null_propagating(n, args)?,
            "CONCAT_WS" => concat_ws_null_propagating(n, args)?,
            "SPLIT" => split_to_json(n, args)?,
            "SPLIT_PART" => split_part_from_one(n, args)?,
            "STRTOK" => strtok_to_regexp(n, args)?,
            "STRTOK_TO_ARRAY" => strtok_to_array(n, args)?,
            "REGEXP_SUBSTR" => regexp_substr_to_extract_all(n, args)?,
            "REGEXP_REPLACE" => regexp_replace_all(n, args)?,
            "REGEXP_LIKE" | "RLIKE" => regexp_like_full_match(n, args)?,
            "REGEXP_COUNT" => regexp_count_to_len(n, args)?,
            "REGEXP_INSTR" => regexp_instr_to_lengths(n, args)?,
            // The function forms LIKE(subject, pattern [, escape]) and ILIKE(...).
            "LIKE" | "ILIKE" => {
                check_arity(n, &args, 2, 3)?;
                let mut args = args.into_iter().map(Box::new);
                let (Some(expr), Some(pattern)) = (args.next(), args.next()) else {
                    return Ok(None);
                };
                let escape_char = args.next();
                nested(if name == "LIKE" {
                    Expr::Like {
                        negated: false,
                        any: false,
                        expr,
                        pattern,
                        escape_char,
                    }
                } else {
                    Expr::ILike {
                        negated: false,
                        any: false,
                        expr,
                        pattern,
                        escape_char,
                    }
                })
            }
            "STARTSWITH" => renamed("starts_with", n, args, 2, 2)?,
            "ENDSWITH" => renamed("ends_with", n, args, 2, 2)?,
            "LPAD" | "RPAD" => pad_default_space(n, args)?,
            "INITCAP" => initcap_by_characters(n, args)?,
            "REPLACE" => replace_default_empty(n, args)?,
            "CHARINDEX" => charindex_to_instr(n, args)?,
            "POSITION" => charindex_to_instr(n, args)?,
            "MD5_HEX" => renamed("md5", n, args, 1, 1)?,
            "SHA1_HEX" => renamed("sha1", n, args, 1, 1)?,
            "SHA2" | "SHA2_HEX" => sha2_to_sha256(n, args)?,
            "HASH" => hash_as_signed(n, args)?,
            "SOUNDEX" => renamed("sg_soundex", n, args, 1, 1)?,
            "SOUNDEX_P123" => renamed("sg_soundex_p123", n, args, 1, 1)?,
            "RANDSTR" => {
                check_arity(n, &args, 2, 2)?;
                func(
                    "sg_randstr",
                    args.into_iter().map(|a| cast(a, "BIGINT")).collect(),
                )
            }
            // A code point outside Unicode's (or a surrogate) fails as Snowflake words it.
            "CHR" | "CHAR" => {
                check_arity(n, &args, 1, 1)?;
                let c = args[0].clone();
                let code_point =
                    |v: i64| (0..=0x10FFFF).contains(&v) && !(0xD800..=0xDFFF).contains(&v);
                if integer_literal(&c).is_some_and(code_point) {
                    return Ok(Some(func("chr", vec![cast(c, "INTEGER")])));
                }
                let between = |lo: i64, hi: i64| Expr::Between {
                    expr: Box::new(c.clone()),
                    negated: false,
                    low: Box::new(number(lo)),
                    high: Box::new(number(hi)),
                };
                let valid = binary(
                    between(0, 0x10FFFF),
                    BinaryOperator::And,
                    Expr::UnaryOp {
                        op: sqlparser::ast::UnaryOperator::Not,
                        expr: Box::new(nested(between(0xD800, 0xDFFF))),
                    },
                );
                let message = func(
                    "concat",
                    vec![
                        string("Invalid character code "),
                        cast(c.clone(), "VARCHAR"),
                        string(" in the CHR input"),
                    ],
                );
                case(
                    vec![
                        (is_null(c.clone()), super::calls::null()),
                        (valid, func("chr", vec![cast(c, "INTEGER")])),
                    ],
                    Some(func("error", vec![message])),
                )
            }
            // LENGTH of text (numbers and dates as their text), of a BINARY in bytes.
            USER_LENGTH => {
                check_arity("LENGTH", &args, 1, 1)?;
                let x = args[0].clone();
                let mut text = x.clone();
                super::conversion::print_operand(&mut text);
                binary_or(
                    &x,
                    |b| func("octet_length", vec![b]),
                    func("length", vec![text]),
                )
            }
            // Bytes of text (UTF-8) or of a BINARY.
            "OCTET_LENGTH" | "BIT_LENGTH" => {
                check_arity(n, &args, 1, 1)?;
                let x = args[0].clone();
                let text = func("strlen", vec![super::calls::try_cast(x.clone(), "VARCHAR")]);
                let bytes = binary_or(&x, |b| func("octet_length", vec![b]), text);
                if name == "BIT_LENGTH" {
                    binary(
                        super::calls::nested(bytes),
                        BinaryOperator::Multiply,
                        number(8),
                    )
                } else {
                    bytes
                }
            }
            // The code point of the first character; 0 for the empty string.
            "UNICODE" => {
                check_arity(n, &args, 1, 1)?;
                let x = args[0].clone();
                case(
                    vec![(binary(x.clone(), BinaryOperator::Eq, string("")), number(0))],
                    Some(func("unicode", vec![x])),
                )
            }
            "JAROWINKLER_SIMILARITY" => renamed("sg_jarowinkler", n, args, 2, 2)?,
            "UUID_STRING" => uuid_string(n, args)?,
            // NULL when any argument is NULL; the _IGNORE_NULLS forms are DuckDB's own.
            "GREATEST" | "LEAST" => {
                check_arity(n, &args, 1, usize::MAX)?;
                let duck = if name == "GREATEST" {
                    "greatest"
                } else {
                    "least"
                };
                super::calls::null_if_null(&args, func(duck, args.clone()))
            }
            "GREATEST_IGNORE_NULLS" => renamed("greatest", n, args, 1, usize::MAX)?,
            "LEAST_IGNORE_NULLS" => renamed("least", n, args, 1, usize::MAX)?,
            "SPACE" => {
                check_arity(n, &args, 1, 1)?;
                func("repeat", vec![string(" "), args[0].clone()])
            }
            "EDITDISTANCE" => {
                check_arity(n, &args, 2, 3)?;
                let mut args = args.into_iter();
                let (a, b) = (args.next(), args.next());
                let texts: Vec<Expr> = a.into_iter().chain(b).map(|x| cast(x, "VARCHAR")).collect();
                let distance = func("sg_editdistance", texts.clone());
                // A negative maximum means 0; NULL text is NULL whatever the maximum (DuckDB's
                // LEAST would skip the NULL).
                match args.next() {
                    Some(max) => null_if_null(
                        &[texts, vec![max.clone()]].concat(),
                        func(
                            "least",
                            vec![distance, func("greatest", vec![max, number(0)])],
                        ),
                    ),
                    None => distance,
                }
            }
            // INSERT(base, pos, len, ins): `len` characters from `pos` replaced by `ins`.
            "INSERT" => {
                check_arity(n, &args, 4, 4)?;
                let [base, pos, len, ins]: [Expr; 4] = args.try_into().expect("checked arity");
                let concat = |a: Expr, b: Expr| binary(a, BinaryOperator::StringConcat, b);
                let head = func(
                    "substr",
                    vec![
                        base.clone(),
                        number(1),
                        binary(pos.clone(), BinaryOperator::Minus, number(1)),
                    ],
                );
                let tail = func("substr", vec![base, binary(pos, BinaryOperator::Plus, len)]);
                nested(concat(concat(head, ins), tail))
            }
            // Text is encoded as its UTF-8 bytes (any character), a BINARY as it is.
            "BASE64_ENCODE" => {
                check_arity(n, &args, 1, 3)?;
                let x = args[0].clone();
                let text = func("encode", vec![cast(x.clone(), "VARCHAR")]);
                let bytes = binary_or(&x, |b| b, text);
                let encoded =
                    with_base64_alphabet(n, func("to_base64", vec![bytes]), args.get(2), true)?;
                match args.get(1).map(|l| (integer_literal(l), l)) {
                    None | Some((Some(0), _)) => encoded,
                    // A line break after every `max_line_length` characters, none at the end.
                    Some((Some(width), _)) if width > 0 => func(
                        "rtrim",
                        vec![
                            func(
                                "regexp_replace",
                                vec![
                                    encoded,
                                    string(&format!("(.{{{width}}})")),
                                    string("\\1\n"),
                                    string("g"),
                                ],
                            ),
                            string("\n"),
                        ],
                    ),
                    Some((_, l)) => {
                        return Err(SnowflakeError::compilation(
                    ErrorCode::BadArgumentValue,
                    format!(
                            "invalid value [{l}] for parameter 'max_line_length' of {n}: a constant integer of 0 or more is expected"
                        )))
                    }
                }
            }
            // A negative length gives the empty string (DuckDB counts it from the other end).
            "LEFT" | "RIGHT"
                if args.len() == 2 && integer_literal(&args[1]).is_none_or(|n| n < 0) =>
            {
                func(
                    &name.to_ascii_lowercase(),
                    vec![
                        args[0].clone(),
                        cast(func("greatest", vec![args[1].clone(), number(0)]), "BIGINT"),
                    ],
                )
            }
            // The length without trailing blanks.
            "RTRIMMED_LENGTH" => {
                check_arity(n, &args, 1, 1)?;
                func(
                    "length",
                    vec![func("rtrim", vec![args[0].clone(), string(" ")])],
                )
            }
            "BASE64_DECODE_STRING"
            | "BASE64_DECODE_BINARY"
            | "TRY_BASE64_DECODE_STRING"
            | "TRY_BASE64_DECODE_BINARY"
            | "HEX_DECODE_STRING"
            | "HEX_DECODE_BINARY"
            | "TRY_HEX_DECODE_STRING"
            | "TRY_HEX_DECODE_BINARY" => decoded(&name, args)?,
            "HEX_ENCODE" => {
                check_arity(n, &args, 1, 2)?;
                let lower = args.get(1).and_then(integer_literal) == Some(0);
                let hex = func("hex", vec![args[0].clone()]);
                if lower {
                    func("lower", vec![hex])
                } else {
                    hex
                }
            }
            // Numbers as booleans (non-zero is TRUE), NULLs as SQL's AND / OR / NOT treat them.
            "BOOLAND" | "BOOLOR" | "BOOLXOR" => {
                check_arity(n, &args, 2, 2)?;
                let [a, b]: [Expr; 2] = args.try_into().expect("checked arity");
                let (a, b) = (cast(a, "BOOLEAN"), cast(b, "BOOLEAN"));
                nested(match name.as_str() {
                    "BOOLAND" => binary(a, BinaryOperator::And, b),
                    "BOOLOR" => binary(a, BinaryOperator::Or, b),
                    _ => binary(a, BinaryOperator::NotEq, b),
                })
            }
            "BOOLNOT" => {
                check_arity(n, &args, 1, 1)?;
                nested(Expr::UnaryOp {
                    op: sqlparser::ast::UnaryOperator::Not,
                    expr: Box::new(cast(args[0].clone(), "BOOLEAN")),
                })
            }
            // REGEXP_SUBSTR_ALL(s, p [, position [, occurrence [, params [, group]]]]): the
            // matches from the `occurrence`th on, of the first group with 'e'.
            "REGEXP_SUBSTR_ALL" => {
                let (all, occurrence) = regexp_matches(n, args)?;
                let from = match occurrence {
                    Some(o) if integer_literal(&o) != Some(1) => {
                        func("list_slice", vec![all, o, number(-1)])
                    }
                    _ => all,
                };
                func("json_quote", vec![from])
            }
            // The low or high 64 bits of the MD5 digest as a number.
            "MD5_NUMBER_LOWER64" | "MD5_NUMBER_UPPER64" => {
                check_arity(n, &args, 1, 1)?;
                let digest = func("md5", vec![cast(args[0].clone(), "VARCHAR")]);
                let start = if name == "MD5_NUMBER_LOWER64" { 17 } else { 1 };
                let half = func("substr", vec![digest, number(start), number(16)]);
                let hex = binary(string("0x"), BinaryOperator::StringConcat, half);
                Expr::Cast {
                    kind: sqlparser::ast::CastKind::Cast,
                    expr: Box::new(cast(hex, "UBIGINT")),
                    data_type: sqlparser::ast::DataType::Decimal(
                        sqlparser::ast::ExactNumberInfo::PrecisionAndScale(20, 0),
                    ),
                    format: None,
                }
            }
            "MD5_BINARY" => {
                check_arity(n, &args, 1, 1)?;
                func("unhex", vec![func("md5", args)])
            }
            "SHA1_BINARY" => {
                check_arity(n, &args, 1, 1)?;
                func("unhex", vec![func("sha1", args)])
            }
            "SHA2_BINARY" => func("unhex", vec![sha2_to_sha256(n, args)?]),
            "COLLATE" => {
                check_arity(n, &args, 2, 2)?;
                let [x, spec]: [Expr; 2] = args.try_into().expect("checked arity");
                let Some(spec) = string_literal(&spec) else {
                    return Err(SnowflakeError::unsupported(
                        "COLLATE with a non-literal specification",
                    ));
                };
                collate_to_duckdb(x, spec)?
            }
            _ => return Ok(None),
        }))
    })?;
    let mut v = StringOperators(FirstError::default());
    let _ = statement.visit(&mut v);
    v.0.into_result()
}

/// BASE64_DECODE_* and HEX_DECODE_* with their TRY_ forms: text of the encoding as BINARY, or
/// as the text those bytes spell (`_STRING`); text not of the encoding fails (see
/// [`checked_decode`]), and the TRY_ forms answer NULL instead, also for bytes that are not UTF-8.
fn decoded(name: &str, args: Vec<Expr>) -> Result<Expr> {
    let base64 = name.contains("BASE64");
    check_arity(name, &args, 1, if base64 { 2 } else { 1 })?;
    let mut x = args[0].clone();
    let try_mode = name.starts_with("TRY_");
    let (decode, pattern, encoding) = if base64 {
        // Line breaks (BASE64_ENCODE's max_line_length) are not part of the value, and an
        // alphabet given to the encoding is given again to decode.
        let lines = func(
            "replace",
            vec![
                func("replace", vec![x, string("\n"), string("")]),
                string("\r"),
                string(""),
            ],
        );
        x = with_base64_alphabet(name, lines, args.get(1), false)?;
        ("from_base64", BASE64_TEXT, "base64")
    } else {
        ("unhex", HEX_TEXT, "hex")
    };
    let bytes = checked_decode(x, decode, pattern, encoding, try_mode);
    Ok(match (name.ends_with("_STRING"), try_mode) {
        (false, _) => bytes,
        (true, false) => func("decode", vec![bytes]),
        (true, true) => func("try", vec![func("decode", vec![bytes])]),
    })
}

/// Base64 text in another alphabet: BASE64_ENCODE's `alphabet` argument (up to three ASCII
/// characters standing for `+`, `/` and the padding `=`, in that order, the default for those
/// left out). Encoding maps the standard characters to the alphabet; decoding maps back.
fn with_base64_alphabet(
    name: &str,
    text: Expr,
    alphabet: Option<&Expr>,
    encoding: bool,
) -> Result<Expr> {
    const STANDARD: &str = "+/=";
    let Some(alphabet) = alphabet else {
        return Ok(text);
    };
    let chosen = match string_literal(alphabet) {
        Some(a) if a.len() <= 3 && a.is_ascii() => a,
        _ => {
            return Err(SnowflakeError::compilation(
                    ErrorCode::BadArgumentValue,
                    format!(
                "invalid value [{alphabet}] for parameter 'alphabet' of {name}: a constant string of up to three ASCII characters is expected"
            )))
        }
    };
    let full = format!("{chosen}{}", &STANDARD[chosen.len()..]);
    if full == STANDARD {
        return Ok(text);
    }
    let (from, to) = if encoding {
        (STANDARD, full.as_str())
    } else {
        (full.as_str(), STANDARD)
    };
    Ok(func("translate", vec![text, string(from), string(to)]))
}

fn renamed(to: &str, name: &str, args: Vec<Expr>, min: usize, max: usize) -> Result<Expr> {
    check_arity(name, &args, min, max)?;
    Ok(func(to, args))
}

/// Snowflake `CONCAT(a, b, ...)` is NULL when any argument is NULL; DuckDB's `concat` skips
/// NULLs. Becomes `(a::VARCHAR || b::VARCHAR || ...)`, which propagates NULL.
fn concat_null_propagating(name: &str, args: Vec<Expr>) -> Result<Expr> {
    if args.is_empty() {
        return Err(super::calls::arity(name, 0, "at least 1"));
    }
    let joined = args
        .into_iter()
        .map(|a| cast(a, "VARCHAR"))
        .reduce(|a, b| binary(a, BinaryOperator::StringConcat, b))
        .expect("at least one argument");
    Ok(nested(joined))
}

/// Snowflake `CONCAT_WS(sep, a, ...)` is NULL when any argument is NULL; DuckDB's skips NULL
/// values. Becomes `CASE WHEN sep IS NULL OR a IS NULL ... THEN NULL ELSE concat_ws(...) END`.
fn concat_ws_null_propagating(name: &str, args: Vec<Expr>) -> Result<Expr> {
    if args.len() < 2 {
        return Err(super::calls::arity(name, args.len(), "at least 2"));
    }
    Ok(super::calls::null_if_null(
        &args,
        func("concat_ws", args.clone()),
    ))
}

/// Snowflake `SPLIT(s, sep)` returns an ARRAY of strings (JSON text in Snowglobe); an empty
/// separator does not split. → `to_json(CASE WHEN sep = '' THEN [s] ELSE string_split(s, sep) END)`.
fn split_to_json(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 2)?;
    let [s, sep]: [Expr; 2] = args.try_into().expect("checked arity");
    let parts = case(
        vec![(
            binary(sep.clone(), BinaryOperator::Eq, string("")),
            Expr::Array(sqlparser::ast::Array {
                elem: vec![s.clone()],
                named: false,
            }),
        )],
        Some(func("string_split", vec![s, sep])),
    );
    Ok(func("to_json", vec![parts]))
}

/// Snowflake `SPLIT_PART(s, d, 0)` means part 1 and an empty delimiter does not split; DuckDB
/// returns '' for part 0 and splits an empty delimiter into characters. Becomes
/// `split_part(s, d, CASE WHEN n = 0 THEN 1 ELSE n END)`, with `s` itself for an empty `d`.
fn split_part_from_one(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 3, 3)?;
    let [s, d, n]: [Expr; 3] = args.try_into().expect("checked arity");
    let part = case(
        vec![(binary(n.clone(), BinaryOperator::Eq, number(0)), number(1))],
        Some(n.clone()),
    );
    let whole = case(
        vec![(
            [0, 1, -1]
                .into_iter()
                .map(|k| binary(n.clone(), BinaryOperator::Eq, number(k)))
                .reduce(|a, b| binary(a, BinaryOperator::Or, b))
                .expect("three parts"),
            s.clone(),
        )],
        Some(string("")),
    );
    Ok(case(
        vec![(binary(d.clone(), BinaryOperator::Eq, string("")), whole)],
        Some(func("split_part", vec![s, d, part])),
    ))
}

/// The tokens of `s` split on any character of `delims`, never empty: the runs of characters
/// not in `delims`. An empty `delims` makes the whole string one token.
pub(crate) fn tokens(s: Expr, delims: Expr) -> Expr {
    let class = binary(
        binary(
            string("[^"),
            BinaryOperator::StringConcat,
            func("regexp_escape", vec![delims.clone()]),
        ),
        BinaryOperator::StringConcat,
        string("]+"),
    );
    case(
        vec![(
            binary(delims, BinaryOperator::Eq, string("")),
            func("regexp_extract_all", vec![s.clone(), string(".+")]),
        )],
        Some(func("regexp_extract_all", vec![s, class])),
    )
}

/// Snowflake `STRTOK(s [, delims = ' ' [, n = 1]])` returns the n-th non-empty token, NULL when
/// out of range. → `regexp_extract_all(s, '[^' || regexp_escape(delims) || ']+')[n]`.
fn strtok_to_regexp(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 3)?;
    let mut args = args.into_iter();
    let s = args.next().expect("checked arity");
    let delims = args.next().unwrap_or_else(|| string(" "));
    let n = args.next().unwrap_or_else(|| number(1));
    Ok(Expr::CompoundFieldAccess {
        root: Box::new(nested(tokens(s, delims))),
        access_chain: vec![sqlparser::ast::AccessExpr::Subscript(
            sqlparser::ast::Subscript::Index { index: n },
        )],
    })
}

/// Snowflake `STRTOK_TO_ARRAY(s [, delims = ' '])`: every token, as an ARRAY (JSON text).
fn strtok_to_array(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 2)?;
    let mut args = args.into_iter();
    let s = args.next().expect("checked arity");
    let delims = args.next().unwrap_or_else(|| string(" "));
    Ok(func("to_json", vec![tokens(s, delims)]))
}

/// Snowflake regular-expression parameters (`c`, `i`, `m`, `s`, `e`) as an RE2 inline-flag
/// prefix for the pattern; whether `e` (extract sub-matches) was given.
fn regex_flags(name: &str, params: Option<&Expr>) -> Result<(String, bool)> {
    let Some(params) = params else {
        return Ok((String::new(), false));
    };
    let Some(text) = string_literal(params) else {
        return Err(SnowflakeError::unsupported(format!(
            "{name} with non-literal regular expression parameters"
        )));
    };
    let (mut i, mut m, mut s, mut e) = (false, false, false, false);
    for c in text.chars() {
        match c {
            'c' => i = false,
            'i' => i = true,
            'm' => m = true,
            's' => s = true,
            'e' => e = true,
            other => {
                return Err(SnowflakeError::compilation(
                    snowglobe_error::ErrorCode::InvalidArgumentTypes,
                    format!("Invalid parameter '{other}' in function {name}"),
                ))
            }
        }
    }
    let flags: String = [(i, 'i'), (m, 'm'), (s, 's')]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, c)| *c)
        .collect();
    Ok((
        if flags.is_empty() {
            String::new()
        } else {
            format!("(?{flags})")
        },
        e,
    ))
}

fn with_flags(pattern: Expr, flags: &str) -> Expr {
    if flags.is_empty() {
        pattern
    } else {
        binary(string(flags), BinaryOperator::StringConcat, pattern)
    }
}

/// The part of `s` from 1-based `position` on (all of it when position is absent).
fn from_position(s: Expr, position: Option<Expr>) -> Expr {
    match position {
        None => s,
        Some(p) if integer_literal(&p) == Some(1) => s,
        Some(p) => func("substr", vec![s, p]),
    }
}

fn index(list: Expr, i: Expr) -> Expr {
    Expr::CompoundFieldAccess {
        root: Box::new(nested(list)),
        access_chain: vec![sqlparser::ast::AccessExpr::Subscript(
            sqlparser::ast::Subscript::Index { index: i },
        )],
    }
}

/// How many capturing groups a regular expression has (`(` not escaped, not `(?`, not in a
/// bracket expression).
fn capture_groups(pattern: &str) -> usize {
    let mut n = 0;
    let mut chars = pattern.chars().peekable();
    let mut in_class = false;
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '[' if !in_class => in_class = true,
            ']' if in_class => in_class = false,
            '(' if !in_class && chars.peek() != Some(&'?') => n += 1,
            _ => {}
        }
    }
    n
}

/// Snowflake `REGEXP_SUBSTR(s, p [, position [, occurrence [, params [, group]]]])`, NULL when
/// there is no such match → `regexp_extract_all(substr(s, position), flags || p, group)[occurrence]`.
fn regexp_substr_to_extract_all(name: &str, args: Vec<Expr>) -> Result<Expr> {
    let (all, occurrence) = regexp_matches(name, args)?;
    Ok(index(all, occurrence.unwrap_or_else(|| number(1))))
}

/// The matches REGEXP_SUBSTR and REGEXP_SUBSTR_ALL(s, p [, position [, occurrence [, params
/// [, group]]]]) choose from, `regexp_extract_all(...)`, and the occurrence given. With 'e'
/// and no group number, the first group; a pattern without groups is matched whole, as
/// without 'e'.
fn regexp_matches(name: &str, args: Vec<Expr>) -> Result<(Expr, Option<Expr>)> {
    check_arity(name, &args, 2, 6)?;
    let (flags, extract) = regex_flags(name, args.get(4))?;
    let mut args = args.into_iter();
    let s = args.next().expect("checked arity");
    let p = args.next().expect("checked arity");
    let position = args.next();
    let occurrence = args.next();
    let _params = args.next();
    let groups = string_literal(&p).map(capture_groups);
    let group = args
        .next()
        .unwrap_or_else(|| number(if extract && groups != Some(0) { 1 } else { 0 }));
    let all = func(
        "regexp_extract_all",
        vec![from_position(s, position), with_flags(p, &flags), group],
    );
    Ok((all, occurrence))
}

/// Snowflake `REGEXP_REPLACE(s, p [, r = '' [, position [, occurrence = 0 [, params]]]])`
/// replaces every match by default; DuckDB's replaces the first unless given `'g'`. Occurrence 0
/// becomes option `'g'`, occurrence 1 no option, any other `sg_regexp_replace_nth` (that match
/// only); a start position keeps the prefix as it is.
fn regexp_replace_all(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 6)?;
    let (flags, _) = regex_flags(name, args.get(5))?;
    let mut args = args.into_iter();
    let s = args.next().expect("checked arity");
    let p = args.next().expect("checked arity");
    let r = args.next().unwrap_or_else(|| string(""));
    let position = args.next();
    let occurrence = args.next();
    let global = match occurrence.as_ref().map(integer_literal) {
        None | Some(Some(0)) => Some(true),
        Some(Some(1)) => Some(false),
        // another occurrence: only that match is replaced
        Some(_) => None,
    };
    let mut call_args = vec![
        from_position(s.clone(), position.clone()),
        with_flags(p, &flags),
        r,
    ];
    let replaced = match (global, occurrence) {
        (Some(global), _) => {
            if global {
                call_args.push(string("g"));
            }
            func("regexp_replace", call_args)
        }
        (None, Some(n)) => {
            call_args.push(cast(n.clone(), "BIGINT"));
            // occurrence 0 (every match) may still come from a non-literal
            case(
                vec![(
                    binary(n, BinaryOperator::Eq, number(0)),
                    func(
                        "regexp_replace",
                        call_args[..3]
                            .iter()
                            .cloned()
                            .chain([string("g")])
                            .collect(),
                    ),
                )],
                Some(func("sg_regexp_replace_nth", call_args)),
            )
        }
        (None, None) => unreachable!("no occurrence is global"),
    };
    Ok(match position {
        Some(pos) if integer_literal(&pos) != Some(1) => nested(binary(
            func(
                "substr",
                vec![s, number(1), binary(pos, BinaryOperator::Minus, number(1))],
            ),
            BinaryOperator::StringConcat,
            replaced,
        )),
        _ => replaced,
    })
}

/// Snowflake `REGEXP_LIKE(s, p [, params])` / `RLIKE` match the whole string (implicitly
/// anchored) → DuckDB `regexp_full_match(s, flags || p)`.
fn regexp_like_full_match(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 3)?;
    let (flags, _) = regex_flags(name, args.get(2))?;
    let mut args = args.into_iter();
    let s = args.next().expect("checked arity");
    let p = args.next().expect("checked arity");
    Ok(func("regexp_full_match", vec![s, with_flags(p, &flags)]))
}

/// Snowflake `REGEXP_COUNT(s, p [, position [, params]])` → DuckDB
/// `len(regexp_extract_all(substr(s, position), flags || p))`.
fn regexp_count_to_len(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 4)?;
    let (flags, _) = regex_flags(name, args.get(3))?;
    let mut args = args.into_iter();
    let s = args.next().expect("checked arity");
    let p = args.next().expect("checked arity");
    let position = args.next();
    Ok(func(
        "len",
        vec![func(
            "regexp_extract_all",
            vec![from_position(s, position), with_flags(p, &flags)],
        )],
    ))
}

/// Snowflake `REGEXP_INSTR(s, p [, position [, occurrence [, option [, params]]]])`: the
/// 1-based position of the n-th match (option 1: just after it), 0 when there is none. DuckDB
/// has no such function; the position is the start plus the lengths of the text before the
/// n-th match: `length(array_to_string(regexp_split_to_array(t, p)[1:n], ''))` plus the lengths
/// of the first n-1 matches.
fn regexp_instr_to_lengths(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 6)?;
    let (flags, _) = regex_flags(name, args.get(5))?;
    let mut args = args.into_iter();
    let s = args.next().expect("checked arity");
    let p = with_flags(args.next().expect("checked arity"), &flags);
    let position = args.next().unwrap_or_else(|| number(1));
    let n = args.next().unwrap_or_else(|| number(1));
    let after = match args.next().map(|o| integer_literal(&o)) {
        None | Some(Some(0)) => false,
        Some(Some(1)) => true,
        Some(_) => {
            return Err(SnowflakeError::unsupported(format!(
                "{name} with a non-literal return option"
            )))
        }
    };
    let text = func("substr", vec![s, position.clone()]);
    let matches = func("regexp_extract_all", vec![text.clone(), p.clone()]);
    let slice = |list: Expr, to: Expr| Expr::CompoundFieldAccess {
        root: Box::new(nested(list)),
        access_chain: vec![sqlparser::ast::AccessExpr::Subscript(
            sqlparser::ast::Subscript::Slice {
                lower_bound: Some(number(1)),
                upper_bound: Some(to),
                stride: None,
            },
        )],
    };
    let joined_len = |list: Expr| {
        func(
            "length",
            vec![func("array_to_string", vec![list, string("")])],
        )
    };
    let before = joined_len(slice(
        func("regexp_split_to_array", vec![text, p]),
        n.clone(),
    ));
    let earlier_matches = joined_len(slice(
        matches.clone(),
        binary(n.clone(), BinaryOperator::Minus, number(1)),
    ));
    let mut start = binary(
        binary(position, BinaryOperator::Plus, before),
        BinaryOperator::Plus,
        earlier_matches,
    );
    if after {
        start = binary(
            start,
            BinaryOperator::Plus,
            func("length", vec![index(matches.clone(), n.clone())]),
        );
    }
    Ok(case(
        vec![(
            binary(func("len", vec![matches]), BinaryOperator::Lt, n),
            number(0),
        )],
        Some(start),
    ))
}

/// Snowflake `LPAD(s, len [, pad = ' '])` / `RPAD`; DuckDB requires the pad (both truncate a
/// longer string to `len`).
fn pad_default_space(name: &str, mut args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 3)?;
    if args.len() == 2 {
        args.push(string(" "));
    }
    // An empty pad inserts nothing, but the result is still cut to the length (DuckDB fails).
    let truncated = func(
        "left",
        vec![
            args[0].clone(),
            func("greatest", vec![args[1].clone(), number(0)]),
        ],
    );
    if string_literal(&args[2]) == Some("") {
        return Ok(truncated);
    }
    if matches!(args[2], Expr::Value(_)) {
        return Ok(func(&name.to_ascii_lowercase(), args));
    }
    let pad = args[2].clone();
    Ok(case(
        vec![(binary(pad, BinaryOperator::Eq, string("")), truncated)],
        Some(func(&name.to_ascii_lowercase(), args)),
    ))
}

/// Snowflake's default INITCAP word separators: whitespace and `! ? @ " ^ # $ & ~ _ , . : ; +
/// - * % / | \ [ ] ( ) { } < >`.
const INITCAP_DELIMITERS: &str = " \t\n\r\x0b\x0c!?@\"^#$&~_,.:;+-*%/|\\[](){}<>";

/// Snowflake `INITCAP(s [, delimiters])` upper-cases the first letter of each word and
/// lower-cases the rest; DuckDB has no INITCAP. Each character is mapped with a lambda over its
/// position: upper when first or after a delimiter, else lower.
fn initcap_by_characters(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 2)?;
    let mut args = args.into_iter();
    let s = args.next().expect("checked arity");
    let given = args.next();
    let delims = given.clone().unwrap_or_else(|| string(INITCAP_DELIMITERS));
    let i = Ident::with_quote('"', "SG_I");
    let at = |offset: i64| {
        let pos = if offset == 0 {
            Expr::Identifier(i.clone())
        } else {
            binary(
                Expr::Identifier(i.clone()),
                BinaryOperator::Minus,
                number(offset),
            )
        };
        func("substr", vec![s.clone(), pos, number(1)])
    };
    let word_start = binary(
        binary(Expr::Identifier(i.clone()), BinaryOperator::Eq, number(1)),
        BinaryOperator::Or,
        binary(
            func("strpos", vec![delims.clone(), at(1)]),
            BinaryOperator::Gt,
            number(0),
        ),
    );
    let body = case(
        vec![(word_start, func("upper", vec![at(0)]))],
        Some(func("lower", vec![at(0)])),
    );
    let lambda = Expr::Lambda(LambdaFunction {
        params: OneOrManyWithParens::One(sqlparser::ast::LambdaFunctionParameter {
            name: i,
            data_type: None,
        }),
        body: Box::new(body),
        syntax: LambdaSyntax::LambdaKeyword,
    });
    let positions = super::calls::positions(func("length", vec![s.clone()]));
    let mapped = func(
        "array_to_string",
        vec![func("list_transform", vec![positions, lambda]), string("")],
    );
    // NULL text or NULL delimiters: NULL
    let null_input = match given {
        Some(d) => binary(is_null(s), BinaryOperator::Or, is_null(d)),
        None => is_null(s),
    };
    Ok(case(vec![(null_input, super::calls::null())], Some(mapped)))
}

/// Snowflake `REPLACE(s, from [, to = ''])`; DuckDB requires `to`.
fn replace_default_empty(name: &str, mut args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 3)?;
    if args.len() == 2 {
        args.push(string(""));
    }
    Ok(func("replace", args))
}

/// Snowflake `CHARINDEX(sub, s [, start])` and `POSITION(sub, s [, start])`: 1-based position of
/// `sub` in `s` searching from `start`, 0 when absent → DuckDB `instr(s, sub)`, offset by the
/// start position when one is given.
fn charindex_to_instr(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 2, 3)?;
    let mut args = args.into_iter();
    let sub = args.next().expect("checked arity");
    let s = args.next().expect("checked arity");
    let Some(start) = args.next() else {
        return Ok(func("instr", vec![s, sub]));
    };
    // A start before the first character is the first character.
    let start = case(
        vec![(
            binary(start.clone(), BinaryOperator::Lt, number(1)),
            number(1),
        )],
        Some(start),
    );
    let found = func("instr", vec![func("substr", vec![s, start.clone()]), sub]);
    Ok(case(
        vec![(
            binary(found.clone(), BinaryOperator::Eq, number(0)),
            number(0),
        )],
        Some(binary(
            binary(found, BinaryOperator::Plus, start),
            BinaryOperator::Minus,
            number(1),
        )),
    ))
}

/// Snowflake `SHA2(s [, 256])` → DuckDB `sha256(s)` (lower-case hex); SHA-224, SHA-384 and
/// SHA-512, which DuckDB lacks, are the engine's `sg_sha224` and the like.
fn sha2_to_sha256(name: &str, args: Vec<Expr>) -> Result<Expr> {
    check_arity(name, &args, 1, 2)?;
    if let Some(bits) = args.get(1) {
        match integer_literal(bits) {
            Some(256) => {}
            Some(size @ (224 | 384 | 512)) => {
                return Ok(func(&format!("sg_sha{size}"), vec![args[0].clone()]))
            }
            _ => {
                return Err(SnowflakeError::compilation(
                    snowglobe_error::ErrorCode::InvalidArgumentTypes,
                    format!("Invalid digest size {bits} for function {name}"),
                ))
            }
        }
    }
    Ok(func("sha256", vec![args[0].clone()]))
}

/// Snowflake `HASH(...)` returns a signed 64-bit NUMBER(19,0), never NULL. DuckDB's `hash`
/// returns an unsigned 64-bit value; shifting it into the signed range gives a BIGINT. The
/// values are deterministic but not Snowflake's (its algorithm is proprietary).
fn hash_as_signed(name: &str, args: Vec<Expr>) -> Result<Expr> {
    if args.is_empty() {
        return Err(super::calls::arity(name, 0, "at least 1"));
    }
    let shifted = binary(
        cast(func("hash", args), "HUGEINT"),
        BinaryOperator::Minus,
        Expr::value(sqlparser::ast::Value::Number(
            "9223372036854775808".into(),
            false,
        )),
    );
    Ok(cast(nested(shifted), "BIGINT"))
}

/// Snowflake `UUID_STRING()` → a random version-4 UUID as text: DuckDB `uuid()::VARCHAR`;
/// `UUID_STRING(namespace, name)` → the name-based version-5 UUID (the engine's `sg_uuid_v5`).
fn uuid_string(name: &str, args: Vec<Expr>) -> Result<Expr> {
    match args.len() {
        0 => Ok(cast(func("uuid", vec![]), "VARCHAR")),
        2 => Ok(func(
            "sg_uuid_v5",
            args.into_iter().map(|a| cast(a, "VARCHAR")).collect(),
        )),
        _ => {
            check_arity(name, &args, 2, 2)?;
            Err(SnowflakeError::internal("arity checked"))
        }
    }
}

/// Snowflake collation specifications (`'en-ci'`, `'utf8'`, `'upper'`, ...) → DuckDB's
/// collations: `ci` → NOCASE, `ai` → NOACCENT; case- and accent-sensitive and locale parts need
/// none (DuckDB compares bytes). Trimming and case-conversion specifiers are unsupported.
fn collate_to_duckdb(expr: Expr, spec: &str) -> Result<Expr> {
    let mut names = Vec::new();
    for part in spec
        .to_ascii_lowercase()
        .split('-')
        .filter(|p| !p.is_empty())
    {
        match part {
            "ci" => names.push("nocase"),
            "ai" => names.push("noaccent"),
            "cs" | "as" | "pi" | "ps" | "utf8" | "bin" => {}
            p if p.len() == 2 || p.contains('_') => {}
            other => {
                return Err(SnowflakeError::unsupported(format!(
                    "collation specifier '{other}'"
                )))
            }
        }
    }
    if names.is_empty() {
        return Ok(expr);
    }
    Ok(Expr::Collate {
        expr: Box::new(expr),
        collation: ObjectName::from(vec![Ident::new(names.join("."))]),
    })
}

/// Operator forms: `s RLIKE p` / `s REGEXP p` (whole-string match), `s [NOT] [I]LIKE ANY (...)`
/// and `LIKE ALL (...)` (one LIKE per pattern, joined with OR / AND), `s COLLATE 'spec'`, and
/// `SUBSTR(s, start, len)` with a negative length (Snowflake: empty string; DuckDB counts back).
struct StringOperators(FirstError);

impl VisitorMut for StringOperators {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let new = match expr {
            Expr::RLike {
                negated,
                expr: s,
                pattern,
                ..
            } => Some(rlike_full_match(*negated, s, pattern)),
            Expr::Like { .. } | Expr::ILike { .. } => like_any_all(expr),
            Expr::Collate {
                expr: inner,
                collation,
            } => {
                let spec = collation.to_string();
                let spec = spec.trim_matches('\'');
                if collation.to_string().starts_with('\'') {
                    match collate_to_duckdb((**inner).clone(), spec) {
                        Ok(e) => Some(e),
                        Err(e) => {
                            self.0.set(e);
                            return ControlFlow::Break(());
                        }
                    }
                } else {
                    None
                }
            }
            Expr::Substring {
                substring_for: Some(len),
                ..
            } if integer_literal(len).is_none_or(|n| n < 0) => {
                let l = (**len).clone();
                **len = case(
                    vec![(binary(l.clone(), BinaryOperator::Lt, number(0)), number(0))],
                    Some(l),
                );
                None
            }
            _ => None,
        };
        if let Some(new) = new {
            *expr = new;
        }
        ControlFlow::Continue(())
    }
}

/// `s [NOT] RLIKE p` matches the whole string in Snowflake → `[NOT] regexp_full_match(s, p)`.
fn rlike_full_match(negated: bool, s: &Expr, pattern: &Expr) -> Expr {
    let m = func("regexp_full_match", vec![s.clone(), pattern.clone()]);
    if negated {
        Expr::UnaryOp {
            op: sqlparser::ast::UnaryOperator::Not,
            expr: Box::new(m),
        }
    } else {
        m
    }
}

/// Snowflake `s LIKE ANY ('a%', 'b%')` / `LIKE ALL (...)` (and ILIKE) → one LIKE per pattern,
/// joined with OR (ANY) or AND (ALL). NOT applies to each LIKE, as in Snowflake.
fn like_any_all(expr: &Expr) -> Option<Expr> {
    let (negated, any, s, pattern, escape, ilike) = match expr {
        Expr::Like {
            negated,
            any,
            expr,
            pattern,
            escape_char,
        } => (*negated, *any, expr, pattern, escape_char, false),
        Expr::ILike {
            negated,
            any,
            expr,
            pattern,
            escape_char,
        } => (*negated, *any, expr, pattern, escape_char, true),
        _ => return None,
    };
    let (patterns, op) = match pattern.as_ref() {
        Expr::Nested(p) if any => (vec![(**p).clone()], BinaryOperator::Or),
        Expr::Tuple(ps) if any => (ps.clone(), BinaryOperator::Or),
        Expr::Function(f) if matches!(name_of(f).as_str(), "ALL" | "ANY") => (
            plain_args(f)?,
            if name_of(f) == "ALL" {
                BinaryOperator::And
            } else {
                BinaryOperator::Or
            },
        ),
        _ => return None,
    };
    let one = |p: Expr| {
        if ilike {
            Expr::ILike {
                negated,
                any: false,
                expr: s.clone(),
                pattern: Box::new(p),
                escape_char: escape.clone(),
            }
        } else {
            Expr::Like {
                negated,
                any: false,
                expr: s.clone(),
                pattern: Box::new(p),
                escape_char: escape.clone(),
            }
        }
    };
    patterns
        .into_iter()
        .map(one)
        .reduce(|a, b| binary(a, op.clone(), b))
        .map(nested)
}

#[cfg(test)]
mod tests {
    /// The rules' output with the text conversion of column A (what a string function applies
    /// to an argument that may not be text, tested in `strings.slt`) written as plain `"A"`.
    fn translate(sql: &str) -> String {
        use crate::rules::test_support::translate as full;
        let upper = full("select upper(a) as c from t");
        let printed = upper
            .strip_prefix("SELECT upper(")
            .and_then(|s| s.strip_suffix(") AS \"C\" FROM \"T\""))
            .unwrap_or("\"A\"")
            .to_string();
        full(sql).replace(&printed, "\"A\"")
    }

    #[test]
    fn concat_propagates_null() {
        // `||` keeps NULLs; each argument prints as TO_VARCHAR prints it.
        let sql = crate::rules::test_support::translate("select concat(a, 'x') as c from t");
        assert!(
            sql.starts_with("SELECT (CAST(CASE WHEN \"typeof\"(\"A\")"),
            "{sql}"
        );
        assert!(
            sql.ends_with("ELSE CAST(\"A\" AS VARCHAR) END AS VARCHAR) || CAST('x' AS VARCHAR)) AS \"C\" FROM \"T\""),
            "{sql}"
        );
    }

    #[test]
    fn concat_ws_propagates_null() {
        assert_eq!(
            translate("select concat_ws(',', a, b) as c from t"),
            "SELECT CASE WHEN ',' IS NULL OR \"A\" IS NULL OR \"B\" IS NULL THEN NULL ELSE concat_ws(',', \"A\", \"B\") END AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn split_is_json_list() {
        assert_eq!(
            translate("select split(a, ',') as c from t"),
            "SELECT to_json(CASE WHEN ',' = '' THEN [\"A\"] ELSE string_split(\"A\", ',') END) AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn split_part_zero_is_one() {
        assert_eq!(
            translate("select split_part(a, '.', n) as c from t"),
            "SELECT CASE WHEN '.' = '' THEN CASE WHEN \"N\" = 0 OR \"N\" = 1 OR \"N\" = -1 THEN \"A\" ELSE '' END ELSE split_part(\"A\", '.', CASE WHEN \"N\" = 0 THEN 1 ELSE \"N\" END) END AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn strtok_takes_non_empty_tokens() {
        assert_eq!(
            translate("select strtok(a, '.', 2) as c from t"),
            "SELECT (CASE WHEN '.' = '' THEN regexp_extract_all(\"A\", '.+') ELSE regexp_extract_all(\"A\", '[^' || regexp_escape('.') || ']+') END)[2] AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn regexp_substr_indexes_all_matches() {
        assert_eq!(
            translate("select regexp_substr(a, 'b+', 1, 2, 'i') as c from t"),
            "SELECT (regexp_extract_all(\"A\", '(?i)' || 'b+', 0))[2] AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn regexp_replace_is_global() {
        assert_eq!(
            translate("select regexp_replace(a, 'b') as c from t"),
            "SELECT regexp_replace(\"A\", 'b', '', 'g') AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn regexp_like_and_rlike_are_full_matches() {
        assert_eq!(
            translate("select regexp_like(a, 'b.*') as c, a rlike 'x' as d from t"),
            "SELECT regexp_full_match(\"A\", 'b.*') AS \"C\", regexp_full_match(\"A\", 'x') AS \"D\" FROM \"T\""
        );
    }

    #[test]
    fn regexp_count_is_len_of_matches() {
        assert_eq!(
            translate("select regexp_count(a, 'b') as c from t"),
            "SELECT len(regexp_extract_all(\"A\", 'b')) AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn regexp_instr_counts_lengths() {
        assert!(
            translate("select regexp_instr(a, 'b') as c from t").starts_with(
                "SELECT CASE WHEN len(regexp_extract_all(substr(\"A\", 1), 'b')) < 1 THEN 0"
            )
        );
    }

    #[test]
    fn startswith_is_starts_with() {
        assert_eq!(
            translate("select startswith(a, 'x') as c from t"),
            "SELECT starts_with(\"A\", 'x') AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn lpad_defaults_to_space() {
        assert_eq!(
            translate("select lpad(a, 5) as c from t"),
            "SELECT lpad(\"A\", 5, ' ') AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn initcap_maps_characters() {
        assert!(translate("select initcap(a, ' ') as c from t").contains(
            "list_transform(range(1, length(\"A\") + 1), lambda \"SG_I\" : CASE WHEN \"SG_I\" = 1 OR strpos(' ', substr(\"A\", \"SG_I\" - 1, 1)) > 0"
        ));
    }

    #[test]
    fn replace_defaults_to_removal() {
        assert_eq!(
            translate("select replace(a, 'x') as c from t"),
            "SELECT replace(\"A\", 'x', '') AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn charindex_is_instr() {
        assert_eq!(
            translate("select charindex('b', a) as c from t"),
            "SELECT instr(\"A\", 'b') AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn sha2_is_sha256() {
        assert_eq!(
            translate("select sha2(a, 256) as c from t"),
            "SELECT sha256(\"A\") AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn hash_is_signed() {
        assert_eq!(
            translate("select hash(a) as c from t"),
            "SELECT CAST((CAST(hash(\"A\") AS HUGEINT) - 9223372036854775808) AS BIGINT) AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn uuid_string_is_uuid_text() {
        assert_eq!(
            translate("select uuid_string() as c"),
            "SELECT CAST(uuid() AS VARCHAR) AS \"C\""
        );
    }

    #[test]
    fn like_any_is_or_of_likes() {
        assert_eq!(
            translate("select a like any ('x%', '%y') as c from t"),
            "SELECT (\"A\" LIKE 'x%' OR \"A\" LIKE '%y') AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn collate_ci_is_nocase() {
        assert_eq!(
            translate("select a collate 'en-ci' = 'X' as c from t"),
            "SELECT \"A\" COLLATE nocase = 'X' AS \"C\" FROM \"T\""
        );
    }

    #[test]
    fn substr_negative_length_is_empty() {
        assert_eq!(
            translate("select substr(a, 2, -1) as c from t"),
            "SELECT SUBSTR(\"A\", 2, CASE WHEN -1 < 0 THEN 0 ELSE -1 END) AS \"C\" FROM \"T\""
        );
    }
}
