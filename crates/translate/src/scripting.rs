//! Snowflake Scripting: anonymous blocks (`DECLARE ... BEGIN ... END`, also as the text of
//! `EXECUTE IMMEDIATE $$ ... $$`) parsed into statements the session interprets.
//!
//! Only the block structure is parsed here. Expressions (conditions, LET values, RETURN values)
//! and SQL statements stay text: the session substitutes variables into them
//! ([`substitute`]) and runs them as Snowflake SQL.

use snowglobe_error::{ErrorCode, Result, SnowflakeError};

/// A block: declarations, statements and exception handlers.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub declarations: Vec<Declaration>,
    pub body: Vec<Stmt>,
    pub handlers: Vec<Handler>,
}

/// A DECLARE entry, or what a LET declares.
#[derive(Debug, Clone, PartialEq)]
pub enum Declaration {
    /// `name [type] [DEFAULT | := expr]`.
    Variable {
        name: String,
        data_type: Option<String>,
        default: Option<String>,
    },
    /// `name CURSOR FOR query`.
    Cursor { name: String, query: String },
    /// `name RESULTSET [DEFAULT | := (query)]`.
    ResultSet { name: String, query: Option<String> },
    /// `name EXCEPTION [(code, 'message')]`.
    Exception {
        name: String,
        code: Option<i64>,
        message: Option<String>,
    },
}

/// `WHEN name [OR name ...] THEN statements` (names upper-case; `OTHER` catches anything).
#[derive(Debug, Clone, PartialEq)]
pub struct Handler {
    pub exceptions: Vec<String>,
    pub body: Vec<Stmt>,
}

/// One statement of a block.
#[derive(Debug, Clone, PartialEq)]
pub enum Stmt {
    Block(Block),
    Let(Declaration),
    Assign {
        name: String,
        expr: String,
    },
    /// IF/ELSEIF/ELSE, and CASE (`CASE x WHEN v` is the condition `(x) = (v)`): the first
    /// branch whose condition holds runs.
    If {
        branches: Vec<(String, Vec<Stmt>)>,
        otherwise: Vec<Stmt>,
    },
    ForRange {
        var: String,
        reverse: bool,
        from: String,
        to: String,
        body: Vec<Stmt>,
        label: Option<String>,
    },
    /// `FOR row IN cursor_or_resultset DO ... END FOR`.
    ForCursor {
        var: String,
        source: String,
        body: Vec<Stmt>,
        label: Option<String>,
    },
    While {
        condition: String,
        body: Vec<Stmt>,
        label: Option<String>,
    },
    Repeat {
        body: Vec<Stmt>,
        until: String,
        label: Option<String>,
    },
    Loop {
        body: Vec<Stmt>,
        label: Option<String>,
    },
    Break(Option<String>),
    Continue(Option<String>),
    Return(Option<String>),
    Raise(Option<String>),
    Open(String),
    Fetch {
        cursor: String,
        into: Vec<String>,
    },
    Close(String),
    Null,
    /// Any other statement, as written (`:name` binds still in it).
    Sql(String),
}

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Word,
    Quoted,
    Str,
    Sym,
}

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

fn syntax(sql: &str, at: usize, what: &str) -> SnowflakeError {
    let line = sql[..at.min(sql.len())].matches('\n').count() as u64 + 1;
    let col = sql[..at.min(sql.len())]
        .rfind('\n')
        .map_or(at, |nl| at - nl - 1) as u64;
    SnowflakeError::syntax(line, col, what)
}

/// Split `sql` into tokens: words, quoted names, strings (`'...'`, `$$...$$`) and symbols
/// (`:=` and `::` are one symbol); comments are skipped.
fn lex(sql: &str) -> Result<Vec<Token>> {
    lex_up_to(sql, usize::MAX)
}

/// The first `limit` tokens of `sql` (what tells a statement's kind, without reading it all).
fn lex_up_to(sql: &str, limit: usize) -> Result<Vec<Token>> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() && out.len() < limit {
        let c = b[i];
        let next = b.get(i + 1).copied();
        let start = i;
        if c.is_ascii_whitespace() {
            i += 1;
            continue;
        }
        if (c == b'-' && next == Some(b'-')) || (c == b'/' && next == Some(b'/')) {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
            continue;
        }
        if c == b'/' && next == Some(b'*') {
            i = sql[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
            continue;
        }
        let kind = if c == b'\'' {
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err(syntax(sql, start, "'")),
                    Some(b'\\') => i += 2,
                    Some(b'\'') if b.get(i + 1) == Some(&b'\'') => i += 2,
                    Some(b'\'') => break,
                    Some(_) => i += 1,
                }
            }
            i += 1;
            Kind::Str
        } else if c == b'$' && next == Some(b'$') {
            let close = sql[i + 2..]
                .find("$$")
                .ok_or_else(|| syntax(sql, start, "$$"))?;
            i += 2 + close + 2;
            Kind::Str
        } else if c == b'"' {
            i += 1;
            loop {
                match b.get(i) {
                    None => return Err(syntax(sql, start, "\"")),
                    Some(b'"') if b.get(i + 1) == Some(&b'"') => i += 2,
                    Some(b'"') => break,
                    Some(_) => i += 1,
                }
            }
            i += 1;
            Kind::Quoted
        } else if c.is_ascii_alphanumeric() || c == b'_' || c == b'$' || c >= 0x80 {
            while i < b.len()
                && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$' || b[i] >= 0x80)
            {
                i += 1;
            }
            Kind::Word
        } else {
            i += if c == b':' && matches!(next, Some(b'=') | Some(b':')) {
                2
            } else {
                1
            };
            Kind::Sym
        };
        out.push(Token {
            kind,
            start,
            end: i,
        });
    }
    Ok(out)
}

/// Whether `sql` is a Snowflake Scripting block: it starts with DECLARE, or with BEGIN that
/// does not start a transaction (`BEGIN`, `BEGIN WORK`, `BEGIN TRANSACTION`, `BEGIN NAME x`).
pub fn is_block(sql: &str) -> bool {
    let Ok(tokens) = lex_up_to(sql, 2) else {
        return false;
    };
    let word = |i: usize| {
        tokens
            .get(i)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| sql[t.start..t.end].to_ascii_uppercase())
    };
    match word(0).as_deref() {
        Some("DECLARE") => true,
        Some("BEGIN") => {
            !(tokens.len() == 1
                || tokens.get(1).is_some_and(|t| &sql[t.start..t.end] == ";")
                || matches!(word(1).as_deref(), Some("TRANSACTION" | "WORK" | "NAME")))
        }
        _ => false,
    }
}

/// Parse a block (`[DECLARE ...] BEGIN ... [EXCEPTION ...] END [;]`).
pub fn parse_block(sql: &str) -> Result<Block> {
    let tokens = lex(sql)?;
    let mut p = Parser { sql, tokens, at: 0 };
    let block = p.block()?;
    p.eat_sym(";");
    if let Some(t) = p.tokens.get(p.at) {
        return Err(syntax(sql, t.start, &sql[t.start..t.end]));
    }
    Ok(block)
}

struct Parser<'a> {
    sql: &'a str,
    tokens: Vec<Token>,
    at: usize,
}

/// Words that end a list of statements.
const ENDS: &[&str] = &["END", "ELSE", "ELSEIF", "WHEN", "EXCEPTION", "UNTIL"];

impl Parser<'_> {
    fn text(&self, t: &Token) -> &str {
        &self.sql[t.start..t.end]
    }

    fn word_at(&self, i: usize) -> Option<String> {
        self.tokens
            .get(i)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| self.text(t).to_ascii_uppercase())
    }

    fn peek_word(&self) -> Option<String> {
        self.word_at(self.at)
    }

    fn is_sym_at(&self, i: usize, s: &str) -> bool {
        self.tokens
            .get(i)
            .is_some_and(|t| t.kind == Kind::Sym && self.text(t) == s)
    }

    fn eat_sym(&mut self, s: &str) -> bool {
        let yes = self.is_sym_at(self.at, s);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn eat_word(&mut self, w: &str) -> bool {
        let yes = self.peek_word().as_deref() == Some(w);
        if yes {
            self.at += 1;
        }
        yes
    }

    fn error_here(&self) -> SnowflakeError {
        match self.tokens.get(self.at) {
            Some(t) => syntax(self.sql, t.start, self.text(t)),
            None => syntax(self.sql, self.sql.len(), "<EOF>"),
        }
    }

    /// `Ok` if what was expected was found, else a syntax error at the current token.
    fn required(&self, found: bool) -> Result<()> {
        found.then_some(()).ok_or_else(|| self.error_here())
    }

    fn expect_word(&mut self, w: &str) -> Result<()> {
        let found = self.eat_word(w);
        self.required(found)
    }

    fn expect_sym(&mut self, s: &str) -> Result<()> {
        let found = self.eat_sym(s);
        self.required(found)
    }

    /// A name: an unquoted word (upper-cased) or a quoted name (as written).
    fn name(&mut self) -> Result<String> {
        let t = self.tokens.get(self.at).ok_or_else(|| self.error_here())?;
        let name = match t.kind {
            Kind::Word => self.text(t).to_ascii_uppercase(),
            Kind::Quoted => self.text(t)[1..self.text(t).len() - 1].replace("\"\"", "\""),
            _ => return Err(self.error_here()),
        };
        self.at += 1;
        Ok(name)
    }

    /// The text from here up to (not including) the first token at parenthesis depth 0 that
    /// `stop` accepts; the parser is left on that token.
    fn text_until(&mut self, stop: impl Fn(&Self, usize) -> bool) -> Result<String> {
        let first = self.at;
        let mut depth = 0i32;
        while self.at < self.tokens.len() {
            if depth == 0 && stop(self, self.at) {
                break;
            }
            match self.text(&self.tokens[self.at]) {
                "(" | "[" => depth += 1,
                ")" | "]" => depth -= 1,
                _ => {}
            }
            self.at += 1;
        }
        if self.at == first {
            return Err(self.error_here());
        }
        let start = self.tokens[first].start;
        let end = self.tokens[self.at - 1].end;
        Ok(self.sql[start..end].to_string())
    }

    /// Text up to the next `;` (consumed).
    fn until_semicolon(&mut self) -> Result<String> {
        let text = self.text_until(|p, i| p.is_sym_at(i, ";"))?;
        self.expect_sym(";")?;
        Ok(text)
    }

    /// Text up to one of `words`.
    fn until_word(&mut self, words: &[&str]) -> Result<String> {
        self.text_until(|p, i| p.word_at(i).is_some_and(|w| words.contains(&w.as_str())))
    }

    fn block(&mut self) -> Result<Block> {
        let mut declarations = Vec::new();
        if self.eat_word("DECLARE") {
            while self.peek_word().as_deref() != Some("BEGIN") {
                if self.at >= self.tokens.len() {
                    return Err(self.error_here());
                }
                declarations.push(self.declaration(false)?);
            }
        }
        self.expect_word("BEGIN")?;
        let body = self.statements()?;
        let mut handlers = Vec::new();
        if self.eat_word("EXCEPTION") {
            while self.eat_word("WHEN") {
                let mut exceptions = vec![self.name()?];
                while self.eat_word("OR") {
                    exceptions.push(self.name()?);
                }
                self.expect_word("THEN")?;
                handlers.push(Handler {
                    exceptions,
                    body: self.statements()?,
                });
            }
        }
        self.expect_word("END")?;
        Ok(Block {
            declarations,
            body,
            handlers,
        })
    }

    /// A declaration after DECLARE (`let_form`: after LET, where `:=`/DEFAULT is required for a
    /// variable).
    fn declaration(&mut self, let_form: bool) -> Result<Declaration> {
        let name = self.name()?;
        let declaration = match self.peek_word().as_deref() {
            Some("CURSOR") => {
                self.at += 1;
                self.expect_word("FOR")?;
                Declaration::Cursor {
                    name,
                    query: self.until_semicolon()?,
                }
            }
            Some("RESULTSET") => {
                self.at += 1;
                let query = if self.eat_sym(":=") || self.eat_word("DEFAULT") {
                    Some(unparenthesized(&self.until_semicolon()?))
                } else {
                    self.expect_sym(";")?;
                    None
                };
                Declaration::ResultSet { name, query }
            }
            Some("EXCEPTION") => {
                self.at += 1;
                let (mut code, mut message) = (None, None);
                if self.eat_sym("(") {
                    let number = self.text_until(|p, i| p.is_sym_at(i, ","))?;
                    code = Some(
                        number
                            .replace(' ', "")
                            .parse::<i64>()
                            .map_err(|_| self.error_here())?,
                    );
                    self.expect_sym(",")?;
                    let t = self.tokens.get(self.at).ok_or_else(|| self.error_here())?;
                    if t.kind != Kind::Str {
                        return Err(self.error_here());
                    }
                    let raw = self.text(t);
                    message = Some(raw[1..raw.len() - 1].replace("''", "'"));
                    self.at += 1;
                    self.expect_sym(")")?;
                }
                self.expect_sym(";")?;
                Declaration::Exception {
                    name,
                    code,
                    message,
                }
            }
            _ => {
                let data_type = if self.is_sym_at(self.at, ":=")
                    || self.is_sym_at(self.at, ";")
                    || self.peek_word().as_deref() == Some("DEFAULT")
                {
                    None
                } else {
                    Some(self.text_until(|p, i| {
                        p.is_sym_at(i, ":=")
                            || p.is_sym_at(i, ";")
                            || p.word_at(i).as_deref() == Some("DEFAULT")
                    })?)
                };
                let default = if self.eat_sym(":=") || self.eat_word("DEFAULT") {
                    Some(self.until_semicolon()?)
                } else if let_form {
                    return Err(self.error_here());
                } else {
                    self.expect_sym(";")?;
                    None
                };
                Declaration::Variable {
                    name,
                    data_type,
                    default,
                }
            }
        };
        Ok(declaration)
    }

    /// Statements up to one of the words that end a list ([`ENDS`]).
    fn statements(&mut self) -> Result<Vec<Stmt>> {
        let mut out = Vec::new();
        loop {
            match self.peek_word() {
                Some(w) if ENDS.contains(&w.as_str()) => return Ok(out),
                _ if self.at >= self.tokens.len() => return Err(self.error_here()),
                _ => {}
            }
            if self.eat_sym(";") {
                continue;
            }
            out.push(self.statement()?);
        }
    }

    /// `END <word> [label] ;`
    fn end(&mut self, words: &[&str]) -> Result<Option<String>> {
        self.expect_word("END")?;
        if !words.iter().any(|w| self.eat_word(w)) {
            return Err(self.error_here());
        }
        let label = if self.is_sym_at(self.at, ";") {
            None
        } else {
            Some(self.name()?)
        };
        self.expect_sym(";")?;
        Ok(label)
    }

    fn optional_label(&mut self) -> Result<Option<String>> {
        if self.eat_sym(";") {
            return Ok(None);
        }
        let label = self.name()?;
        self.expect_sym(";")?;
        Ok(Some(label))
    }

    fn statement(&mut self) -> Result<Stmt> {
        let word = self.peek_word().unwrap_or_default();
        if self.is_sym_at(self.at + 1, ":=") {
            let name = self.name()?;
            self.at += 1;
            return Ok(Stmt::Assign {
                name,
                expr: self.until_semicolon()?,
            });
        }
        let stmt = match word.as_str() {
            "DECLARE" => {
                let block = self.block()?;
                self.expect_sym(";")?;
                Stmt::Block(block)
            }
            "BEGIN"
                if !matches!(
                    self.word_at(self.at + 1).as_deref(),
                    Some("TRANSACTION" | "WORK" | "NAME")
                ) && !self.is_sym_at(self.at + 1, ";") =>
            {
                let block = self.block()?;
                self.expect_sym(";")?;
                Stmt::Block(block)
            }
            "LET" => {
                self.at += 1;
                Stmt::Let(self.declaration(true)?)
            }
            "IF" => {
                self.at += 1;
                let mut branches = Vec::new();
                let condition = self.until_word(&["THEN"])?;
                self.expect_word("THEN")?;
                branches.push((condition, self.statements()?));
                let mut otherwise = Vec::new();
                loop {
                    if self.eat_word("ELSEIF") {
                        let condition = self.until_word(&["THEN"])?;
                        self.expect_word("THEN")?;
                        branches.push((condition, self.statements()?));
                    } else if self.eat_word("ELSE") {
                        otherwise = self.statements()?;
                    } else {
                        break;
                    }
                }
                self.expect_word("END")?;
                self.expect_word("IF")?;
                self.expect_sym(";")?;
                Stmt::If {
                    branches,
                    otherwise,
                }
            }
            "CASE" => {
                self.at += 1;
                let operand = if self.peek_word().as_deref() == Some("WHEN") {
                    None
                } else {
                    Some(self.until_word(&["WHEN"])?)
                };
                let mut branches = Vec::new();
                while self.eat_word("WHEN") {
                    let value = self.until_word(&["THEN"])?;
                    self.expect_word("THEN")?;
                    let condition = match &operand {
                        Some(o) => format!("({o}) = ({value})"),
                        None => value,
                    };
                    branches.push((condition, self.statements()?));
                }
                let otherwise = if self.eat_word("ELSE") {
                    self.statements()?
                } else {
                    Vec::new()
                };
                self.expect_word("END")?;
                self.eat_word("CASE");
                self.expect_sym(";")?;
                Stmt::If {
                    branches,
                    otherwise,
                }
            }
            "FOR" => {
                self.at += 1;
                let var = self.name()?;
                self.expect_word("IN")?;
                let reverse = self.eat_word("REVERSE");
                let head = self.at;
                let source = self.until_word(&["TO", "DO", "LOOP"])?;
                if self.eat_word("TO") {
                    let to = self.until_word(&["DO", "LOOP"])?;
                    let looped = self.peek_word() == Some("LOOP".into());
                    self.at += 1;
                    let body = self.statements()?;
                    let label = self.end(if looped { &["LOOP"] } else { &["FOR"] })?;
                    Stmt::ForRange {
                        var,
                        reverse,
                        from: source,
                        to,
                        body,
                        label,
                    }
                } else {
                    self.at = head;
                    let source = self.name()?;
                    let looped = self.peek_word() == Some("LOOP".into());
                    if !looped {
                        self.expect_word("DO")?;
                    } else {
                        self.at += 1;
                    }
                    let body = self.statements()?;
                    let label = self.end(if looped { &["LOOP"] } else { &["FOR"] })?;
                    Stmt::ForCursor {
                        var,
                        source,
                        body,
                        label,
                    }
                }
            }
            "WHILE" => {
                self.at += 1;
                let condition = self.until_word(&["DO", "LOOP"])?;
                let looped = self.peek_word() == Some("LOOP".into());
                self.at += 1;
                let body = self.statements()?;
                let label = self.end(if looped { &["LOOP"] } else { &["WHILE"] })?;
                Stmt::While {
                    condition,
                    body,
                    label,
                }
            }
            "REPEAT" => {
                self.at += 1;
                let body = self.statements()?;
                self.expect_word("UNTIL")?;
                let until = self.until_word(&["END"])?;
                let label = self.end(&["REPEAT"])?;
                Stmt::Repeat { body, until, label }
            }
            "LOOP" => {
                self.at += 1;
                let body = self.statements()?;
                let label = self.end(&["LOOP"])?;
                Stmt::Loop { body, label }
            }
            "BREAK" | "EXIT" | "CONTINUE" | "ITERATE" | "RAISE" => {
                self.at += 1;
                let label = self.optional_label()?;
                match word.as_str() {
                    "BREAK" | "EXIT" => Stmt::Break(label),
                    "RAISE" => Stmt::Raise(label),
                    _ => Stmt::Continue(label),
                }
            }
            "RETURN" => {
                self.at += 1;
                if self.eat_sym(";") {
                    Stmt::Return(None)
                } else {
                    Stmt::Return(Some(self.until_semicolon()?))
                }
            }
            "OPEN" | "CLOSE" => {
                self.at += 1;
                let cursor = self.name()?;
                self.expect_sym(";")?;
                if word == "OPEN" {
                    Stmt::Open(cursor)
                } else {
                    Stmt::Close(cursor)
                }
            }
            "FETCH" => {
                self.at += 1;
                let cursor = self.name()?;
                self.expect_word("INTO")?;
                let mut into = vec![self.name()?];
                while self.eat_sym(",") {
                    into.push(self.name()?);
                }
                self.expect_sym(";")?;
                Stmt::Fetch { cursor, into }
            }
            "NULL" if self.is_sym_at(self.at + 1, ";") => {
                self.at += 2;
                Stmt::Null
            }
            _ => Stmt::Sql(self.until_semicolon()?),
        };
        Ok(stmt)
    }
}

/// `(query)` → `query` (text not enclosed in one pair of parentheses as it is).
pub fn unparenthesized(text: &str) -> String {
    let t = text.trim();
    if t.starts_with('(') && t.ends_with(')') {
        // Only when the outer parentheses enclose the whole text.
        let mut depth = 0;
        for (i, c) in t.char_indices() {
            match c {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 && i != t.len() - 1 {
                        return t.to_string();
                    }
                }
                _ => {}
            }
        }
        return t[1..t.len() - 1].trim().to_string();
    }
    t.to_string()
}

/// What a name stands for when [`substitute`] meets it.
pub enum Binding {
    /// A value, as a Snowflake literal.
    Value(String),
    /// A row of a FOR loop: `rec.column` reads a column (names upper-case).
    Row(Vec<(String, String)>),
}

/// Put variable values into `text`: `:name` anywhere (a bind); in an expression (`bare`), a
/// plain `name` too. `lookup` gives a name's binding (names upper-case). A `:` right after a
/// name or a closing bracket is a path (`v:field`), not a bind.
pub fn substitute(
    text: &str,
    bare: bool,
    lookup: &dyn Fn(&str) -> Option<Binding>,
) -> Result<String> {
    let tokens = lex(text)?;
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut i = 0;
    let word_name = |t: &Token| match t.kind {
        Kind::Word => Some(text[t.start..t.end].to_ascii_uppercase()),
        Kind::Quoted => Some(text[t.start + 1..t.end - 1].replace("\"\"", "\"")),
        _ => None,
    };
    while i < tokens.len() {
        let t = &tokens[i];
        let sym = |j: usize, s: &str| {
            tokens
                .get(j)
                .is_some_and(|t| t.kind == Kind::Sym && &text[t.start..t.end] == s)
        };
        let after_value = i > 0
            && tokens[i - 1].end == t.start
            && (matches!(tokens[i - 1].kind, Kind::Word | Kind::Quoted)
                || sym(i - 1, ")")
                || sym(i - 1, "]"));
        let (name_at, is_bind) = if sym(i, ":") && !after_value {
            (i + 1, true)
        } else if bare
            && matches!(t.kind, Kind::Word)
            && !(i > 0 && (sym(i - 1, ".") || sym(i - 1, ":") || sym(i - 1, "::")))
            && !sym(i + 1, "(")
        {
            (i, false)
        } else {
            i += 1;
            continue;
        };
        let Some(name) = tokens.get(name_at).and_then(word_name) else {
            i += 1;
            continue;
        };
        let (value, last) = match lookup(&name) {
            Some(Binding::Value(v)) => (v, name_at),
            Some(Binding::Row(columns)) if sym(name_at + 1, ".") => {
                let Some(column) = tokens.get(name_at + 2).and_then(word_name) else {
                    i += 1;
                    continue;
                };
                match columns.iter().find(|(c, _)| *c == column) {
                    Some((_, v)) => (v.clone(), name_at + 2),
                    None => {
                        return Err(SnowflakeError::compilation(
                            ErrorCode::InvalidIdentifier,
                            format!("invalid identifier '{name}.{column}'"),
                        ))
                    }
                }
            }
            _ if is_bind => {
                return Err(SnowflakeError::compilation(
                    ErrorCode::SyntaxError,
                    format!("Bind variable :{name} not set."),
                ))
            }
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&text[copied..t.start]);
        out.push_str(&value);
        copied = tokens[last].end;
        i = last + 1;
    }
    out.push_str(&text[copied..]);
    Ok(out)
}

/// `SELECT ... INTO :a, :b FROM ...` → the statement without its INTO clause, and the
/// variables (upper-case) that take the first row's values.
pub fn select_into(sql: &str) -> Result<Option<(String, Vec<String>)>> {
    let tokens = lex(sql)?;
    let word = |i: usize| {
        tokens
            .get(i)
            .filter(|t| t.kind == Kind::Word)
            .map(|t| sql[t.start..t.end].to_ascii_uppercase())
    };
    // `CALL p(...) INTO :x` sets `x` from the procedure's answer the same way.
    if !matches!(word(0).as_deref(), Some("SELECT" | "WITH" | "CALL")) {
        return Ok(None);
    }
    let mut depth = 0;
    for (i, t) in tokens.iter().enumerate() {
        match &sql[t.start..t.end] {
            "(" => depth += 1,
            ")" => depth -= 1,
            _ => {}
        }
        if depth != 0 || word(i).as_deref() != Some("INTO") {
            continue;
        }
        let mut names = Vec::new();
        let mut j = i + 1;
        loop {
            let colon = tokens.get(j).is_some_and(|t| &sql[t.start..t.end] == ":");
            let Some(name) = colon.then(|| word(j + 1)).flatten() else {
                return Ok(None);
            };
            names.push(name);
            j += 2;
            if tokens.get(j).is_some_and(|t| &sql[t.start..t.end] == ",") {
                j += 1;
            } else {
                break;
            }
        }
        let end = tokens.get(j).map_or(sql.len(), |t| t.start);
        let rest = format!("{} {}", &sql[..t.start], &sql[end..]);
        return Ok(Some((rest, names)));
    }
    Ok(None)
}

/// A stored procedure's definition (LANGUAGE SQL: its body is a block).
#[derive(Debug, Clone, PartialEq)]
pub struct Procedure {
    /// (name upper-case, type as written).
    pub args: Vec<(String, String)>,
    /// The RETURNS type as written (`NUMBER`, `TABLE (a INT)`).
    pub returns: String,
    pub body: String,
    pub comment: Option<String>,
}

/// CREATE PROCEDURE | FUNCTION, CALL and DROP PROCEDURE | FUNCTION, names resolved. A SQL
/// function (`function`) has the same parts as a procedure: its body is an expression or a
/// query (see [`crate::rules::udfs`]).
#[derive(Debug, Clone, PartialEq)]
pub enum ProcedureStatement {
    Create {
        name: crate::names::ObjectRef,
        or_replace: bool,
        if_not_exists: bool,
        function: bool,
        procedure: Procedure,
    },
    /// `CALL name(args)`: the arguments as expression texts.
    Call {
        name: crate::names::ObjectRef,
        args: Vec<String>,
    },
    Drop {
        name: crate::names::ObjectRef,
        if_exists: bool,
        function: bool,
        /// The number of argument types named (`DROP FUNCTION f(INT, VARCHAR)`), if any.
        arity: Option<usize>,
    },
}

/// Whether a CREATE PROCEDURE / FUNCTION statement's body after `AS` is a quoted string (`$$
/// ... $$` or `'...'`), so that the statement ends at the first `;` after it; true for any
/// other statement. (A body of Snowflake Scripting written bare holds `;`s of its own.)
pub fn routine_body_quoted(sql: &str) -> bool {
    use sqlparser::dialect::SnowflakeDialect;
    use sqlparser::tokenizer::{Token, Tokenizer};
    let upper = sql.trim_start().to_ascii_uppercase();
    if !upper.starts_with("CREATE") || !is_procedure_statement(sql) {
        return true;
    }
    let Ok(tokens) = Tokenizer::new(&SnowflakeDialect, sql).tokenize() else {
        return false;
    };
    let mut significant = tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_)));
    // `EXECUTE AS CALLER AS $$...$$`: any AS followed by a string.
    while let Some(t) = significant.next() {
        if matches!(t, Token::Word(w) if w.value.eq_ignore_ascii_case("AS"))
            && matches!(
                significant.clone().next(),
                Some(Token::SingleQuotedString(_) | Token::DollarQuotedString(_))
            )
        {
            return true;
        }
    }
    false
}

/// Whether `sql` starts like a procedure statement (then [`parse_procedure_statement`] reads it).
pub fn is_procedure_statement(sql: &str) -> bool {
    let Ok(tokens) = lex_up_to(sql, 6) else {
        return false;
    };
    let words: Vec<String> = tokens
        .iter()
        .map(|t| sql[t.start..t.end].to_ascii_uppercase())
        .collect();
    let w = |i: usize| words.get(i).map(String::as_str);
    match w(0) {
        Some("CALL") => true,
        Some("DROP") => matches!(w(1), Some("PROCEDURE" | "FUNCTION")),
        Some("CREATE") => {
            let mut i = 1;
            if w(i) == Some("OR") && w(i + 1) == Some("REPLACE") {
                i += 2;
            }
            while matches!(w(i), Some("SECURE" | "TEMPORARY" | "TEMP")) {
                i += 1;
            }
            matches!(w(i), Some("PROCEDURE" | "FUNCTION"))
        }
        _ => false,
    }
}

/// Parse CREATE PROCEDURE, CALL or DROP PROCEDURE (see [`is_procedure_statement`]).
pub fn parse_procedure_statement(
    sql: &str,
    ctx: &crate::names::Context,
) -> Result<ProcedureStatement> {
    let tokens = lex(sql)?;
    let mut p = Parser { sql, tokens, at: 0 };
    let statement = if p.eat_word("CALL") {
        let (name, operation) = (p.object_name()?, "CALL");
        p.expect_sym("(")?;
        let mut args = Vec::new();
        if !p.eat_sym(")") {
            loop {
                let arg = p.text_until(|p, i| p.is_sym_at(i, ",") || p.is_sym_at(i, ")"))?;
                if arg.contains("=>") {
                    return Err(SnowflakeError::unsupported(
                        "CALL with named arguments (name => value)",
                    ));
                }
                args.push(arg);
                if !p.eat_sym(",") {
                    p.expect_sym(")")?;
                    break;
                }
            }
        }
        ProcedureStatement::Call {
            name: crate::names::resolve_parts(name, ctx, operation)?,
            args,
        }
    } else if p.eat_word("DROP") {
        let function = p.eat_word("FUNCTION");
        if !function {
            p.expect_word("PROCEDURE")?;
        }
        let if_exists = p.eat_word("IF") && {
            p.expect_word("EXISTS")?;
            true
        };
        let name = crate::names::resolve_parts(p.object_name()?, ctx, "DROP")?;
        // The argument types that pick an overload: functions overload by their number of
        // arguments (a procedure has one overload).
        let mut arity = None;
        if p.eat_sym("(") {
            let types = p.text_until(|p, i| p.is_sym_at(i, ")")).unwrap_or_default();
            arity = Some(top_level_items(&types));
            p.expect_sym(")")?;
        }
        ProcedureStatement::Drop {
            name,
            if_exists,
            function,
            arity,
        }
    } else {
        p.expect_word("CREATE")?;
        let or_replace = p.eat_word("OR") && {
            p.expect_word("REPLACE")?;
            true
        };
        while p.eat_word("SECURE") || p.eat_word("TEMPORARY") || p.eat_word("TEMP") {}
        let function = p.eat_word("FUNCTION");
        if !function {
            p.expect_word("PROCEDURE")?;
        }
        let if_not_exists = p.eat_word("IF") && {
            p.expect_word("NOT")?;
            p.expect_word("EXISTS")?;
            true
        };
        let name = crate::names::resolve_parts(p.object_name()?, ctx, "CREATE")?;
        p.expect_sym("(")?;
        let mut args = Vec::new();
        if !p.eat_sym(")") {
            loop {
                let arg = p.name()?;
                let data_type = p.text_until(|p, i| {
                    p.is_sym_at(i, ",")
                        || p.is_sym_at(i, ")")
                        || p.word_at(i).as_deref() == Some("DEFAULT")
                })?;
                if p.peek_word().as_deref() == Some("DEFAULT") {
                    let what = if function { "function" } else { "procedure" };
                    return Err(SnowflakeError::unsupported(format!(
                        "{what} arguments with a DEFAULT"
                    )));
                }
                args.push((arg, data_type));
                if !p.eat_sym(",") {
                    p.expect_sym(")")?;
                    break;
                }
            }
        }
        p.expect_word("RETURNS")?;
        const OPTIONS: &[&str] = &[
            "NOT",
            "NULL",
            "LANGUAGE",
            "STRICT",
            "CALLED",
            "VOLATILE",
            "IMMUTABLE",
            "COMMENT",
            "EXECUTE",
            "AS",
            "RUNTIME_VERSION",
            "PACKAGES",
            "HANDLER",
            "IMPORTS",
            "MEMOIZABLE",
            "RETURNS",
        ];
        let returns = p.until_word(OPTIONS)?;
        let (mut language, mut comment) = ("SQL".to_string(), None);
        loop {
            match p.peek_word().as_deref() {
                Some("AS") => break,
                Some("LANGUAGE") => {
                    p.at += 1;
                    language = p.peek_word().ok_or_else(|| p.error_here())?;
                    p.at += 1;
                }
                // `EXECUTE AS OWNER | CALLER | RESTRICTED CALLER`: its AS is not the body's.
                Some("EXECUTE") => {
                    p.at += 1;
                    p.expect_word("AS")?;
                    while matches!(
                        p.peek_word().as_deref(),
                        Some("OWNER" | "CALLER" | "RESTRICTED")
                    ) {
                        p.at += 1;
                    }
                }
                Some("COMMENT") => {
                    p.at += 1;
                    p.expect_sym("=")?;
                    comment = Some(p.string()?);
                }
                None if p.at >= p.tokens.len() => return Err(p.error_here()),
                _ => p.at += 1,
            }
        }
        p.expect_word("AS")?;
        if language != "SQL" {
            let what = if function { "FUNCTION" } else { "PROCEDURE" };
            return Err(SnowflakeError::unsupported(format!(
                "CREATE {what} ... LANGUAGE {language} (only LANGUAGE SQL runs here)"
            )));
        }
        // The body: a string constant, or (as Snowsight allows) the block itself.
        let body = match p.tokens.get(p.at) {
            Some(t) if t.kind != Kind::Str => {
                let body = sql[t.start..].trim_end().to_string();
                p.at = p.tokens.len();
                body
            }
            _ => p.string()?,
        };
        ProcedureStatement::Create {
            name,
            or_replace,
            if_not_exists,
            function,
            procedure: Procedure {
                args,
                returns,
                body,
                comment,
            },
        }
    };
    p.eat_sym(";");
    if let Some(t) = p.tokens.get(p.at) {
        return Err(syntax(sql, t.start, &sql[t.start..t.end]));
    }
    Ok(statement)
}

impl Parser<'_> {
    /// `[db.][schema.]name` as case-resolved parts.
    fn object_name(&mut self) -> Result<Vec<String>> {
        let mut parts = vec![self.name()?];
        while self.eat_sym(".") {
            parts.push(self.name()?);
        }
        Ok(parts)
    }

    /// A string constant's value (`'...'` or `$$...$$`).
    fn string(&mut self) -> Result<String> {
        let t = self.tokens.get(self.at).ok_or_else(|| self.error_here())?;
        if t.kind != Kind::Str {
            return Err(self.error_here());
        }
        let raw = self.text(t);
        let value = match raw.strip_prefix("$$") {
            Some(rest) => rest.strip_suffix("$$").unwrap_or(rest).to_string(),
            None => crate::stages::unescape(&raw[1..raw.len() - 1]),
        };
        self.at += 1;
        Ok(value)
    }
}

/// How many comma-separated items a list's text holds, commas inside parentheses not counted
/// (`NUMBER(10, 2), VARCHAR` is two); none for blank text.
fn top_level_items(text: &str) -> usize {
    if text.trim().is_empty() {
        return 0;
    }
    let mut depth = 0i32;
    let mut items = 1;
    for c in text.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => items += 1,
            _ => {}
        }
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_are_told_from_transactions() {
        assert!(is_block("DECLARE x INT; BEGIN RETURN x; END"));
        assert!(is_block("begin\n  return 1;\nend;"));
        assert!(is_block("-- note\nBEGIN CREATE TABLE t (a INT); END"));
        assert!(!is_block("BEGIN"));
        assert!(!is_block("begin;"));
        assert!(!is_block("BEGIN TRANSACTION"));
        assert!(!is_block("begin work"));
        assert!(!is_block("select 1"));
    }

    #[test]
    fn a_block_parses_into_statements() {
        let block = parse_block(
            "DECLARE
               radius FLOAT DEFAULT 3;
               c1 CURSOR FOR SELECT * FROM t;
               e EXCEPTION (-20002, 'It''s bad');
             BEGIN
               LET area := PI() * radius * radius;
               x := 1;
               IF (x > 0) THEN RETURN 'pos'; ELSEIF (x < 0) THEN RETURN 'neg'; ELSE NULL; END IF;
               FOR i IN 1 TO 3 DO INSERT INTO t VALUES (:i); END FOR;
               FOR r IN c1 DO total := total + r.a; END FOR;
               WHILE (x < 10) DO x := x + 1; IF (x = 5) THEN BREAK; END IF; END WHILE;
               SELECT COUNT(*) INTO :n FROM t;
               RETURN area;
             EXCEPTION
               WHEN STATEMENT_ERROR OR e THEN RETURN SQLERRM;
             END;",
        )
        .unwrap();
        assert_eq!(block.declarations.len(), 3);
        assert_eq!(
            block.declarations[0],
            Declaration::Variable {
                name: "RADIUS".into(),
                data_type: Some("FLOAT".into()),
                default: Some("3".into()),
            }
        );
        assert_eq!(
            block.declarations[2],
            Declaration::Exception {
                name: "E".into(),
                code: Some(-20002),
                message: Some("It's bad".into()),
            }
        );
        assert_eq!(block.body.len(), 8);
        assert!(matches!(&block.body[2], Stmt::If { branches, otherwise }
            if branches.len() == 2 && otherwise == &vec![Stmt::Null]));
        assert!(
            matches!(&block.body[3], Stmt::ForRange { from, to, body, .. }
            if from == "1" && to == "3" && body == &vec![Stmt::Sql("INSERT INTO t VALUES (:i)".into())])
        );
        assert!(matches!(&block.body[4], Stmt::ForCursor { source, .. } if source == "C1"));
        assert_eq!(block.handlers[0].exceptions, vec!["STATEMENT_ERROR", "E"]);
    }

    #[test]
    fn syntax_errors_name_the_place() {
        let e = parse_block("BEGIN IF (1) THEN RETURN 1; END;").unwrap_err();
        assert_eq!(e.code, ErrorCode::SyntaxError);
        assert!(parse_block("BEGIN RETURN 1; END; extra").is_err());
        assert!(parse_block("BEGIN RETURN 'x; END").is_err());
    }

    #[test]
    fn variables_substitute_as_binds_and_in_expressions() {
        let lookup = |n: &str| match n {
            "X" => Some(Binding::Value("5".into())),
            "S" => Some(Binding::Value("'a'".into())),
            "R" => Some(Binding::Row(vec![("A".into(), "7".into())])),
            _ => None,
        };
        assert_eq!(
            substitute("insert into t values (:x, :s, v:x)", false, &lookup).unwrap(),
            "insert into t values (5, 'a', v:x)"
        );
        assert_eq!(
            substitute("x * 2 + r.a + t.x + f(x) + x::int", true, &lookup).unwrap(),
            "5 * 2 + 7 + t.x + f(5) + 5::int"
        );
        assert_eq!(
            substitute("select :nope", false, &lookup)
                .unwrap_err()
                .message,
            "SQL compilation error:\nBind variable :NOPE not set."
        );
    }

    #[test]
    fn procedures_parse() {
        let ctx = crate::names::Context {
            database: Some("DB".into()),
            schema: Some("PUBLIC".into()),
            ..Default::default()
        };
        assert!(is_procedure_statement(
            "create or replace procedure p() returns int as 'x'"
        ));
        assert!(is_procedure_statement("CALL p(1)"));
        assert!(!is_procedure_statement("create table p (a int)"));
        let create = parse_procedure_statement(
            "CREATE OR REPLACE PROCEDURE area(radius FLOAT, label VARCHAR(10))
             RETURNS FLOAT NOT NULL LANGUAGE SQL COMMENT = 'circle' EXECUTE AS CALLER
             AS $$ BEGIN RETURN radius; END $$;",
            &ctx,
        )
        .unwrap();
        let ProcedureStatement::Create {
            name, procedure, ..
        } = create
        else {
            panic!("{create:?}")
        };
        assert_eq!(
            (name.schema.as_str(), name.name.as_str()),
            ("PUBLIC", "AREA")
        );
        assert_eq!(
            procedure.args,
            vec![
                ("RADIUS".to_string(), "FLOAT".to_string()),
                ("LABEL".to_string(), "VARCHAR(10)".to_string())
            ]
        );
        assert_eq!(procedure.returns, "FLOAT");
        assert_eq!(procedure.body, " BEGIN RETURN radius; END ");
        assert_eq!(procedure.comment.as_deref(), Some("circle"));
        assert_eq!(
            parse_procedure_statement("call s.area(1 + 2, 'a,b')", &ctx).unwrap(),
            ProcedureStatement::Call {
                name: crate::names::ObjectRef {
                    database: "DB".into(),
                    schema: "S".into(),
                    name: "AREA".into()
                },
                args: vec!["1 + 2".into(), "'a,b'".into()],
            }
        );
        let js = parse_procedure_statement(
            "create procedure p() returns string language javascript as 'return 1'",
            &ctx,
        )
        .unwrap_err();
        assert_eq!(js.code, ErrorCode::Unsupported);
    }

    #[test]
    fn select_into_takes_its_variables_out() {
        let (sql, names) = select_into("SELECT COUNT(*), MAX(a) INTO :n, :m FROM t")
            .unwrap()
            .unwrap();
        assert_eq!(
            sql.split_whitespace().collect::<Vec<_>>().join(" "),
            "SELECT COUNT(*), MAX(a) FROM t"
        );
        assert_eq!(names, vec!["N", "M"]);
        assert!(select_into("INSERT INTO t SELECT 1").unwrap().is_none());
    }
}
