//! Time-zone functions registered into DuckDB.
//!
//! The bundled DuckDB has no ICU, so it knows only UTC (DESIGN.md, "Time zones are Snowglobe's
//! job"). Snowflake interprets zone-less text in the session `TIMEZONE`, shows TIMESTAMP_LTZ in
//! it, and takes date parts of LTZ values in local time. These functions do that work in Rust;
//! the translator calls them with the session's zone name as the last argument:
//!
//! - `sg_instant(x, zone) → TIMESTAMPTZ` (TIMESTAMP_LTZ/TZ): text (a date, a timestamp with or
//!   without a UTC offset, epoch digits), a wall clock, a date or epoch seconds as an instant;
//!   a wall clock without an offset is read in `zone`.
//! - `sg_ntz(x, zone) → TIMESTAMP` (TIMESTAMP_NTZ): the same inputs as a wall clock; an offset
//!   in text is dropped, an instant shows its wall clock in `zone`, epoch numbers are UTC.
//! - `sg_try_instant`, `sg_try_ntz`: the same, NULL where the input is not a timestamp.
//! - `sg_local(x, zone)`: an instant's wall clock in `zone`; other values pass through.
//! - `sg_on_day(x)`: a TIME as that time on 1970-01-01 (a TIMESTAMP, which `strftime`
//!   prints); other values pass through.
//! - `sg_date(x, zone) → DATE`, `sg_try_date`: the date of `sg_ntz(x, zone)` (TO_DATE).
//! - `sg_tz(x, zone) → STRUCT(instant, offset_minutes)` (TIMESTAMP_TZ's storage, see
//!   `snowglobe_catalog::types::TIMESTAMP_TZ_STORAGE`), `sg_try_tz`: the instant of
//!   `sg_instant(x, zone)` with the offset the text gives, else `zone`'s offset at that instant;
//!   a stored TIMESTAMP_TZ passes through.
//!
//! Every function also takes a stored TIMESTAMP_TZ: its wall clock is the one its own offset
//! shows (so `sg_ntz`, `sg_local` and `sg_date` read it as Snowflake does).

use std::error::Error;
use std::sync::Arc;

use chrono::{
    DateTime, FixedOffset, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc,
};
use chrono_tz::Tz;
use duckdb::arrow::array::{
    Array, ArrayRef, AsArray, Int16Builder, RecordBatch, StructArray, TimestampMicrosecondBuilder,
};
use duckdb::arrow::buffer::NullBuffer;
use duckdb::arrow::datatypes::{
    DataType, Date32Type, Field, Fields, Float64Type, Int16Type, Int64Type, TimeUnit,
    TimestampMicrosecondType,
};
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;

type FnResult = std::result::Result<ArrayRef, Box<dyn Error>>;

fn instant_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn wall_clock_type() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, None)
}

pub(crate) fn tz_fields() -> Fields {
    Fields::from(vec![
        Field::new(
            snowglobe_catalog::types::TZ_INSTANT_FIELD,
            instant_type(),
            true,
        ),
        Field::new(
            snowglobe_catalog::types::TZ_OFFSET_FIELD,
            DataType::Int16,
            true,
        ),
    ])
}

/// TIMESTAMP_TZ's storage as an Arrow type.
pub(crate) fn tz_type() -> DataType {
    DataType::Struct(tz_fields())
}

/// A stored TIMESTAMP_TZ value: its instant (microseconds) and offset (minutes).
pub(crate) fn stored_tz(
    column: &ArrayRef,
    i: usize,
) -> std::result::Result<(i64, i16), Box<dyn Error>> {
    let s = column.as_struct();
    let (instant, offset) = (s.column(0), s.column(1));
    if instant.is_null(i) {
        return Err("TIMESTAMP_TZ value without an instant".into());
    }
    let offset = if offset.is_null(i) {
        0
    } else {
        offset.as_primitive::<Int16Type>().value(i)
    };
    Ok((
        instant.as_primitive::<TimestampMicrosecondType>().value(i),
        offset,
    ))
}

/// Register every function of this module on the database `conn` belongs to.
pub fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<ToInstant>("sg_instant")?;
    conn.register_scalar_function::<TryToInstant>("sg_try_instant")?;
    conn.register_scalar_function::<ToWallClock>("sg_ntz")?;
    conn.register_scalar_function::<TryToWallClock>("sg_try_ntz")?;
    conn.register_scalar_function::<Local>("sg_local")?;
    conn.register_scalar_function::<UtcOf>("sg_utc")?;
    conn.register_scalar_function::<OnDay>("sg_on_day")?;
    conn.register_scalar_function::<ToDate>("sg_date")?;
    conn.register_scalar_function::<TryToDate>("sg_try_date")?;
    conn.register_scalar_function::<ToTz>("sg_tz")?;
    conn.register_scalar_function::<TryToTz>("sg_try_tz")?;
    Ok(())
}

/// A session zone name; an unknown name is an error Snowflake would have raised at ALTER SESSION.
fn zone(name: &str) -> std::result::Result<Tz, Box<dyn Error>> {
    name.parse::<Tz>()
        .map_err(|_| format!("Unknown timezone: '{name}'").into())
}

/// The instant of a wall clock in `tz`: an ambiguous time (autumn) takes the earlier instant, a
/// skipped time (spring) is moved forward by the gap, as Snowflake does.
pub fn instant_of_wall_clock(wall: NaiveDateTime, tz: &Tz) -> DateTime<Utc> {
    match tz.from_local_datetime(&wall) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, _) => a.with_timezone(&Utc),
        LocalResult::None => {
            let later = wall + chrono::Duration::hours(1);
            match tz.from_local_datetime(&later) {
                LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => t.with_timezone(&Utc),
                LocalResult::None => Utc.from_utc_datetime(&wall),
            }
        }
    }
}

/// Parsed timestamp text: the wall clock and, when the text has one, its UTC offset.
#[derive(Debug, PartialEq)]
pub struct ParsedTimestamp {
    pub wall: NaiveDateTime,
    pub offset: Option<FixedOffset>,
}

/// Split a trailing UTC offset (`Z`, `+05:30`, `+0530`, `+05`, `-08:00`, optionally after a
/// space) from timestamp text.
fn split_offset(text: &str) -> (&str, Option<FixedOffset>) {
    let t = text.trim_end();
    if let Some(rest) = t.strip_suffix('Z').or_else(|| t.strip_suffix('z')) {
        return (rest.trim_end(), FixedOffset::east_opt(0));
    }
    // The offset starts at the last '+' or '-' after the time part (never inside the date).
    let Some(time_start) = t.find([' ', 'T']) else {
        return (t, None);
    };
    let Some(sign_at) = t[time_start..].rfind(['+', '-']).map(|i| i + time_start) else {
        return (t, None);
    };
    let digits: String = t[sign_at + 1..].chars().filter(|c| *c != ':').collect();
    if digits.is_empty() || digits.len() > 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return (t, None);
    }
    let (h, m) = if digits.len() <= 2 {
        (digits.parse::<i32>().unwrap_or(0), 0)
    } else {
        let (h, m) = digits.split_at(digits.len() - 2);
        (h.parse::<i32>().unwrap_or(0), m.parse::<i32>().unwrap_or(0))
    };
    let seconds = (h * 60 + m) * 60;
    let seconds = if t.as_bytes()[sign_at] == b'-' {
        -seconds
    } else {
        seconds
    };
    (t[..sign_at].trim_end(), FixedOffset::east_opt(seconds))
}

/// Epoch digits scaled as Snowflake does: below 31536000000 seconds, then milliseconds,
/// microseconds and nanoseconds by magnitude.
fn epoch_micros(text: &str) -> Option<i64> {
    let value: f64 = text.parse().ok()?;
    if !text
        .chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '-')
    {
        return None;
    }
    let magnitude = value.abs();
    let micros = if magnitude < 31_536_000_000.0 {
        value * 1e6
    } else if magnitude < 31_536_000_000_000.0 {
        value * 1e3
    } else if magnitude < 31_536_000_000_000_000.0 {
        value
    } else {
        value / 1e3
    };
    Some(micros.round() as i64)
}

/// Text holding an integer is an epoch (seconds, milliseconds, microseconds or nanoseconds by
/// its magnitude, as Snowflake reads it: `TO_TIME('31536002789')` is 00:00:02.789): its UTC
/// wall clock as ISO text.
fn integer_epoch_as_iso(text: &str) -> Option<String> {
    let t = text.trim();
    let digits = t.strip_prefix('-').unwrap_or(t);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let m = epoch_micros(t)?;
    Some(
        from_micros(m)
            .naive_utc()
            .format("%Y-%m-%d %H:%M:%S%.6f")
            .to_string(),
    )
}

/// Parse Snowflake's default timestamp input forms (`AUTO`): a date, a date and time separated by
/// a space or `T`, fractional seconds up to nanoseconds, an optional offset; and the other
/// forms AUTO reads ([`parse_other_forms`]).
pub fn parse_timestamp(text: &str) -> Option<ParsedTimestamp> {
    parse_iso(text).or_else(|| parse_other_forms(text.trim()))
}

fn parse_iso(text: &str) -> Option<ParsedTimestamp> {
    let (body, offset) = split_offset(text.trim());
    let body = body.trim();
    let (date_text, time_text) = match body.find([' ', 'T']) {
        Some(i) => (&body[..i], Some(body[i + 1..].trim())),
        None => (body, None),
    };
    let date = NaiveDate::parse_from_str(date_text, "%Y-%m-%d").ok()?;
    let time = match time_text {
        None | Some("") => NaiveTime::MIN,
        Some(t) => parse_time_of_day(t)?,
    };
    Some(ParsedTimestamp {
        wall: date.and_time(time),
        offset,
    })
}

/// A time of day as AUTO reads it: `HH24:MI:SS.FF`, `HH24:MI`, `HH24`, or with `AM`/`PM`.
pub fn parse_time_of_day(t: &str) -> Option<NaiveTime> {
    let t = t.trim();
    if !t.is_empty() && t.len() <= 2 && t.chars().all(|c| c.is_ascii_digit()) {
        return NaiveTime::from_hms_opt(t.parse().ok()?, 0, 0);
    }
    ["%H:%M:%S%.f", "%H:%M", "%I:%M:%S%.f %p", "%I:%M %p"]
        .iter()
        .find_map(|f| NaiveTime::parse_from_str(t, f).ok())
}

/// The non-ISO forms Snowflake's AUTO detection reads: `MM/DD/YYYY [HH24:MI:SS]`,
/// `DD-MON-YYYY`, RFC 2822 `DY, DD MON YYYY HH24:MI:SS [TZHTZM]` (also with `AM`/`PM`), and
/// `DY MON DD HH24:MI:SS TZHTZM YYYY`.
fn parse_other_forms(text: &str) -> Option<ParsedTimestamp> {
    for f in ["%a %b %d %H:%M:%S%.f %z %Y", "%a, %d %b %Y %H:%M:%S%.f %z"] {
        if let Ok(t) = DateTime::parse_from_str(text, f) {
            return Some(ParsedTimestamp {
                wall: t.naive_local(),
                offset: Some(*t.offset()),
            });
        }
    }
    let wall = |body: &str| -> Option<NaiveDateTime> {
        for f in [
            "%m/%d/%Y %H:%M:%S%.f",
            "%m/%d/%Y %H:%M",
            "%m/%d/%Y %I:%M:%S%.f %p",
            "%a, %d %b %Y %H:%M:%S%.f",
            "%a, %d %b %Y %I:%M:%S%.f %p",
            "%d-%b-%Y %H:%M:%S%.f",
        ] {
            if let Ok(t) = NaiveDateTime::parse_from_str(body, f) {
                return Some(t);
            }
        }
        ["%m/%d/%Y", "%d-%b-%Y", "%a, %d %b %Y"]
            .iter()
            .find_map(|f| NaiveDate::parse_from_str(body, f).ok())
            .map(|d| d.and_time(NaiveTime::MIN))
    };
    if let Some(t) = wall(text) {
        return Some(ParsedTimestamp {
            wall: t,
            offset: None,
        });
    }
    let (body, offset) = split_offset(text);
    let offset = offset?;
    Some(ParsedTimestamp {
        wall: wall(body.trim())?,
        offset: Some(offset),
    })
}

/// Text in an AUTO form DuckDB's casts do not read, rewritten to one they do (ISO, 24-hour
/// clock); `None` when the text is ISO already or no AUTO form.
pub fn auto_text_as_iso(text: &str) -> Option<String> {
    if parse_iso(text).is_some() {
        return None;
    }
    if let Some(p) = parse_other_forms(text.trim()) {
        let wall = p.wall.format("%Y-%m-%d %H:%M:%S%.f").to_string();
        return Some(match p.offset {
            Some(o) => format!("{wall}{o}"),
            None => wall,
        });
    }
    // A bare number is no clock time here (TO_TIME reads it as seconds).
    let t = text.trim();
    if t.ends_with(['M', 'm']) {
        return parse_time_of_day(t).map(|t| t.format("%H:%M:%S%.f").to_string());
    }
    None
}

fn not_recognized(text: &str) -> Box<dyn Error> {
    format!("Timestamp '{text}' is not recognized").into()
}

fn from_micros(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(m).unwrap_or_default()
}

fn wall_micros(t: &NaiveDateTime) -> i64 {
    t.and_utc().timestamp_micros()
}

/// What a conversion produces.
#[derive(Clone, Copy, PartialEq)]
enum Target {
    /// An instant (TIMESTAMP_LTZ / TIMESTAMP_TZ): zone-less input is read in the session zone.
    Instant,
    /// A wall clock (TIMESTAMP_NTZ): offsets are dropped, instants shown in the session zone.
    WallClock,
}

/// One value of any supported input type, as microseconds of `target`.
fn convert_value(
    column: &ArrayRef,
    i: usize,
    tz: &Tz,
    target: Target,
) -> std::result::Result<i64, Box<dyn Error>> {
    let from_wall = |wall: NaiveDateTime| match target {
        Target::Instant => instant_of_wall_clock(wall, tz).timestamp_micros(),
        Target::WallClock => wall_micros(&wall),
    };
    let from_instant = |m: i64| match target {
        Target::Instant => m,
        Target::WallClock => wall_micros(&from_micros(m).with_timezone(tz).naive_local()),
    };
    Ok(match column.data_type() {
        DataType::Utf8 => {
            let text = column.as_string::<i32>().value(i);
            if let Some(m) = epoch_micros(text.trim()) {
                // Epoch numbers are UTC instants; as NTZ they are the UTC wall clock.
                return Ok(m);
            }
            let parsed = parse_timestamp(text).ok_or_else(|| not_recognized(text))?;
            match (parsed.offset, target) {
                (Some(offset), Target::Instant) => offset
                    .from_local_datetime(&parsed.wall)
                    .single()
                    .ok_or_else(|| not_recognized(text))?
                    .timestamp_micros(),
                _ => from_wall(parsed.wall),
            }
        }
        DataType::Timestamp(_, None) => from_wall(
            from_micros(column.as_primitive::<TimestampMicrosecondType>().value(i)).naive_utc(),
        ),
        DataType::Timestamp(_, Some(_)) => {
            from_instant(column.as_primitive::<TimestampMicrosecondType>().value(i))
        }
        DataType::Date32 => {
            let days = column.as_primitive::<Date32Type>().value(i);
            let date =
                NaiveDate::from_num_days_from_ce_opt(days + 719_163).ok_or("date out of range")?;
            from_wall(date.and_time(NaiveTime::MIN))
        }
        DataType::Int64 => column
            .as_primitive::<Int64Type>()
            .value(i)
            .checked_mul(1_000_000)
            .ok_or("epoch out of range")?,
        DataType::Float64 => (column.as_primitive::<Float64Type>().value(i) * 1e6).round() as i64,
        DataType::Struct(_) => {
            let (m, offset) = stored_tz(column, i)?;
            match target {
                Target::Instant => m,
                Target::WallClock => m + i64::from(offset) * 60_000_000,
            }
        }
        other => return Err(format!("cannot convert {other} to a timestamp").into()),
    })
}

/// The zone named `name`, parsed once while the name repeats (it is the session's, per row).
fn cached_zone(
    name: &str,
    last: &mut Option<(String, Tz)>,
) -> std::result::Result<Tz, Box<dyn Error>> {
    if let Some((n, tz)) = last {
        if n == name {
            return Ok(*tz);
        }
    }
    let tz = zone(name)?;
    *last = Some((name.to_string(), tz));
    Ok(tz)
}

/// Convert column 0 (any supported type) with the zone in column 1; `try_mode` turns failures
/// into NULLs (Snowflake's TRY_ functions).
fn convert(input: &RecordBatch, target: Target, try_mode: bool) -> FnResult {
    let column = input.column(0);
    let zones = input.column(1).as_string::<i32>();
    let mut out = TimestampMicrosecondBuilder::with_capacity(column.len());
    let mut last_zone: Option<(String, Tz)> = None;
    for i in 0..column.len() {
        if column.is_null(i) || zones.is_null(i) {
            out.append_null();
            continue;
        }
        let tz = cached_zone(zones.value(i), &mut last_zone)?;
        match convert_value(column, i, &tz, target) {
            Ok(m) => out.append_value(m),
            Err(_) if try_mode => out.append_null(),
            Err(e) => return Err(e),
        }
    }
    let array = out.finish();
    Ok(match target {
        Target::Instant => Arc::new(array.with_timezone("UTC")),
        Target::WallClock => Arc::new(array),
    })
}

/// The argument types every conversion accepts (with the zone name after each).
fn convertible_inputs() -> Vec<DataType> {
    vec![
        DataType::Utf8,
        wall_clock_type(),
        instant_type(),
        DataType::Date32,
        DataType::Int64,
        DataType::Float64,
        tz_type(),
    ]
}

fn conversion_signatures(returns: DataType) -> Vec<ArrowFunctionSignature> {
    convertible_inputs()
        .into_iter()
        .map(|t| ArrowFunctionSignature::exact(vec![t, DataType::Utf8], returns.clone()))
        .collect()
}

/// A registered function: how it is invoked and what it returns for each convertible input.
macro_rules! conversion {
    ($name:ident, $invoke:expr, $returns:expr) => {
        struct $name;
        impl VArrowScalar for $name {
            type State = ();
            fn invoke(_: &(), input: RecordBatch) -> FnResult {
                $invoke(&input)
            }
            fn signatures() -> Vec<ArrowFunctionSignature> {
                conversion_signatures($returns)
            }
        }
    };
}

conversion!(
    ToInstant,
    |i| convert(i, Target::Instant, false),
    instant_type()
);
conversion!(
    TryToInstant,
    |i| convert(i, Target::Instant, true),
    instant_type()
);
conversion!(
    ToWallClock,
    |i| convert(i, Target::WallClock, false),
    wall_clock_type()
);
conversion!(
    TryToWallClock,
    |i| convert(i, Target::WallClock, true),
    wall_clock_type()
);

/// The date of a wall-clock conversion; text that is no date fails as Snowflake words it.
fn to_date(input: &RecordBatch, try_mode: bool) -> FnResult {
    let walls = convert(input, Target::WallClock, try_mode).map_err(|e| {
        let text = e.to_string();
        match text.strip_prefix("Timestamp ") {
            Some(rest) => format!("Date {rest}").into(),
            None => e,
        }
    })?;
    let walls = walls.as_primitive::<TimestampMicrosecondType>();
    let mut out = duckdb::arrow::array::Date32Builder::with_capacity(walls.len());
    for i in 0..walls.len() {
        if walls.is_null(i) {
            out.append_null();
        } else {
            out.append_value(walls.value(i).div_euclid(86_400_000_000) as i32);
        }
    }
    Ok(Arc::new(out.finish()))
}

conversion!(ToDate, |i| to_date(i, false), DataType::Date32);
conversion!(TryToDate, |i| to_date(i, true), DataType::Date32);

/// One value as TIMESTAMP_TZ: (instant in microseconds, offset in minutes).
fn tz_value(
    column: &ArrayRef,
    i: usize,
    tz: &Tz,
) -> std::result::Result<(i64, i16), Box<dyn Error>> {
    if matches!(column.data_type(), DataType::Struct(_)) {
        return stored_tz(column, i);
    }
    let instant = convert_value(column, i, tz, Target::Instant)?;
    let given = match column.data_type() {
        DataType::Utf8 => {
            let text = column.as_string::<i32>().value(i);
            if epoch_micros(text.trim()).is_some() {
                None
            } else {
                parse_timestamp(text).and_then(|p| p.offset)
            }
        }
        _ => None,
    };
    let seconds = match given {
        Some(offset) => offset.local_minus_utc(),
        None => tz
            .offset_from_utc_datetime(&from_micros(instant).naive_utc())
            .fix()
            .local_minus_utc(),
    };
    Ok((instant, (seconds / 60) as i16))
}

/// `sg_tz(x, zone)`: column 0 as TIMESTAMP_TZ's storage; `try_mode` turns failures into NULLs.
fn to_tz(input: &RecordBatch, try_mode: bool) -> FnResult {
    let column = input.column(0);
    let zones = input.column(1).as_string::<i32>();
    let mut instants = TimestampMicrosecondBuilder::with_capacity(column.len());
    let mut offsets = Int16Builder::with_capacity(column.len());
    let mut valid = Vec::with_capacity(column.len());
    let mut last_zone: Option<(String, Tz)> = None;
    for i in 0..column.len() {
        let value = if column.is_null(i) || zones.is_null(i) {
            None
        } else {
            let tz = cached_zone(zones.value(i), &mut last_zone)?;
            match tz_value(column, i, &tz) {
                Ok(v) => Some(v),
                Err(_) if try_mode => None,
                Err(e) => return Err(e),
            }
        };
        match value {
            Some((instant, offset)) => {
                instants.append_value(instant);
                offsets.append_value(offset);
                valid.push(true);
            }
            None => {
                instants.append_null();
                offsets.append_null();
                valid.push(false);
            }
        }
    }
    let children: Vec<ArrayRef> = vec![
        Arc::new(instants.finish().with_timezone("UTC")),
        Arc::new(offsets.finish()),
    ];
    Ok(Arc::new(StructArray::try_new(
        tz_fields(),
        children,
        Some(NullBuffer::from(valid)),
    )?))
}

conversion!(ToTz, |i| to_tz(i, false), tz_type());
conversion!(TryToTz, |i| to_tz(i, true), tz_type());

/// `sg_on_day(x)`: a TIME (microseconds since midnight) becomes that time on 1970-01-01, so
/// TO_CHAR can print it with `strftime`; a wall clock, a date or text passes through.
struct OnDay;

impl VArrowScalar for OnDay {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        let column = input.column(0);
        match column.data_type() {
            DataType::Time64(TimeUnit::Microsecond) => {
                let times =
                    column.as_primitive::<duckdb::arrow::datatypes::Time64MicrosecondType>();
                let mut out = TimestampMicrosecondBuilder::with_capacity(times.len());
                for t in times.iter() {
                    out.append_option(t);
                }
                Ok(Arc::new(out.finish()))
            }
            _ => Ok(Arc::clone(column)),
        }
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        [
            (DataType::Time64(TimeUnit::Microsecond), wall_clock_type()),
            (wall_clock_type(), wall_clock_type()),
            (DataType::Date32, DataType::Date32),
            (DataType::Utf8, DataType::Utf8),
        ]
        .into_iter()
        .map(|(arg, ret)| ArrowFunctionSignature::exact(vec![arg], ret))
        .collect()
    }
}

/// `sg_local(x, zone)`: an instant becomes its wall clock in `zone`; any other date or time
/// value is already local and passes through, so date-part functions can wrap any argument.
struct Local;

impl VArrowScalar for Local {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> FnResult {
        match input.column(0).data_type() {
            DataType::Timestamp(_, Some(_)) | DataType::Struct(_) => {
                convert(&input, Target::WallClock, false)
            }
            // Text in an AUTO form DuckDB's casts do not read (`04:01:07 PM`, `12/17/1980`)
            // becomes ISO text.
            DataType::Utf8 => {
                let texts = input.column(0).as_string::<i32>();
                let out: duckdb::arrow::array::StringArray = texts
                    .iter()
                    .map(|t| {
                        t.map(|t| {
                            integer_epoch_as_iso(t)
                                .or_else(|| auto_text_as_iso(t))
                                .unwrap_or_else(|| t.to_string())
                        })
                    })
                    .collect();
                Ok(Arc::new(out))
            }
            _ => Ok(Arc::clone(input.column(0))),
        }
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        [
            (instant_type(), wall_clock_type()),
            (tz_type(), wall_clock_type()),
            (wall_clock_type(), wall_clock_type()),
            (DataType::Date32, DataType::Date32),
            (
                DataType::Time64(TimeUnit::Microsecond),
                DataType::Time64(TimeUnit::Microsecond),
            ),
            (DataType::Utf8, DataType::Utf8),
        ]
        .into_iter()
        .map(|(arg, ret)| ArrowFunctionSignature::exact(vec![arg, DataType::Utf8], ret))
        .collect()
    }
}

/// `sg_utc(x, zone)`: the UTC wall clock of an instant (a TIMESTAMP_LTZ, or a TIMESTAMP_TZ
/// whatever its offset), so epoch parts count from the instant; any other value passes
/// through as `sg_local` passes it (a TIMESTAMP_NTZ's wall clock is read as UTC).
struct UtcOf;

impl VArrowScalar for UtcOf {
    type State = ();

    fn invoke(state: &(), input: RecordBatch) -> FnResult {
        match input.column(0).data_type() {
            DataType::Timestamp(_, Some(_)) | DataType::Struct(_) => {
                let instants = convert(&input, Target::Instant, false)?;
                let wall = instants
                    .as_primitive::<TimestampMicrosecondType>()
                    .clone()
                    .with_timezone_opt(None::<String>);
                Ok(Arc::new(wall))
            }
            _ => Local::invoke(state, input),
        }
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        Local::signatures()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").unwrap()
    }

    #[test]
    fn reads_the_other_auto_forms() {
        for (text, expected) in [
            ("12/17/1980", Some("1980-12-17 00:00:00")),
            ("17-DEC-1980", Some("1980-12-17 00:00:00")),
            ("2/18/2008 02:36:48", Some("2008-02-18 02:36:48")),
            (
                "Thu, 21 Dec 2000 16:01:07 +0200",
                Some("2000-12-21 16:01:07+02:00"),
            ),
            (
                "Mon Jul 08 18:09:51 +0000 2013",
                Some("2013-07-08 18:09:51+00:00"),
            ),
            ("04:01:07 PM", Some("16:01:07")),
            ("12:01 AM", Some("00:01:00")),
            ("2024-01-02 03:04:05", None),
            ("not a date", None),
        ] {
            assert_eq!(auto_text_as_iso(text).as_deref(), expected, "{text}");
        }
        let p = parse_timestamp("2013-04-28 20").unwrap();
        assert_eq!(p.wall, wall("2013-04-28 20:00:00.0"));
    }

    #[test]
    fn parses_offsets_in_every_form() {
        for (text, minutes) in [
            ("2024-01-02 03:04:05 +05:30", 330),
            ("2024-01-02 03:04:05+0530", 330),
            ("2024-01-02T03:04:05-08:00", -480),
            ("2024-01-02 03:04:05Z", 0),
            ("2024-01-02 03:04:05+00", 0),
        ] {
            let p = parse_timestamp(text).unwrap();
            assert_eq!(p.wall, wall("2024-01-02 03:04:05.0"), "{text}");
            assert_eq!(p.offset.unwrap().local_minus_utc(), minutes * 60, "{text}");
        }
    }

    #[test]
    fn parses_dates_and_fractions_without_offset() {
        assert_eq!(
            parse_timestamp("2024-01-02").unwrap().wall,
            wall("2024-01-02 00:00:00.0")
        );
        let p = parse_timestamp("2024-01-02 03:04:05.123456789").unwrap();
        assert_eq!(p.offset, None);
        assert_eq!(p.wall, wall("2024-01-02 03:04:05.123456789"));
        assert!(parse_timestamp("not a time").is_none());
    }

    #[test]
    fn epoch_digits_scale_by_magnitude() {
        assert_eq!(epoch_micros("1705320000"), Some(1_705_320_000_000_000));
        assert_eq!(epoch_micros("1705320000000"), Some(1_705_320_000_000_000));
        assert_eq!(epoch_micros("2024-01-02"), None);
    }

    #[test]
    fn registered_functions_keep_nulls() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let row: (Option<String>, Option<String>, Option<String>, String) = conn
            .query_row(
                "SELECT sg_try_ntz('bad', 'UTC')::VARCHAR, sg_ntz(NULL::VARCHAR, 'UTC')::VARCHAR, \
                 sg_try_instant(x, 'UTC')::VARCHAR, sg_instant('2024-01-02 03:04:05 +05:30', 'UTC')::VARCHAR \
                 FROM (VALUES ('nope')) t(x)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .unwrap();
        assert_eq!(
            row,
            (None, None, None, "2024-01-01 21:34:05+00".to_string())
        );
    }

    #[test]
    fn timestamp_tz_keeps_the_offset_it_is_given() {
        let conn = Connection::open_in_memory().unwrap();
        register(&conn).unwrap();
        let row: (String, i16, i16, String, String, Option<String>) = conn
            .query_row(
                "SELECT struct_extract(a, 'instant')::VARCHAR, struct_extract(a, 'offset_minutes'), \
                 struct_extract(b, 'offset_minutes'), sg_ntz(a, 'UTC')::VARCHAR, \
                 struct_extract(sg_tz(a, 'UTC'), 'offset_minutes')::VARCHAR, sg_try_tz('x', 'UTC')::VARCHAR \
                 FROM (SELECT sg_tz('2024-01-02 03:04:05 +05:30', 'UTC') AS a, \
                 sg_tz('2024-07-01 12:00:00', 'America/Los_Angeles') AS b)",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .unwrap();
        assert_eq!(
            row,
            (
                "2024-01-01 21:34:05+00".to_string(),
                330,
                -420,
                "2024-01-02 03:04:05".to_string(),
                "330".to_string(),
                None
            )
        );
        let null: Option<String> = conn
            .query_row("SELECT sg_tz(NULL::VARCHAR, 'UTC')::VARCHAR", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(null, None);
    }

    #[test]
    fn skipped_wall_clock_moves_forward() {
        let tz: Tz = "America/Los_Angeles".parse().unwrap();
        let t = instant_of_wall_clock(wall("2024-03-10 02:30:00.0"), &tz);
        assert_eq!(
            t.with_timezone(&tz).naive_local(),
            wall("2024-03-10 03:30:00.0")
        );
    }
}
