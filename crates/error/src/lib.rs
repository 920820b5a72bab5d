//! Snowflake errors: the code, SQLSTATE and message wording a real Snowflake gives, shared by
//! every crate so that the server turns any failure into the same wire shape in one place.
//!
//! Layout:
//! - [`ErrorCode`]: every Snowflake error Snowglobe can raise, each mapped to its numeric code and
//!   SQLSTATE by one exhaustive `match` (a new variant cannot compile without its code).
//! - [`SnowflakeError`]: a code plus the message text, with constructors that spell Snowflake's
//!   wording once.

use std::fmt;

/// A Snowflake error kind. The numeric code and SQLSTATE come from [`ErrorCode::code`] and
/// [`ErrorCode::sqlstate`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorCode {
    /// 000002: unsupported feature.
    Unsupported,
    /// 000008: multi-statement count mismatch.
    StatementCountMismatch,
    /// 000904: invalid identifier (unknown column).
    InvalidIdentifier,
    /// 001003: syntax error.
    SyntaxError,
    /// 002002: object already exists.
    AlreadyExists,
    /// 002003: object does not exist or not authorized.
    DoesNotExist,
    /// 002043: object does not exist, or operation cannot be performed.
    CannotPerform,
    /// 001044: invalid argument types for a function.
    InvalidArgumentTypes,
    /// 002140: unknown function.
    UnknownFunction,
    /// 090105: no current database.
    NoCurrentDatabase,
    /// 090106: no current schema.
    NoCurrentSchema,
    /// 090064: an object in the wrong state for the operation (a running warehouse resumed).
    InvalidState,
    /// 100035: timestamp not recognized.
    TimestampNotRecognized,
    /// 100040: date not recognized.
    DateNotRecognized,
    /// 100038: numeric value not recognized.
    NumericNotRecognized,
    /// 100037: boolean value not recognized.
    BooleanNotRecognized,
    /// 100051: division by zero.
    DivisionByZero,
    /// 100072: NULL in a non-nullable column.
    NullInNonNullable,
    /// 100069: bad JSON text.
    JsonParse,
    /// 100046: numeric value out of range.
    NumericOutOfRange,
    /// 100039: a converted numeric value does not fit the target precision and scale.
    NumericValueOutOfRange,
    /// 000603: internal error (engine failure Snowglobe could not classify).
    Internal,
    /// 000604: statement cancelled.
    Cancelled,
    /// 000630: statement cancelled by STATEMENT_TIMEOUT_IN_SECONDS.
    StatementTimeout,
    /// 390100: incorrect username or password.
    BadCredentials,
    /// 390112: session token expired or unknown.
    SessionExpired,
    /// 390114: master token expired or unknown.
    MasterTokenExpired,
    /// 390101: malformed request (bad body, bad JSON, missing fields).
    BadRequest,
    /// 000709: query id unknown.
    QueryNotFound,
    /// 002211: a session variable that was never set.
    UndefinedVariable,
    /// 100080: a CSV file's column count differs from the table's.
    ColumnCountMismatch,
    /// 100074: text longer than the VARCHAR(n) column it goes into.
    StringTooLong,
    /// 100096: text that does not match the format given to TO_DATE / TO_TIMESTAMP / TO_TIME.
    CannotParse,
    /// 100090: a MERGE or UPDATE that would change one target row twice.
    DuplicateRow,
    /// 090150: a scalar subquery returned more than one row.
    SingleRowSubquery,
    /// 100048: a regular expression that does not compile.
    InvalidRegex,
    /// 002020: an INSERT giving more or fewer values than the columns it names.
    InsertValueCount,
    /// 100107: a value that should be an ARRAY is not (ARRAY_FLATTEN of non-arrays).
    NotAnArray,
    /// 002108: ALTER COLUMN to a type of another kind (NUMBER to VARCHAR, FLOAT to NUMBER...).
    ColumnTypeIncompatible,
    /// 002049: a bind placeholder with no value bound.
    BindNotSet,
    /// 000979: a grouped query naming a column outside the grouping in HAVING, ORDER BY or an
    /// implicitly grouped select list (`[T.B] is not a valid group by expression`), or a GROUP
    /// BY / ORDER BY position past the select list (`[5] is not a valid order by expression`).
    NotGroupByExpression,
    /// 001104: a select-list column that is neither aggregated nor grouped by the GROUP BY.
    UngroupedSelectColumn,
    /// 001789: set operation branches of different widths.
    SetOperatorColumns,
    /// 100189: an OBJECT given the same key twice (OBJECT_AGG, OBJECT_CONSTRUCT, OBJECT_INSERT
    /// without its update flag): "Duplicate field key 'k'", as the OBJECT_AGG page words it.
    /// The page names no code; Snowglobe answers with a data error of the 100xxx family.
    DuplicateFieldKey,
    /// 100115: text a HEX or BASE64 decoder cannot read ("The following string is not a legal
    /// hex-encoded value: 'zz'"; Snowflake's documented code for hex, used for base64 too).
    IllegalEncoding,
    /// 100139: PARSE_URL of text that is not a URL ("Error parsing URL: scheme not specified").
    UrlParse,
    /// PARSE_IP of text that is not an address, UUID_STRING of a namespace that is not a UUID.
    /// Snowflake's pages name no code; Snowglobe answers with a data error of the 100xxx family.
    BadArgumentValue,
    /// 040052: ALTER COLUMN changing a NUMBER's scale, or narrowing a type below its values.
    ColumnTypeNarrowed,
    /// A Snowflake Scripting exception a block raised and did not catch: its declared number,
    /// -20999 to -20000 (numbers outside that range are -20000).
    Raised(i32),
}

/// The user exception numbers as text, `-20000` first.
fn raised_code(n: i32) -> &'static str {
    static CODES: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    let codes = CODES.get_or_init(|| (0..1000).map(|i| format!("-{}", 20000 + i)).collect());
    let index = usize::try_from(-n - 20000).ok().filter(|i| *i < 1000);
    &codes[index.unwrap_or(0)]
}

impl ErrorCode {
    /// Snowflake's numeric error code, as the six-digit string clients receive.
    pub fn code(self) -> &'static str {
        match self {
            ErrorCode::Unsupported => "000002",
            ErrorCode::StatementCountMismatch => "000008",
            ErrorCode::InvalidIdentifier => "000904",
            ErrorCode::SyntaxError => "001003",
            ErrorCode::AlreadyExists => "002002",
            ErrorCode::DoesNotExist => "002003",
            ErrorCode::CannotPerform => "002043",
            ErrorCode::InvalidArgumentTypes => "001044",
            ErrorCode::UnknownFunction => "002140",
            ErrorCode::NoCurrentDatabase => "090105",
            ErrorCode::NoCurrentSchema => "090106",
            ErrorCode::InvalidState => "090064",
            ErrorCode::TimestampNotRecognized => "100035",
            ErrorCode::DateNotRecognized => "100040",
            ErrorCode::NumericNotRecognized => "100038",
            ErrorCode::BooleanNotRecognized => "100037",
            ErrorCode::DivisionByZero => "100051",
            ErrorCode::NullInNonNullable => "100072",
            ErrorCode::JsonParse => "100069",
            ErrorCode::NumericOutOfRange => "100046",
            ErrorCode::NumericValueOutOfRange => "100039",
            ErrorCode::Internal => "000603",
            ErrorCode::Cancelled => "000604",
            ErrorCode::StatementTimeout => "000630",
            ErrorCode::BadCredentials => "390100",
            ErrorCode::SessionExpired => "390112",
            ErrorCode::MasterTokenExpired => "390114",
            ErrorCode::BadRequest => "390101",
            ErrorCode::QueryNotFound => "000709",
            ErrorCode::UndefinedVariable => "002211",
            ErrorCode::ColumnCountMismatch => "100080",
            ErrorCode::StringTooLong => "100074",
            ErrorCode::CannotParse => "100096",
            ErrorCode::DuplicateRow => "100090",
            ErrorCode::SingleRowSubquery => "090150",
            ErrorCode::InvalidRegex => "100048",
            ErrorCode::InsertValueCount => "002020",
            ErrorCode::NotAnArray => "100107",
            ErrorCode::ColumnTypeIncompatible => "002108",
            ErrorCode::ColumnTypeNarrowed => "040052",
            ErrorCode::DuplicateFieldKey => "100189",
            ErrorCode::IllegalEncoding => "100115",
            ErrorCode::UrlParse => "100139",
            ErrorCode::BadArgumentValue => "100140",
            ErrorCode::BindNotSet => "002049",
            ErrorCode::NotGroupByExpression => "000979",
            ErrorCode::UngroupedSelectColumn => "001104",
            ErrorCode::SetOperatorColumns => "001789",
            ErrorCode::Raised(n) => raised_code(n),
        }
    }

    /// The ANSI SQLSTATE Snowflake pairs with the code.
    pub fn sqlstate(self) -> &'static str {
        match self {
            ErrorCode::Unsupported => "0A000",
            ErrorCode::StatementCountMismatch => "0A000",
            ErrorCode::InvalidIdentifier => "42000",
            ErrorCode::SyntaxError => "42000",
            ErrorCode::AlreadyExists => "42710",
            ErrorCode::DoesNotExist => "42S02",
            ErrorCode::CannotPerform => "02000",
            ErrorCode::InvalidArgumentTypes => "42P13",
            ErrorCode::UnknownFunction
            | ErrorCode::BindNotSet
            | ErrorCode::NotGroupByExpression
            | ErrorCode::UngroupedSelectColumn
            | ErrorCode::SetOperatorColumns => "42601",
            ErrorCode::NoCurrentDatabase => "22000",
            ErrorCode::NoCurrentSchema => "22000",
            ErrorCode::InvalidState => "22000",
            ErrorCode::TimestampNotRecognized => "22007",
            ErrorCode::DateNotRecognized => "22007",
            ErrorCode::NumericNotRecognized => "22018",
            ErrorCode::BooleanNotRecognized => "22018",
            ErrorCode::DivisionByZero => "22012",
            ErrorCode::NullInNonNullable => "22000",
            ErrorCode::JsonParse => "22000",
            ErrorCode::NumericOutOfRange | ErrorCode::NumericValueOutOfRange => "22003",
            ErrorCode::Internal => "XX000",
            ErrorCode::Cancelled | ErrorCode::StatementTimeout => "57014",
            ErrorCode::BadCredentials => "28000",
            ErrorCode::SessionExpired => "08001",
            ErrorCode::MasterTokenExpired => "08001",
            ErrorCode::BadRequest => "08001",
            ErrorCode::QueryNotFound => "02000",
            ErrorCode::UndefinedVariable => "02000",
            ErrorCode::ColumnCountMismatch => "22000",
            ErrorCode::StringTooLong => "22001",
            ErrorCode::CannotParse => "22007",
            ErrorCode::DuplicateRow => "42P18",
            ErrorCode::SingleRowSubquery => "22000",
            ErrorCode::InvalidRegex => "2201B",
            ErrorCode::InsertValueCount => "21S01",
            ErrorCode::ColumnTypeIncompatible
            | ErrorCode::ColumnTypeNarrowed
            | ErrorCode::NotAnArray
            | ErrorCode::DuplicateFieldKey
            | ErrorCode::IllegalEncoding
            | ErrorCode::UrlParse
            | ErrorCode::BadArgumentValue => "22000",
            ErrorCode::Raised(_) => "P0001",
        }
    }

    /// Snowflake's error "type" field: compilation errors are found before execution.
    pub fn is_compilation(self) -> bool {
        matches!(
            self,
            ErrorCode::Unsupported
                | ErrorCode::InvalidIdentifier
                | ErrorCode::SyntaxError
                | ErrorCode::AlreadyExists
                | ErrorCode::DoesNotExist
                | ErrorCode::CannotPerform
                | ErrorCode::InvalidArgumentTypes
                | ErrorCode::UnknownFunction
                | ErrorCode::BindNotSet
                | ErrorCode::NotGroupByExpression
                | ErrorCode::UngroupedSelectColumn
                | ErrorCode::SetOperatorColumns
                | ErrorCode::UndefinedVariable
                | ErrorCode::InsertValueCount
                | ErrorCode::ColumnTypeIncompatible
                | ErrorCode::ColumnTypeNarrowed
        )
    }

    /// An error caused by a value in the data (a file being loaded), not by the statement.
    pub fn is_data_error(self) -> bool {
        matches!(
            self,
            ErrorCode::TimestampNotRecognized
                | ErrorCode::DateNotRecognized
                | ErrorCode::NumericNotRecognized
                | ErrorCode::BooleanNotRecognized
                | ErrorCode::NullInNonNullable
                | ErrorCode::JsonParse
                | ErrorCode::NumericOutOfRange
                | ErrorCode::NumericValueOutOfRange
                | ErrorCode::ColumnCountMismatch
                | ErrorCode::StringTooLong
        )
    }
}

/// A Snowflake error: a code and the message a client shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct SnowflakeError {
    pub code: ErrorCode,
    pub message: String,
}

/// Quote an object name as Snowflake prints it in messages.
fn quoted(name: &str) -> String {
    format!("'{name}'")
}

impl SnowflakeError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        SnowflakeError {
            code,
            message: message.into(),
        }
    }

    /// `SQL compilation error:\n<detail>`, Snowflake's prefix for compile-time failures.
    pub fn compilation(code: ErrorCode, detail: impl fmt::Display) -> Self {
        Self::new(code, format!("SQL compilation error:\n{detail}"))
    }

    /// Syntax error at a 1-based line and 0-based position, naming the unexpected token.
    pub fn syntax(line: u64, position: u64, unexpected: &str) -> Self {
        Self::new(
            ErrorCode::SyntaxError,
            format!(
                "SQL compilation error:\nsyntax error line {line} at position {position} unexpected '{unexpected}'."
            ),
        )
    }

    /// `Object 'X' does not exist or not authorized.` (`kind` is "Object", "Database", "Schema", ...).
    pub fn does_not_exist(kind: &str, name: &str) -> Self {
        Self::compilation(
            ErrorCode::DoesNotExist,
            format!("{kind} {} does not exist or not authorized.", quoted(name)),
        )
    }

    /// `Object 'X' already exists.`
    pub fn already_exists(kind: &str, name: &str) -> Self {
        Self::compilation(
            ErrorCode::AlreadyExists,
            format!("{kind} {} already exists.", quoted(name)),
        )
    }

    /// `error line L at position P\ninvalid identifier 'X'` (line 1-based, position 0-based).
    pub fn invalid_identifier(name: &str, line: u64, position: u64) -> Self {
        Self::new(
            ErrorCode::InvalidIdentifier,
            format!(
                "SQL compilation error: error line {line} at position {position}\ninvalid identifier {}",
                quoted(name)
            ),
        )
    }

    /// A feature Snowglobe does not emulate, named so the user knows what to avoid.
    pub fn unsupported(feature: impl fmt::Display) -> Self {
        Self::compilation(
            ErrorCode::Unsupported,
            format!("Unsupported feature '{feature}'."),
        )
    }

    /// No current database for an unqualified name.
    pub fn no_current_database(operation: &str) -> Self {
        Self::new(
            ErrorCode::NoCurrentDatabase,
            format!("Cannot perform {operation}. This session does not have a current database. Call 'USE DATABASE', or use a qualified name."),
        )
    }

    /// No current schema for an unqualified name.
    pub fn no_current_schema(operation: &str) -> Self {
        Self::new(
            ErrorCode::NoCurrentSchema,
            format!("Cannot perform {operation}. This session does not have a current schema. Call 'USE SCHEMA', or use a qualified name."),
        )
    }

    pub fn division_by_zero() -> Self {
        Self::new(ErrorCode::DivisionByZero, "Division by zero")
    }

    /// 100074: `value` is longer than the VARCHAR(n) column it is written to.
    pub fn string_too_long(value: &str) -> Self {
        SnowflakeError::new(
            ErrorCode::StringTooLong,
            format!("String '{value}' is too long and would be truncated"),
        )
    }

    pub fn internal(detail: impl fmt::Display) -> Self {
        Self::new(ErrorCode::Internal, format!("Internal error: {detail}"))
    }

    pub fn bad_request(detail: impl fmt::Display) -> Self {
        Self::new(ErrorCode::BadRequest, detail.to_string())
    }

    pub fn code(&self) -> &'static str {
        self.code.code()
    }

    pub fn sqlstate(&self) -> &'static str {
        self.code.sqlstate()
    }
}

pub type Result<T, E = SnowflakeError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raised_exceptions_carry_their_declared_numbers() {
        let code = |n| ErrorCode::Raised(n);
        assert_eq!(
            (code(-20002).code(), code(-20002).sqlstate()),
            ("-20002", "P0001")
        );
        assert_eq!(code(-20999).code(), "-20999");
        assert_eq!(code(-19999).code(), "-20000");
        assert_eq!(code(5).code(), "-20000");
    }

    #[test]
    fn codes_and_states_match_snowflake() {
        let e = SnowflakeError::does_not_exist("Object", "NOSUCHTABLE");
        assert_eq!((e.code(), e.sqlstate()), ("002003", "42S02"));
        assert_eq!(
            e.message,
            "SQL compilation error:\nObject 'NOSUCHTABLE' does not exist or not authorized."
        );
        let e = SnowflakeError::syntax(1, 7, "frm");
        assert_eq!((e.code(), e.sqlstate()), ("001003", "42000"));
        assert!(e
            .message
            .ends_with("syntax error line 1 at position 7 unexpected 'frm'."));
        assert_eq!(SnowflakeError::division_by_zero().sqlstate(), "22012");
        assert_eq!(
            SnowflakeError::no_current_database("SELECT").code(),
            "090105"
        );
    }
}
