//! Stage statements: `CREATE/DROP STAGE`, `CREATE/DROP FILE FORMAT`, `PUT`, `GET`, `LIST`,
//! `REMOVE` and `COPY INTO <table>`. sqlparser reads only part of their syntax (stage references
//! such as `@~/dir`, `@%t` or `'@"S"/p'`, options lists, `identifier(?)` targets), so they have a
//! small reader of their own over a token list that keeps each token's place in the text (the
//! transformation `SELECT` of a `COPY` is handed on as Snowflake SQL text).

use snowglobe_catalog::names::{quote as quote_name, resolve};
use snowglobe_error::{ErrorCode, Result, SnowflakeError};

use crate::binds::BindValue;
use crate::names::{resolve_parts, Context, ObjectRef};

/// An option value as written: `TYPE = CSV`, `SKIP_HEADER = 1`, `FIELD_DELIMITER = '|'`,
/// `NULL_IF = ('', 'NULL')`, `FILE_FORMAT = (TYPE = CSV ...)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionValue {
    /// A bare word or number, as written.
    Word(String),
    /// A string literal, unescaped.
    Text(String),
    List(Vec<String>),
    Options(Options),
}

impl OptionValue {
    /// The value as text (words upper-cased, since Snowflake's option words are keywords).
    pub fn text(&self) -> Option<String> {
        match self {
            OptionValue::Word(w) => Some(w.to_uppercase()),
            OptionValue::Text(t) => Some(t.clone()),
            _ => None,
        }
    }

    /// `TRUE`/`FALSE` option values.
    pub fn flag(&self) -> Option<bool> {
        match self.text()?.to_uppercase().as_str() {
            "TRUE" => Some(true),
            "FALSE" => Some(false),
            _ => None,
        }
    }
}

/// Options by upper-case name, in the order written.
pub type Options = Vec<(String, OptionValue)>;

/// Look up an option by (upper-case) name.
pub fn option<'a>(options: &'a Options, name: &str) -> Option<&'a OptionValue> {
    options
        .iter()
        .rev()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
}

/// Which stage a reference names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageKind {
    /// A named stage `@[db.][schema.]name`.
    Named(ObjectRef),
    /// The user's stage `@~`.
    User,
    /// A table's stage `@%t`.
    Table(ObjectRef),
}

/// `@stage[/path]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageRef {
    pub kind: StageKind,
    /// The path inside the stage, without leading `/` (may be empty).
    pub path: String,
}

/// A statement's file format: none given, a named format, or options inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileFormat {
    Default,
    Named(ObjectRef),
    Inline(Options),
}

/// One stage statement, names resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StageStatement {
    CreateStage {
        name: ObjectRef,
        or_replace: bool,
        if_not_exists: bool,
        temporary: bool,
        file_format: FileFormat,
        comment: Option<String>,
    },
    DropStage {
        name: ObjectRef,
        if_exists: bool,
    },
    CreateFileFormat {
        name: ObjectRef,
        or_replace: bool,
        if_not_exists: bool,
        temporary: bool,
        options: Options,
        comment: Option<String>,
    },
    DropFileFormat {
        name: ObjectRef,
        if_exists: bool,
    },
    DescribeStage(ObjectRef),
    DescribeFileFormat(ObjectRef),
    /// `PUT 'file://<local>' @stage [options]`: the local path (glob) as written after `file://`.
    Put {
        local: String,
        stage: StageRef,
        options: Options,
    },
    /// `GET @stage 'file://<dir>' [PATTERN = '...']`.
    Get {
        stage: StageRef,
        local: String,
        pattern: Option<String>,
    },
    List {
        stage: StageRef,
        pattern: Option<String>,
    },
    Remove {
        stage: StageRef,
        pattern: Option<String>,
    },
    CopyInto(CopyInto),
    Unload(Unload),
    /// `CREATE [OR REPLACE] TABLE <name> USING TEMPLATE (<query>)`: a table of the columns the
    /// query describes (an ARRAY of OBJECTs with COLUMN_NAME, TYPE, NULLABLE, as
    /// `ARRAY_AGG(OBJECT_CONSTRUCT(*))` over INFER_SCHEMA gives).
    CreateTableUsingTemplate {
        /// The statement's text before USING (`CREATE OR REPLACE TABLE t`).
        head: String,
        /// The query's Snowflake SQL text.
        query: String,
    },
}

/// `COPY INTO @stage[/path] FROM <table> | (<query>) [FILE_FORMAT = (...)] [copy options]`:
/// unloading a table or a query's rows into files of a stage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unload {
    pub stage: StageRef,
    /// The location as the statement wrote it (`@s/out/`), for messages.
    pub location: String,
    /// The rows to unload: Snowflake SQL text of a query.
    pub query: String,
    pub file_format: FileFormat,
    /// Copy options (`HEADER`, `SINGLE`, `OVERWRITE`, `MAX_FILE_SIZE`, `DETAILED_OUTPUT`, ...).
    pub options: Options,
}

/// `COPY INTO <table> [(cols)] FROM @stage | (SELECT ... FROM @stage) [options]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyInto {
    pub table: ObjectRef,
    /// Target columns as written (resolved names).
    pub columns: Vec<String>,
    pub stage: StageRef,
    /// The transformation's select items (Snowflake SQL text with `$n` and `$1:name`).
    pub select: Option<String>,
    pub files: Option<Vec<String>>,
    pub pattern: Option<String>,
    pub file_format: FileFormat,
    /// Copy options (`ON_ERROR`, `PURGE`, `FORCE`, `MATCH_BY_COLUMN_NAME`, ...).
    pub options: Options,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    /// Unquoted word (identifier, keyword, number).
    Word(String),
    /// Double-quoted identifier, unescaped.
    Quoted(String),
    /// Single-quoted string, unescaped.
    Str(String),
    /// `@...` stage reference, raw text after the `@`.
    Stage(String),
    /// `?` or `:N` placeholder.
    Placeholder(Option<usize>),
    /// Any other single character (`=`, `(`, `)`, `,`, `.`, `;`, ...), or `=>`.
    Sym(String),
}

#[derive(Debug, Clone)]
struct Token {
    tok: Tok,
    start: usize,
    end: usize,
}

fn syntax_at(sql: &str, at: usize) -> SnowflakeError {
    let line = sql[..at.min(sql.len())].matches('\n').count() as u64 + 1;
    let col = sql[..at.min(sql.len())]
        .rsplit('\n')
        .next()
        .map_or(0, |l| l.chars().count()) as u64;
    let rest: String = sql[at.min(sql.len())..]
        .split_whitespace()
        .next()
        .unwrap_or("<EOF>")
        .to_string();
    SnowflakeError::syntax(line, col, if rest.is_empty() { "<EOF>" } else { &rest })
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// Unescape a Snowflake single-quoted string body (`''` and backslash escapes).
pub(crate) fn unescape(body: &str) -> String {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('0') => out.push('\0'),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            '\'' => {
                // `''` inside a string
                chars.next();
                out.push('\'');
            }
            c => out.push(c),
        }
    }
    out
}

fn lex(sql: &str) -> Result<Vec<Token>> {
    lex_up_to(sql, usize::MAX)
}

/// The first `limit` tokens of `sql`.
fn lex_up_to(sql: &str, limit: usize) -> Result<Vec<Token>> {
    let bytes: Vec<(usize, char)> = sql.char_indices().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let at = |i: usize| bytes.get(i).map_or(sql.len(), |b| b.0);
    while i < bytes.len() && out.len() < limit {
        let (start, c) = bytes[i];
        let next = bytes.get(i + 1).map(|b| b.1);
        if c.is_whitespace() {
            i += 1;
        } else if (c == '-' && next == Some('-')) || (c == '/' && next == Some('/')) {
            while i < bytes.len() && bytes[i].1 != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            i += 2;
            while i + 1 < bytes.len() && !(bytes[i].1 == '*' && bytes[i + 1].1 == '/') {
                i += 1;
            }
            i += 2;
        } else if c == '\'' {
            let mut j = i + 1;
            loop {
                match bytes.get(j).map(|b| b.1) {
                    // a text cut short (a statement's head) ends its tokens there
                    None if limit != usize::MAX => return Ok(out),
                    None => return Err(syntax_at(sql, start)),
                    Some('\\') => j += 2,
                    Some('\'') if bytes.get(j + 1).map(|b| b.1) == Some('\'') => j += 2,
                    Some('\'') => break,
                    Some(_) => j += 1,
                }
            }
            out.push(Token {
                tok: Tok::Str(unescape(&sql[at(i + 1)..at(j)])),
                start,
                end: at(j + 1),
            });
            i = j + 1;
        } else if c == '"' {
            let mut j = i + 1;
            let mut value = String::new();
            loop {
                match bytes.get(j).map(|b| b.1) {
                    // a text cut short (a statement's head) ends its tokens there
                    None if limit != usize::MAX => return Ok(out),
                    None => return Err(syntax_at(sql, start)),
                    Some('"') if bytes.get(j + 1).map(|b| b.1) == Some('"') => {
                        value.push('"');
                        j += 2
                    }
                    Some('"') => break,
                    Some(ch) => {
                        value.push(ch);
                        j += 1
                    }
                }
            }
            out.push(Token {
                tok: Tok::Quoted(value),
                start,
                end: at(j + 1),
            });
            i = j + 1;
        } else if c == '@' {
            let (raw, j) = stage_text(&bytes, i + 1);
            out.push(Token {
                tok: Tok::Stage(raw),
                start,
                end: at(j),
            });
            i = j;
        } else if c == '?' {
            out.push(Token {
                tok: Tok::Placeholder(None),
                start,
                end: at(i + 1),
            });
            i += 1;
        } else if c == ':' && next.is_some_and(|n| n.is_ascii_digit()) {
            let mut j = i + 1;
            while bytes.get(j).is_some_and(|b| b.1.is_ascii_digit()) {
                j += 1;
            }
            let n = sql[at(i + 1)..at(j)].parse().ok();
            out.push(Token {
                tok: Tok::Placeholder(n),
                start,
                end: at(j),
            });
            i = j;
        } else if sql
            .get(start..start + 7)
            .is_some_and(|p| p.eq_ignore_ascii_case("file://"))
        {
            // an unquoted local path runs to the next whitespace
            let mut j = i;
            while bytes.get(j).is_some_and(|b| !b.1.is_whitespace()) {
                j += 1;
            }
            out.push(Token {
                tok: Tok::Str(sql[start..at(j)].to_string()),
                start,
                end: at(j),
            });
            i = j;
        } else if is_word_char(c) {
            let mut j = i;
            while bytes
                .get(j)
                .is_some_and(|b| is_word_char(b.1) || (b.1 == '.' && c.is_ascii_digit()))
            {
                j += 1;
            }
            out.push(Token {
                tok: Tok::Word(sql[start..at(j)].to_string()),
                start,
                end: at(j),
            });
            i = j;
        } else if c == '=' && next == Some('>') {
            out.push(Token {
                tok: Tok::Sym("=>".into()),
                start,
                end: at(i + 2),
            });
            i += 2;
        } else {
            out.push(Token {
                tok: Tok::Sym(c.to_string()),
                start,
                end: at(i + 1),
            });
            i += 1;
        }
    }
    Ok(out)
}

/// The raw text of a stage reference after `@`: quoted parts kept whole, up to whitespace,
/// `;`, `,`, `)` or a quote that does not open a part.
fn stage_text(bytes: &[(usize, char)], mut j: usize) -> (String, usize) {
    let mut raw = String::new();
    while let Some(&(_, c)) = bytes.get(j) {
        if c == '"' {
            raw.push(c);
            j += 1;
            while let Some(&(_, q)) = bytes.get(j) {
                raw.push(q);
                j += 1;
                if q == '"' {
                    if bytes.get(j).map(|b| b.1) == Some('"') {
                        raw.push('"');
                        j += 1;
                        continue;
                    }
                    break;
                }
            }
            continue;
        }
        if c.is_whitespace() || matches!(c, ';' | ',' | ')' | '(' | '\'') {
            break;
        }
        raw.push(c);
        j += 1;
    }
    (raw, j)
}

/// The SQL literal of a bind value, for text substitution into a stage statement.
fn literal(value: &BindValue) -> String {
    match &value.value {
        None => "NULL".into(),
        Some(v) => format!("'{}'", v.replace('\\', "\\\\").replace('\'', "\\'")),
    }
}

/// Whether `sql` is a stage statement this module reads (by its first words).
pub fn is_stage_statement(sql: &str) -> bool {
    // Only the first words matter: a long INSERT is not lexed whole.
    let head = sql
        .char_indices()
        .nth(400)
        .map_or(sql, |(at, _)| &sql[..at]);
    let Ok(tokens) = lex_up_to(head, 6) else {
        return false;
    };
    let words: Vec<String> = tokens
        .iter()
        .take(6)
        .map(|t| match &t.tok {
            Tok::Word(w) => w.to_uppercase(),
            _ => String::new(),
        })
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
    match w(0) {
        "PUT" | "GET" | "LIST" | "LS" | "REMOVE" | "RM" => true,
        "COPY" => w(1) == "INTO",
        "CREATE" | "DROP" | "DESC" | "DESCRIBE" => {
            let rest: Vec<&str> = words[1..]
                .iter()
                .map(String::as_str)
                .skip_while(|w| ["OR", "REPLACE"].contains(w) || CREATE_MODIFIERS.contains(w))
                .collect();
            matches!(rest.as_slice(), ["STAGE", ..] | ["FILE", "FORMAT", ..])
                || (matches!(rest.as_slice(), ["TABLE", ..])
                    && w(0) == "CREATE"
                    && uses_template(head))
        }
        _ => false,
    }
}

/// Whether a CREATE TABLE names its columns by `USING TEMPLATE` (within its first words).
fn uses_template(head: &str) -> bool {
    let Ok(tokens) = lex_up_to(head, 24) else {
        return false;
    };
    let word = |t: &Token, w: &str| matches!(&t.tok, Tok::Word(x) if x.eq_ignore_ascii_case(w));
    tokens
        .windows(2)
        .any(|p| word(&p[0], "USING") && word(&p[1], "TEMPLATE"))
}

/// Read one stage statement, with single-row binds substituted for `?` / `:N`.
pub fn parse_stage_statement(
    sql: &str,
    binds: &[&BindValue],
    ctx: &Context,
) -> Result<StageStatement> {
    let sql = substitute_binds(sql, binds)?;
    let tokens = lex(&sql)?;
    let mut r = Reader {
        sql: &sql,
        tokens,
        pos: 0,
        ctx,
    };
    let statement = r.statement()?;
    while r.sym(";") {}
    if r.pos < r.tokens.len() {
        return Err(r.error());
    }
    Ok(statement)
}

/// Replace `?` / `:N` placeholders outside strings and comments with the binds as literals.
pub fn substitute_binds(sql: &str, binds: &[&BindValue]) -> Result<String> {
    let tokens = lex(sql)?;
    if !tokens.iter().any(|t| matches!(t.tok, Tok::Placeholder(_))) {
        return Ok(sql.to_string());
    }
    let mut out = String::with_capacity(sql.len());
    let mut from = 0;
    let mut next = 0;
    for t in &tokens {
        let Tok::Placeholder(n) = t.tok else { continue };
        let index = match n {
            Some(n) => n.checked_sub(1),
            None => {
                next += 1;
                Some(next - 1)
            }
        };
        let value = index.and_then(|i| binds.get(i)).ok_or_else(|| {
            SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                "Bind variable ? not set.".to_string(),
            )
        })?;
        out.push_str(&sql[from..t.start]);
        out.push_str(&literal(value));
        from = t.end;
    }
    out.push_str(&sql[from..]);
    Ok(out)
}

struct Reader<'a> {
    sql: &'a str,
    tokens: Vec<Token>,
    pos: usize,
    ctx: &'a Context,
}

const CREATE_MODIFIERS: &[&str] = &["TEMP", "TEMPORARY", "SCOPED", "VOLATILE", "TRANSIENT"];

impl Reader<'_> {
    fn peek(&self) -> Option<&Tok> {
        self.tokens.get(self.pos).map(|t| &t.tok)
    }

    fn error(&self) -> SnowflakeError {
        let at = self
            .tokens
            .get(self.pos)
            .map_or(self.sql.len(), |t| t.start);
        syntax_at(self.sql, at)
    }

    fn word(&mut self, w: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w)) {
            self.pos += 1;
            return true;
        }
        false
    }

    fn words(&mut self, ws: &[&str]) -> bool {
        let save = self.pos;
        for w in ws {
            if !self.word(w) {
                self.pos = save;
                return false;
            }
        }
        true
    }

    fn expect_word(&mut self, w: &str) -> Result<()> {
        if self.word(w) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn sym(&mut self, s: &str) -> bool {
        if matches!(self.peek(), Some(Tok::Sym(x)) if x == s) {
            self.pos += 1;
            return true;
        }
        false
    }

    fn expect_sym(&mut self, s: &str) -> Result<()> {
        if self.sym(s) {
            Ok(())
        } else {
            Err(self.error())
        }
    }

    fn string(&mut self) -> Result<String> {
        match self.peek() {
            Some(Tok::Str(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => Err(self.error()),
        }
    }

    /// The rest of `CREATE ... TABLE <name> USING TEMPLATE (<query>)`, after TABLE.
    fn create_table_using_template(&mut self) -> Result<StageStatement> {
        let is_word =
            |t: &Token, w: &str| matches!(&t.tok, Tok::Word(x) if x.eq_ignore_ascii_case(w));
        let using = (self.pos..self.tokens.len().saturating_sub(1))
            .find(|&i| {
                is_word(&self.tokens[i], "USING") && is_word(&self.tokens[i + 1], "TEMPLATE")
            })
            .ok_or_else(|| self.error())?;
        let head = self.sql[..self.tokens[using].start].trim_end().to_string();
        self.pos = using + 2;
        let query = self.parenthesized()?;
        Ok(StageStatement::CreateTableUsingTemplate { head, query })
    }

    /// The text between `(` and its matching `)` (a query), trimmed; the reader moves past both.
    fn parenthesized(&mut self) -> Result<String> {
        self.expect_sym("(")?;
        let start = self.tokens.get(self.pos).map_or(0, |t| t.start);
        let mut depth = 0i32;
        loop {
            match self.peek() {
                None => return Err(self.error()),
                Some(Tok::Sym(s)) if s == "(" => depth += 1,
                Some(Tok::Sym(s)) if s == ")" && depth == 0 => break,
                Some(Tok::Sym(s)) if s == ")" => depth -= 1,
                _ => {}
            }
            self.pos += 1;
        }
        let end = self
            .tokens
            .get(self.pos)
            .map_or(self.sql.len(), |t| t.start);
        self.expect_sym(")")?;
        Ok(self.sql[start..end].trim().to_string())
    }

    fn statement(&mut self) -> Result<StageStatement> {
        if self.word("CREATE") {
            let or_replace = self.words(&["OR", "REPLACE"]);
            let mut temporary = false;
            while let Some(Tok::Word(w)) = self.peek() {
                let w = w.to_uppercase();
                if !CREATE_MODIFIERS.contains(&w.as_str()) {
                    break;
                }
                temporary |= w.starts_with("TEMP") || w == "SCOPED" || w == "VOLATILE";
                self.pos += 1;
            }
            if self.word("STAGE") {
                return self.create_stage(or_replace, temporary);
            }
            if self.words(&["FILE", "FORMAT"]) {
                return self.create_file_format(or_replace, temporary);
            }
            if self.word("TABLE") {
                return self.create_table_using_template();
            }
            return Err(self.error());
        }
        if self.word("DROP") {
            let stage = if self.word("STAGE") {
                true
            } else if self.words(&["FILE", "FORMAT"]) {
                false
            } else {
                return Err(self.error());
            };
            let if_exists = self.words(&["IF", "EXISTS"]);
            let name = self.object("DROP")?;
            return Ok(if stage {
                StageStatement::DropStage { name, if_exists }
            } else {
                StageStatement::DropFileFormat { name, if_exists }
            });
        }
        if self.word("DESC") || self.word("DESCRIBE") {
            if self.words(&["FILE", "FORMAT"]) {
                return Ok(StageStatement::DescribeFileFormat(self.object("DESCRIBE")?));
            }
            self.expect_word("STAGE")?;
            return Ok(StageStatement::DescribeStage(self.object("DESCRIBE")?));
        }
        if self.word("PUT") {
            let local = self.local_path()?;
            let stage = self.stage_ref()?;
            let options = self.options()?;
            return Ok(StageStatement::Put {
                local,
                stage,
                options,
            });
        }
        if self.word("GET") {
            let stage = self.stage_ref()?;
            let local = self.local_path()?;
            let options = self.options()?;
            let pattern = option(&options, "PATTERN").and_then(OptionValue::text);
            return Ok(StageStatement::Get {
                stage,
                local,
                pattern,
            });
        }
        for (words, list) in [
            ("LIST", true),
            ("LS", true),
            ("REMOVE", false),
            ("RM", false),
        ] {
            if self.word(words) {
                let stage = self.stage_ref()?;
                let options = self.options()?;
                let pattern = option(&options, "PATTERN").and_then(OptionValue::text);
                return Ok(if list {
                    StageStatement::List { stage, pattern }
                } else {
                    StageStatement::Remove { stage, pattern }
                });
            }
        }
        if self.words(&["COPY", "INTO"]) {
            if matches!(self.peek(), Some(Tok::Stage(_)))
                || matches!(self.peek(), Some(Tok::Str(s)) if s.starts_with('@'))
            {
                return self.unload().map(StageStatement::Unload);
            }
            return self.copy_into().map(StageStatement::CopyInto);
        }
        Err(self.error())
    }

    fn create_stage(&mut self, or_replace: bool, temporary: bool) -> Result<StageStatement> {
        let if_not_exists = self.words(&["IF", "NOT", "EXISTS"]);
        let name = self.object("CREATE STAGE")?;
        let options = self.options()?;
        if let Some(url) = option(&options, "URL") {
            return Err(SnowflakeError::unsupported(format!(
                "external stage (URL = {})",
                url.text().unwrap_or_default()
            )));
        }
        let file_format = self.file_format(&options)?;
        let comment = option(&options, "COMMENT").and_then(OptionValue::text);
        Ok(StageStatement::CreateStage {
            name,
            or_replace,
            if_not_exists,
            temporary,
            file_format,
            comment,
        })
    }

    fn create_file_format(&mut self, or_replace: bool, temporary: bool) -> Result<StageStatement> {
        let if_not_exists = self.words(&["IF", "NOT", "EXISTS"]);
        let name = self.object("CREATE FILE FORMAT")?;
        let mut options = self.options()?;
        let comment = option(&options, "COMMENT").and_then(OptionValue::text);
        options.retain(|(k, _)| k != "COMMENT");
        check_format_type(&options)?;
        Ok(StageStatement::CreateFileFormat {
            name,
            or_replace,
            if_not_exists,
            temporary,
            options,
            comment,
        })
    }

    fn file_format(&self, options: &Options) -> Result<FileFormat> {
        match option(options, "FILE_FORMAT") {
            None => Ok(FileFormat::Default),
            Some(OptionValue::Options(inner)) => {
                if let Some(name) = option(inner, "FORMAT_NAME") {
                    return self.format_name(name);
                }
                check_format_type(inner)?;
                Ok(FileFormat::Inline(inner.clone()))
            }
            Some(name) => self.format_name(name),
        }
    }

    fn format_name(&self, name: &OptionValue) -> Result<FileFormat> {
        let text = match name {
            OptionValue::Word(w) => w.clone(),
            OptionValue::Text(t) => t.clone(),
            _ => return Err(SnowflakeError::unsupported("FORMAT_NAME given as a list")),
        };
        let tokens = lex(&text)?;
        let mut r = Reader {
            sql: &text,
            tokens,
            pos: 0,
            ctx: self.ctx,
        };
        Ok(FileFormat::Named(r.object("COPY")?))
    }

    /// `[db.][schema.]name` or `identifier('<name>')`, resolved.
    fn object(&mut self, operation: &str) -> Result<ObjectRef> {
        let parts = self.name_parts()?;
        if parts.is_empty() {
            return Err(self.error());
        }
        resolve_parts(parts, self.ctx, operation)
    }

    fn name_parts(&mut self) -> Result<Vec<String>> {
        if self.word("IDENTIFIER") {
            self.expect_sym("(")?;
            let text = self.string()?;
            self.expect_sym(")")?;
            let tokens = lex(&text)?;
            let mut r = Reader {
                sql: &text,
                tokens,
                pos: 0,
                ctx: self.ctx,
            };
            let parts = r.name_parts()?;
            if r.pos < r.tokens.len() {
                return Err(SnowflakeError::compilation(
                    ErrorCode::SyntaxError,
                    format!("invalid identifier '{text}'"),
                ));
            }
            return Ok(parts);
        }
        let mut parts = Vec::new();
        loop {
            match self.peek() {
                Some(Tok::Word(w)) => parts.push(resolve(w, false)),
                Some(Tok::Quoted(q)) => parts.push(q.clone()),
                _ => return Err(self.error()),
            }
            self.pos += 1;
            if !self.sym(".") {
                break;
            }
        }
        Ok(parts)
    }

    /// `'file://<path>'` or `file://<path>` → the path.
    fn local_path(&mut self) -> Result<String> {
        let text = match self.peek() {
            Some(Tok::Str(s)) => {
                let s = s.clone();
                self.pos += 1;
                s
            }
            _ => return Err(self.error()),
        };
        let lower = text.to_ascii_lowercase();
        if !lower.starts_with("file://") {
            return Err(SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                format!("Invalid local file path '{text}': it must start with file://"),
            ));
        }
        Ok(text["file://".len()..].to_string())
    }

    /// `@stage/path` or `'@stage/path'`.
    fn stage_ref(&mut self) -> Result<StageRef> {
        let raw = match self.peek() {
            Some(Tok::Stage(s)) => s.clone(),
            Some(Tok::Str(s)) if s.starts_with('@') => s[1..].to_string(),
            _ => return Err(self.error()),
        };
        self.pos += 1;
        parse_stage_ref(&raw, self.ctx)
    }

    /// `KEY = value` pairs (optionally comma-separated) while the next token is a word.
    fn options(&mut self) -> Result<Options> {
        let mut out = Vec::new();
        loop {
            self.sym(",");
            let key = match self.peek() {
                Some(Tok::Word(w)) => w.to_uppercase(),
                _ => break,
            };
            self.pos += 1;
            if !self.sym("=") && !self.sym("=>") {
                return Err(self.error());
            }
            let value = self.option_value()?;
            out.push((key, value));
        }
        Ok(out)
    }

    fn option_value(&mut self) -> Result<OptionValue> {
        match self.peek().cloned() {
            Some(Tok::Str(s)) => {
                self.pos += 1;
                Ok(OptionValue::Text(s))
            }
            Some(Tok::Word(w)) => {
                self.pos += 1;
                // `NONE`, numbers, keywords; a dotted name (FORMAT_NAME = db.s.f) stays whole
                let mut text = w;
                while self.sym(".") {
                    match self.peek().cloned() {
                        Some(Tok::Word(x)) => text.push_str(&format!(".{x}")),
                        Some(Tok::Quoted(q)) => text.push_str(&format!(".\"{q}\"")),
                        _ => return Err(self.error()),
                    }
                    self.pos += 1;
                }
                Ok(OptionValue::Word(text))
            }
            Some(Tok::Quoted(q)) => {
                self.pos += 1;
                Ok(OptionValue::Word(format!("\"{q}\"")))
            }
            Some(Tok::Sym(s)) if s == "-" => {
                self.pos += 1;
                match self.peek().cloned() {
                    Some(Tok::Word(w)) => {
                        self.pos += 1;
                        Ok(OptionValue::Word(format!("-{w}")))
                    }
                    _ => Err(self.error()),
                }
            }
            Some(Tok::Sym(s)) if s == "(" => {
                self.pos += 1;
                // a list of strings, or nested options
                if matches!(self.peek(), Some(Tok::Word(_)))
                    && matches!(self.tokens.get(self.pos + 1).map(|t| &t.tok), Some(Tok::Sym(s)) if s == "=" || s == "=>")
                {
                    let inner = self.options()?;
                    self.expect_sym(")")?;
                    return Ok(OptionValue::Options(inner));
                }
                let mut items = Vec::new();
                while !self.sym(")") {
                    match self.peek().cloned() {
                        Some(Tok::Str(s)) => items.push(s),
                        Some(Tok::Word(w)) => items.push(w),
                        Some(Tok::Sym(s)) if s == "," => {}
                        _ => return Err(self.error()),
                    }
                    self.pos += 1;
                }
                Ok(OptionValue::List(items))
            }
            _ => Err(self.error()),
        }
    }

    /// After `COPY INTO @location`: the source (a table or a parenthesized query), then options.
    fn unload(&mut self) -> Result<Unload> {
        let location = match self.peek() {
            Some(Tok::Stage(s)) => format!("@{s}"),
            Some(Tok::Str(s)) => s.clone(),
            _ => return Err(self.error()),
        };
        let stage = self.stage_ref()?;
        self.expect_word("FROM")?;
        let query = if matches!(self.peek(), Some(Tok::Sym(s)) if s == "(") {
            let query = self.parenthesized()?;
            if query.is_empty() {
                return Err(self.error());
            }
            query
        } else {
            let table = self.object("COPY")?;
            format!(
                "SELECT * FROM {}.{}.{}",
                quote_name(&table.database),
                quote_name(&table.schema),
                quote_name(&table.name)
            )
        };
        if self.words(&["PARTITION", "BY"]) {
            return Err(SnowflakeError::unsupported(
                "COPY INTO <location> with PARTITION BY",
            ));
        }
        let options = self.options()?;
        let file_format = self.file_format(&options)?;
        let options = options
            .into_iter()
            .filter(|(k, _)| k != "FILE_FORMAT")
            .collect();
        Ok(Unload {
            stage,
            location,
            query,
            file_format,
            options,
        })
    }

    fn copy_into(&mut self) -> Result<CopyInto> {
        let table = self.object("COPY")?;
        let mut columns = Vec::new();
        if self.sym("(") {
            loop {
                match self.peek() {
                    Some(Tok::Word(w)) => columns.push(resolve(w, false)),
                    Some(Tok::Quoted(q)) => columns.push(q.clone()),
                    _ => return Err(self.error()),
                }
                self.pos += 1;
                if self.sym(")") {
                    break;
                }
                self.expect_sym(",")?;
            }
        }
        // Without FROM, the table's own stage (COPY INTO's usage notes: "when copying data
        // from files in a table stage, the FROM clause can be omitted").
        let from = self.word("FROM");
        let (stage, select) = if !from {
            let stage = StageRef {
                kind: StageKind::Table(table.clone()),
                path: String::new(),
            };
            (stage, None)
        } else if self.sym("(") {
            self.expect_word("SELECT")?;
            let items_start = self.tokens.get(self.pos).map_or(0, |t| t.start);
            let mut depth = 0i32;
            while let Some(t) = self.peek() {
                match t {
                    Tok::Sym(s) if s == "(" => depth += 1,
                    Tok::Sym(s) if s == ")" => depth -= 1,
                    Tok::Word(w) if depth == 0 && w.eq_ignore_ascii_case("FROM") => break,
                    _ => {}
                }
                self.pos += 1;
            }
            let items_end = self
                .tokens
                .get(self.pos)
                .map_or(self.sql.len(), |t| t.start);
            let items = self.sql[items_start..items_end].trim().to_string();
            self.expect_word("FROM")?;
            let stage = self.stage_ref()?;
            // an alias, and the `(FILE_FORMAT => ..., PATTERN => ...)` of a staged-file query
            if let Some(Tok::Word(w)) = self.peek() {
                if !w.eq_ignore_ascii_case("WHERE") {
                    self.pos += 1;
                }
            }
            if self.word("WHERE") {
                return Err(SnowflakeError::unsupported(
                    "COPY INTO with a WHERE clause in its transformation",
                ));
            }
            self.expect_sym(")")?;
            if items.is_empty() {
                return Err(self.error());
            }
            (stage, Some(items))
        } else {
            (self.stage_ref()?, None)
        };
        let mut options = self.options()?;
        let files = match option(&options, "FILES") {
            Some(OptionValue::List(items)) => Some(items.clone()),
            Some(OptionValue::Text(one)) => Some(vec![one.clone()]),
            Some(_) => return Err(self.error()),
            None => None,
        };
        let pattern = option(&options, "PATTERN").and_then(OptionValue::text);
        let file_format = self.file_format(&options)?;
        options.retain(|(k, _)| !matches!(k.as_str(), "FILES" | "PATTERN" | "FILE_FORMAT"));
        Ok(CopyInto {
            table,
            columns,
            stage,
            select,
            files,
            pattern,
            file_format,
            options,
        })
    }
}

/// The file types Snowglobe reads.
pub const FORMAT_TYPES: &[&str] = &["CSV", "JSON", "PARQUET"];

fn check_format_type(options: &Options) -> Result<()> {
    if let Some(t) = option(options, "TYPE").and_then(OptionValue::text) {
        if !FORMAT_TYPES.contains(&t.as_str()) {
            return Err(SnowflakeError::unsupported(format!(
                "file format TYPE = {t}"
            )));
        }
    }
    Ok(())
}

/// Read the text after `@`: `~[/path]`, `%table[/path]`, `[db.][schema.]stage[/path]`.
pub fn parse_stage_ref(raw: &str, ctx: &Context) -> Result<StageRef> {
    let bad = || {
        SnowflakeError::compilation(
            ErrorCode::SyntaxError,
            format!("syntax error line 1 at position 0 unexpected '@{raw}'."),
        )
    };
    // split the name from the path at the first `/` outside quotes
    let mut in_quotes = false;
    let mut split = raw.len();
    for (i, c) in raw.char_indices() {
        match c {
            '"' => in_quotes = !in_quotes,
            '/' if !in_quotes => {
                split = i;
                break;
            }
            _ => {}
        }
    }
    let (name, path) = raw.split_at(split);
    let path = path.trim_start_matches('/').to_string();
    if name == "~" {
        return Ok(StageRef {
            kind: StageKind::User,
            path,
        });
    }
    let (table, name) = match name.strip_prefix('%') {
        Some(rest) => (true, rest),
        None => (false, name),
    };
    let tokens = lex(name)?;
    let mut r = Reader {
        sql: name,
        tokens,
        pos: 0,
        ctx,
    };
    let parts = r.name_parts().map_err(|_| bad())?;
    if r.pos < r.tokens.len() || parts.is_empty() {
        return Err(bad());
    }
    let object = resolve_parts(parts, ctx, "stage access")?;
    Ok(StageRef {
        kind: if table {
            StageKind::Table(object)
        } else {
            StageKind::Named(object)
        },
        path,
    })
}

/// A `TABLE(INFER_SCHEMA(LOCATION => '@stage', FILE_FORMAT => 'fmt' [, FILES => ...]))` in a
/// query: its byte span in the text, the stage, the named format and the files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InferSchema {
    pub span: (usize, usize),
    pub stage: StageRef,
    pub file_format: Option<ObjectRef>,
    pub files: Option<Vec<String>>,
    /// IGNORE_CASE => TRUE: column names upper-cased.
    pub ignore_case: bool,
}

/// A query reading staged files: `... FROM @stage[/path] [(FILE_FORMAT => 'f', PATTERN =>
/// '...')] ...`: the byte span of the reference (with its arguments) and what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StagedQuery {
    pub span: (usize, usize),
    pub stage: StageRef,
    pub file_format: FileFormat,
    pub pattern: Option<String>,
}

/// Whether some `@` follows FROM or JOIN (optionally inside a quote): a cheap test that keeps
/// every other statement (a bulk INSERT of e-mail addresses) from being read twice.
pub fn may_read_stage(sql: &str) -> bool {
    let bytes = sql.as_bytes();
    bytes.iter().enumerate().any(|(at, b)| {
        if *b != b'@' {
            return false;
        }
        let before = sql[..at].trim_end_matches('\'').trim_end();
        let word = before.len().checked_sub(4).and_then(|s| before.get(s..));
        word.is_some_and(|w| w.eq_ignore_ascii_case("FROM") || w.eq_ignore_ascii_case("JOIN"))
    })
}

/// Find the first stage reference right after a FROM or JOIN of `sql` (binds already substituted).
pub fn find_staged_query(sql: &str, ctx: &Context) -> Result<Option<StagedQuery>> {
    if !may_read_stage(sql) {
        return Ok(None);
    }
    // Text this reader cannot read ($$-strings) is left to the parser.
    let Ok(tokens) = lex(sql) else {
        return Ok(None);
    };
    let Some(at) = (1..tokens.len()).find(|&i| {
        let is_stage = match &tokens[i].tok {
            Tok::Stage(_) => true,
            Tok::Str(s) => s.starts_with('@'),
            _ => false,
        };
        // right after FROM or JOIN: a '@...' string anywhere else is just text
        is_stage
            && matches!(&tokens[i - 1].tok, Tok::Word(w)
                if w.eq_ignore_ascii_case("FROM") || w.eq_ignore_ascii_case("JOIN"))
    }) else {
        return Ok(None);
    };
    let mut r = Reader {
        sql,
        tokens: tokens.clone(),
        pos: at,
        ctx,
    };
    let stage = r.stage_ref()?;
    let mut end = tokens[at].end;
    let mut options = Options::new();
    let named_args = matches!(r.peek(), Some(Tok::Sym(s)) if s == "(")
        && matches!(tokens.get(r.pos + 2).map(|t| &t.tok), Some(Tok::Sym(s)) if s == "=>");
    if named_args {
        r.pos += 1;
        options = r.options()?;
        r.expect_sym(")")?;
        end = tokens[r.pos - 1].end;
    }
    let file_format = match option(&options, "FILE_FORMAT") {
        Some(name) => r.format_name(name)?,
        None => FileFormat::Default,
    };
    Ok(Some(StagedQuery {
        span: (tokens[at].start, end),
        stage,
        file_format,
        pattern: option(&options, "PATTERN").and_then(OptionValue::text),
    }))
}

/// Whether the text mentions INFER_SCHEMA (any case), cheaply.
pub fn mentions_infer_schema(sql: &str) -> bool {
    const WORD: &[u8] = b"INFER_SCHEMA";
    sql.as_bytes()
        .windows(WORD.len())
        .any(|w| w.eq_ignore_ascii_case(WORD))
}

/// Find the first `TABLE(INFER_SCHEMA(...))` in `sql` (binds already substituted).
pub fn find_infer_schema(sql: &str, ctx: &Context) -> Result<Option<InferSchema>> {
    if !mentions_infer_schema(sql) {
        return Ok(None);
    }
    let tokens = lex(sql)?;
    let is_word = |i: usize, w: &str| matches!(tokens.get(i).map(|t| &t.tok), Some(Tok::Word(x)) if x.eq_ignore_ascii_case(w));
    let is_sym =
        |i: usize, s: &str| matches!(tokens.get(i).map(|t| &t.tok), Some(Tok::Sym(x)) if x == s);
    let Some(at) = (0..tokens.len()).find(|&i| {
        is_word(i, "TABLE")
            && is_sym(i + 1, "(")
            && is_word(i + 2, "INFER_SCHEMA")
            && is_sym(i + 3, "(")
    }) else {
        return Ok(None);
    };
    let mut r = Reader {
        sql,
        tokens: tokens.clone(),
        pos: at + 4,
        ctx,
    };
    let options = r.options()?;
    r.expect_sym(")")?;
    r.expect_sym(")")?;
    let end = tokens[r.pos - 1].end;
    let location = option(&options, "LOCATION")
        .and_then(OptionValue::text)
        .ok_or_else(|| {
            SnowflakeError::compilation(
                ErrorCode::SyntaxError,
                "INFER_SCHEMA needs a LOCATION argument.",
            )
        })?;
    let stage = parse_stage_ref(location.trim_start_matches('@'), ctx)?;
    let file_format = match option(&options, "FILE_FORMAT") {
        Some(name) => match r.format_name(name)? {
            FileFormat::Named(o) => Some(o),
            _ => None,
        },
        None => None,
    };
    let files = match option(&options, "FILES") {
        Some(OptionValue::List(items)) => Some(items.clone()),
        Some(OptionValue::Text(one)) => Some(vec![one.clone()]),
        _ => None,
    };
    let ignore_case = option(&options, "IGNORE_CASE")
        .and_then(OptionValue::text)
        .is_some_and(|t| t.eq_ignore_ascii_case("TRUE"));
    Ok(Some(InferSchema {
        span: (tokens[at].start, end),
        stage,
        file_format,
        files,
        ignore_case,
    }))
}

/// Split select items at their top-level commas (outside parentheses, brackets and quotes).
pub fn split_items(items: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut depth = 0i32;
    let mut quote: Option<char> = None;
    let mut current = String::new();
    for c in items.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(' | '[') => depth += 1,
            (None, ')' | ']') => depth -= 1,
            (None, ',') if depth == 0 => {
                out.push(current.trim().to_string());
                current.clear();
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        out.push(current.trim().to_string());
    }
    out
}

/// Rewrite the select items of a `COPY` transformation for the staged-rows relation Snowglobe
/// builds: `$n` (optionally `alias.$n`) becomes the column `"$n"`; in a file whose rows are
/// objects (`columns_by_name`: Parquet), `$1:name` / `$1:"name"` becomes the column `"name"`
/// (key case kept, as a path does).
pub fn rewrite_staged_columns(items: &str, columns_by_name: bool) -> String {
    let chars: Vec<char> = items.chars().collect();
    let mut out = String::with_capacity(items.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\'' || c == '"' {
            // copy a quoted string or identifier whole
            out.push(c);
            i += 1;
            while i < chars.len() {
                out.push(chars[i]);
                if chars[i] == c {
                    if chars.get(i + 1) == Some(&c) {
                        out.push(c);
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                i += 1;
            }
            continue;
        }
        if is_word_char(c) && c != '$' {
            // a word; `alias.$n` drops the alias
            let start = i;
            while i < chars.len() && is_word_char(chars[i]) {
                i += 1;
            }
            if chars.get(i) == Some(&'.') && chars.get(i + 1) == Some(&'$') {
                i += 1;
                continue;
            }
            out.extend(&chars[start..i]);
            continue;
        }
        if c == '$' && chars.get(i + 1).is_some_and(char::is_ascii_digit) {
            let start = i + 1;
            i += 1;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            let n: String = chars[start..i].iter().collect();
            if columns_by_name && chars.get(i) == Some(&':') && chars.get(i + 1) != Some(&':') {
                // `$1:"key"` or `$1:key`
                let mut j = i + 1;
                let key = if chars.get(j) == Some(&'"') {
                    j += 1;
                    let from = j;
                    while j < chars.len() && chars[j] != '"' {
                        j += 1;
                    }
                    let key: String = chars[from..j].iter().collect();
                    j += 1;
                    key
                } else {
                    let from = j;
                    while j < chars.len() && is_word_char(chars[j]) {
                        j += 1;
                    }
                    chars[from..j].iter().collect()
                };
                if !key.is_empty() {
                    out.push_str(&format!("\"{}\"", key.replace('"', "\"\"")));
                    i = j;
                    continue;
                }
            }
            out.push_str(&format!("\"${n}\""));
            continue;
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Context {
        Context {
            database: Some("DB".into()),
            schema: Some("PUBLIC".into()),
            ..Context::default()
        }
    }

    fn parse(sql: &str) -> StageStatement {
        parse_stage_statement(sql, &[], &ctx()).unwrap()
    }

    fn named(name: &str) -> StageKind {
        StageKind::Named(ObjectRef {
            database: "DB".into(),
            schema: "PUBLIC".into(),
            name: name.into(),
        })
    }

    #[test]
    fn create_table_using_a_template() {
        let sql = "create or replace table t1 using template (select array_agg(object_construct(*)) from table(infer_schema(location => '@s', file_format => 'f')))";
        assert!(is_stage_statement(sql));
        assert!(!is_stage_statement("create table t1 (a int)"));
        let ctx = ctx();
        match parse_stage_statement(sql, &[], &ctx).unwrap() {
            StageStatement::CreateTableUsingTemplate { head, query } => {
                assert_eq!(head, "create or replace table t1");
                assert!(query
                    .starts_with("select array_agg(object_construct(*)) from table(infer_schema("));
                assert!(query.ends_with("'f'))"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn recognises_stage_statements_by_their_first_words() {
        for sql in [
            "put file:///tmp/x @s",
            "  -- c\n LIST @s",
            "create or replace temporary stage s",
            "CREATE TEMP FILE FORMAT f TYPE=CSV",
            "drop stage if exists s",
            "copy into t from @s",
            "rm @s",
        ] {
            assert!(is_stage_statement(sql), "{sql}");
        }
        for sql in [
            "create table stage (a int)",
            "select * from t",
            "drop table s",
        ] {
            assert!(!is_stage_statement(sql), "{sql}");
        }
    }

    #[test]
    fn create_stage_with_inline_file_format() {
        let s = parse("create or replace temp stage my_stage file_format = (type = csv field_delimiter = '|' skip_header = 1) comment = 'x'");
        let StageStatement::CreateStage {
            name,
            or_replace,
            temporary,
            file_format: FileFormat::Inline(opts),
            comment,
            ..
        } = s
        else {
            panic!("{s:?}")
        };
        assert_eq!(name.name, "MY_STAGE");
        assert!(or_replace && temporary);
        assert_eq!(comment.as_deref(), Some("x"));
        assert_eq!(
            option(&opts, "FIELD_DELIMITER"),
            Some(&OptionValue::Text("|".into()))
        );
        assert_eq!(
            option(&opts, "SKIP_HEADER").and_then(OptionValue::text),
            Some("1".into())
        );
    }

    #[test]
    fn text_with_multibyte_characters_is_read_safely() {
        assert!(!is_stage_statement(
            "insert into t values ('本本本本本本本本ñ')"
        ));
        let long = format!("create stage s comment = '{}'", "é".repeat(500));
        assert!(is_stage_statement(&long));
        assert!(lex("select 'fi本', 'file本://x'").is_ok());
    }

    #[test]
    fn put_with_an_unquoted_path() {
        let StageStatement::Put { local, stage, .. } =
            parse("PUT file:///tmp/x/d.csv @s/in auto_compress=false")
        else {
            panic!()
        };
        assert_eq!(
            (local.as_str(), stage.path.as_str()),
            ("/tmp/x/d.csv", "in")
        );
    }

    #[test]
    fn put_with_bound_stage_name() {
        let bind = BindValue {
            sf_type: "TEXT".into(),
            value: Some("@\"SNOWPARK_TEMP_STAGE_X\"".into()),
        };
        let s = parse_stage_statement(
            "PUT 'file:///tmp/a b/file0.txt' ? parallel=4 source_compression=auto_detect",
            &[&bind],
            &ctx(),
        )
        .unwrap();
        let StageStatement::Put { local, stage, .. } = s else {
            panic!()
        };
        assert_eq!(local, "/tmp/a b/file0.txt");
        assert_eq!(stage.kind, named("SNOWPARK_TEMP_STAGE_X"));
    }

    #[test]
    fn stage_references() {
        let r = parse_stage_ref("~/dir/f.csv", &ctx()).unwrap();
        assert_eq!((r.kind, r.path.as_str()), (StageKind::User, "dir/f.csv"));
        let r = parse_stage_ref("%t", &ctx()).unwrap();
        assert!(matches!(r.kind, StageKind::Table(o) if o.name == "T"));
        let r = parse_stage_ref("d.s.\"My/Stage\"/p/q", &ctx()).unwrap();
        assert_eq!(r.path, "p/q");
        assert!(matches!(r.kind, StageKind::Named(o) if o.name == "My/Stage" && o.database == "D"));
    }

    #[test]
    fn copy_into_a_location_unloads() {
        let s = parse("COPY INTO @my_stage/out/ FROM (SELECT a, (b) FROM t) FILE_FORMAT = (TYPE = CSV COMPRESSION = NONE) HEADER = TRUE");
        let StageStatement::Unload(u) = s else {
            panic!("not an unload: {s:?}");
        };
        assert_eq!(u.location, "@my_stage/out/");
        assert_eq!(u.stage.path, "out/");
        assert_eq!(u.query, "SELECT a, (b) FROM t");
        assert!(matches!(u.file_format, FileFormat::Inline(_)));
        assert_eq!(u.options.len(), 1);
        let StageStatement::Unload(u) = parse("copy into '@~/x' from db.s.t") else {
            panic!()
        };
        assert_eq!(u.query, "SELECT * FROM \"DB\".\"S\".\"T\"");
        assert_eq!(u.stage.kind, StageKind::User);
    }

    #[test]
    fn copy_into_without_from_reads_the_table_stage() {
        let s = parse(
            "COPY INTO mytable FILE_FORMAT = (TYPE = CSV FIELD_DELIMITER = '|' SKIP_HEADER = 1)",
        );
        let StageStatement::CopyInto(c) = s else {
            panic!("not a COPY: {s:?}");
        };
        assert!(matches!(&c.stage.kind, StageKind::Table(o) if o.name == "MYTABLE"));
        assert!(c.select.is_none());
    }

    #[test]
    fn copy_into_with_transformation() {
        let s = parse("COPY INTO identifier('\"T\"') /* c */ (\"A\",\"b\") FROM (SELECT $1:\"A\",$1:\"b\"::NUMBER FROM '@\"STG\"') FILE_FORMAT=(TYPE=PARQUET COMPRESSION=auto) PURGE=TRUE ON_ERROR='abort_statement'");
        let StageStatement::CopyInto(c) = s else {
            panic!()
        };
        assert_eq!(c.table.name, "T");
        assert_eq!(c.columns, vec!["A", "b"]);
        assert_eq!(c.select.as_deref(), Some("$1:\"A\",$1:\"b\"::NUMBER"));
        assert_eq!(c.stage.kind, named("STG"));
        assert_eq!(
            option(&c.options, "ON_ERROR").and_then(OptionValue::text),
            Some("abort_statement".into())
        );
    }

    #[test]
    fn copy_into_with_files_pattern_and_format_name() {
        let s = parse("copy into t from @s/sub files = ('a.csv', 'b.csv') pattern='.*[.]csv' file_format = (format_name = 'myfmt') on_error = continue");
        let StageStatement::CopyInto(c) = s else {
            panic!()
        };
        assert_eq!(c.stage.path, "sub");
        assert_eq!(c.files, Some(vec!["a.csv".into(), "b.csv".into()]));
        assert_eq!(c.pattern.as_deref(), Some(".*[.]csv"));
        assert!(matches!(c.file_format, FileFormat::Named(o) if o.name == "MYFMT"));
    }

    #[test]
    fn staged_columns_become_relation_columns() {
        assert_eq!(
            rewrite_staged_columns("$1, t.$2::date, '$3', \"$1\"", false),
            "\"$1\", \"$2\"::date, '$3', \"$1\""
        );
        assert_eq!(
            rewrite_staged_columns("$1:\"A b\"::NUMBER(38,0),$1:c, $1::variant", true),
            "\"A b\"::NUMBER(38,0),\"c\", \"$1\"::variant"
        );
    }

    #[test]
    fn infer_schema_calls_are_found() {
        let sql = "SELECT COLUMN_NAME, TYPE FROM table(infer_schema(location=>'@\"ST\"', file_format=>'\"FF\"'))";
        let found = find_infer_schema(sql, &ctx()).unwrap().unwrap();
        assert_eq!(
            &sql[found.span.0..found.span.1],
            "table(infer_schema(location=>'@\"ST\"', file_format=>'\"FF\"'))"
        );
        assert_eq!(found.stage.kind, named("ST"));
        assert_eq!(found.file_format.map(|f| f.name), Some("FF".into()));
        assert!(find_infer_schema("select 1", &ctx()).unwrap().is_none());
    }

    #[test]
    fn select_items_split_at_top_level_commas() {
        assert_eq!(
            split_items("$1, f(a, b), '1,2', $2:x[0]::number(10, 2)"),
            vec!["$1", "f(a, b)", "'1,2'", "$2:x[0]::number(10, 2)"]
        );
    }

    #[test]
    fn staged_file_queries_are_found() {
        let sql = "select t.$1, $2 from @land/in (file_format => 'csvf', pattern => '.*[.]csv') t where $1 = '@x'";
        let q = find_staged_query(sql, &ctx()).unwrap().unwrap();
        assert_eq!(
            &sql[q.span.0..q.span.1],
            "@land/in (file_format => 'csvf', pattern => '.*[.]csv')"
        );
        assert_eq!((q.stage.kind, q.stage.path.as_str()), (named("LAND"), "in"));
        assert!(matches!(q.file_format, FileFormat::Named(f) if f.name == "CSVF"));
        assert_eq!(q.pattern.as_deref(), Some(".*[.]csv"));
        let q = find_staged_query("select $1 from '@~/d'", &ctx())
            .unwrap()
            .unwrap();
        assert_eq!(q.stage.kind, StageKind::User);
        assert!(find_staged_query("select '@x' from t", &ctx())
            .unwrap()
            .is_none());
    }

    #[test]
    fn external_stages_and_unknown_formats_are_unsupported() {
        let e = parse_stage_statement("create stage s url='s3://b/p'", &[], &ctx()).unwrap_err();
        assert_eq!(e.code(), "000002");
        let e = parse_stage_statement("create file format f type = avro", &[], &ctx()).unwrap_err();
        assert!(e.message.contains("AVRO"), "{}", e.message);
    }
}
