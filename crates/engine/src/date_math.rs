//! Date arithmetic registered into DuckDB, with Snowflake's types and semantics.
//!
//! DuckDB's own functions change the type (`DATE + INTERVAL` is a TIMESTAMP, `date_trunc` of a
//! DATE is a TIMESTAMP), count weeks as whole seven-day spans and know no time zone but UTC.
//! Snowflake keeps the input type, counts the boundaries crossed, and does calendar arithmetic
//! on TIMESTAMP_LTZ/TZ values in local time. The translator calls these functions with a
//! canonical part name (`YEAR` ... `NANOSECOND`) and the session's zone name as last argument:
//!
//! - `sg_dateadd(part, n, x, zone)`: calendar parts (`YEAR`, `QUARTER`, `MONTH`, `WEEK`, `DAY`);
//!   the result has the type of `x` (a month added to Jan 31 gives the month's last day).
//! - `sg_timeadd(part, n, x, zone)`: clock parts (`HOUR` ... `NANOSECOND`); a DATE becomes a
//!   TIMESTAMP, a TIME wraps around midnight.
//! - `sg_datediff(part, a, b, zone)`: the number of `part` boundaries between `a` and `b`.
//! - `sg_date_trunc(part, x, zone)`: `x` truncated to `part`, of the type of `x`.
//! - `sg_last_day(x, part, zone)`, `sg_next_day(x, weekday, zone, direction)`: DATEs.
//!
//! Text arguments are read as TIMESTAMP_NTZ (Snowflake's implicit conversion of a string). A
//! stored TIMESTAMP_TZ (see `time_zones`) is read in its own offset, and `sg_dateadd`,
//! `sg_timeadd` and `sg_date_trunc` return one with that offset.

use std::error::Error;
use std::sync::Arc;

use chrono::{
    DateTime, Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc, Weekday,
};
use chrono_tz::Tz;
use duckdb::arrow::array::{
    Array, ArrayRef, AsArray, Date32Builder, Int16Builder, Int64Builder, RecordBatch, StructArray,
    Time64MicrosecondBuilder, TimestampMicrosecondBuilder,
};
use duckdb::arrow::buffer::NullBuffer;
use duckdb::arrow::datatypes::{
    DataType, Date32Type, Int64Type, Time64MicrosecondType, TimeUnit, TimestampMicrosecondType,
};
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;

use crate::time_zones::{instant_of_wall_clock, parse_timestamp, stored_tz, tz_fields, tz_type};

type FnResult = std::result::Result<ArrayRef, Box<dyn Error>>;
type Fallible<T> = std::result::Result<T, Box<dyn Error>>;

const EPOCH_DAYS_FROM_CE: i32 = 719_163;
const MICROS_PER_DAY: i64 = 86_400_000_000;

fn instant_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn wall_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

fn time_type() -> DataType {
    DataType::Time64(TimeUnit::Microsecond)
}

/// Register every function of this module.
pub fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<DateAdd>("sg_dateadd")?;
    conn.register_scalar_function::<TimeAdd>("sg_timeadd")?;
    conn.register_scalar_function::<DateDiff>("sg_datediff")?;
    conn.register_scalar_function::<DateTrunc>("sg_date_trunc")?;
    conn.register_scalar_function::<LastDay>("sg_last_day")?;
    conn.register_scalar_function::<NextDay>("sg_next_day")?;
    // Snowflake adds and subtracts a NUMBER of days to a DATE; DuckDB only an INTEGER, and a
    // NUMBER column is a DECIMAL there: these overloads join DuckDB's own `+` and `-`.
    conn.register_scalar_function::<DatePlusDays>("+")?;
    conn.register_scalar_function::<DateMinusDays>("-")?;
    Ok(())
}

/// Snowflake's date and time parts, by canonical name.
#[derive(Clone, Copy, PartialEq, Debug)]
enum Part {
    Year,
    Quarter,
    Month,
    /// Weeks starting on the given day, counted from Monday (0) to Sunday (6): the session's
    /// WEEK_START, passed as `WEEK_<1..7>` (plain `WEEK` starts on Monday).
    Week(u32),
    Day,
    Hour,
    Minute,
    Second,
    Millisecond,
    Microsecond,
    Nanosecond,
}

impl Part {
    fn parse(name: &str) -> Fallible<Part> {
        Ok(match name.to_ascii_uppercase().as_str() {
            "YEAR" => Part::Year,
            "QUARTER" => Part::Quarter,
            "MONTH" => Part::Month,
            "WEEK" => Part::Week(0),
            "DAY" => Part::Day,
            "HOUR" => Part::Hour,
            "MINUTE" => Part::Minute,
            "SECOND" => Part::Second,
            "MILLISECOND" => Part::Millisecond,
            "MICROSECOND" => Part::Microsecond,
            "NANOSECOND" => Part::Nanosecond,
            other => match other
                .strip_prefix("WEEK_")
                .and_then(|d| d.parse::<u32>().ok())
            {
                Some(day @ 1..=7) => Part::Week(day - 1),
                _ => return Err(format!("Invalid date/time part '{name}'").into()),
            },
        })
    }

    /// The length of a clock part in microseconds (nanoseconds count as a thousandth).
    fn micros(self) -> Option<i64> {
        Some(match self {
            Part::Hour => 3_600_000_000,
            Part::Minute => 60_000_000,
            Part::Second => 1_000_000,
            Part::Millisecond => 1_000,
            Part::Microsecond | Part::Nanosecond => 1,
            _ => return None,
        })
    }
}

/// One input value: its kind decides the output type.
#[derive(Clone, Copy)]
enum Value {
    Date(NaiveDate),
    Wall(NaiveDateTime),
    /// An instant and its wall clock in the session zone.
    Instant(NaiveDateTime),
    /// A TIMESTAMP_TZ: its wall clock in its own offset, and the offset in minutes.
    WithOffset(NaiveDateTime, i16),
    Time(NaiveTime),
}

impl Value {
    fn wall(self) -> NaiveDateTime {
        match self {
            Value::Date(d) => d.and_time(NaiveTime::MIN),
            Value::Wall(w) | Value::Instant(w) | Value::WithOffset(w, _) => w,
            Value::Time(t) => NaiveDate::default().and_time(t),
        }
    }
}

fn date_of_days(days: i32) -> Fallible<NaiveDate> {
    NaiveDate::from_num_days_from_ce_opt(days + EPOCH_DAYS_FROM_CE)
        .ok_or_else(|| "date out of range".into())
}

fn days_of_date(d: NaiveDate) -> i32 {
    d.num_days_from_ce() - EPOCH_DAYS_FROM_CE
}

fn wall_of_micros(m: i64) -> NaiveDateTime {
    DateTime::from_timestamp_micros(m)
        .unwrap_or_default()
        .naive_utc()
}

fn micros_of_wall(w: &NaiveDateTime) -> i64 {
    w.and_utc().timestamp_micros()
}

fn zone(name: &str) -> Fallible<Tz> {
    name.parse::<Tz>()
        .map_err(|_| format!("Unknown timezone: '{name}'").into())
}

/// Read row `i` of `column` (NULL is handled by the caller).
fn read(column: &ArrayRef, i: usize, tz: &Tz) -> Fallible<Value> {
    Ok(match column.data_type() {
        DataType::Date32 => {
            Value::Date(date_of_days(column.as_primitive::<Date32Type>().value(i))?)
        }
        DataType::Timestamp(_, None) => Value::Wall(wall_of_micros(
            column.as_primitive::<TimestampMicrosecondType>().value(i),
        )),
        DataType::Timestamp(_, Some(_)) => {
            let m = column.as_primitive::<TimestampMicrosecondType>().value(i);
            let instant = DateTime::<Utc>::from_timestamp_micros(m).unwrap_or_default();
            Value::Instant(instant.with_timezone(tz).naive_local())
        }
        DataType::Struct(_) => {
            let (m, offset) = stored_tz(column, i)?;
            Value::WithOffset(wall_of_micros(m + i64::from(offset) * 60_000_000), offset)
        }
        DataType::Time64(_) => {
            let m = column.as_primitive::<Time64MicrosecondType>().value(i);
            Value::Time(wall_of_micros(m).time())
        }
        DataType::Utf8 => {
            let text = column.as_string::<i32>().value(i);
            let parsed = parse_timestamp(text)
                .ok_or_else(|| format!("Timestamp '{text}' is not recognized"))?;
            Value::Wall(parsed.wall)
        }
        other => return Err(format!("unsupported argument type {other}").into()),
    })
}

/// Builds the output column in the type a function returns for its input type.
enum Output {
    Date(Date32Builder),
    Wall(TimestampMicrosecondBuilder),
    Instant(TimestampMicrosecondBuilder, Tz),
    /// TIMESTAMP_TZ: instants, offsets, validity, and the offset of the row being built.
    WithOffset(TimestampMicrosecondBuilder, Int16Builder, Vec<bool>, i16),
    Time(Time64MicrosecondBuilder),
}

impl Output {
    fn for_type(t: &DataType, n: usize, tz: Tz) -> Output {
        match t {
            DataType::Date32 => Output::Date(Date32Builder::with_capacity(n)),
            DataType::Timestamp(_, Some(_)) => {
                Output::Instant(TimestampMicrosecondBuilder::with_capacity(n), tz)
            }
            DataType::Time64(_) => Output::Time(Time64MicrosecondBuilder::with_capacity(n)),
            DataType::Struct(_) => Output::WithOffset(
                TimestampMicrosecondBuilder::with_capacity(n),
                Int16Builder::with_capacity(n),
                Vec::with_capacity(n),
                0,
            ),
            _ => Output::Wall(TimestampMicrosecondBuilder::with_capacity(n)),
        }
    }

    fn null(&mut self) {
        match self {
            Output::Date(b) => b.append_null(),
            Output::Wall(b) | Output::Instant(b, _) => b.append_null(),
            Output::Time(b) => b.append_null(),
            Output::WithOffset(instants, offsets, valid, _) => {
                instants.append_null();
                offsets.append_null();
                valid.push(false);
            }
        }
    }

    /// The offset the next pushed wall clock is in (a TIMESTAMP_TZ keeps its input's).
    fn use_offset_of(&mut self, value: &Value) {
        if let (Output::WithOffset(.., current), Value::WithOffset(_, offset)) = (self, value) {
            *current = *offset;
        }
    }

    /// Append a local wall clock (a date keeps only its date, a time only its time).
    fn push(&mut self, w: NaiveDateTime) {
        match self {
            Output::Date(b) => b.append_value(days_of_date(w.date())),
            Output::Wall(b) => b.append_value(micros_of_wall(&w)),
            Output::Instant(b, tz) => {
                b.append_value(instant_of_wall_clock(w, tz).timestamp_micros())
            }
            Output::Time(b) => {
                b.append_value(micros_of_wall(&NaiveDate::default().and_time(w.time())))
            }
            Output::WithOffset(instants, offsets, valid, offset) => {
                instants.append_value(micros_of_wall(&w) - i64::from(*offset) * 60_000_000);
                offsets.append_value(*offset);
                valid.push(true);
            }
        }
    }

    fn finish(self) -> FnResult {
        Ok(match self {
            Output::Date(mut b) => Arc::new(b.finish()),
            Output::Wall(mut b) => Arc::new(b.finish()),
            Output::Instant(mut b, _) => Arc::new(b.finish().with_timezone("UTC")),
            Output::Time(mut b) => Arc::new(b.finish()),
            Output::WithOffset(mut instants, mut offsets, valid, _) => {
                let children: Vec<ArrayRef> = vec![
                    Arc::new(instants.finish().with_timezone("UTC")),
                    Arc::new(offsets.finish()),
                ];
                Arc::new(StructArray::try_new(
                    tz_fields(),
                    children,
                    Some(NullBuffer::from(valid)),
                )?)
            }
        })
    }
}

/// A per-row text argument that is almost always constant: parse it once.
struct Cached<T> {
    last: Option<(String, T)>,
}

impl<T: Copy> Cached<T> {
    fn new() -> Self {
        Cached { last: None }
    }

    fn get(&mut self, text: &str, parse: impl Fn(&str) -> Fallible<T>) -> Fallible<T> {
        if let Some((t, v)) = &self.last {
            if t == text {
                return Ok(*v);
            }
        }
        let v = parse(text)?;
        self.last = Some((text.to_string(), v));
        Ok(v)
    }
}

fn strings(input: &RecordBatch, i: usize) -> &duckdb::arrow::array::StringArray {
    input.column(i).as_string::<i32>()
}

/// The zone of row `row` (the last column of every function here).
fn row_zone(input: &RecordBatch, row: usize, zones: &mut Cached<Tz>) -> Fallible<Tz> {
    let column = strings(input, input.num_columns() - 1);
    zones.get(column.value(row), zone)
}

fn add_months(w: NaiveDateTime, months: i64) -> Fallible<NaiveDateTime> {
    let magnitude = Months::new(u32::try_from(months.unsigned_abs()).map_err(|_| "overflow")?);
    let date = if months >= 0 {
        w.date().checked_add_months(magnitude)
    } else {
        w.date().checked_sub_months(magnitude)
    };
    Ok(date.ok_or("date out of range")?.and_time(w.time()))
}

fn add_days(w: NaiveDateTime, days: i64) -> Fallible<NaiveDateTime> {
    let magnitude = Days::new(days.unsigned_abs());
    let date = if days >= 0 {
        w.date().checked_add_days(magnitude)
    } else {
        w.date().checked_sub_days(magnitude)
    };
    Ok(date.ok_or("date out of range")?.and_time(w.time()))
}

/// `n` calendar parts added to a local wall clock.
fn calendar_add(part: Part, n: i64, w: NaiveDateTime) -> Fallible<NaiveDateTime> {
    match part {
        Part::Year => add_months(w, n.checked_mul(12).ok_or("overflow")?),
        Part::Quarter => add_months(w, n.checked_mul(3).ok_or("overflow")?),
        Part::Month => add_months(w, n),
        Part::Week(_) => add_days(w, n.checked_mul(7).ok_or("overflow")?),
        Part::Day => add_days(w, n),
        _ => Err("not a calendar part".into()),
    }
}

/// `sg_dateadd(part, n, x, zone)` / `sg_timeadd(...)`.
fn add(input: &RecordBatch, clock: bool) -> FnResult {
    let parts = strings(input, 0);
    let amounts = input.column(1).as_primitive::<Int64Type>();
    let values = input.column(2);
    let rows = values.len();
    let mut part_cache = Cached::new();
    let mut zones = Cached::new();
    let out_type = match (clock, values.data_type()) {
        (true, DataType::Date32) | (_, DataType::Utf8) => wall_type(),
        (_, t) => t.clone(),
    };
    let mut out: Option<Output> = None;
    for i in 0..rows {
        let tz = if input.column(input.num_columns() - 1).is_null(i) {
            chrono_tz::UTC
        } else {
            row_zone(input, i, &mut zones)?
        };
        let out = out.get_or_insert_with(|| Output::for_type(&out_type, rows, tz));
        if parts.is_null(i) || amounts.is_null(i) || values.is_null(i) {
            out.null();
            continue;
        }
        let part = part_cache.get(parts.value(i), Part::parse)?;
        let n = amounts.value(i);
        let value = read(values, i, &tz)?;
        out.use_offset_of(&value);
        let result = match (clock, part.micros()) {
            (false, None) => calendar_add(part, n, value.wall())?,
            (true, Some(unit)) => {
                let delta = if part == Part::Nanosecond {
                    n / 1000
                } else {
                    n
                };
                let micros = delta.checked_mul(unit).ok_or("overflow")?;
                match value {
                    Value::Instant(_) => {
                        // Clock time is added to the instant, not to the local wall clock.
                        let m = values.as_primitive::<TimestampMicrosecondType>().value(i);
                        let instant = m.checked_add(micros).ok_or("overflow")?;
                        let local = DateTime::<Utc>::from_timestamp_micros(instant)
                            .unwrap_or_default()
                            .with_timezone(&tz)
                            .naive_local();
                        out.push(local);
                        continue;
                    }
                    Value::Time(t) => {
                        let since = t.num_seconds_from_midnight() as i64 * 1_000_000
                            + (t.nanosecond() / 1000) as i64;
                        let wrapped = (since + micros).rem_euclid(MICROS_PER_DAY);
                        NaiveDate::default().and_time(wall_of_micros(wrapped).time())
                    }
                    _ => {
                        let w = value.wall();
                        wall_of_micros(micros_of_wall(&w).checked_add(micros).ok_or("overflow")?)
                    }
                }
            }
            _ => return Err(format!("Invalid date/time part {part:?} for this function").into()),
        };
        out.push(result);
    }
    match out {
        Some(o) => o.finish(),
        None => Output::for_type(&out_type, 0, chrono_tz::UTC).finish(),
    }
}

/// The first day of `d`'s week, weeks starting `first` days after Monday.
fn week_start(d: NaiveDate, first: u32) -> NaiveDate {
    d - Days::new(((d.weekday().num_days_from_monday() + 7 - first) % 7) as u64)
}

fn quarter_index(w: &NaiveDateTime) -> i64 {
    w.year() as i64 * 4 + (w.month0() / 3) as i64
}

fn month_index(w: &NaiveDateTime) -> i64 {
    w.year() as i64 * 12 + w.month0() as i64
}

/// The boundaries of `part` crossed from `a` to `b` (negative when `b` is earlier).
fn boundaries(part: Part, a: NaiveDateTime, b: NaiveDateTime) -> i64 {
    match part {
        Part::Year => (b.year() - a.year()) as i64,
        Part::Quarter => quarter_index(&b) - quarter_index(&a),
        Part::Month => month_index(&b) - month_index(&a),
        Part::Week(first) => {
            (week_start(b.date(), first) - week_start(a.date(), first)).num_days() / 7
        }
        Part::Day => (b.date() - a.date()).num_days(),
        Part::Nanosecond => (micros_of_wall(&b) - micros_of_wall(&a)) * 1000,
        clock => {
            let unit = clock.micros().unwrap_or(1);
            micros_of_wall(&b).div_euclid(unit) - micros_of_wall(&a).div_euclid(unit)
        }
    }
}

fn date_diff(input: &RecordBatch) -> FnResult {
    let parts = strings(input, 0);
    let (a, b) = (input.column(1), input.column(2));
    let mut out = Int64Builder::with_capacity(a.len());
    let mut part_cache = Cached::new();
    let mut zones = Cached::new();
    for i in 0..a.len() {
        if parts.is_null(i) || a.is_null(i) || b.is_null(i) {
            out.append_null();
            continue;
        }
        let tz = row_zone(input, i, &mut zones)?;
        let part = part_cache.get(parts.value(i), Part::parse)?;
        let (x, y) = (read(a, i, &tz)?, read(b, i, &tz)?);
        out.append_value(boundaries(part, x.wall(), y.wall()));
    }
    Ok(Arc::new(out.finish()))
}

fn truncate(part: Part, w: NaiveDateTime) -> NaiveDateTime {
    let date = w.date();
    let first = |month: u32| {
        NaiveDate::from_ymd_opt(date.year(), month, 1)
            .unwrap_or(date)
            .and_time(NaiveTime::MIN)
    };
    match part {
        Part::Year => first(1),
        Part::Quarter => first(date.month0() / 3 * 3 + 1),
        Part::Month => first(date.month()),
        Part::Week(first) => week_start(date, first).and_time(NaiveTime::MIN),
        Part::Day => date.and_time(NaiveTime::MIN),
        Part::Nanosecond | Part::Microsecond => w,
        clock => {
            let unit = clock.micros().unwrap_or(1);
            wall_of_micros(micros_of_wall(&w).div_euclid(unit) * unit)
        }
    }
}

fn date_trunc(input: &RecordBatch) -> FnResult {
    let parts = strings(input, 0);
    let values = input.column(1);
    let rows = values.len();
    let out_type = match values.data_type() {
        DataType::Utf8 => wall_type(),
        t => t.clone(),
    };
    let mut part_cache = Cached::new();
    let mut zones = Cached::new();
    let mut out: Option<Output> = None;
    for i in 0..rows {
        let tz = row_zone(input, i, &mut zones)?;
        let out = out.get_or_insert_with(|| Output::for_type(&out_type, rows, tz));
        if parts.is_null(i) || values.is_null(i) {
            out.null();
            continue;
        }
        let part = part_cache.get(parts.value(i), Part::parse)?;
        let value = read(values, i, &tz)?;
        out.use_offset_of(&value);
        if matches!(value, Value::Time(_)) && part.micros().is_none() {
            return Err(format!("Invalid date/time part {part:?} for a TIME value").into());
        }
        out.push(truncate(part, value.wall()));
    }
    match out {
        Some(o) => o.finish(),
        None => Output::for_type(&out_type, 0, chrono_tz::UTC).finish(),
    }
}

fn last_day_of(part: Part, d: NaiveDate) -> Fallible<NaiveDate> {
    let end_of_month = |year: i32, month: u32| -> Fallible<NaiveDate> {
        let first = NaiveDate::from_ymd_opt(year, month, 1).ok_or("date out of range")?;
        Ok(first
            .checked_add_months(Months::new(1))
            .ok_or("date out of range")?
            .pred_opt()
            .ok_or("date out of range")?)
    };
    match part {
        Part::Month => end_of_month(d.year(), d.month()),
        Part::Quarter => end_of_month(d.year(), d.month0() / 3 * 3 + 3),
        Part::Year => end_of_month(d.year(), 12),
        Part::Week(first) => Ok(week_start(d, first) + Days::new(6)),
        _ => Err(format!("Invalid date/time part {part:?} for LAST_DAY").into()),
    }
}

fn last_day(input: &RecordBatch) -> FnResult {
    let values = input.column(0);
    let parts = strings(input, 1);
    let mut out = Date32Builder::with_capacity(values.len());
    let mut part_cache = Cached::new();
    let mut zones = Cached::new();
    for i in 0..values.len() {
        if values.is_null(i) || parts.is_null(i) {
            out.append_null();
            continue;
        }
        let tz = row_zone(input, i, &mut zones)?;
        let part = part_cache.get(parts.value(i), Part::parse)?;
        let d = read(values, i, &tz)?.wall().date();
        out.append_value(days_of_date(last_day_of(part, d)?));
    }
    Ok(Arc::new(out.finish()))
}

/// A day of the week from its name: Snowflake reads the first two letters.
fn weekday(name: &str) -> Fallible<Weekday> {
    let lower = name.trim().to_ascii_lowercase();
    let key = lower.get(..2).unwrap_or("");
    Ok(match key {
        "mo" => Weekday::Mon,
        "tu" => Weekday::Tue,
        "we" => Weekday::Wed,
        "th" => Weekday::Thu,
        "fr" => Weekday::Fri,
        "sa" => Weekday::Sat,
        "su" => Weekday::Sun,
        _ => return Err(format!("Invalid day of week '{name}'").into()),
    })
}

fn next_day(input: &RecordBatch) -> FnResult {
    let values = input.column(0);
    let days = strings(input, 1);
    let directions = input.column(3).as_primitive::<Int64Type>();
    let mut out = Date32Builder::with_capacity(values.len());
    let mut day_cache = Cached::new();
    let mut zones = Cached::new();
    for i in 0..values.len() {
        if values.is_null(i) || days.is_null(i) {
            out.append_null();
            continue;
        }
        // (the zone is the third argument here: the direction comes last)
        let tz = zones.get(strings(input, 2).value(i), zone)?;
        let target = day_cache.get(days.value(i), weekday)?;
        let d = read(values, i, &tz)?.wall().date();
        let step = |d: NaiveDate| {
            if directions.value(i) < 0 {
                d.pred_opt()
            } else {
                d.succ_opt()
            }
        };
        let mut candidate = step(d).ok_or("date out of range")?;
        while candidate.weekday() != target {
            candidate = step(candidate).ok_or("date out of range")?;
        }
        out.append_value(days_of_date(candidate));
    }
    Ok(Arc::new(out.finish()))
}

/// The date and time types every function accepts, and text.
fn temporal_inputs() -> Vec<DataType> {
    vec![
        DataType::Date32,
        wall_type(),
        instant_type(),
        time_type(),
        DataType::Utf8,
        tz_type(),
    ]
}

fn text_as_wall(t: &DataType) -> DataType {
    match t {
        DataType::Utf8 => wall_type(),
        other => other.clone(),
    }
}

/// The NUMBER of days a DATE is moved by (`date ± n`): a DECIMAL (or BIGINT) in DuckDB, taken
/// as DOUBLE, which both convert to implicitly (the Arrow bridge carries no DECIMAL).
fn days_type() -> DataType {
    DataType::Float64
}

fn date_plus_days(input: &RecordBatch, sign: i64) -> FnResult {
    let (dates, days) = match input.column(0).data_type() {
        DataType::Date32 => (input.column(0), input.column(1)),
        _ => (input.column(1), input.column(0)),
    };
    let dates = dates.as_primitive::<Date32Type>();
    let days = days.as_primitive::<duckdb::arrow::datatypes::Float64Type>();
    let mut out = Date32Builder::with_capacity(dates.len());
    for i in 0..dates.len() {
        if dates.is_null(i) || days.is_null(i) {
            out.append_null();
            continue;
        }
        let n = days.value(i).round();
        let moved = (n.is_finite() && n.abs() < 1e9)
            .then_some(n as i64 * sign)
            .and_then(|n| n.checked_add(i64::from(dates.value(i))))
            .and_then(|n| i32::try_from(n).ok())
            .ok_or("date out of range")?;
        out.append_value(moved);
    }
    Ok(Arc::new(out.finish()))
}

struct DatePlusDays;

impl VArrowScalar for DatePlusDays {
    type State = ();
    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        date_plus_days(&input, 1)
    }
    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![
            ArrowFunctionSignature::exact(vec![DataType::Date32, days_type()], DataType::Date32),
            ArrowFunctionSignature::exact(vec![days_type(), DataType::Date32], DataType::Date32),
        ]
    }
}

struct DateMinusDays;

impl VArrowScalar for DateMinusDays {
    type State = ();
    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        date_plus_days(&input, -1)
    }
    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Date32, days_type()],
            DataType::Date32,
        )]
    }
}

struct DateAdd;

impl VArrowScalar for DateAdd {
    type State = ();
    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        add(&input, false)
    }
    fn signatures() -> Vec<ArrowFunctionSignature> {
        temporal_inputs()
            .into_iter()
            .filter(|t| *t != time_type())
            .map(|t| {
                let ret = text_as_wall(&t);
                ArrowFunctionSignature::exact(
                    vec![DataType::Utf8, DataType::Int64, t, DataType::Utf8],
                    ret,
                )
            })
            .collect()
    }
}

struct TimeAdd;

impl VArrowScalar for TimeAdd {
    type State = ();
    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        add(&input, true)
    }
    fn signatures() -> Vec<ArrowFunctionSignature> {
        temporal_inputs()
            .into_iter()
            .map(|t| {
                let ret = match &t {
                    DataType::Date32 | DataType::Utf8 => wall_type(),
                    other => other.clone(),
                };
                ArrowFunctionSignature::exact(
                    vec![DataType::Utf8, DataType::Int64, t, DataType::Utf8],
                    ret,
                )
            })
            .collect()
    }
}

struct DateDiff;

impl VArrowScalar for DateDiff {
    type State = ();
    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        date_diff(&input)
    }
    /// Any two date or time values, each read as its own type (text with an offset beside
    /// CURRENT_TIMESTAMP, a DATE beside a TIMESTAMP), but not a TIME beside a date.
    fn signatures() -> Vec<ArrowFunctionSignature> {
        let inputs = temporal_inputs();
        let mut out = Vec::new();
        for a in &inputs {
            for b in &inputs {
                let mixes_time = (*a == time_type()) != (*b == time_type());
                if mixes_time && *a != DataType::Utf8 && *b != DataType::Utf8 {
                    continue;
                }
                out.push(ArrowFunctionSignature::exact(
                    vec![DataType::Utf8, a.clone(), b.clone(), DataType::Utf8],
                    DataType::Int64,
                ));
            }
        }
        out
    }
}

struct DateTrunc;

impl VArrowScalar for DateTrunc {
    type State = ();
    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        date_trunc(&input)
    }
    fn signatures() -> Vec<ArrowFunctionSignature> {
        temporal_inputs()
            .into_iter()
            .map(|t| {
                let ret = text_as_wall(&t);
                ArrowFunctionSignature::exact(vec![DataType::Utf8, t, DataType::Utf8], ret)
            })
            .collect()
    }
}

struct LastDay;

impl VArrowScalar for LastDay {
    type State = ();
    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        last_day(&input)
    }
    fn signatures() -> Vec<ArrowFunctionSignature> {
        temporal_inputs()
            .into_iter()
            .filter(|t| *t != time_type())
            .map(|t| {
                ArrowFunctionSignature::exact(
                    vec![t, DataType::Utf8, DataType::Utf8],
                    DataType::Date32,
                )
            })
            .collect()
    }
}

struct NextDay;

impl VArrowScalar for NextDay {
    type State = ();
    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        next_day(&input)
    }
    fn signatures() -> Vec<ArrowFunctionSignature> {
        temporal_inputs()
            .into_iter()
            .filter(|t| *t != time_type())
            .map(|t| {
                ArrowFunctionSignature::exact(
                    vec![t, DataType::Utf8, DataType::Utf8, DataType::Int64],
                    DataType::Date32,
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    #[test]
    fn dates_move_by_a_number_of_days() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let row: (String, String, String, i64, String) = conn
            .query_row(
                "SELECT (DATE '2024-01-10' - 3::DECIMAL(38,0))::VARCHAR, \
                 (5::DECIMAL(18,0) + DATE '2024-01-10')::VARCHAR, \
                 (DATE '2024-01-10' - 1)::VARCHAR, 1 + 2, \
                 (DATE '2024-01-10' - DATE '2024-01-01')::VARCHAR",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .unwrap();
        assert_eq!(
            row,
            (
                "2024-01-07".into(),
                "2024-01-15".into(),
                "2024-01-09".into(),
                3,
                "9".into()
            )
        );
    }

    #[test]
    fn months_clamp_to_the_last_day() {
        assert_eq!(
            calendar_add(Part::Month, 1, wall("2024-01-31 10:00:00")).unwrap(),
            wall("2024-02-29 10:00:00")
        );
        assert_eq!(
            calendar_add(Part::Year, -1, wall("2024-02-29 00:00:00")).unwrap(),
            wall("2023-02-28 00:00:00")
        );
    }

    #[test]
    fn differences_count_boundaries() {
        let (a, b) = (wall("2023-12-31 23:59:59"), wall("2024-01-01 00:00:00"));
        for (part, n) in [
            (Part::Year, 1),
            (Part::Quarter, 1),
            (Part::Month, 1),
            (Part::Day, 1),
            (Part::Hour, 1),
            (Part::Second, 1),
        ] {
            assert_eq!(boundaries(part, a, b), n, "{part:?}");
        }
        // Saturday to Monday crosses one week boundary.
        assert_eq!(
            boundaries(
                Part::Week(0),
                wall("2024-01-06 00:00:00"),
                wall("2024-01-08 00:00:00")
            ),
            1
        );
        assert_eq!(boundaries(Part::Month, b, a), -1);
    }

    #[test]
    fn truncation_and_last_days() {
        assert_eq!(
            truncate(Part::Quarter, wall("2024-05-17 08:09:10")),
            wall("2024-04-01 00:00:00")
        );
        assert_eq!(
            truncate(Part::Week(0), wall("2024-05-19 08:09:10")),
            wall("2024-05-13 00:00:00")
        );
        assert_eq!(
            truncate(Part::Minute, wall("2024-05-19 08:09:10")),
            wall("2024-05-19 08:09:00")
        );
        let d = NaiveDate::from_ymd_opt(2024, 2, 10).unwrap();
        assert_eq!(
            last_day_of(Part::Month, d).unwrap().to_string(),
            "2024-02-29"
        );
        assert_eq!(
            last_day_of(Part::Quarter, d).unwrap().to_string(),
            "2024-03-31"
        );
        assert_eq!(
            last_day_of(Part::Week(0), d).unwrap().to_string(),
            "2024-02-11"
        );
        // WEEK_START = 7: weeks run Sunday to Saturday (2024-02-10 is a Saturday).
        assert_eq!(Part::parse("week_7").unwrap(), Part::Week(6));
        assert!(Part::parse("WEEK_8").is_err());
        assert_eq!(
            last_day_of(Part::Week(6), d).unwrap().to_string(),
            "2024-02-10"
        );
        assert_eq!(
            truncate(Part::Week(6), wall("2024-05-19 08:09:10")),
            wall("2024-05-19 00:00:00")
        );
        assert_eq!(weekday("FRIDAY").unwrap(), Weekday::Fri);
        assert!(weekday("x").is_err());
    }
}
