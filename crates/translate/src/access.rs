//! Roles, users and the roles granted to them: `CREATE | ALTER | DROP ROLE | USER`,
//! `GRANT | REVOKE ROLE`, `DESCRIBE USER`. sqlparser reads few of these forms (no properties
//! on a role, none of Snowflake's user properties), so they are read here into a marker
//! statement (see `statements::marker`) that [`command`] turns into an [`AccessCommand`].

use sqlparser::ast::{Expr, Ident, Statement, Value};
use sqlparser::keywords::Keyword;
use sqlparser::parser::Parser;
use sqlparser::tokenizer::Token;

use snowglobe_error::{Result, SnowflakeError};

use crate::names::ident_name;
use crate::statements::{end, marker, parse_word, syntax};

/// The marker's name.
pub(crate) const MARKER: &str = "ACCESS";

/// A role or a user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    Role,
    User,
}

impl Principal {
    fn word(self) -> &'static str {
        match self {
            Principal::Role => "ROLE",
            Principal::User => "USER",
        }
    }

    fn from_word(word: &str) -> Option<Principal> {
        match word {
            "ROLE" => Some(Principal::Role),
            "USER" => Some(Principal::User),
            _ => None,
        }
    }
}

/// One `ALTER ROLE | USER` action.
#[derive(Debug, Clone, PartialEq)]
pub enum AlterAction {
    RenameTo(String),
    /// Property names upper-case, values as text.
    Set(Vec<(String, String)>),
    Unset(Vec<String>),
}

/// A statement on roles or users. Names are Snowflake names (unquoted upper-case).
#[derive(Debug, Clone, PartialEq)]
pub enum AccessCommand {
    /// `CREATE [OR REPLACE] ROLE | USER [IF NOT EXISTS] name [prop = value ...]`: property
    /// names upper-case, values as text (`COMMENT` for a role).
    Create {
        kind: Principal,
        name: String,
        or_replace: bool,
        if_not_exists: bool,
        properties: Vec<(String, String)>,
    },
    Drop {
        kind: Principal,
        name: String,
        if_exists: bool,
    },
    Alter {
        kind: Principal,
        name: String,
        if_exists: bool,
        action: AlterAction,
    },
    /// `GRANT ROLE role TO ROLE | USER grantee`, or with `revoke` `REVOKE ROLE role FROM ...`.
    GrantRole {
        role: String,
        to: Principal,
        grantee: String,
        revoke: bool,
    },
    /// `DESCRIBE USER name`.
    DescribeUser(String),
}

fn text(s: &str) -> Expr {
    Expr::value(Value::SingleQuotedString(s.to_string()))
}

fn flag(b: bool) -> Expr {
    Expr::value(Value::Boolean(b))
}

/// The word `n` tokens ahead, upper-case (empty for anything but a word).
fn word_at(p: &Parser<'_>, n: usize) -> String {
    match p.peek_nth_token(n).token {
        Token::Word(w) => w.value.to_ascii_uppercase(),
        _ => String::new(),
    }
}

/// Whether `sql` holds a statement of this module (checked cheaply: only text naming a ROLE
/// or USER is read).
pub(crate) fn may_be_access(sql: &str) -> bool {
    let upper = sql.to_ascii_uppercase();
    if !upper.contains("ROLE") && !upper.contains("USER") {
        return false;
    }
    crate::parse::split_statements(sql).iter().any(|piece| {
        sqlparser::parser::Parser::new(&sqlparser::dialect::SnowflakeDialect)
            .try_with_sql(piece)
            .ok()
            .is_some_and(|mut p| parse(&mut p, piece).is_some())
    })
}

/// Read one of this module's statements, if the text starts with one.
pub(crate) fn parse(p: &mut Parser<'_>, sql: &str) -> Option<Result<Statement>> {
    let first = word_at(p, 0);
    let second = word_at(p, 1);
    match (first.as_str(), second.as_str()) {
        ("CREATE", _) => {
            let replace = second == "OR" && word_at(p, 2) == "REPLACE";
            let kind = Principal::from_word(&word_at(p, if replace { 3 } else { 1 }))?;
            p.next_token();
            if replace {
                p.next_token();
                p.next_token();
            }
            p.next_token();
            Some(parse_create(p, sql, kind, replace))
        }
        ("DROP" | "ALTER", "ROLE" | "USER") => {
            let kind = Principal::from_word(&second)?;
            p.next_token();
            p.next_token();
            Some(if first == "DROP" {
                parse_drop(p, sql, kind)
            } else {
                parse_alter(p, sql, kind)
            })
        }
        ("GRANT" | "REVOKE", "ROLE") => {
            p.next_token();
            p.next_token();
            Some(parse_grant(p, sql, first == "REVOKE"))
        }
        ("DESC" | "DESCRIBE", "USER") => {
            p.next_token();
            p.next_token();
            Some((|| {
                let name = p.parse_identifier().map_err(|_| syntax(sql))?;
                end(p, sql)?;
                Ok(marker(
                    MARKER,
                    vec![text("DESCRIBE"), text("USER"), Expr::Identifier(name)],
                ))
            })())
        }
        _ => None,
    }
}

fn name(p: &mut Parser<'_>, sql: &str) -> Result<Ident> {
    p.parse_identifier().map_err(|_| syntax(sql))
}

fn parse_create(
    p: &mut Parser<'_>,
    sql: &str,
    kind: Principal,
    or_replace: bool,
) -> Result<Statement> {
    let if_not_exists = p.parse_keywords(&[Keyword::IF, Keyword::NOT, Keyword::EXISTS]);
    let name = name(p, sql)?;
    let mut values = vec![
        text("CREATE"),
        text(kind.word()),
        Expr::Identifier(name),
        flag(or_replace),
        flag(if_not_exists),
    ];
    for (k, v) in properties(p, sql)? {
        values.push(text(&k));
        values.push(text(&v));
    }
    end(p, sql)?;
    Ok(marker(MARKER, values))
}

fn parse_drop(p: &mut Parser<'_>, sql: &str, kind: Principal) -> Result<Statement> {
    let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = name(p, sql)?;
    end(p, sql)?;
    Ok(marker(
        MARKER,
        vec![
            text("DROP"),
            text(kind.word()),
            Expr::Identifier(name),
            flag(if_exists),
        ],
    ))
}

fn parse_alter(p: &mut Parser<'_>, sql: &str, kind: Principal) -> Result<Statement> {
    let if_exists = p.parse_keywords(&[Keyword::IF, Keyword::EXISTS]);
    let name = name(p, sql)?;
    let mut values = vec![
        text("ALTER"),
        text(kind.word()),
        Expr::Identifier(name),
        flag(if_exists),
    ];
    if parse_word(p, "RENAME") {
        if !p.parse_keyword(Keyword::TO) {
            return Err(syntax(sql));
        }
        values.push(text("RENAME"));
        values.push(Expr::Identifier(self::name(p, sql)?));
    } else if p.parse_keyword(Keyword::SET) {
        values.push(text("SET"));
        let set = properties(p, sql)?;
        if set.is_empty() {
            return Err(syntax(sql));
        }
        for (k, v) in set {
            values.push(text(&k));
            values.push(text(&v));
        }
    } else if parse_word(p, "UNSET") {
        values.push(text("UNSET"));
        loop {
            let property = self::name(p, sql)?;
            values.push(text(&property.value.to_ascii_uppercase()));
            if !p.consume_token(&Token::Comma) {
                break;
            }
        }
    } else {
        // Anything else (`RESET PASSWORD`, `ADD DELEGATED AUTHORIZATION`, policies, tags...)
        // changes nothing Snowglobe keeps.
        return Err(SnowflakeError::unsupported(format!(
            "ALTER {} other than RENAME TO, SET and UNSET",
            kind.word()
        )));
    }
    end(p, sql)?;
    Ok(marker(MARKER, values))
}

fn parse_grant(p: &mut Parser<'_>, sql: &str, revoke: bool) -> Result<Statement> {
    let role = name(p, sql)?;
    let linked = if revoke {
        p.parse_keyword(Keyword::FROM)
    } else {
        p.parse_keyword(Keyword::TO)
    };
    if !linked {
        return Err(syntax(sql));
    }
    let to = if p.parse_keyword(Keyword::ROLE) {
        Principal::Role
    } else if p.parse_keyword(Keyword::USER) {
        Principal::User
    } else {
        return Err(syntax(sql));
    };
    let grantee = name(p, sql)?;
    end(p, sql)?;
    Ok(marker(
        MARKER,
        vec![
            text(if revoke { "REVOKE" } else { "GRANT" }),
            text("ROLE"),
            Expr::Identifier(role),
            text(to.word()),
            Expr::Identifier(grantee),
        ],
    ))
}

/// `name = value` pairs (commas between them optional): names upper-case; a string value as
/// written, a number as written, a word as a Snowflake name (upper-case unless quoted), a
/// parenthesized list (`DEFAULT_SECONDARY_ROLES = ('ALL')`) as a JSON array of its strings.
fn properties(p: &mut Parser<'_>, sql: &str) -> Result<Vec<(String, String)>> {
    let mut out = Vec::new();
    loop {
        let _ = p.consume_token(&Token::Comma);
        let Token::Word(key) = p.peek_token().token else {
            break;
        };
        if p.peek_nth_token(1).token != Token::Eq {
            break;
        }
        p.next_token();
        p.next_token();
        let value = match p.next_token().token {
            Token::SingleQuotedString(s) | Token::DoubleQuotedString(s) => s,
            Token::Number(n, _) => n,
            Token::Minus => match p.next_token().token {
                Token::Number(n, _) => format!("-{n}"),
                _ => return Err(syntax(sql)),
            },
            Token::Word(w) => ident_name(&match w.quote_style {
                Some(q) => Ident::with_quote(q, w.value),
                None => Ident::new(w.value),
            }),
            Token::LParen => {
                let mut items = Vec::new();
                loop {
                    match p.next_token().token {
                        Token::RParen => break,
                        Token::Comma => {}
                        Token::SingleQuotedString(s) => items.push(serde_like_quote(&s)),
                        Token::Word(w) => items.push(serde_like_quote(&w.value.to_uppercase())),
                        _ => return Err(syntax(sql)),
                    }
                }
                format!("[{}]", items.join(", "))
            }
            _ => return Err(syntax(sql)),
        };
        out.push((key.value.to_ascii_uppercase(), value));
    }
    Ok(out)
}

/// `"text"` with `"` and `\` escaped, as a JSON string.
fn serde_like_quote(s: &str) -> String {
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The command an access marker stands for.
pub(crate) fn command(values: &[Expr]) -> Result<AccessCommand> {
    let malformed = || SnowflakeError::internal("malformed access statement");
    let word = |e: &Expr| match e {
        Expr::Value(v) => match &v.value {
            Value::SingleQuotedString(s) => Some(s.clone()),
            _ => None,
        },
        _ => None,
    };
    let ident = |e: &Expr| match e {
        Expr::Identifier(i) => Some(ident_name(i)),
        _ => None,
    };
    let boolean = |e: &Expr| matches!(e, Expr::Value(v) if v.value == Value::Boolean(true));
    let [verb, kind, name, rest @ ..] = values else {
        return Err(malformed());
    };
    let verb = word(verb).ok_or_else(malformed)?;
    let kind = word(kind)
        .as_deref()
        .and_then(Principal::from_word)
        .ok_or_else(malformed)?;
    let name = ident(name).ok_or_else(malformed)?;
    let pairs = |items: &[Expr]| -> Vec<(String, String)> {
        items
            .chunks(2)
            .filter_map(|pair| Some((word(pair.first()?)?, word(pair.get(1)?)?)))
            .collect()
    };
    Ok(match (verb.as_str(), rest) {
        ("CREATE", [or_replace, if_not_exists, properties @ ..]) => AccessCommand::Create {
            kind,
            name,
            or_replace: boolean(or_replace),
            if_not_exists: boolean(if_not_exists),
            properties: pairs(properties),
        },
        ("DROP", [if_exists]) => AccessCommand::Drop {
            kind,
            name,
            if_exists: boolean(if_exists),
        },
        ("ALTER", [if_exists, action, args @ ..]) => AccessCommand::Alter {
            kind,
            name,
            if_exists: boolean(if_exists),
            action: match word(action).as_deref() {
                Some("RENAME") => {
                    AlterAction::RenameTo(args.first().and_then(ident).ok_or_else(malformed)?)
                }
                Some("SET") => AlterAction::Set(pairs(args)),
                Some("UNSET") => AlterAction::Unset(args.iter().filter_map(word).collect()),
                _ => return Err(malformed()),
            },
        },
        (verb @ ("GRANT" | "REVOKE"), [to, grantee]) => AccessCommand::GrantRole {
            role: name,
            to: word(to)
                .as_deref()
                .and_then(Principal::from_word)
                .ok_or_else(malformed)?,
            grantee: ident(grantee).ok_or_else(malformed)?,
            revoke: verb == "REVOKE",
        },
        ("DESCRIBE", []) => AccessCommand::DescribeUser(name),
        _ => return Err(malformed()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::statements::parse_special;

    fn access(sql: &str) -> AccessCommand {
        let Some(Ok(Statement::Set(sqlparser::ast::Set::SingleAssignment { values, .. }))) =
            parse_special(sql)
        else {
            panic!("not an access statement: {sql}");
        };
        command(&values).unwrap()
    }

    #[test]
    fn roles_with_comments_and_grants() {
        assert_eq!(
            access("create or replace role analyst comment = 'reads'"),
            AccessCommand::Create {
                kind: Principal::Role,
                name: "ANALYST".into(),
                or_replace: true,
                if_not_exists: false,
                properties: vec![("COMMENT".into(), "reads".into())],
            }
        );
        assert_eq!(
            access("grant role \"Mixed\" to user bob;"),
            AccessCommand::GrantRole {
                role: "Mixed".into(),
                to: Principal::User,
                grantee: "BOB".into(),
                revoke: false,
            }
        );
        assert_eq!(
            access("revoke role analyst from role sysadmin"),
            AccessCommand::GrantRole {
                role: "ANALYST".into(),
                to: Principal::Role,
                grantee: "SYSADMIN".into(),
                revoke: true,
            }
        );
    }

    #[test]
    fn users_with_properties() {
        assert_eq!(
            access(
                "create user if not exists bob password = 'p' default_role = analyst \
                 must_change_password = false, default_secondary_roles = ('ALL')"
            ),
            AccessCommand::Create {
                kind: Principal::User,
                name: "BOB".into(),
                or_replace: false,
                if_not_exists: true,
                properties: vec![
                    ("PASSWORD".into(), "p".into()),
                    ("DEFAULT_ROLE".into(), "ANALYST".into()),
                    ("MUST_CHANGE_PASSWORD".into(), "FALSE".into()),
                    ("DEFAULT_SECONDARY_ROLES".into(), "[\"ALL\"]".into()),
                ],
            }
        );
        assert_eq!(
            access("alter user if exists bob unset comment, email"),
            AccessCommand::Alter {
                kind: Principal::User,
                name: "BOB".into(),
                if_exists: true,
                action: AlterAction::Unset(vec!["COMMENT".into(), "EMAIL".into()]),
            }
        );
        assert!(parse_special("create table user (i int)").is_none());
        assert!(parse_special("grant usage on database d to role r").is_none());
    }
}
