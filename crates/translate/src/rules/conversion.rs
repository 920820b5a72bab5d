//! Conversion functions: TO_NUMBER / TO_DECIMAL / TO_NUMERIC, TO_DOUBLE, TO_BOOLEAN and
//! TO_VARCHAR / TO_CHAR (and their TRY_ forms), with Snowflake's SQL format models.
//!
//! DuckDB's casts differ from Snowflake's in what they accept (`'yes'` is not a BOOLEAN), how
//! they print (a DOUBLE `2` is `2.0`, a timestamp has no milliseconds) and how they fail; these
//! rules spell Snowflake's behaviour as DuckDB expressions. Failures call DuckDB's `error()` with
//! Snowflake's message, which `snowglobe_engine::errors` maps to Snowflake's code. The rules run
//! after `types::cast_to_storage_types`, so the casts they add name DuckDB types.

use std::ops::ControlFlow;

use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, ExactNumberInfo, Expr, Function, Ident, InTarget,
    ObjectName, Statement, Value, VisitMut, VisitorMut,
};

use super::calls::{
    binary, call, case, cast, check_arity, integer_literal, is_null, name_of, nested, null, number,
    plain_args, rewrite_calls, string, string_literal, try_cast,
};
use super::timestamps::{session_zone, strptime_format};
use super::FirstError;
use crate::names::{Context, OutputFormats};

/// Rewrite Snowflake's conversion functions, and casts to BOOLEAN, in the session's zone.
pub fn rewrite_conversions(statement: &mut Statement, ctx: &Context) -> Result<()> {
    let zone = session_zone(ctx);
    rewrite_calls(statement, |f: &Function| {
        if f.over.is_some() {
            return Ok(None);
        }
        let name = name_of(f);
        let Some(args) = plain_args(f) else {
            return Ok(None);
        };
        let (base, try_mode) = match name.strip_prefix("TRY_") {
            Some(base) => (base, true),
            None => (name.as_str(), false),
        };
        let n = &name;
        Ok(Some(match base {
            "TO_NUMBER" | "TO_DECIMAL" | "TO_NUMERIC" => to_number(n, args, try_mode)?,
            "TO_DOUBLE" => to_double(n, args, try_mode)?,
            "TO_BOOLEAN" => {
                check_arity(n, &args, 1, 1)?;
                text_to_boolean(args[0].clone(), try_mode)
            }
            "TO_VARCHAR" | "TO_CHAR" if !try_mode => to_varchar(n, args, &zone)?,
            _ => return Ok(None),
        }))
    })?;
    let mut v = BooleanCasts(FirstError::default());
    let _ = statement.visit(&mut v);
    v.0.into_result()
}

// ---------------------------------------------------------------------------------------------
// Small expression builders.

/// DuckDB functions whose names are also Snowflake functions that later rules rewrite.
const SHADOWED: &[&str] = &[
    "decode",
    "lpad",
    "regexp_replace",
    "replace",
    "rpad",
    "split_part",
    "typeof",
];

/// A call of DuckDB function `name`; a name in [`SHADOWED`] is quoted so that the Snowflake
/// function rules that run later (DECODE, SPLIT_PART, TYPEOF, ...) leave the call alone.
fn func(name: &str, args: Vec<Expr>) -> Expr {
    let mut f = call(name, args);
    if SHADOWED.contains(&name) {
        f.name = ObjectName::from(vec![Ident::with_quote('"', name)]);
    }
    Expr::Function(f)
}

fn decimal(precision: u64, scale: u64) -> DataType {
    DataType::Decimal(ExactNumberInfo::PrecisionAndScale(precision, scale as i64))
}

fn cast_to(kind: CastKind, x: Expr, data_type: DataType) -> Expr {
    Expr::Cast {
        kind,
        expr: Box::new(x),
        data_type,
        format: None,
    }
}

fn concat(parts: Vec<Expr>) -> Expr {
    let joined = parts
        .into_iter()
        .reduce(|a, b| binary(a, BinaryOperator::StringConcat, b))
        .unwrap_or_else(|| string(""));
    nested(joined)
}

fn text(x: &Expr) -> Expr {
    cast(x.clone(), "VARCHAR")
}

/// `error('<before>' || x::VARCHAR || '<after>')`: fails the statement with Snowflake's message.
fn fail(before: &str, x: &Expr, after: &str) -> Expr {
    func(
        "error",
        vec![concat(vec![string(before), text(x), string(after)])],
    )
}

fn not_recognized(x: &Expr) -> Expr {
    fail("Numeric value '", x, "' is not recognized")
}

fn out_of_range(x: &Expr) -> Expr {
    fail("Numeric value '", x, "' is out of range")
}

fn is_not_null(x: Expr) -> Expr {
    Expr::IsNotNull(Box::new(x))
}

fn type_is(x: &Expr, names: &[&str]) -> Expr {
    in_list(func("typeof", vec![x.clone()]), names)
}

fn lpad(x: Expr, width: Expr, fill: &str) -> Expr {
    func("lpad", vec![x, width, string(fill)])
}

fn rpad(x: Expr, width: Expr, fill: &str) -> Expr {
    func("rpad", vec![x, width, string(fill)])
}

/// `x` padded on the left with `fill` to at least `width` characters (never cut).
fn pad_at_least(x: Expr, width: usize, fill: &str, left: bool) -> Expr {
    if width == 0 {
        return x;
    }
    // DuckDB's lpad/rpad take an INTEGER width; length() is a BIGINT.
    let w = cast(
        func(
            "greatest",
            vec![func("length", vec![x.clone()]), number(width as i64)],
        ),
        "INTEGER",
    );
    if left {
        lpad(x, w, fill)
    } else {
        rpad(x, w, fill)
    }
}

fn unsupported(what: String) -> SnowflakeError {
    SnowflakeError::unsupported(what)
}

// ---------------------------------------------------------------------------------------------
// TO_NUMBER, TO_DOUBLE.

/// Snowflake `TO_NUMBER(x [, format] [, precision [, scale]])` (also TO_DECIMAL, TO_NUMERIC and
/// the TRY_ forms) is a NUMBER(precision, scale), default (38, 0); reducing the scale rounds half
/// away from zero, as DuckDB's DECIMAL casts do. Without a format: `TRY_CAST(x AS
/// DECIMAL(p,s))`, and for TO_NUMBER a CASE that fails with "Numeric value '…' is not
/// recognized" (100038) or "… is out of range" (Snowflake 100039) where that is NULL. A format
/// model is matched as described at [`parse_with_format`].
fn to_number(name: &str, args: Vec<Expr>, try_mode: bool) -> Result<Expr> {
    check_arity(name, &args, 1, 4)?;
    let mut args = args.into_iter();
    let x = args.next().expect("checked arity");
    let mut rest: Vec<Expr> = args.collect();
    let format = match rest.first().map(string_literal) {
        Some(Some(f)) => {
            let f = f.to_string();
            rest.remove(0);
            Some(f)
        }
        _ => None,
    };
    let literal = |e: &Expr, what: &str| -> Result<u64> {
        integer_literal(e)
            .and_then(|n| u64::try_from(n).ok())
            .ok_or_else(|| unsupported(format!("{name} with a non-constant {what}")))
    };
    let (precision, scale) = match rest.as_slice() {
        [] => (38, 0),
        [p] => (literal(p, "precision")?, 0),
        [p, s] => (literal(p, "precision")?, literal(s, "scale")?),
        _ => return Err(super::calls::arity(name, rest.len() + 2, "1 to 4")),
    };
    if !(1..=38).contains(&precision) || scale > precision {
        return Err(SnowflakeError::compilation(
            ErrorCode::InvalidArgumentTypes,
            format!("Invalid precision or scale for function {name}: ({precision}, {scale})"),
        ));
    }
    let target = decimal(precision, scale);
    match format {
        Some(f) => parse_with_format(name, &x, &f, target, try_mode),
        None => {
            let value = cast_to(CastKind::TryCast, x.clone(), target);
            if try_mode {
                return Ok(value);
            }
            Ok(case(
                vec![
                    (is_null(x.clone()), null()),
                    (is_not_null(value.clone()), value),
                    (is_null(try_cast(text(&x), "DOUBLE")), not_recognized(&x)),
                ],
                Some(out_of_range(&x)),
            ))
        }
    }
}

/// Snowflake `TO_DOUBLE(x [, format])` → `CAST(x AS DOUBLE)` (DuckDB's failure maps to
/// "Numeric value '…' is not recognized"); `TRY_TO_DOUBLE` → `TRY_CAST`. A format model is
/// matched as for TO_NUMBER.
fn to_double(name: &str, args: Vec<Expr>, try_mode: bool) -> Result<Expr> {
    check_arity(name, &args, 1, 2)?;
    let x = args[0].clone();
    match args.get(1) {
        None if try_mode => Ok(try_cast(x, "DOUBLE")),
        None => Ok(cast(x, "DOUBLE")),
        Some(f) => {
            let Some(f) = string_literal(f) else {
                return Err(unsupported(format!("{name} with a non-literal format")));
            };
            let target = match cast(null(), "DOUBLE") {
                Expr::Cast { data_type, .. } => data_type,
                _ => unreachable!("cast builds a Cast"),
            };
            parse_with_format(name, &x, f, target, try_mode)
        }
    }
}

/// Text read with a numeric format model. Fixed-position models (`9`, `0`, `.`/`D`, `,`/`G`,
/// `$`, `S`, `MI`, `B`, literals, `|` between alternatives) become a regular expression the
/// text must match in Snowflake's lax mode (leading and trailing blanks skipped, group
/// separators optional, fewer leading `9` digits allowed, `0` digits required); the value is the
/// text's digits and point, negated when it has a `-`. `X` models read hexadecimal, `TM9`,
/// `TME` and `TM` any number.
fn parse_with_format(
    name: &str,
    x: &Expr,
    format: &str,
    target: DataType,
    try_mode: bool,
) -> Result<Expr> {
    let s = text(x);
    let mut patterns = Vec::new();
    let mut value = None;
    for alternative in format.split('|') {
        let model = match number_format(alternative)? {
            Some(m) => m,
            None => {
                return Err(unsupported(format!(
                    "{name} with format '{format}' (not a numeric format model)"
                )))
            }
        };
        match model {
            NumberFormat::TextMinimal(_) if format.contains('|') => {
                return Err(unsupported(format!(
                    "{name} with alternative text-minimal formats '{format}'"
                )))
            }
            NumberFormat::TextMinimal(_) => {
                let trimmed = func("replace", vec![s.clone(), string(" "), string("")]);
                let v = cast_to(CastKind::TryCast, trimmed.clone(), target.clone());
                patterns.push(is_not_null(try_cast(trimmed, "DOUBLE")));
                value = Some(v);
            }
            NumberFormat::Fixed(fixed) if fixed.is_hex() => {
                if format.contains('|') || fixed.sign != Sign::Default || fixed.dollar {
                    return Err(unsupported(format!(
                        "{name} with hexadecimal format '{format}'"
                    )));
                }
                let n = fixed.digits();
                let z = fixed.zero_positions();
                patterns.push(func(
                    "regexp_full_match",
                    vec![
                        s.clone(),
                        string(&format!("\\s*[0-9a-fA-F]{{{},{n}}}\\s*", z.max(1))),
                    ],
                ));
                let hex = try_cast(
                    concat(vec![string("0x"), func("trim", vec![s.clone()])]),
                    "HUGEINT",
                );
                value = Some(cast_to(CastKind::TryCast, hex, target.clone()));
            }
            NumberFormat::Fixed(fixed) => {
                let literals = format!("{}{}", fixed.prefix, fixed.suffix);
                if literals.contains(|c: char| c.is_ascii_digit() || c == '.' || c == '-') {
                    return Err(unsupported(format!(
                        "{name} with format '{format}' (digits or signs in literals)"
                    )));
                }
                patterns.push(func(
                    "regexp_full_match",
                    vec![s.clone(), string(&fixed.input_pattern())],
                ));
                if value.is_none() {
                    let digits = func(
                        "regexp_replace",
                        vec![s.clone(), string("[^0-9.]"), string(""), string("g")],
                    );
                    let v = cast_to(CastKind::TryCast, digits, target.clone());
                    value = Some(case(
                        vec![(
                            func("contains", vec![s.clone(), string("-")]),
                            negate(v.clone()),
                        )],
                        Some(v),
                    ));
                }
            }
        }
    }
    let value = value.expect("at least one alternative");
    let matched = patterns
        .into_iter()
        .reduce(|a, b| binary(a, BinaryOperator::Or, b))
        .expect("at least one alternative");
    if try_mode {
        return Ok(case(vec![(matched, value)], None));
    }
    Ok(case(
        vec![
            (is_null(x.clone()), null()),
            (
                Expr::UnaryOp {
                    op: sqlparser::ast::UnaryOperator::Not,
                    expr: Box::new(nested(matched)),
                },
                not_recognized(x),
            ),
            (is_null(value.clone()), out_of_range(x)),
        ],
        Some(value),
    ))
}

fn negate(x: Expr) -> Expr {
    Expr::UnaryOp {
        op: sqlparser::ast::UnaryOperator::Minus,
        expr: Box::new(nested(x)),
    }
}

// ---------------------------------------------------------------------------------------------
// TO_BOOLEAN and casts to BOOLEAN.

const TRUE_TEXT: &[&str] = &["true", "t", "yes", "y", "on", "1"];
const FALSE_TEXT: &[&str] = &["false", "f", "no", "n", "off", "0"];

fn in_list(x: Expr, items: &[&str]) -> Expr {
    Expr::In {
        expr: Box::new(x),
        target: InTarget::List(items.iter().map(|i| string(i)).collect()),
        negated: false,
        global: false,
    }
}

/// Snowflake `TO_BOOLEAN(x)`: text 'true', 't', 'yes', 'y', 'on', '1' is TRUE and 'false', 'f',
/// 'no', 'n', 'off', '0' FALSE, in any case; a number is TRUE unless it is 0; anything else
/// fails with "Boolean value '…' is not recognized" (100037), or is NULL for TRY_TO_BOOLEAN.
/// DuckDB's BOOLEAN cast knows neither the words nor non-zero numbers:
/// `CASE WHEN lower(x::VARCHAR) IN (...) THEN TRUE ... WHEN typeof(x) <> 'VARCHAR' AND
/// TRY_CAST(x::VARCHAR AS DOUBLE) IS NOT NULL THEN ... <> 0 ELSE error(...) END`.
fn text_to_boolean(x: Expr, try_mode: bool) -> Expr {
    let lowered = func("lower", vec![text(&x)]);
    let as_number = try_cast(text(&x), "DOUBLE");
    // NaN and infinity are not booleans (an error, or NULL for TRY_).
    let numeric = binary(
        binary(
            Expr::UnaryOp {
                op: sqlparser::ast::UnaryOperator::Not,
                expr: Box::new(type_is(&x, &["VARCHAR"])),
            },
            BinaryOperator::And,
            is_not_null(as_number.clone()),
        ),
        BinaryOperator::And,
        func("isfinite", vec![as_number.clone()]),
    );
    let otherwise = if try_mode {
        null()
    } else {
        fail("Boolean value '", &x, "' is not recognized")
    };
    case(
        vec![
            (is_null(x.clone()), null()),
            (
                in_list(lowered.clone(), TRUE_TEXT),
                Expr::value(Value::Boolean(true)),
            ),
            (
                in_list(lowered, FALSE_TEXT),
                Expr::value(Value::Boolean(false)),
            ),
            (numeric, binary(as_number, BinaryOperator::NotEq, number(0))),
        ],
        Some(otherwise),
    )
}

/// `CAST(x AS BOOLEAN)`, `x::BOOLEAN` and `TRY_CAST(x AS BOOLEAN)` convert as TO_BOOLEAN and
/// TRY_TO_BOOLEAN do in Snowflake.
struct BooleanCasts(FirstError);

impl VisitorMut for BooleanCasts {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        if let Expr::Cast {
            kind,
            expr: inner,
            data_type,
            format: None,
        } = expr
        {
            let boolean = matches!(data_type, DataType::Boolean | DataType::Bool)
                || data_type.to_string().eq_ignore_ascii_case("BOOLEAN");
            if boolean {
                let try_mode = matches!(kind, CastKind::TryCast | CastKind::SafeCast);
                *expr = text_to_boolean((**inner).clone(), try_mode);
            }
        }
        ControlFlow::Continue(())
    }
}

// ---------------------------------------------------------------------------------------------
// TO_VARCHAR / TO_CHAR.

/// Snowflake `TO_VARCHAR(x [, format])` / `TO_CHAR`. Without a format, values print as
/// Snowflake prints them (see [`default_text`]); a binary format ('HEX', 'BASE64', 'UTF-8')
/// encodes BINARY; a numeric format model prints a number (see [`print_with_format`]); any
/// other format is a date/time format → `strftime(sg_local(x, zone), …)`, the wall clock of a
/// TIMESTAMP_LTZ in the session zone; one with TZH/TZM elements prints the offset too (the
/// session zone's, or a TIMESTAMP_TZ's own, see [`print_values`]).
fn to_varchar(name: &str, args: Vec<Expr>, zone: &str) -> Result<Expr> {
    check_arity(name, &args, 1, 2)?;
    let x = args[0].clone();
    let Some(format) = args.get(1) else {
        return Ok(printed(x));
    };
    let Some(format) = super::calls::constant_text(format) else {
        return Err(unsupported(format!("{name} with a non-literal format")));
    };
    let format = format.as_str();
    match format.to_ascii_uppercase().as_str() {
        "HEX" => return Ok(func("hex", vec![x])),
        "BASE64" => return Ok(func("to_base64", vec![x])),
        "UTF-8" | "UTF8" => return Ok(func("decode", vec![x])),
        _ => {}
    }
    if let Some(model) = number_format(format)? {
        return print_with_format(name, &x, format, model, zone);
    }
    let upper = format.to_ascii_uppercase();
    if upper.contains("TZH") || upper.contains("TZM") {
        check_offset_format(name, format)?;
        return Ok(func(PRINTED, vec![x, string(format)]));
    }
    print_wall(
        name,
        func("sg_on_day", vec![func("sg_local", vec![x, string(zone)])]),
        format,
    )
}

/// A wall clock printed with a Snowflake date/time format without TZH/TZM elements (see
/// [`with_offsets`]): strftime, except for a fraction element of other than 3, 6 or 9 digits
/// (`FF0` to `FF9`), which prints that many leading digits of the fraction.
fn print_wall(name: &str, wall: Expr, format: &str) -> Result<Expr> {
    let strftime = |f: &str| -> Result<Expr> {
        Ok(func(
            "strftime",
            vec![wall.clone(), string(&strftime_format(name, f)?)],
        ))
    };
    let mut parts = vec![];
    let mut rest = format;
    while let Some((before, digits, after)) = odd_fraction(rest) {
        if !before.is_empty() {
            parts.push(strftime(before)?);
        }
        if digits > 0 {
            let nanos = concat(vec![
                func("strftime", vec![wall.clone(), string("%f")]),
                string("000"),
            ]);
            parts.push(func("substr", vec![nanos, number(1), number(digits)]));
        }
        rest = after;
    }
    if !rest.is_empty() || parts.is_empty() {
        parts.push(strftime(rest)?);
    }
    Ok(if parts.len() == 1 {
        parts.remove(0)
    } else {
        concat(parts)
    })
}

/// The first fraction element `FFn` of a format whose digit count strftime cannot print
/// (other than 3, 6 and 9), outside quoted text: the format before it, n, the format after it.
fn odd_fraction(format: &str) -> Option<(&str, i64, &str)> {
    let bytes = format.as_bytes();
    let mut quoted = false;
    for (i, b) in bytes.iter().enumerate() {
        match b {
            b'"' => quoted = !quoted,
            b'F' | b'f' if !quoted => {
                let is_f = |j: usize| bytes.get(j).is_some_and(|c| c.eq_ignore_ascii_case(&b'F'));
                match bytes.get(i + 2) {
                    Some(d @ b'0'..=b'9') if is_f(i + 1) && !matches!(d, b'3' | b'6' | b'9') => {
                        return Some((&format[..i], i64::from(d - b'0'), &format[i + 3..]));
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }
    None
}

/// A Snowflake date/time format (without TZH/TZM elements, see [`with_offsets`], and without
/// fractions strftime cannot print, see [`print_wall`]) as strftime's, for printing local wall
/// clocks; fractions print 3, 6 or 9 digits.
fn strftime_format(name: &str, format: &str) -> Result<String> {
    if odd_fraction(format).is_some() {
        return Err(unsupported(format!(
            "{name} with fraction element in format '{format}'"
        )));
    }
    strptime_format(format).map(|f| nanos_as_micros(&f))
}

/// DuckDB's strftime misprints `%n` (nanoseconds) followed by more text; its timestamps hold
/// microseconds, so the microseconds and `000` print the same nine digits.
fn nanos_as_micros(format: &str) -> String {
    let mut out = String::with_capacity(format.len() + 3);
    let mut chars = format.chars();
    while let Some(c) = chars.next() {
        if c != '%' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push_str("%f000"),
            Some(next) => {
                out.push('%');
                out.push(next);
            }
            None => out.push('%'),
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Values printed without a format: TO_VARCHAR(x) and casts to text.

/// The placeholder call that [`print_values`] expands: printing wants to know whether the value
/// is a TIMESTAMP_TZ, which is only known once `timestamp_tz::read_instants` has run.
const PRINTED: &str = "sg_printed";

/// The mark `semi_structured::to_json` leaves on a value it turns into JSON (see [`json_value`]).
pub(crate) const JSON_VALUE: &str = "sg_json_value";

fn printed(x: Expr) -> Expr {
    func(PRINTED, vec![x])
}

/// `CAST(x AS VARCHAR)`, `x::STRING`, `TRY_CAST(x AS TEXT)`, and the operands of `||` and
/// CONCAT, as the user wrote them print `x` as
/// Snowflake does (a timestamp with milliseconds and its offset, a TIME without fraction, a
/// FLOAT without `.0`), which DuckDB's cast does not. Text literals, bind placeholders and JSON
/// text (what semi-structured casts read) are text already. Runs before the other rules add
/// casts of their own.
pub fn text_casts_print_values(statement: &mut Statement) {
    struct TextCasts;
    impl VisitorMut for TextCasts {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            match expr {
                Expr::Cast {
                    expr: inner,
                    data_type,
                    format: None,
                    ..
                } if is_text(data_type) => print_operand(inner),
                Expr::BinaryOp {
                    left,
                    op: BinaryOperator::StringConcat,
                    right,
                } => {
                    print_operand(left);
                    print_operand(right);
                }
                Expr::Function(f) if f.over.is_none() => {
                    let name = name_of(f);
                    let positions = text_arguments(&name);
                    if let sqlparser::ast::FunctionArguments::List(list) = &mut f.args {
                        for (i, arg) in list.args.iter_mut().enumerate() {
                            if let sqlparser::ast::FunctionArg::Unnamed(
                                sqlparser::ast::FunctionArgExpr::Expr(e),
                            ) = arg
                            {
                                if name == "CONCAT" || positions.contains(&i) {
                                    print_operand(e);
                                }
                            }
                        }
                    }
                }
                Expr::Like { expr: e, .. }
                | Expr::ILike { expr: e, .. }
                | Expr::Substring { expr: e, .. }
                | Expr::Trim { expr: e, .. } => print_operand(e),
                Expr::Position { expr: e, r#in } => {
                    print_operand(e);
                    print_operand(r#in);
                }
                _ => {}
            }
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut TextCasts);
}

/// The arguments of a string function that Snowflake converts to text when given another type
/// (`UPPER(1)` is `'1'`, `LPAD(5, 3, 0)` is `'005'`); DuckDB has no such implicit cast. Hash
/// functions and LENGTH (of a BINARY: its bytes, see `strings`) keep their BINARY meaning, so
/// they are not listed.
fn text_arguments(name: &str) -> &'static [usize] {
    match name {
        "UPPER" | "LOWER" | "INITCAP" | "CHAR_LENGTH" | "CHARACTER_LENGTH" | "REVERSE"
        | "ASCII" | "UNICODE" | "LTRIM" | "RTRIM" | "TRIM" | "SUBSTR" | "SUBSTRING" | "LEFT"
        | "RIGHT" | "REPEAT" | "STRTOK" | "STRTOK_TO_ARRAY" | "REGEXP_LIKE" | "RLIKE"
        | "REGEXP_REPLACE" | "REGEXP_SUBSTR" | "REGEXP_COUNT" | "REGEXP_INSTR"
        | "REGEXP_SUBSTR_ALL" | "TRANSLATE" | "SOUNDEX" | "SOUNDEX_P123" => &[0],
        "LPAD" | "RPAD" => &[0, 2],
        "REPLACE" => &[0, 1, 2],
        "SPLIT_PART"
        | "SPLIT"
        | "CONTAINS"
        | "STARTSWITH"
        | "ENDSWITH"
        | "CHARINDEX"
        | "POSITION"
        | "EDITDISTANCE"
        | "JAROWINKLER_SIMILARITY" => &[0, 1],
        _ => &[],
    }
}

fn is_text(t: &DataType) -> bool {
    matches!(
        crate::types::sf_type(t),
        Ok(snowglobe_catalog::SfType::Text { .. })
    )
}

/// A value converted to text (cast, `||` or CONCAT operand) prints as TO_VARCHAR prints it,
/// unless it is text already: a literal or bind placeholder, a text cast or concatenation, or
/// JSON text that a semi-structured rule extracted.
pub(crate) fn print_operand(e: &mut Expr) {
    // An untyped NULL is NULL text (`CONTAINS('abc', NULL)` is NULL, not a type error).
    if matches!(&*e, Expr::Value(v) if v.value == Value::Null) {
        *e = super::calls::cast(e.clone(), "VARCHAR");
        return;
    }
    let text_already = match &*e {
        Expr::Value(v) => !matches!(v.value, Value::Number(..) | Value::Boolean(_)),
        Expr::Cast { data_type, .. } => is_text(data_type),
        // TRIM(..) and SUBSTRING(.. FROM ..) written as SQL syntax rather than calls.
        Expr::Trim { .. } | Expr::Substring { .. } => true,
        Expr::BinaryOp {
            op: BinaryOperator::StringConcat,
            ..
        } => true,
        Expr::Nested(inner) => matches!(
            inner.as_ref(),
            Expr::BinaryOp {
                op: BinaryOperator::StringConcat,
                ..
            }
        ),
        // Functions whose result is text whatever they are given. Printing wraps its operand
        // in a CASE that names it several times: a nested call of a string function left
        // unrecognised here would multiply the statement's size at each level.
        Expr::Function(f) => matches!(
            name_of(f).as_str(),
            "JSON_EXTRACT_STRING"
                | "SG_JSON_TEXT"
                | "SG_JSON_SORTED"
                | "TO_VARCHAR"
                | "TO_CHAR"
                | "CONCAT"
                | "CONCAT_WS"
                | "SG_PRINTED"
                | "REPLACE"
                | "UPPER"
                | "LOWER"
                | "UCASE"
                | "LCASE"
                | "INITCAP"
                | "TRIM"
                | "LTRIM"
                | "RTRIM"
                | "SUBSTR"
                | "SUBSTRING"
                | "LEFT"
                | "RIGHT"
                | "LPAD"
                | "RPAD"
                | "REPEAT"
                | "REVERSE"
                | "TRANSLATE"
                | "REGEXP_REPLACE"
                | "REGEXP_SUBSTR"
                | "SPLIT_PART"
                | "STRTOK"
                | "MD5"
                | "SHA1"
                | "SHA2"
                | "BASE64_ENCODE"
                | "HEX_ENCODE"
                | "SOUNDEX"
        ),
        _ => false,
    };
    if !text_already {
        *e = printed(e.clone());
    }
}

/// Expand the placeholders that TO_VARCHAR(x) and text casts left: a TIMESTAMP_TZ (the instant
/// of a stored value, `timestamp_tz::stored_value`) prints its wall clock and its own offset,
/// anything else as [`default_text`] says. Runs after the TIMESTAMP_TZ rules.
pub fn print_values(statement: &mut Statement, ctx: &Context) {
    struct Expand(String, OutputFormats);
    impl VisitorMut for Expand {
        type Break = ();
        fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
            let Expr::Function(f) = expr else {
                return ControlFlow::Continue(());
            };
            let name = f.name.to_string();
            let json = name.eq_ignore_ascii_case(JSON_VALUE);
            if !json && !name.eq_ignore_ascii_case(PRINTED) {
                return ControlFlow::Continue(());
            }
            let Some(mut args) = plain_args(f) else {
                return ControlFlow::Continue(());
            };
            if json {
                if let Some(x) = args.pop() {
                    *expr = json_value(x);
                }
                return ControlFlow::Continue(());
            }
            let format = args.get(1).and_then(string_literal).map(str::to_string);
            let Some(x) = args.drain(..).next() else {
                return ControlFlow::Continue(());
            };
            *expr = match (super::timestamp_tz::stored_value(&x), format) {
                (Some(stored), None) if self.1.timestamp_tz.is_empty() => tz_text(stored.clone()),
                (Some(stored), None) => with_offsets(
                    &self.1.timestamp_tz,
                    func("sg_local", vec![stored.clone(), string("UTC")]),
                    offset_minutes(stored.clone()),
                ),
                (None, None) => default_text(&x, &self.0, &self.1),
                (stored, Some(format)) => {
                    let (wall, minutes) = match stored {
                        Some(stored) => (
                            func("sg_local", vec![stored.clone(), string("UTC")]),
                            offset_minutes(stored.clone()),
                        ),
                        None => {
                            let wall = func("sg_local", vec![x.clone(), string(&self.0)]);
                            let utc = func("sg_local", vec![x, string("UTC")]);
                            let minutes =
                                func("date_diff", vec![string("minute"), utc, wall.clone()]);
                            (wall, minutes)
                        }
                    };
                    with_offsets(&format, wall, minutes)
                }
            };
            ControlFlow::Continue(())
        }
    }
    let _ = statement.visit(&mut Expand(session_zone(ctx), ctx.output_formats.clone()));
}

/// A value as JSON, a NUMBER as Snowflake writes it: DuckDB writes a DECIMAL as a DOUBLE (`1.0`
/// for a NUMBER(4,0), 17 significant digits at most), Snowflake exactly, integers without a
/// fraction and trailing fraction zeros dropped. So a DECIMAL goes through its text (the type
/// test is a constant DuckDB folds); a FLOAT is written with an exponent, a BINARY as its hex
/// text, as in Snowflake; anything else is DuckDB's `json_quote`.
fn json_value(x: Expr) -> Expr {
    let type_name = func("typeof", vec![x.clone()]);
    let decimal = func("starts_with", vec![type_name.clone(), string("DECIMAL(")]);
    let integral = func("ends_with", vec![type_name, string(",0)")]);
    let digits = text(&x);
    let double = try_cast(digits.clone(), "DOUBLE");
    let json = |t: Expr| cast_to(CastKind::Cast, t, DataType::JSON);
    let trimmed = func(
        "rtrim",
        vec![
            func("rtrim", vec![digits.clone(), string("0")]),
            string("."),
        ],
    );
    case(
        vec![
            (
                binary(decimal.clone(), BinaryOperator::And, integral),
                json(digits),
            ),
            (decimal, json(trimmed)),
            // Snowflake writes a FLOAT in a VARIANT with 16 significant digits and an exponent
            // (`3.000000000000000e+00`); NaN and infinities stay DuckDB's.
            (
                binary(
                    type_is(&x, &["DOUBLE", "FLOAT"]),
                    BinaryOperator::And,
                    func("isfinite", vec![double.clone()]),
                ),
                json(func("printf", vec![string("%.15e"), double])),
            ),
            (
                type_is(&x, &["BLOB"]),
                func(
                    "json_quote",
                    vec![func("hex", vec![try_cast(text(&x), "BLOB")])],
                ),
            ),
        ],
        Some(func("json_quote", vec![x])),
    )
}

/// `+hhmm` / `-hhmm` of an offset in minutes, as Snowflake's TZHTZM prints it.
fn offset_text(minutes: Expr) -> Expr {
    concat(vec![
        offset_hours(minutes.clone()),
        offset_minutes_text(minutes),
    ])
}

/// `+hh` / `-hh` of an offset in minutes (TZH).
fn offset_hours(minutes: Expr) -> Expr {
    func(
        "printf",
        vec![
            string("%s%02d"),
            case(
                vec![(
                    binary(minutes.clone(), BinaryOperator::Lt, number(0)),
                    string("-"),
                )],
                Some(string("+")),
            ),
            binary(
                func("abs", vec![minutes]),
                BinaryOperator::DuckIntegerDivide,
                number(60),
            ),
        ],
    )
}

/// `mm` of an offset in minutes (TZM).
fn offset_minutes_text(minutes: Expr) -> Expr {
    func(
        "printf",
        vec![
            string("%02d"),
            binary(
                func("abs", vec![minutes]),
                BinaryOperator::Modulo,
                number(60),
            ),
        ],
    )
}

/// A piece of a date/time format with offset elements: a format without them, TZH or TZM.
enum Piece {
    Format(String),
    OffsetHours,
    OffsetMinutes,
}

/// Split a format at its TZH and TZM elements (outside double-quoted text).
fn offset_pieces(format: &str) -> Vec<Piece> {
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    let mut rest = format;
    while let Some(c) = rest.chars().next() {
        let element = rest.get(..3).map(str::to_ascii_uppercase);
        let offset = match element.as_deref() {
            Some("TZH") if !quoted => Some(Piece::OffsetHours),
            Some("TZM") if !quoted => Some(Piece::OffsetMinutes),
            _ => None,
        };
        if let Some(piece) = offset {
            if !current.is_empty() {
                pieces.push(Piece::Format(std::mem::take(&mut current)));
            }
            pieces.push(piece);
            rest = &rest[3..];
            continue;
        }
        if c == '"' {
            quoted = !quoted;
        }
        current.push(c);
        rest = &rest[c.len_utf8()..];
    }
    if !current.is_empty() {
        pieces.push(Piece::Format(current));
    }
    pieces
}

/// A format with TZH/TZM elements, checked: the pieces between them must be valid formats.
fn check_offset_format(name: &str, format: &str) -> Result<()> {
    for piece in offset_pieces(format) {
        if let Piece::Format(f) = piece {
            strftime_format(name, &f)?;
        }
    }
    Ok(())
}

/// A wall clock printed with a format whose TZH/TZM elements print `minutes`, an offset.
fn with_offsets(format: &str, wall: Expr, minutes: Expr) -> Expr {
    let parts = offset_pieces(format)
        .into_iter()
        .map(|piece| match piece {
            // TO_CHAR checked it (`check_offset_format`); an output format parameter with an
            // element Snowglobe cannot print prints through strftime as it is.
            Piece::Format(f) => print_wall("TO_CHAR", wall.clone(), &f)
                .unwrap_or_else(|_| func("strftime", vec![wall.clone(), string(&f)])),
            Piece::OffsetHours => offset_hours(minutes.clone()),
            Piece::OffsetMinutes => offset_minutes_text(minutes.clone()),
        })
        .collect();
    concat(parts)
}

/// The offset, in minutes, of a stored TIMESTAMP_TZ.
fn offset_minutes(stored: Expr) -> Expr {
    func(
        "struct_extract",
        vec![stored, string(snowglobe_catalog::types::TZ_OFFSET_FIELD)],
    )
}

/// A stored TIMESTAMP_TZ as Snowflake prints it: its wall clock at its own offset, with
/// milliseconds, then the offset (`2024-01-02 03:04:05.000 +0530`).
fn tz_text(stored: Expr) -> Expr {
    let minutes = offset_minutes(stored.clone());
    concat(vec![
        func(
            "strftime",
            vec![
                func("sg_local", vec![stored, string("UTC")]),
                string("%Y-%m-%d %H:%M:%S.%g "),
            ],
        ),
        offset_text(minutes),
    ])
}

/// Values as Snowflake prints them without a format: a FLOAT with up to 10 significant digits
/// and no `.0` (`printf('%.10g')`), a TIMESTAMP_NTZ with milliseconds, a TIMESTAMP_LTZ in the
/// session zone with milliseconds and its offset (`-0800`), a TIME without fraction, a BINARY
/// in hex; anything else as DuckDB's VARCHAR cast prints it (booleans `true`/`false`, numbers
/// with their scale, dates `YYYY-MM-DD`). The value's DuckDB type picks the branch. A date or
/// time type whose `*_OUTPUT_FORMAT` the session changed prints with that format.
fn default_text(x: &Expr, zone: &str, formats: &OutputFormats) -> Expr {
    let as_text = text(x);
    let wall = try_cast(as_text.clone(), "TIMESTAMP");
    let instant = try_cast(as_text.clone(), "TIMESTAMPTZ");
    let local = func("sg_local", vec![instant.clone(), string(zone)]);
    let utc = func("sg_local", vec![instant, string("UTC")]);
    let minutes = func("date_diff", vec![string("minute"), utc, local.clone()]);
    let ntz = match formats.timestamp_ntz.as_str() {
        "" => func("strftime", vec![wall, string("%Y-%m-%d %H:%M:%S.%g")]),
        format => with_offsets(format, wall, number(0)),
    };
    let ltz = match formats.timestamp_ltz.as_str() {
        "" => concat(vec![
            func("strftime", vec![local, string("%Y-%m-%d %H:%M:%S.%g ")]),
            offset_text(minutes),
        ]),
        format => with_offsets(format, local, minutes),
    };
    let time = match formats.time.as_str() {
        "" => func("substr", vec![as_text.clone(), number(1), number(8)]),
        format => {
            let day = concat(vec![string("1970-01-01 "), as_text.clone()]);
            with_offsets(format, try_cast(day, "TIMESTAMP"), number(0))
        }
    };
    let mut dates = vec![];
    if !formats.date.is_empty() {
        dates.push((
            type_is(x, &["DATE"]),
            with_offsets(&formats.date, try_cast(as_text.clone(), "DATE"), number(0)),
        ));
    }
    case(
        [
            (
                type_is(x, &["DOUBLE", "FLOAT"]),
                func(
                    "printf",
                    vec![string("%.10g"), try_cast(as_text.clone(), "DOUBLE")],
                ),
            ),
            (
                type_is(
                    x,
                    &["TIMESTAMP", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"],
                ),
                ntz,
            ),
            (type_is(x, &["TIMESTAMP WITH TIME ZONE"]), ltz),
            (type_is(x, &["TIME"]), time),
        ]
        .into_iter()
        .chain(dates)
        .chain([(
            type_is(x, &["BLOB"]),
            func("hex", vec![try_cast(as_text.clone(), "BLOB")]),
        )])
        .collect(),
        Some(as_text),
    )
}

/// A number printed with a numeric format model. Fixed-position models follow Snowflake's
/// rules: digits round at the model's fraction digits; `9` prints leading (integer) and trailing
/// (fraction) zeros as blanks, `0` prints them; a zero integer part prints as one `0` (blank
/// with `B`); a group separator prints only between digits; a blank sign position sits before
/// the number, `S` prints `+`/`-`, `MI` ` `/`-`, `$` prints before the digits; too many integer
/// digits print `#`; `FM` drops the padding; `X` prints hexadecimal (negative numbers as
/// unsigned unless signed with `S`/`MI`). `TM9` prints the value as without a format.
fn print_with_format(
    name: &str,
    x: &Expr,
    format: &str,
    model: NumberFormat,
    zone: &str,
) -> Result<Expr> {
    let fixed = match model {
        NumberFormat::TextMinimal(TextMinimal { kind, .. }) if kind != "TM9" => {
            return Err(unsupported(format!(
                "{name} with text-minimal format '{format}' (scientific notation)"
            )))
        }
        NumberFormat::TextMinimal(t) => {
            return Ok(with_literals(
                &t.prefix,
                default_text(x, zone, &OutputFormats::default()),
                &t.suffix,
            ));
        }
        NumberFormat::Fixed(f) => f,
    };
    if format.contains('|') {
        return Err(unsupported(format!(
            "{name} with alternative formats '{format}'"
        )));
    }
    let number = if fixed.is_hex() {
        fixed.print_hex(name, format, x)?
    } else {
        fixed.print_decimal(x)
    };
    let number = if fixed.compact {
        func("replace", vec![number, string(" "), string("")])
    } else {
        number
    };
    Ok(with_literals(&fixed.prefix, number, &fixed.suffix))
}

fn with_literals(prefix: &str, x: Expr, suffix: &str) -> Expr {
    if prefix.is_empty() && suffix.is_empty() {
        return x;
    }
    let mut parts = Vec::new();
    if !prefix.is_empty() {
        parts.push(string(prefix));
    }
    parts.push(x);
    if !suffix.is_empty() {
        parts.push(string(suffix));
    }
    concat(parts)
}

// ---------------------------------------------------------------------------------------------
// Numeric format models.

#[derive(Debug, Clone, Copy, PartialEq)]
enum Digit {
    Nine,
    Zero,
    Hex { upper: bool },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum IntItem {
    Digit(Digit),
    Group,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Sign {
    Default,
    SLead,
    STrail,
    MiLead,
    MiTrail,
}

#[derive(Debug)]
struct TextMinimal {
    kind: &'static str,
    prefix: String,
    suffix: String,
}

#[derive(Debug)]
struct Fixed {
    prefix: String,
    suffix: String,
    compact: bool,
    blank_zero: bool,
    dollar: bool,
    sign: Sign,
    int: Vec<IntItem>,
    frac: Option<Vec<Digit>>,
}

#[derive(Debug)]
enum NumberFormat {
    Fixed(Fixed),
    TextMinimal(TextMinimal),
}

#[derive(Debug, PartialEq)]
enum Tok {
    Digit(Digit),
    Dot,
    Group,
    Dollar,
    S,
    Mi,
    B,
    Fm,
    Tm(&'static str),
    Lit(String),
}

/// The tokens of a numeric format model, `None` when `format` is not one (a date format).
fn tokens(format: &str) -> Result<Option<Vec<Tok>>> {
    let chars: Vec<char> = format.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let starts = |i: usize, word: &str| {
        chars.len() >= i + word.len()
            && chars[i..i + word.len()]
                .iter()
                .zip(word.chars())
                .all(|(a, b)| a.eq_ignore_ascii_case(&b))
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '"' {
            let mut lit = String::new();
            i += 1;
            while i < chars.len() {
                if chars[i] == '"' {
                    if chars.get(i + 1) == Some(&'"') {
                        lit.push('"');
                        i += 2;
                        continue;
                    }
                    break;
                }
                lit.push(chars[i]);
                i += 1;
            }
            i += 1;
            out.push(Tok::Lit(lit));
            continue;
        }
        let (tok, len) = if starts(i, "TM9") {
            (Some(Tok::Tm("TM9")), 3)
        } else if starts(i, "TME") {
            (Some(Tok::Tm("TME")), 3)
        } else if starts(i, "TM") {
            (Some(Tok::Tm("TM")), 2)
        } else if starts(i, "FM") {
            (Some(Tok::Fm), 2)
        } else if starts(i, "FX") {
            (None, 2)
        } else if starts(i, "MI") {
            (Some(Tok::Mi), 2)
        } else if starts(i, "EE") {
            if out.iter().any(|t| matches!(t, Tok::Digit(_))) {
                return Err(unsupported(format!(
                    "exponent element in numeric format '{format}'"
                )));
            }
            return Ok(None);
        } else {
            let tok = match c {
                '9' => Tok::Digit(Digit::Nine),
                '0' => Tok::Digit(Digit::Zero),
                'X' => Tok::Digit(Digit::Hex { upper: true }),
                'x' => Tok::Digit(Digit::Hex { upper: false }),
                '.' | 'D' | 'd' => Tok::Dot,
                ',' | 'G' | 'g' => Tok::Group,
                '$' => Tok::Dollar,
                'S' | 's' => Tok::S,
                'B' | 'b' => Tok::B,
                '_' => {
                    i += 1;
                    continue;
                }
                ';' | ':' | '-' | '=' | '/' | '(' | ')' | ' ' => Tok::Lit(c.to_string()),
                _ => return Ok(None),
            };
            (Some(tok), 1)
        };
        if let Some(tok) = tok {
            out.push(tok);
        }
        i += len;
    }
    if !out.iter().any(|t| matches!(t, Tok::Digit(_) | Tok::Tm(_))) {
        return Ok(None);
    }
    Ok(Some(out))
}

/// A numeric format model, `None` when `format` is a date/time format. Models Snowglobe cannot
/// print or read exactly (exponents, literals between digits, `$` after the digits) are an
/// unsupported error.
fn number_format(format: &str) -> Result<Option<NumberFormat>> {
    let Some(toks) = tokens(format)? else {
        return Ok(None);
    };
    let bad = || unsupported(format!("numeric format '{format}'"));
    let mut f = Fixed {
        prefix: String::new(),
        suffix: String::new(),
        compact: false,
        blank_zero: false,
        dollar: false,
        sign: Sign::Default,
        int: Vec::new(),
        frac: None,
    };
    let mut tm = None;
    // 0: before the number, 1: integer digits, 2: fraction digits, 3: after the number.
    let mut phase = 0;
    for tok in toks {
        match tok {
            Tok::Lit(s) => match phase {
                0 if !f.dollar && f.sign == Sign::Default && !f.blank_zero => f.prefix.push_str(&s),
                1..=3 => {
                    phase = 3;
                    f.suffix.push_str(&s);
                }
                _ => return Err(bad()),
            },
            Tok::Fm => f.compact = !f.compact,
            Tok::B if phase == 0 => f.blank_zero = true,
            Tok::Dollar if phase == 0 => f.dollar = true,
            Tok::S | Tok::Mi if f.sign == Sign::Default && phase == 0 => {
                f.sign = if tok == Tok::S {
                    Sign::SLead
                } else {
                    Sign::MiLead
                };
            }
            Tok::S | Tok::Mi if f.sign == Sign::Default && f.suffix.is_empty() => {
                f.sign = if tok == Tok::S {
                    Sign::STrail
                } else {
                    Sign::MiTrail
                };
                phase = 3;
            }
            Tok::Digit(d) if phase <= 1 && tm.is_none() => {
                f.int.push(IntItem::Digit(d));
                phase = 1;
            }
            Tok::Digit(d) if phase == 2 && !matches!(d, Digit::Hex { .. }) => {
                f.frac.get_or_insert_with(Vec::new).push(d)
            }
            Tok::Dot if phase == 1 => {
                f.frac = Some(Vec::new());
                phase = 2;
            }
            Tok::Group if phase == 1 && f.int.last() != Some(&IntItem::Group) => {
                f.int.push(IntItem::Group)
            }
            Tok::Tm(kind) if phase == 0 && tm.is_none() => {
                tm = Some(kind);
                phase = 3;
            }
            _ => return Err(bad()),
        }
    }
    if let Some(kind) = tm {
        if f.sign != Sign::Default || f.dollar || f.blank_zero {
            return Err(bad());
        }
        return Ok(Some(NumberFormat::TextMinimal(TextMinimal {
            kind,
            prefix: f.prefix,
            suffix: f.suffix,
        })));
    }
    let hex = f.is_hex();
    if f.int.last() == Some(&IntItem::Group)
        || f.digits() == 0
        || f.digits() > 38
        || (hex && (f.frac.is_some() || f.int.contains(&IntItem::Group) || f.blank_zero))
        || (hex && f.digits() > 16)
        || (!hex
            && f.int
                .iter()
                .any(|i| matches!(i, IntItem::Digit(Digit::Hex { .. }))))
    {
        return Err(bad());
    }
    Ok(Some(NumberFormat::Fixed(f)))
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c == ' ' {
            out.push_str(" +");
        } else if c.is_ascii_alphanumeric() {
            out.push(c);
        } else {
            out.push('\\');
            out.push(c);
        }
    }
    out
}

impl Fixed {
    fn is_hex(&self) -> bool {
        self.int
            .iter()
            .any(|i| matches!(i, IntItem::Digit(Digit::Hex { .. })))
    }

    fn digit_list(&self) -> Vec<Digit> {
        self.int
            .iter()
            .filter_map(|i| match i {
                IntItem::Digit(d) => Some(*d),
                IntItem::Group => None,
            })
            .collect()
    }

    /// Integer digit positions.
    fn digits(&self) -> usize {
        self.digit_list().len()
    }

    /// Integer positions from the first `0` on: they always print a digit.
    fn zero_positions(&self) -> usize {
        let digits = self.digit_list();
        digits
            .iter()
            .position(|d| *d == Digit::Zero)
            .map_or(0, |at| digits.len() - at)
    }

    /// Fraction positions up to the last `0`: they always print a digit.
    fn frac_zero_positions(&self) -> usize {
        self.frac
            .as_ref()
            .and_then(|f| f.iter().rposition(|d| *d == Digit::Zero))
            .map_or(0, |at| at + 1)
    }

    fn frac_digits(&self) -> usize {
        self.frac.as_ref().map_or(0, Vec::len)
    }

    /// Digit counts between group separators, most significant first.
    fn groups(&self) -> Vec<usize> {
        let mut groups = vec![0];
        for item in &self.int {
            match item {
                IntItem::Digit(_) => *groups.last_mut().expect("one group") += 1,
                IntItem::Group => groups.push(0),
            }
        }
        groups
    }

    /// The regular expression text matching this model must match (lax mode).
    fn input_pattern(&self) -> String {
        let n = self.digits();
        let z = self.zero_positions();
        let min = if self.blank_zero { z } else { z.max(1) };
        let mut alternatives = vec![format!("[0-9]{{{min},{n}}}")];
        let groups = self.groups();
        if groups.len() > 1 {
            for (j, first) in groups.iter().enumerate().take(groups.len() - 1) {
                let rest: usize = groups[j + 1..].iter().sum();
                if first + rest < z {
                    continue;
                }
                let first_min = z.saturating_sub(rest).max(1);
                let mut alt = format!("[0-9]{{{first_min},{first}}}");
                for g in &groups[j + 1..] {
                    alt.push_str(&format!(",[0-9]{{{g}}}"));
                }
                alternatives.push(alt);
            }
        }
        let int = format!("(?:{})", alternatives.join("|"));
        let frac = match &self.frac {
            None => String::new(),
            Some(f) => {
                let zf = self.frac_zero_positions();
                if zf > 0 {
                    format!("\\.[0-9]{{{zf},{}}}", f.len())
                } else {
                    format!("(?:\\.[0-9]{{0,{}}})?", f.len())
                }
            }
        };
        let (lead, trail) = match self.sign {
            Sign::Default | Sign::SLead | Sign::MiLead => ("(?:[+-] *)?", ""),
            Sign::STrail | Sign::MiTrail => ("", "[+-]?"),
        };
        format!(
            "(?i)\\s*{}{lead}{}{int}{frac}{trail}{}\\s*",
            regex_escape(&self.prefix),
            if self.dollar { "\\$" } else { "" },
            regex_escape(&self.suffix),
        )
    }

    /// The printed width of the digits, separators and fraction (no sign or `$`).
    fn body_width(&self) -> usize {
        self.int.len() + self.frac.as_ref().map_or(0, |f| 1 + f.len())
    }

    /// What an integer part too wide for the model prints: `#` for every digit.
    fn overflow(&self) -> String {
        let mut body: String = self
            .int
            .iter()
            .map(|i| match i {
                IntItem::Digit(_) => '#',
                IntItem::Group => ',',
            })
            .collect();
        if let Some(f) = &self.frac {
            body.push('.');
            body.push_str(&"#".repeat(f.len()));
        }
        let dollar = if self.dollar { "$" } else { "" };
        match self.sign {
            Sign::Default | Sign::SLead | Sign::MiLead => format!(" {dollar}{body}"),
            Sign::STrail | Sign::MiTrail => format!("{dollar}{body} "),
        }
    }

    fn print_decimal(&self, x: &Expr) -> Expr {
        let f = self.frac_digits();
        let n = self.digits();
        let value = cast_to(CastKind::Cast, x.clone(), decimal(38, f as u64));
        let digits = cast(func("abs", vec![value.clone()]), "VARCHAR");
        let int = func("split_part", vec![digits.clone(), string("."), number(1)]);
        let shown = if self.blank_zero {
            case(
                vec![(
                    binary(int.clone(), BinaryOperator::Eq, string("0")),
                    string(""),
                )],
                Some(int.clone()),
            )
        } else {
            int.clone()
        };
        let padded = lpad(
            pad_at_least(shown, self.zero_positions(), "0", true),
            number(n as i64),
            " ",
        );
        let at = |i: usize, len: usize| {
            func(
                "substr",
                vec![padded.clone(), number(i as i64), number(len as i64)],
            )
        };
        let mut parts = Vec::new();
        let mut position = 0;
        let mut run = 0;
        for item in &self.int {
            match item {
                IntItem::Digit(_) => run += 1,
                IntItem::Group => {
                    parts.push(at(position + 1, run));
                    position += run;
                    run = 0;
                    parts.push(case(
                        vec![(
                            binary(at(position, 1), BinaryOperator::Eq, string(" ")),
                            string(" "),
                        )],
                        Some(string(",")),
                    ));
                }
            }
        }
        parts.push(at(position + 1, run));
        if self.frac.is_some() {
            parts.push(string("."));
            if f > 0 {
                let fraction = func("split_part", vec![digits, string("."), number(2)]);
                let kept = pad_at_least(
                    func("rtrim", vec![fraction, string("0")]),
                    self.frac_zero_positions(),
                    "0",
                    false,
                );
                parts.push(rpad(kept, number(f as i64), " "));
            }
        }
        let body = concat(parts);
        let negative = binary(value, BinaryOperator::Lt, number(0));
        let sign = |minus: &str, plus: &str| {
            case(vec![(negative.clone(), string(minus))], Some(string(plus)))
        };
        let width = self.body_width();
        let dollar = usize::from(self.dollar);
        // The body with a `$` just before its first digit.
        let anchored = |lead: Option<Expr>, extra: usize| {
            let mut parts = Vec::new();
            if let Some(lead) = lead {
                parts.push(lead);
            }
            if self.dollar {
                parts.push(string("$"));
            }
            parts.push(func("ltrim", vec![body.clone()]));
            lpad(concat(parts), number((width + extra) as i64), " ")
        };
        let dollar_body = || {
            if self.dollar {
                anchored(None, 1)
            } else {
                body.clone()
            }
        };
        let printed = match self.sign {
            Sign::Default => anchored(Some(sign("-", "")), 1 + dollar),
            Sign::SLead => anchored(Some(sign("-", "+")), 1 + dollar),
            Sign::MiLead => concat(vec![sign("-", " "), dollar_body()]),
            Sign::STrail => concat(vec![dollar_body(), sign("-", "+")]),
            Sign::MiTrail => concat(vec![dollar_body(), sign("-", " ")]),
        };
        case(
            vec![(
                binary(
                    func("length", vec![int]),
                    BinaryOperator::Gt,
                    number(n as i64),
                ),
                string(&self.overflow()),
            )],
            Some(printed),
        )
    }

    fn print_hex(&self, name: &str, format: &str, x: &Expr) -> Result<Expr> {
        if self.dollar {
            return Err(unsupported(format!(
                "{name} with hexadecimal format '{format}'"
            )));
        }
        let n = self.digits();
        let upper = self
            .digit_list()
            .iter()
            .rev()
            .find_map(|d| match d {
                Digit::Hex { upper } => Some(*upper),
                _ => None,
            })
            .unwrap_or(true);
        let value = cast(
            cast_to(CastKind::Cast, x.clone(), decimal(38, 0)),
            "HUGEINT",
        );
        let signed = self.sign != Sign::Default;
        let negative = binary(value.clone(), BinaryOperator::Lt, number(0));
        let span = cast(string(&16u128.pow(n as u32).to_string()), "HUGEINT");
        let magnitude = if signed {
            func("abs", vec![value.clone()])
        } else {
            case(
                vec![(
                    negative.clone(),
                    binary(value.clone(), BinaryOperator::Plus, span),
                )],
                Some(value.clone()),
            )
        };
        let mut digits = func("hex", vec![magnitude.clone()]);
        if !upper {
            digits = func("lower", vec![digits]);
        }
        let padded = lpad(
            pad_at_least(digits.clone(), self.zero_positions(), "0", true),
            number(n as i64),
            " ",
        );
        let sign = |minus: &str, plus: &str| {
            case(vec![(negative.clone(), string(minus))], Some(string(plus)))
        };
        let printed = match self.sign {
            Sign::Default => padded,
            Sign::SLead => lpad(
                concat(vec![sign("-", "+"), func("ltrim", vec![padded])]),
                number(n as i64 + 1),
                " ",
            ),
            Sign::MiLead => concat(vec![sign("-", " "), padded]),
            Sign::STrail => concat(vec![padded, sign("-", "+")]),
            Sign::MiTrail => concat(vec![padded, sign("-", " ")]),
        };
        let width = n + usize::from(signed);
        Ok(case(
            vec![(
                binary(
                    binary(
                        func("length", vec![digits]),
                        BinaryOperator::Gt,
                        number(n as i64),
                    ),
                    BinaryOperator::Or,
                    binary(magnitude, BinaryOperator::Lt, number(0)),
                ),
                string(&"#".repeat(width)),
            )],
            Some(printed),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::{number_format, tokens, NumberFormat};
    use crate::rules::test_support::{ctx, translate, translate_in};

    fn pattern(format: &str) -> String {
        match number_format(format).unwrap().unwrap() {
            NumberFormat::Fixed(f) => f.input_pattern(),
            other => panic!("not fixed: {other:?}"),
        }
    }

    #[test]
    fn to_number_is_checked_decimal_cast() {
        assert_eq!(
            translate("select to_number(a, 10, 1) as n from t"),
            "SELECT CASE WHEN \"A\" IS NULL THEN NULL WHEN TRY_CAST(\"A\" AS DECIMAL(10,1)) IS NOT NULL THEN TRY_CAST(\"A\" AS DECIMAL(10,1)) WHEN TRY_CAST(CAST(\"A\" AS VARCHAR) AS DOUBLE) IS NULL THEN error(('Numeric value ''' || CAST(\"A\" AS VARCHAR) || ''' is not recognized')) ELSE error(('Numeric value ''' || CAST(\"A\" AS VARCHAR) || ''' is out of range')) END AS \"N\" FROM \"T\""
        );
    }

    #[test]
    fn try_to_number_is_try_cast_with_default_scale() {
        assert_eq!(
            translate("select try_to_decimal(a) as n from t"),
            "SELECT TRY_CAST(\"A\" AS DECIMAL(38,0)) AS \"N\" FROM \"T\""
        );
    }

    #[test]
    fn to_number_with_format_matches_a_pattern() {
        let sql = translate("select try_to_number(a, '$9,999.00') as n from t");
        assert!(sql.starts_with(
            "SELECT CASE WHEN regexp_full_match(CAST(\"A\" AS VARCHAR), '(?i)\\s*(?:[+-] *)?\\$(?:[0-9]{1,4}|[0-9]{1,1},[0-9]{3})\\.[0-9]{2,2}\\s*') THEN CASE WHEN contains(CAST(\"A\" AS VARCHAR), '-') THEN -(TRY_CAST(\"regexp_replace\"("
        ), "{sql}");
    }

    #[test]
    fn input_patterns_follow_lax_mode() {
        assert_eq!(
            pattern("999,999.99"),
            "(?i)\\s*(?:[+-] *)?(?:[0-9]{1,6}|[0-9]{1,3},[0-9]{3})(?:\\.[0-9]{0,2})?\\s*"
        );
        assert_eq!(
            pattern("000,000.00"),
            "(?i)\\s*(?:[+-] *)?(?:[0-9]{6,6}|[0-9]{3,3},[0-9]{3})\\.[0-9]{2,2}\\s*"
        );
        assert_eq!(pattern("999MI"), "(?i)\\s*(?:[0-9]{1,3})[+-]?\\s*");
    }

    #[test]
    fn date_formats_are_not_numeric() {
        for f in ["YYYY-MM-DD", "DD", "HH24:MI:SS", "MI", "MON DD"] {
            assert!(tokens(f).unwrap().is_none(), "{f}");
        }
        assert!(tokens("S999.99MI").unwrap().is_some());
        assert!(number_format("99EEEE").is_err());
    }

    #[test]
    fn to_double_is_double_cast() {
        assert_eq!(
            translate("select to_double(a) as d, try_to_double(b) as e from t"),
            "SELECT CAST(\"A\" AS DOUBLE) AS \"D\", TRY_CAST(\"B\" AS DOUBLE) AS \"E\" FROM \"T\""
        );
    }

    #[test]
    fn to_boolean_reads_words_and_numbers() {
        assert_eq!(
            translate("select try_to_boolean(a) as b from t"),
            "SELECT CASE WHEN \"A\" IS NULL THEN NULL WHEN lower(CAST(\"A\" AS VARCHAR)) IN ('true', 't', 'yes', 'y', 'on', '1') THEN true WHEN lower(CAST(\"A\" AS VARCHAR)) IN ('false', 'f', 'no', 'n', 'off', '0') THEN false WHEN NOT \"typeof\"(\"A\") IN ('VARCHAR') AND TRY_CAST(CAST(\"A\" AS VARCHAR) AS DOUBLE) IS NOT NULL AND isfinite(TRY_CAST(CAST(\"A\" AS VARCHAR) AS DOUBLE)) THEN TRY_CAST(CAST(\"A\" AS VARCHAR) AS DOUBLE) <> 0 ELSE NULL END AS \"B\" FROM \"T\""
        );
    }

    #[test]
    fn boolean_casts_read_words() {
        assert!(translate("select a::boolean as b from t")
            .contains("THEN true WHEN lower(CAST(\"A\" AS VARCHAR)) IN ('false'"));
    }

    #[test]
    fn to_char_with_date_format_is_local_strftime() {
        assert_eq!(
            translate("select to_char(d, 'yyyy.mm.dd') as s from t"),
            "SELECT strftime(sg_on_day(sg_local(\"D\", 'America/Los_Angeles')), '%Y.%m.%d') AS \"S\" FROM \"T\""
        );
    }

    #[test]
    fn nanosecond_fractions_print_as_microseconds() {
        assert_eq!(
            crate::rules::conversion::nanos_as_micros("%S.%n %%n"),
            "%S.%f000 %%n"
        );
    }

    #[test]
    fn to_char_offset_elements_print_the_offset() {
        let sql = translate("select to_char(ts, 'HH24:MI TZH:TZM') as s from t");
        assert!(sql.starts_with("SELECT (strftime(sg_local(\"TS\", 'America/Los_Angeles'), '%H:%M ') || printf('%s%02d', CASE WHEN date_diff('minute', sg_local(\"TS\", 'UTC'), sg_local(\"TS\", 'America/Los_Angeles')) < 0"), "{sql}");
        assert!(sql.contains("|| strftime(sg_local(\"TS\", 'America/Los_Angeles'), ':') || printf('%02d', abs(date_diff("), "{sql}");
        let quoted = translate("select to_char(ts, '\"TZH\" HH24') as s from t");
        assert!(
            quoted.contains("'TZH %H'") && !quoted.contains("printf"),
            "{quoted}"
        );
    }

    #[test]
    fn to_char_binary_formats_encode() {
        assert_eq!(
            translate("select to_char(b, 'base64') as s from t"),
            "SELECT to_base64(\"B\") AS \"S\" FROM \"T\""
        );
    }

    #[test]
    fn to_varchar_without_format_prints_by_type() {
        let sql = translate("select to_varchar(f) as s from t");
        assert!(sql.starts_with("SELECT CASE WHEN \"typeof\"(\"F\") IN ('DOUBLE', 'FLOAT') THEN printf('%.10g', TRY_CAST(CAST(\"F\" AS VARCHAR) AS DOUBLE))"));
        assert!(sql.ends_with("ELSE CAST(\"F\" AS VARCHAR) END AS \"S\" FROM \"T\""));
    }

    #[test]
    fn string_functions_of_string_functions_are_not_printed_again() {
        // Each printed operand names its value several times: nested string functions must not
        // print each other's (text) results, or the statement grows exponentially.
        let sql = translate(
            "select replace(replace(upper(lower(trim(' Ab '))), 'a', 'b'), 'b', 'c') as x from t",
        );
        assert!(!sql.contains("typeof"), "{sql}");
        // GET_IGNORE_CASE nests REPLACE calls around a key it looks up (was 100s of kB).
        let sql = translate("select get_ignore_case(parse_json('{\"A\":1}'), 'a') as y");
        assert!(sql.len() < 20_000, "{} bytes: {sql}", sql.len());
    }

    #[test]
    fn text_casts_print_as_to_varchar() {
        let sql = translate(
            "select cast(ts as varchar) as a, n::string as b, 'x'::text as c, d::date::varchar(10) as d from t",
        );
        assert!(
            sql.starts_with("SELECT CAST(CASE WHEN \"typeof\"(\"TS\") IN ('DOUBLE', 'FLOAT')"),
            "{sql}"
        );
        assert!(
            sql.contains("ELSE CAST(\"TS\" AS VARCHAR) END AS VARCHAR) AS \"A\""),
            "{sql}"
        );
        assert!(
            sql.contains("ELSE CAST(\"N\" AS VARCHAR) END::VARCHAR AS \"B\""),
            "{sql}"
        );
        assert!(sql.contains("'x'::VARCHAR AS \"C\""), "{sql}");
        assert!(
            sql.contains(
                "ELSE CAST(sg_local(\"D\", 'America/Los_Angeles')::DATE AS VARCHAR) END AS VARCHAR), 10)::VARCHAR AS \"D\""
            ),
            "{sql}"
        );
    }

    #[test]
    fn timestamp_tz_prints_its_own_offset() {
        let mut c = ctx();
        c.tz_columns = vec![("T".into(), "TS".into())];
        let sql = translate_in("select to_varchar(ts) as a, ts::varchar as b from t", &c);
        let printed = "(strftime(sg_local(\"TS\", 'UTC'), '%Y-%m-%d %H:%M:%S.%g ') || (printf('%s%02d', CASE WHEN struct_extract(\"TS\", 'offset_minutes') < 0 THEN '-' ELSE '+' END";
        assert!(sql.starts_with(&format!("SELECT {printed}")), "{sql}");
        assert!(sql.contains(&format!("AS \"A\", {printed}")), "{sql}");
        assert!(!sql.contains("typeof"), "{sql}");
    }

    #[test]
    fn to_char_numeric_format_pads_digits() {
        let sql = translate("select to_char(n, 'FM9,999') as s from t");
        assert!(sql.starts_with("SELECT \"replace\"(CASE WHEN length(\"split_part\"(CAST(abs(CAST(\"N\" AS DECIMAL(38,0))) AS VARCHAR), '.', 1)) > 4 THEN ' #,###' ELSE \"lpad\"((CASE WHEN CAST(\"N\" AS DECIMAL(38,0)) < 0 THEN '-' ELSE '' END || ltrim((substr("));
    }

    #[test]
    fn to_char_hex_format() {
        assert!(translate("select to_char(n, '0XXX') as s from t")
            .contains("hex(CASE WHEN CAST(CAST(\"N\" AS DECIMAL(38,0)) AS HUGEINT) < 0 THEN CAST(CAST(\"N\" AS DECIMAL(38,0)) AS HUGEINT) + CAST('65536' AS HUGEINT)"));
    }

    #[test]
    fn exponent_formats_are_unsupported() {
        let s = crate::parse::parse("select to_char(1234, '9d999EE')")
            .unwrap()
            .remove(0);
        let mut s = s;
        let c = crate::rules::test_support::ctx();
        let err = super::rewrite_conversions(&mut s, &c).unwrap_err();
        assert_eq!(err.code(), "000002");
    }
}
