//! Date and time functions: parts, arithmetic, truncation, names and construction.
//!
//! Snowflake's date arithmetic keeps the input's type and counts boundaries; DuckDB's changes
//! the type and counts whole spans. Arithmetic, differences and truncation therefore go to the
//! engine's `sg_dateadd`, `sg_timeadd`, `sg_datediff`, `sg_date_trunc`, `sg_last_day` and
//! `sg_next_day` (see `snowglobe_engine::date_math`) with a canonical part name and the
//! session's zone. Date parts (`DATE_PART`, `EXTRACT`) map Snowflake's part names and aliases
//! to DuckDB's; names of days and months are Snowflake's three-letter abbreviations; the
//! `*_FROM_PARTS` constructors normalise out-of-range parts as Snowflake does (month 13 is
//! January of the next year, day 0 the last day of the previous month).
//!
//! Runs after the time-zone rule, so a TIMESTAMP_LTZ argument of `DATE_PART` already reads its
//! local wall clock (`sg_local`).

use std::ops::ControlFlow;

use snowglobe_error::{Result, SnowflakeError};
use sqlparser::ast::{
    BinaryOperator, CastKind, DataType, Expr, Function, Statement, TimezoneInfo, Value, VisitMut,
    VisitorMut,
};

use super::calls::{binary, func as f, nested, number, plain_args, string as text};
use super::timestamps::session_zone;
use super::FirstError;
use crate::names::Context;

/// Rewrite Snowflake's date and time functions.
pub fn rewrite_date_functions(statement: &mut Statement, ctx: &Context) -> Result<()> {
    let mut v = Dates {
        zone: session_zone(ctx),
        week: Week {
            start: ctx.week_start,
            policy: ctx.week_of_year_policy,
        },
        error: FirstError::default(),
    };
    let _ = statement.visit(&mut v);
    v.error.into_result()
}

struct Dates {
    zone: String,
    week: Week,
    error: FirstError,
}

/// The session's WEEK_START and WEEK_OF_YEAR_POLICY.
#[derive(Debug, Clone, Copy)]
struct Week {
    start: i64,
    policy: i64,
}

impl Week {
    /// The ISO rules (weeks from Monday, week 1 holding the year's first Thursday): the
    /// defaults, which DuckDB's own parts follow.
    fn is_iso(self) -> bool {
        self.policy == 0 && matches!(self.start, 0 | 1)
    }

    /// The day a week starts on, 1 (Monday) to 7 (Sunday); 0 means Monday.
    fn first_day(self) -> i64 {
        if (1..=7).contains(&self.start) {
            self.start
        } else {
            1
        }
    }

    /// A part as the engine's week-aware date functions take it: `WEEK_<first day>` for
    /// weeks that do not start on Monday.
    fn part(self, part: &str) -> String {
        match self.first_day() {
            first if part == "WEEK" && first != 1 => format!("WEEK_{first}"),
            _ => part.to_string(),
        }
    }

    /// The day of `x`'s week, 1 to 7 from the week's first day.
    fn day(self, x: &Expr) -> Expr {
        let shifted = binary(
            binary(
                f("isodow", vec![x.clone()]),
                BinaryOperator::Minus,
                number(self.first_day()),
            ),
            BinaryOperator::Plus,
            number(7),
        );
        nested(binary(
            nested(binary(nested(shifted), BinaryOperator::Modulo, number(7))),
            BinaryOperator::Plus,
            number(1),
        ))
    }

    /// The day that decides which year a week belongs to under policy 0: its fourth day.
    fn deciding_day(self, x: &Expr) -> Expr {
        // Days as an interval: DuckDB subtracts no BIGINT from a DATE.
        let days = binary(
            f("to_days", vec![number(1)]),
            BinaryOperator::Multiply,
            nested(binary(number(4), BinaryOperator::Minus, self.day(x))),
        );
        binary(cast(x.clone(), DataType::Date), BinaryOperator::Plus, days)
    }

    /// WEEK: the week of the year. Policy 1 counts from the week holding January 1 (dates
    /// keep their calendar year); policy 0 gives a week to the year holding its fourth day.
    fn week(self, x: &Expr) -> Expr {
        let week_of = |doy: Expr, offset: Expr| {
            let days = binary(
                binary(doy, BinaryOperator::Minus, number(1)),
                BinaryOperator::Plus,
                offset,
            );
            binary(
                bigint(f(
                    "floor",
                    vec![binary(nested(days), BinaryOperator::Divide, number(7))],
                )),
                BinaryOperator::Plus,
                number(1),
            )
        };
        if self.policy == 1 {
            let january_first = f(
                "make_date",
                vec![f("year", vec![x.clone()]), number(1), number(1)],
            );
            let offset = binary(self.day(&january_first), BinaryOperator::Minus, number(1));
            week_of(f("dayofyear", vec![x.clone()]), offset)
        } else {
            week_of(f("dayofyear", vec![self.deciding_day(x)]), number(0))
        }
    }

    /// YEAROFWEEK: the year `week` counts in.
    fn year(self, x: &Expr) -> Expr {
        if self.policy == 1 {
            f("year", vec![x.clone()])
        } else {
            f("year", vec![self.deciding_day(x)])
        }
    }
}

/// Snowflake's date and time parts: the canonical name of a part or any of its aliases.
pub fn canonical_part(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_uppercase().as_str() {
        "YEAR" | "Y" | "YY" | "YYY" | "YYYY" | "YR" | "YEARS" | "YRS" => "YEAR",
        "QUARTER" | "Q" | "QTR" | "QTRS" | "QUARTERS" => "QUARTER",
        "MONTH" | "MM" | "MON" | "MONS" | "MONTHS" => "MONTH",
        "WEEK" | "W" | "WK" | "WEEKOFYEAR" | "WOY" | "WY" => "WEEK",
        "DAY" | "D" | "DD" | "DAYS" | "DAYOFMONTH" => "DAY",
        "HOUR" | "H" | "HH" | "HR" | "HOURS" | "HRS" => "HOUR",
        "MINUTE" | "M" | "MI" | "MIN" | "MINUTES" | "MINS" => "MINUTE",
        "SECOND" | "S" | "SEC" | "SECONDS" | "SECS" => "SECOND",
        "MILLISECOND" | "MS" | "MSEC" | "MILLISECONDS" => "MILLISECOND",
        "MICROSECOND" | "US" | "USEC" | "MICROSECONDS" => "MICROSECOND",
        "NANOSECOND" | "NS" | "NSEC" | "NANOSEC" | "NSECOND" | "NANOSECONDS" | "NANOSECS"
        | "NSECONDS" => "NANOSECOND",
        _ => return None,
    })
}

fn is_calendar_part(part: &str) -> bool {
    matches!(part, "YEAR" | "QUARTER" | "MONTH" | "WEEK" | "DAY")
}

/// A part written as a keyword (`day`) or as text (`'day'`).
fn part_name(expr: &Expr) -> Option<String> {
    match expr {
        Expr::Identifier(ident) => Some(ident.value.clone()),
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    }
}

fn part_arg(function: &str, expr: &Expr) -> Result<&'static str> {
    let name = part_name(expr).unwrap_or_else(|| expr.to_string());
    canonical_part(&name).ok_or_else(|| {
        SnowflakeError::compilation(
            snowglobe_error::ErrorCode::InvalidArgumentTypes,
            format!("invalid date/time part '{name}' for function {function}"),
        )
    })
}

fn cast(expr: Expr, data_type: DataType) -> Expr {
    Expr::Cast {
        kind: CastKind::Cast,
        expr: Box::new(expr),
        data_type,
        format: None,
    }
}

fn bigint(expr: Expr) -> Expr {
    cast(expr, DataType::BigInt(None))
}

/// `x - 1` on BIGINT.
fn minus_one(x: &Expr) -> Expr {
    binary(bigint(x.clone()), BinaryOperator::Minus, number(1))
}

/// The UTC time of `x` when it is an instant's wall clock in the session zone
/// (`sg_local(v, zone)` → `sg_utc(v, zone)`); any other value as it is.
fn utc_of(x: Expr) -> Expr {
    match x {
        Expr::Function(mut local) if local.name.to_string().eq_ignore_ascii_case("sg_local") => {
            local.name =
                sqlparser::ast::ObjectName::from(vec![sqlparser::ast::Ident::new("sg_utc")]);
            Expr::Function(local)
        }
        other => other,
    }
}

/// The UTC offset in minutes of the wall clock `x` (`sg_local(v, zone)`): zero for any other
/// value.
fn offset_minutes(x: Expr) -> Expr {
    f("date_diff", vec![text("minute"), utc_of(x.clone()), x])
}

/// A Snowflake date part (for DATE_PART / EXTRACT) → a DuckDB expression over `x`.
fn date_part(part: &str, x: Expr, week: Week) -> Result<Expr> {
    // Text is a timestamp here (`YEAR('2022-04-01')` is 2022), as Snowflake converts it; the
    // session-zone rule has put it in `sg_local(x, zone)` already.
    let is_text =
        |e: &Expr| matches!(e, Expr::Value(v) if matches!(v.value, Value::SingleQuotedString(_)));
    let timestamp = |e: Expr| cast(e, DataType::Timestamp(None, TimezoneInfo::None));
    let x = match x {
        e if is_text(&e) => timestamp(e),
        Expr::Function(mut local) if local.name.to_string().eq_ignore_ascii_case("sg_local") => {
            if let sqlparser::ast::FunctionArguments::List(list) = &mut local.args {
                if let Some(sqlparser::ast::FunctionArg::Unnamed(
                    sqlparser::ast::FunctionArgExpr::Expr(first),
                )) = list.args.first_mut()
                {
                    if is_text(first) {
                        *first = timestamp(first.clone());
                    }
                }
            }
            Expr::Function(local)
        }
        other => other,
    };
    let duck = |p: &str| Ok(f("date_part", vec![text(p), x.clone()]));
    match part.to_ascii_uppercase().as_str() {
        "YEAR" | "Y" | "YY" | "YYY" | "YYYY" | "YR" | "YEARS" | "YRS" => duck("year"),
        "QUARTER" | "Q" | "QTR" | "QTRS" | "QUARTERS" => duck("quarter"),
        "MONTH" | "MM" | "MON" | "MONS" | "MONTHS" => duck("month"),
        // WEEK_START and WEEK_OF_YEAR_POLICY shape the non-ISO week parts.
        "WEEK" | "W" | "WK" | "WEEKOFYEAR" | "WOY" | "WY" if !week.is_iso() => Ok(week.week(&x)),
        "YEAROFWEEK" if !week.is_iso() => Ok(week.year(&x)),
        "DAYOFWEEK" | "WEEKDAY" | "DOW" | "DW" if week.start != 0 => Ok(week.day(&x)),
        "WEEK" | "W" | "WK" | "WEEKOFYEAR" | "WOY" | "WY" | "WEEKISO" | "WEEK_ISO"
        | "WEEKOFYEARISO" | "WEEKOFYEAR_ISO" => duck("week"),
        "DAY" | "D" | "DD" | "DAYS" | "DAYOFMONTH" => duck("day"),
        "DAYOFWEEK" | "WEEKDAY" | "DOW" | "DW" => duck("dayofweek"),
        "DAYOFWEEKISO" | "DAYOFWEEK_ISO" | "WEEKDAY_ISO" | "DOW_ISO" | "DW_ISO" => duck("isodow"),
        "DAYOFYEAR" | "YEARDAY" | "DOY" | "DY" => duck("dayofyear"),
        "YEAROFWEEK" | "YEAROFWEEKISO" => duck("isoyear"),
        "HOUR" | "H" | "HH" | "HR" | "HOURS" | "HRS" => duck("hour"),
        "MINUTE" | "M" | "MI" | "MIN" | "MINUTES" | "MINS" => duck("minute"),
        "SECOND" | "S" | "SEC" | "SECONDS" | "SECS" => duck("second"),
        "NANOSECOND" | "NS" | "NSEC" | "NANOSEC" | "NSECOND" | "NANOSECONDS" | "NANOSECS"
        | "NSECONDS" => Ok(binary(
            binary(
                f("date_part", vec![text("microsecond"), x]),
                BinaryOperator::Modulo,
                number(1_000_000),
            ),
            BinaryOperator::Multiply,
            number(1000),
        )),
        // Epoch parts count from the instant (a TIMESTAMP_TZ's or TIMESTAMP_LTZ's UTC time).
        "EPOCH_SECOND" | "EPOCH" | "EPOCH_SECONDS" => {
            Ok(bigint(f("floor", vec![f("epoch", vec![utc_of(x)])])))
        }
        "EPOCH_MILLISECOND" | "EPOCH_MILLISECONDS" => Ok(f("epoch_ms", vec![utc_of(x)])),
        "EPOCH_MICROSECOND" | "EPOCH_MICROSECONDS" => Ok(f("epoch_us", vec![utc_of(x)])),
        "EPOCH_NANOSECOND" | "EPOCH_NANOSECONDS" => Ok(f("epoch_ns", vec![utc_of(x)])),
        // The value's UTC offset (its own for a TIMESTAMP_TZ, the session zone's for a
        // TIMESTAMP_LTZ, none for a TIMESTAMP_NTZ): hours and the minutes past them, with
        // its sign (-03:30 is -3 and -30).
        "TIMEZONE_HOUR" | "TZH" => Ok(bigint(f(
            "trunc",
            vec![binary(
                offset_minutes(x),
                BinaryOperator::Divide,
                number(60),
            )],
        ))),
        "TIMEZONE_MINUTE" | "TZM" => Ok(binary(
            offset_minutes(x),
            BinaryOperator::Modulo,
            number(60),
        )),
        other => Err(SnowflakeError::compilation(
            snowglobe_error::ErrorCode::InvalidArgumentTypes,
            format!("invalid date/time part '{other}' for function DATE_PART"),
        )),
    }
}

/// The parts of an interval constant, `INTERVAL '1 year, 2 months'` / `'3 h'` / `'90'`
/// (seconds when no part is named), as (count, canonical part); `None` for anything else,
/// which DuckDB then reads itself.
fn interval_parts(e: &Expr) -> Option<Vec<(i64, &'static str)>> {
    let Expr::Interval(interval) = e else {
        return None;
    };
    let Expr::Value(v) = interval.value.as_ref() else {
        return None;
    };
    let Value::SingleQuotedString(text) = &v.value else {
        return None;
    };
    if interval.last_field.is_some() {
        return None;
    }
    // Split `1d` into `1`, `d`; commas and spaces separate.
    let mut tokens = Vec::new();
    for word in text.split(|c: char| c == ',' || c.is_whitespace()) {
        let split = word
            .find(|c: char| c.is_ascii_alphabetic())
            .filter(|&i| i > 0)
            .unwrap_or(word.len());
        tokens.extend(
            [&word[..split], &word[split..]]
                .into_iter()
                .filter(|t| !t.is_empty()),
        );
    }
    let mut parts = Vec::new();
    let mut tokens = tokens.into_iter().peekable();
    while let Some(count) = tokens.next() {
        let n: i64 = count.parse().ok()?;
        let part = match tokens.peek() {
            Some(unit) if unit.parse::<i64>().is_err() => {
                let unit = tokens.next()?;
                canonical_part(unit)?
            }
            _ => match &interval.leading_field {
                Some(field) => canonical_part(&field.to_string())?,
                None => "SECOND",
            },
        };
        parts.push((n, part));
    }
    (!parts.is_empty()).then_some(parts)
}

impl Dates {
    fn zone(&self) -> Expr {
        text(&self.zone)
    }

    /// Snowflake `ADD_MONTHS(x, n)` is DATEADD of `round(n)` months, except that the last day
    /// of a month goes to the last day of the resulting month (`2016-02-29` plus one month is
    /// `2016-03-31`): `sg_dateadd('MONTH', ..)`, then as many days more as that result lies
    /// before its month's end.
    fn add_months(&self, x: &Expr, n: &Expr) -> Expr {
        // A fractional count is rounded to the nearest integer (ADD_MONTHS page).
        let months = bigint(f("round", vec![n.clone()]));
        let added = f(
            "sg_dateadd",
            vec![text("MONTH"), months, x.clone(), self.zone()],
        );
        let day = |e: &Expr| cast(f("sg_ntz", vec![e.clone(), self.zone()]), DataType::Date);
        let month_end = |e: &Expr| {
            cast(
                f("sg_last_day", vec![e.clone(), text("MONTH"), self.zone()]),
                DataType::Date,
            )
        };
        let short = f(
            "date_diff",
            vec![text("day"), day(&added), month_end(&added)],
        );
        super::calls::case(
            vec![(
                binary(month_end(x), BinaryOperator::Eq, day(x)),
                f(
                    "sg_dateadd",
                    vec![text("DAY"), short, added.clone(), self.zone()],
                ),
            )],
            Some(added),
        )
    }

    /// Snowflake `MONTHS_BETWEEN(a, b)`: whole months when both fall on the same day of the
    /// month or both on the last day of their months; otherwise the month difference plus the
    /// difference of the days (time of day included) over 31, to 6 decimals.
    fn months_between(&self, a: &Expr, b: &Expr) -> Expr {
        let wall = |e: &Expr| f("sg_ntz", vec![e.clone(), self.zone()]);
        let (wa, wb) = (wall(a), wall(b));
        let part = |p: &str, w: &Expr| f(p, vec![w.clone()]);
        let minus = |x: Expr, y: Expr| super::calls::nested(binary(x, BinaryOperator::Minus, y));
        let months = binary(
            binary(
                minus(part("year", &wa), part("year", &wb)),
                BinaryOperator::Multiply,
                number(12),
            ),
            BinaryOperator::Plus,
            minus(part("month", &wa), part("month", &wb)),
        );
        let last = |w: &Expr| {
            binary(
                f("last_day", vec![w.clone()]),
                BinaryOperator::Eq,
                cast(w.clone(), DataType::Date),
            )
        };
        let whole = binary(
            binary(part("day", &wa), BinaryOperator::Eq, part("day", &wb)),
            BinaryOperator::Or,
            binary(last(&wa), BinaryOperator::And, last(&wb)),
        );
        let seconds = |w: &Expr| {
            minus(
                f("epoch", vec![w.clone()]),
                f("epoch", vec![f("date_trunc", vec![text("day"), w.clone()])]),
            )
        };
        let days = binary(
            minus(part("day", &wa), part("day", &wb)),
            BinaryOperator::Plus,
            binary(
                minus(seconds(&wa), seconds(&wb)),
                BinaryOperator::Divide,
                number(86400),
            ),
        );
        let fraction = binary(
            super::calls::nested(days),
            BinaryOperator::Divide,
            number(31),
        );
        let value = super::calls::case(
            vec![(whole, months.clone())],
            Some(binary(months, BinaryOperator::Plus, fraction)),
        );
        cast(
            f("round", vec![value, number(6)]),
            DataType::Decimal(sqlparser::ast::ExactNumberInfo::PrecisionAndScale(38, 6)),
        )
    }

    /// `x + INTERVAL '...'` (or `-`, or the interval first) as DATEADD of each part: Snowflake
    /// keeps a DATE a DATE for calendar parts and adds to a TIMESTAMP_TZ in its own offset;
    /// DuckDB's `+` turns a DATE into a TIMESTAMP and has no TIMESTAMP_TZ.
    fn interval_arithmetic(&self, expr: &Expr) -> Option<Expr> {
        let Expr::BinaryOp { left, op, right } = expr else {
            return None;
        };
        let sign = match op {
            BinaryOperator::Plus => 1,
            BinaryOperator::Minus => -1,
            _ => return None,
        };
        let (x, parts) = match (interval_parts(right), interval_parts(left)) {
            (Some(parts), None) => (left, parts),
            (None, Some(parts)) if sign == 1 => (right, parts),
            _ => return None,
        };
        let mut out = (**x).clone();
        for (n, part) in parts {
            let function = if is_calendar_part(part) {
                "sg_dateadd"
            } else {
                "sg_timeadd"
            };
            out = f(
                function,
                vec![text(part), number(sign * n), out, self.zone()],
            );
        }
        Some(out)
    }

    fn rewrite(&self, func: &Function) -> Result<Option<Expr>> {
        if func.over.is_some() {
            return Ok(None);
        }
        let name = func.name.to_string().to_ascii_uppercase();
        let Some(args) = plain_args(func) else {
            return Ok(None);
        };
        let wrong = |expected: &str| {
            Err(SnowflakeError::compilation(
                snowglobe_error::ErrorCode::InvalidArgumentTypes,
                format!(
                    "invalid number of arguments for function {name}: {} given, expected {expected}",
                    args.len()
                ),
            ))
        };
        Ok(Some(match name.as_str() {
            "DATEADD" | "TIMEADD" | "TIMESTAMPADD" => {
                let [part, n, x] = args.as_slice() else {
                    return wrong("3");
                };
                let part = part_arg(&name, part)?;
                let function = if is_calendar_part(part) {
                    "sg_dateadd"
                } else {
                    "sg_timeadd"
                };
                f(
                    function,
                    vec![text(part), bigint(n.clone()), x.clone(), self.zone()],
                )
            }
            "DATEDIFF" | "TIMEDIFF" | "TIMESTAMPDIFF" => {
                let [part, a, b] = args.as_slice() else {
                    return wrong("3");
                };
                let part = self.week.part(part_arg(&name, part)?);
                f(
                    "sg_datediff",
                    vec![text(&part), a.clone(), b.clone(), self.zone()],
                )
            }
            "DATE_TRUNC" => {
                let [part, x] = args.as_slice() else {
                    return wrong("2");
                };
                let part = self.week.part(part_arg(&name, part)?);
                f("sg_date_trunc", vec![text(&part), x.clone(), self.zone()])
            }
            // TRUNC(date, 'part'): a date part as text makes it DATE_TRUNC (TRUNC of a number
            // has a number as its second argument).
            "TRUNC" | "TRUNCATE" => match args.as_slice() {
                [x, part @ Expr::Value(_)] => {
                    match part_name(part).as_deref().and_then(canonical_part) {
                        Some(part) => f(
                            "sg_date_trunc",
                            vec![text(&self.week.part(part)), x.clone(), self.zone()],
                        ),
                        None => return Ok(None),
                    }
                }
                _ => return Ok(None),
            },
            "LAST_DAY" => match args.as_slice() {
                [x] => f("sg_last_day", vec![x.clone(), text("MONTH"), self.zone()]),
                [x, part] => {
                    let part = self.week.part(part_arg(&name, part)?);
                    f("sg_last_day", vec![x.clone(), text(&part), self.zone()])
                }
                _ => return wrong("1 or 2"),
            },
            "ADD_MONTHS" => {
                let [x, n] = args.as_slice() else {
                    return wrong("2");
                };
                self.add_months(x, n)
            }
            "MONTHS_BETWEEN" => {
                let [a, b] = args.as_slice() else {
                    return wrong("2");
                };
                self.months_between(a, b)
            }
            "TIME_SLICE" => {
                let (x, n, part, end) = match args.as_slice() {
                    [x, n, part] => (x, n, part, false),
                    [x, n, part, which] => {
                        let which = part_name(which).unwrap_or_default().to_ascii_uppercase();
                        (x, n, part, which == "END")
                    }
                    _ => return wrong("3 or 4"),
                };
                time_slice(&name, x, n, part_arg(&name, part)?, end, self.zone())?
            }
            "NEXT_DAY" | "PREVIOUS_DAY" => {
                let [x, day] = args.as_slice() else {
                    return wrong("2");
                };
                let direction = if name == "NEXT_DAY" { 1 } else { -1 };
                f(
                    "sg_next_day",
                    vec![x.clone(), day.clone(), self.zone(), number(direction)],
                )
            }
            "DAYNAME" | "MONTHNAME" => {
                let [x] = args.as_slice() else {
                    return wrong("1");
                };
                let format = if name == "DAYNAME" { "%a" } else { "%b" };
                f(
                    "strftime",
                    vec![f("sg_local", vec![x.clone(), self.zone()]), text(format)],
                )
            }
            "YEAR" | "QUARTER" | "MONTH" | "WEEK" | "WEEKOFYEAR" | "WEEKISO" | "DAY"
            | "DAYOFMONTH" | "DAYOFWEEK" | "DAYOFWEEKISO" | "DAYOFYEAR" | "YEAROFWEEK"
            | "YEAROFWEEKISO" | "HOUR" | "MINUTE" | "SECOND"
                if args.len() == 1 =>
            {
                date_part(&name, args[0].clone(), self.week)?
            }
            "DATE_PART" => {
                let [part, x] = args.as_slice() else {
                    return wrong("2");
                };
                let part = part_name(part).unwrap_or_else(|| part.to_string());
                date_part(&part, x.clone(), self.week)?
            }
            "TO_DATE" | "DATE" | "TRY_TO_DATE" => {
                let try_mode = name.starts_with("TRY_");
                match super::calls::without_auto_format(&args) {
                    [x] => f(
                        if try_mode { "sg_try_date" } else { "sg_date" },
                        vec![x.clone(), self.zone()],
                    ),
                    [x, format] => cast(
                        parse_with_format(&name, x, format, "date", try_mode)?,
                        DataType::Date,
                    ),
                    _ => return wrong("1 or 2"),
                }
            }
            "TO_TIME" | "TIME" | "TRY_TO_TIME" => {
                let try_mode = name.starts_with("TRY_");
                let kind = if try_mode {
                    CastKind::TryCast
                } else {
                    CastKind::Cast
                };
                let time = DataType::Time(None, TimezoneInfo::None);
                match super::calls::without_auto_format(&args) {
                    [x] => Expr::Cast {
                        kind,
                        expr: Box::new(f("sg_local", vec![x.clone(), self.zone()])),
                        data_type: time,
                        format: None,
                    },
                    [x, format] => {
                        cast(parse_with_format(&name, x, format, "time", try_mode)?, time)
                    }
                    _ => return wrong("1 or 2"),
                }
            }
            "DATE_FROM_PARTS" | "DATEFROMPARTS" => {
                let [y, m, d] = args.as_slice() else {
                    return wrong("3");
                };
                cast(from_parts_date(y, m, d), DataType::Date)
            }
            "TIME_FROM_PARTS" | "TIMEFROMPARTS" => {
                let (h, m, s, ns) = match args.as_slice() {
                    [h, m, s] => (h, m, s, None),
                    [h, m, s, ns] => (h, m, s, Some(ns)),
                    _ => return wrong("3 or 4"),
                };
                let midnight = cast(text("00:00:00"), DataType::Time(None, TimezoneInfo::None));
                binary(midnight, BinaryOperator::Plus, clock_interval(h, m, s, ns))
            }
            "TIMESTAMP_FROM_PARTS"
            | "TIMESTAMPFROMPARTS"
            | "TIMESTAMP_NTZ_FROM_PARTS"
            | "TIMESTAMPNTZFROMPARTS" => self.timestamp_from_parts(&name, &args, false)?,
            "TIMESTAMP_LTZ_FROM_PARTS"
            | "TIMESTAMPLTZFROMPARTS"
            | "TIMESTAMP_TZ_FROM_PARTS"
            | "TIMESTAMPTZFROMPARTS" => self.timestamp_from_parts(&name, &args, true)?,
            "CONVERT_TIMEZONE" => match args.as_slice() {
                // (target, instant) → the same instant with `target`'s offset (TIMESTAMP_TZ).
                [target, x] => super::timestamp_tz::instant_of(f(
                    "sg_tz",
                    vec![
                        f("sg_instant", vec![x.clone(), self.zone()]),
                        target.clone(),
                    ],
                )),
                // (source, target, wall clock) → the wall clock in `target` of the wall clock
                // `x` read in `source`.
                [source, target, x] => f(
                    "sg_ntz",
                    vec![
                        f(
                            "sg_instant",
                            vec![f("sg_ntz", vec![x.clone(), self.zone()]), source.clone()],
                        ),
                        target.clone(),
                    ],
                ),
                _ => return wrong("2 or 3"),
            },
            _ => return Ok(None),
        }))
    }

    /// TIMESTAMP_FROM_PARTS(y, mo, d, h, mi, s [, ns]) or (date, time); the `_LTZ`/`_TZ` forms
    /// read the wall clock in the session zone (or in the `_TZ` form's zone argument).
    fn timestamp_from_parts(&self, name: &str, args: &[Expr], instant: bool) -> Result<Expr> {
        let (wall, zone) = match args {
            [date, time] if !instant => (
                binary(
                    cast(date.clone(), DataType::Date),
                    BinaryOperator::Plus,
                    cast(time.clone(), DataType::Time(None, TimezoneInfo::None)),
                ),
                None,
            ),
            [y, mo, d, h, mi, s, rest @ ..] if rest.len() <= 2 => {
                let ns = rest.first();
                let zone = if rest.len() == 2 { rest.get(1) } else { None };
                if zone.is_some() && !name.contains("TZ") {
                    return Err(SnowflakeError::compilation(
                        snowglobe_error::ErrorCode::InvalidArgumentTypes,
                        format!("too many arguments for function {name}"),
                    ));
                }
                (
                    binary(
                        cast(
                            from_parts_date(y, mo, d),
                            DataType::Timestamp(None, TimezoneInfo::None),
                        ),
                        BinaryOperator::Plus,
                        clock_interval(h, mi, s, ns),
                    ),
                    zone.cloned(),
                )
            }
            _ => {
                return Err(SnowflakeError::compilation(
                    snowglobe_error::ErrorCode::InvalidArgumentTypes,
                    format!(
                        "invalid number of arguments for function {name}: {} given",
                        args.len()
                    ),
                ))
            }
        };
        let wall = cast(wall, DataType::Timestamp(None, TimezoneInfo::None));
        let zone = zone.unwrap_or_else(|| self.zone());
        let with_offset = name.contains("_TZ_") || name.starts_with("TIMESTAMPTZ");
        Ok(if instant && with_offset {
            super::timestamp_tz::instant_of(f("sg_tz", vec![wall, zone]))
        } else if instant {
            f("sg_instant", vec![wall, zone])
        } else {
            wall
        })
    }
}

/// `strptime(x, format)` with Snowflake's format translated (`try_strptime` in TRY_ forms).
fn parse_with_format(
    name: &str,
    x: &Expr,
    format: &Expr,
    what: &str,
    try_mode: bool,
) -> Result<Expr> {
    let Some(format) = part_name(format).filter(|_| matches!(format, Expr::Value(_))) else {
        return Err(SnowflakeError::unsupported(format!(
            "{name} with a format that is not a literal"
        )));
    };
    Ok(super::calls::parse_with_strptime(
        x,
        &super::timestamps::strptime_format(&format)?,
        what,
        &format,
        try_mode,
    ))
}

/// Snowflake `TIME_SLICE(x, n, part [, 'START' | 'END'])`: the start (or end) of the
/// `n`-`part` slice holding `x`, slices counted from 1970-01-01 (weeks from Monday
/// 1970-01-05) → DuckDB `time_bucket(interval, x, origin)`, plus the interval for END.
fn time_slice(name: &str, x: &Expr, n: &Expr, part: &str, end: bool, zone: Expr) -> Result<Expr> {
    let (unit, factor) = match part {
        "YEAR" => ("to_years", 1),
        "QUARTER" => ("to_months", 3),
        "MONTH" => ("to_months", 1),
        "WEEK" => ("to_days", 7),
        "DAY" => ("to_days", 1),
        "HOUR" => ("to_hours", 1),
        "MINUTE" => ("to_minutes", 1),
        "SECOND" => ("to_seconds", 1),
        other => {
            return Err(SnowflakeError::unsupported(format!(
                "{name} with date or time part {other}"
            )))
        }
    };
    let count = binary(
        super::calls::cast(n.clone(), "BIGINT"),
        BinaryOperator::Multiply,
        number(factor),
    );
    let interval = f(unit, vec![count]);
    // A DATE origin keeps a DATE a DATE (and a TIMESTAMP a TIMESTAMP). Weeks count from the
    // Monday of the week of 1970-01-01.
    let origin = cast(
        text(if part == "WEEK" {
            "1969-12-29"
        } else {
            "1970-01-01"
        }),
        DataType::Date,
    );
    let start = f("time_bucket", vec![interval.clone(), x.clone(), origin]);
    Ok(match (end, calendar_part(part)) {
        (false, _) => start,
        // Calendar parts keep a DATE a DATE at the end too (`DATE + INTERVAL` is a TIMESTAMP).
        (true, true) => f(
            "sg_dateadd",
            vec![text(part), bigint(n.clone()), start, zone],
        ),
        (true, false) => binary(start, BinaryOperator::Plus, interval),
    })
}

/// Whether `part` is a calendar part (a DATE stays a DATE when it is added).
fn calendar_part(part: &str) -> bool {
    matches!(part, "YEAR" | "QUARTER" | "MONTH" | "WEEK" | "DAY")
}

/// The date of year `y`, month `m`, day `d`, out-of-range months and days carried over.
fn from_parts_date(y: &Expr, m: &Expr, d: &Expr) -> Expr {
    let first = f("make_date", vec![bigint(y.clone()), number(1), number(1)]);
    binary(
        binary(
            first,
            BinaryOperator::Plus,
            f("to_months", vec![minus_one(m)]),
        ),
        BinaryOperator::Plus,
        f("to_days", vec![minus_one(d)]),
    )
}

/// An interval of `h` hours, `m` minutes, `s` seconds and `ns` nanoseconds (to microseconds).
fn clock_interval(h: &Expr, m: &Expr, s: &Expr, ns: Option<&Expr>) -> Expr {
    let mut total = binary(
        binary(
            f("to_hours", vec![bigint(h.clone())]),
            BinaryOperator::Plus,
            f("to_minutes", vec![bigint(m.clone())]),
        ),
        BinaryOperator::Plus,
        f(
            "to_microseconds",
            vec![bigint(binary(
                cast(
                    s.clone(),
                    DataType::Double(sqlparser::ast::ExactNumberInfo::None),
                ),
                BinaryOperator::Multiply,
                number(1_000_000),
            ))],
        ),
    );
    if let Some(ns) = ns {
        total = binary(
            total,
            BinaryOperator::Plus,
            f(
                "to_microseconds",
                vec![bigint(f(
                    "floor",
                    vec![binary(
                        bigint(ns.clone()),
                        BinaryOperator::Divide,
                        number(1000),
                    )],
                ))],
            ),
        );
    }
    total
}

impl VisitorMut for Dates {
    type Break = ();
    fn post_visit_expr(&mut self, expr: &mut Expr) -> ControlFlow<()> {
        let result = match expr {
            Expr::Function(func) => self.rewrite(func),
            Expr::BinaryOp { .. } => Ok(self.interval_arithmetic(expr)),
            Expr::Extract {
                field, expr: inner, ..
            } => {
                // `EXTRACT('quarter', ts)` and `DATE_PART('year', d)` quote the part.
                let field = field.to_string();
                date_part(field.trim_matches('\''), (**inner).clone(), self.week).map(Some)
            }
            _ => Ok(None),
        };
        self.error.replace(expr, result)
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::test_support::translate;

    #[test]
    fn interval_constants_add_like_dateadd() {
        assert_eq!(
            translate("select d + interval '1 day, 2 h' as x from t"),
            "SELECT sg_timeadd('HOUR', 2, sg_dateadd('DAY', 1, \"D\", 'America/Los_Angeles'), 'America/Los_Angeles') AS \"X\" FROM \"T\""
        );
        assert_eq!(
            translate("select d - interval '3mon' as x from t"),
            "SELECT sg_dateadd('MONTH', -3, \"D\", 'America/Los_Angeles') AS \"X\" FROM \"T\""
        );
        assert!(translate("select interval '90' + d as x from t")
            .starts_with("SELECT sg_timeadd('SECOND', 90, \"D\""));
        // Not a constant DuckDB could not read itself: left alone.
        assert!(translate("select d + interval '1 fortnight' as x from t").contains("INTERVAL"));
    }

    #[test]
    fn dateadd_keeps_calendar_and_clock_parts_apart() {
        assert_eq!(
            translate("select dateadd(mon, 2, d) as x from t"),
            "SELECT sg_dateadd('MONTH', CAST(2 AS BIGINT), \"D\", 'America/Los_Angeles') AS \"X\" FROM \"T\""
        );
        assert_eq!(
            translate("select timeadd('hrs', 2, d) as x from t"),
            "SELECT sg_timeadd('HOUR', CAST(2 AS BIGINT), \"D\", 'America/Los_Angeles') AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn datediff_and_trunc_name_canonical_parts() {
        assert_eq!(
            translate("select datediff(yy, a, b) as x from t"),
            "SELECT sg_datediff('YEAR', \"A\", \"B\", 'America/Los_Angeles') AS \"X\" FROM \"T\""
        );
        assert_eq!(
            translate("select trunc(d, 'MM') as x from t"),
            "SELECT sg_date_trunc('MONTH', \"D\", 'America/Los_Angeles') AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn date_parts_map_to_duckdb_parts() {
        assert_eq!(
            translate("select extract(dayofweekiso from d) as x from t"),
            "SELECT date_part('isodow', sg_local(\"D\", 'America/Los_Angeles')) AS \"X\" FROM \"T\""
        );
        // The part may be quoted.
        assert_eq!(
            translate("select date_part('quarter', d) as x from t"),
            "SELECT date_part('quarter', sg_local(\"D\", 'America/Los_Angeles')) AS \"X\" FROM \"T\""
        );
    }

    #[test]
    fn unknown_parts_are_errors() {
        let mut s = crate::parse::parse("select dateadd(fortnight, 1, d) from t")
            .unwrap()
            .remove(0);
        let ctx = crate::rules::test_support::ctx();
        assert!(super::rewrite_date_functions(&mut s, &ctx).is_err());
    }
}
