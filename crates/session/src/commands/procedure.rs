//! Stored procedures written in Snowflake Scripting: CREATE PROCEDURE ... LANGUAGE SQL, CALL and
//! DROP PROCEDURE; and SQL user-defined functions: CREATE FUNCTION ... AS '<expression or
//! query>' and DROP FUNCTION (calls are inlined by `snowglobe_translate::rules::udfs`). Each is
//! a JSON file beside the schema's stages and file formats, so persistence, state exports and
//! pods carry it like them. Functions overload by their number of arguments (a file holds every
//! overload of its name); two overloads with as many arguments of other types are refused,
//! since calls are matched by argument count. A procedure has one signature per name.

use serde::{Deserialize, Serialize};
use snowglobe_error::{ErrorCode, Result, SnowflakeError};
use snowglobe_translate::scripting::{Procedure, ProcedureStatement};
use snowglobe_translate::{ObjectRef, UserFunction};

use super::sequence::schema_must_exist;
use super::stage::{drop_object, existing};
use crate::stages::io_error;
use crate::{ResultSet, Session, StatementType};

const PROCEDURES: &str = "procedures";
const FUNCTIONS: &str = "functions";

#[derive(Serialize, Deserialize)]
struct Stored {
    args: Vec<(String, String)>,
    returns: String,
    body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    comment: Option<String>,
}

/// A routine file: one signature (the form every procedure and a function without overloads
/// is written in), or a function's overloads.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum StoredFile {
    Overloads { overloads: Vec<Stored> },
    One(Stored),
}

/// The signatures stored in `path` (none when there is no readable file).
fn read_overloads(path: &std::path::Path) -> Vec<Stored> {
    let Ok(text) = std::fs::read(path) else {
        return vec![];
    };
    match serde_json::from_slice(&text) {
        Ok(StoredFile::Overloads { overloads }) => overloads,
        Ok(StoredFile::One(one)) => vec![one],
        Err(_) => vec![],
    }
}

/// Write the signatures of `path`; none removes the file.
fn write_overloads(path: &std::path::Path, mut overloads: Vec<Stored>) -> Result<()> {
    if overloads.is_empty() {
        return std::fs::remove_file(path).map_err(|e| io_error("remove", path, e));
    }
    let file = if overloads.len() == 1 {
        StoredFile::One(overloads.remove(0))
    } else {
        StoredFile::Overloads { overloads }
    };
    let text = serde_json::to_vec_pretty(&file).map_err(SnowflakeError::internal)?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| io_error("create", dir, e))?;
    }
    std::fs::write(path, text).map_err(|e| io_error("write", path, e))
}

/// The type a signature names, as Snowflake tells overloads apart: by data type, not length,
/// precision or synonym (`INT` and `NUMBER(10, 2)` are both NUMBER).
pub(crate) fn signature_kind(written: &str) -> &'static str {
    let upper = written.trim().to_ascii_uppercase();
    let base = upper
        .split(|c: char| c == '(' || c.is_whitespace())
        .next()
        .unwrap_or_default();
    match base {
        "NUMBER" | "DECIMAL" | "DEC" | "NUMERIC" | "INT" | "INTEGER" | "BIGINT" | "SMALLINT"
        | "TINYINT" | "BYTEINT" => "NUMBER",
        "FLOAT" | "FLOAT4" | "FLOAT8" | "DOUBLE" | "REAL" => "FLOAT",
        "VARCHAR" | "STRING" | "TEXT" | "CHAR" | "CHARACTER" | "NCHAR" | "NVARCHAR"
        | "NVARCHAR2" => "VARCHAR",
        "BINARY" | "VARBINARY" => "BINARY",
        "BOOLEAN" => "BOOLEAN",
        "DATE" => "DATE",
        "TIME" => "TIME",
        "TIMESTAMP" | "DATETIME" | "TIMESTAMP_NTZ" => "TIMESTAMP_NTZ",
        "TIMESTAMP_LTZ" => "TIMESTAMP_LTZ",
        "TIMESTAMP_TZ" => "TIMESTAMP_TZ",
        "VARIANT" => "VARIANT",
        "OBJECT" => "OBJECT",
        "ARRAY" => "ARRAY",
        _ => "OTHER",
    }
}

fn function_of(name: &ObjectRef, stored: Stored) -> UserFunction {
    UserFunction {
        name: name.clone(),
        args: stored.args,
        returns: stored.returns,
        body: stored.body,
    }
}

fn file(session: &Session, name: &ObjectRef, function: bool) -> std::path::PathBuf {
    let kind = if function { FUNCTIONS } else { PROCEDURES };
    session.object_dir(name, false, kind).join(format!(
        "{}.json",
        snowglobe_engine::encode_file_name(&name.name)
    ))
}

fn missing(name: &ObjectRef, function: bool) -> SnowflakeError {
    SnowflakeError::does_not_exist(
        if function { "Function" } else { "Procedure" },
        &format!("{}.{}.{}", name.database, name.schema, name.name),
    )
}

/// The overloads of SQL function `name` (none when it does not exist).
pub(crate) fn user_function(session: &Session, name: &ObjectRef) -> Vec<UserFunction> {
    read_overloads(&file(session, name, true))
        .into_iter()
        .map(|stored| function_of(name, stored))
        .collect()
}

/// The SQL functions (or procedures) of a schema, by name: (definition, comment).
pub(crate) fn user_functions(
    session: &Session,
    database: &str,
    schema: &str,
    function: bool,
) -> Vec<(UserFunction, Option<String>)> {
    let any = ObjectRef {
        database: database.to_string(),
        schema: schema.to_string(),
        name: String::new(),
    };
    let kind = if function { FUNCTIONS } else { PROCEDURES };
    let Ok(entries) = std::fs::read_dir(session.object_dir(&any, false, kind)) else {
        return vec![];
    };
    let mut out: Vec<(UserFunction, Option<String>)> = entries
        .flatten()
        .filter_map(|e| {
            let file_name = e.file_name().to_string_lossy().to_string();
            let name = snowglobe_engine::decode_file_name(file_name.strip_suffix(".json")?);
            let object = ObjectRef {
                name,
                ..any.clone()
            };
            Some(
                read_overloads(&e.path())
                    .into_iter()
                    .map(move |stored| {
                        let comment = stored.comment.clone();
                        (function_of(&object, stored), comment)
                    })
                    .collect::<Vec<_>>(),
            )
        })
        .flatten()
        .collect();
    out.sort_by(|a, b| (&a.0.name.name, a.0.args.len()).cmp(&(&b.0.name.name, b.0.args.len())));
    out
}

pub fn run(session: &mut Session, statement: ProcedureStatement) -> Result<ResultSet> {
    match statement {
        ProcedureStatement::Create {
            name,
            or_replace,
            if_not_exists,
            function,
            procedure,
        } => create(
            session,
            name,
            or_replace,
            if_not_exists,
            function,
            procedure,
        ),
        ProcedureStatement::Call { name, args } => call(session, &name, &args),
        ProcedureStatement::Drop {
            name,
            if_exists,
            function,
            arity,
        } => {
            let path = file(session, &name, function);
            let overloads = read_overloads(&path);
            // The overload with as many arguments as types named; without types, the only one.
            let dropped = match arity {
                Some(n) => overloads.iter().position(|o| o.args.len() == n),
                None if overloads.len() == 1 => Some(0),
                None if overloads.is_empty() => None,
                None => {
                    return Err(SnowflakeError::compilation(
                        ErrorCode::InvalidArgumentTypes,
                        format!(
                        "Function {} has {} overloads: name the argument types of the one to drop.",
                        name.name,
                        overloads.len()
                    ),
                    ))
                }
            };
            match dropped {
                Some(i) => {
                    let mut rest = overloads;
                    rest.remove(i);
                    write_overloads(&path, rest)?;
                    ResultSet::status(
                        StatementType::Ddl,
                        format!("{} successfully dropped.", name.name),
                    )
                }
                None => drop_object(
                    &name.name,
                    None,
                    if_exists,
                    |p| std::fs::remove_file(p),
                    missing(&name, function),
                ),
            }
        }
    }
}

fn create(
    session: &mut Session,
    name: ObjectRef,
    or_replace: bool,
    if_not_exists: bool,
    function: bool,
    procedure: Procedure,
) -> Result<ResultSet> {
    schema_must_exist(session, &name)?;
    // The body must be a block (an expression or query for a function): check it now, as
    // Snowflake compiles it on CREATE.
    if function {
        snowglobe_translate::rules::udfs::check(&UserFunction {
            name: name.clone(),
            args: procedure.args.clone(),
            returns: procedure.returns.clone(),
            body: procedure.body.clone(),
        })?;
    } else {
        snowglobe_translate::scripting::parse_block(&procedure.body)?;
    }
    let path = file(session, &name, function);
    let mut overloads = read_overloads(&path);
    // A function's other overloads (other numbers of arguments) stay; the one this CREATE
    // names is replaced or conflicts. A procedure has one signature.
    let same = if function {
        overloads
            .iter()
            .position(|o| o.args.len() == procedure.args.len())
    } else {
        (!overloads.is_empty()).then_some(0)
    };
    if let Some(i) = same {
        let types = |args: &[(String, String)]| -> Vec<&'static str> {
            args.iter().map(|(_, t)| signature_kind(t)).collect()
        };
        if function && types(&overloads[i].args) != types(&procedure.args) {
            return Err(SnowflakeError::unsupported(format!(
                "overloading function {} by argument type (another {} with {} argument(s) exists; Snowglobe tells overloads apart by their number of arguments)",
                name.name,
                name.name,
                procedure.args.len()
            )));
        }
        let found = Some(path.clone());
        if let Some(answer) = existing(&name.name, found, if_not_exists, or_replace, |_| Ok(()))? {
            return Ok(answer);
        }
        overloads.remove(i);
    }
    overloads.push(Stored {
        args: procedure.args,
        returns: procedure.returns,
        body: procedure.body,
        comment: procedure.comment,
    });
    write_overloads(&path, overloads)?;
    ResultSet::status(
        StatementType::Ddl,
        format!("Function {} successfully created.", name.name),
    )
}

fn call(session: &mut Session, name: &ObjectRef, args: &[String]) -> Result<ResultSet> {
    let path = file(session, name, false);
    let text = std::fs::read(&path).map_err(|_| missing(name, false))?;
    let stored: Stored = serde_json::from_slice(&text).map_err(|e| {
        SnowflakeError::internal(format!("procedure {} is unreadable: {e}", name.name))
    })?;
    if args.len() != stored.args.len() {
        let types: Vec<&str> = stored.args.iter().map(|(_, t)| t.as_str()).collect();
        return Err(SnowflakeError::compilation(
            ErrorCode::InvalidArgumentTypes,
            format!(
                "Invalid argument types for function '{}': expected {} argument(s) ({}), got {}",
                name.name,
                stored.args.len(),
                types.join(", "),
                args.len()
            ),
        ));
    }
    // Arguments are evaluated in the caller's session, cast to the declared types.
    let mut bound = Vec::with_capacity(args.len());
    if !args.is_empty() {
        let select = stored
            .args
            .iter()
            .zip(args)
            .map(|((_, t), e)| format!("CAST(({e}) AS {t})"))
            .collect::<Vec<_>>()
            .join(", ");
        let result = session.query(&format!("SELECT {select}"))?;
        let values = crate::scripting::row_literals(&result, 0)?
            .ok_or_else(|| SnowflakeError::internal("CALL: no argument values"))?;
        for ((arg, _), value) in stored.args.iter().zip(values) {
            bound.push((arg.clone(), value));
        }
    }
    let returns = (!stored
        .returns
        .trim_start()
        .to_ascii_uppercase()
        .starts_with("TABLE"))
    .then_some(stored.returns.as_str());
    crate::scripting::run_with(session, &stored.body, &name.name, returns, bound)
}
