//! Runs the SQL test files under `tests/sql/` in-process, against a fresh engine per file.
//! The same files run over HTTP through the real Python connector (tests/python/test_sql_files.py).
//!
//! Records are sqllogictest's: `statement ok`, `statement error <regex>`, `query <types>`
//! with expected rows after `----`. Values are rendered as `snowglobe_server::encode::display`
//! describes. A failing statement's error text is `<code> (<sqlstate>): <message>`, so
//! `statement error 002003 \(42S02\)` checks Snowflake's code and SQLSTATE.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use snowglobe_engine::{Engine, Storage};
use snowglobe_server::encode::{display, time_zone};
use snowglobe_session::{Request, Session, Shared};
use sqllogictest::{DBOutput, DefaultColumnType};

#[derive(Debug)]
struct SqlError(String);

impl std::fmt::Display for SqlError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SqlError {}

struct InProcess {
    session: Session,
}

impl sqllogictest::DB for InProcess {
    type Error = SqlError;
    type ColumnType = DefaultColumnType;

    fn run(&mut self, sql: &str) -> Result<DBOutput<DefaultColumnType>, SqlError> {
        let request = Request {
            sql: sql.to_string(),
            ..Request::default()
        };
        let results = self
            .session
            .run(&request)
            .map_err(|e| SqlError(format!("{} ({}): {}", e.code(), e.sqlstate(), e.message)))?;
        let Some(last) = results.last() else {
            return Ok(DBOutput::StatementComplete(0));
        };
        let tz = time_zone(&self.session.params.text("TIMEZONE").unwrap_or_default());
        let rows =
            display::rows(&last.columns, &last.batches, &tz).map_err(|e| SqlError(e.message))?;
        Ok(DBOutput::Rows {
            types: vec![DefaultColumnType::Any; last.columns.len()],
            rows,
        })
    }
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files(&path, out);
        } else if path.extension().is_some_and(|e| e == "slt") {
            out.push(path);
        }
    }
}

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/sql");
    let mut paths = Vec::new();
    files(&root, &mut paths);
    paths.sort();
    let filter = std::env::args().nth(1).filter(|a| !a.starts_with('-'));
    let mut passed = 0;
    let mut failed = 0;
    for path in &paths {
        let name = path
            .strip_prefix(&root)
            .unwrap_or(path)
            .display()
            .to_string();
        if filter.as_ref().is_some_and(|f| !name.contains(f.as_str())) {
            continue;
        }
        let engine = match Engine::open(Storage::Memory) {
            Ok(e) => e,
            Err(e) => panic!("engine: {e}"),
        };
        let shared = Shared::new(engine);
        let mut runner = sqllogictest::Runner::new(move || {
            let shared = Arc::clone(&shared);
            async move {
                Session::new(shared, 1, "TEST", "TEST")
                    .map(|session| InProcess { session })
                    .map_err(|e| SqlError(e.message))
            }
        });
        match runner.run_file(path) {
            Ok(()) => {
                passed += 1;
                println!("ok   {name}");
            }
            Err(e) => {
                failed += 1;
                println!("FAIL {name}\n{e}");
            }
        }
    }
    println!("\nsql: {passed} passed, {failed} failed");
    if failed > 0 || passed == 0 {
        std::process::exit(1);
    }
}
