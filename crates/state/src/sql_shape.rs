//! Checks on the SQL text a state file carries (a view's `CREATE VIEW` statement, a column's
//! default expression), which an import runs: a file from elsewhere (a shared pod remote) must
//! not be able to run anything else. The text is scanned as DuckDB reads it (quoted strings and
//! identifiers, dollar-quoted strings, comments) and only its top level is looked at.

use crate::StateError;

/// Call `f` with every character outside quotes and comments and the parenthesis depth before
/// it; an unterminated quote or comment is an error.
fn top_level(sql: &str, mut f: impl FnMut(char, i32) -> Result<(), String>) -> Result<(), String> {
    let chars: Vec<char> = sql.chars().collect();
    let mut i = 0;
    let mut depth = 0i32;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        // An escape string (`E'..'`, backslashes escape) starts at an E not inside a word.
        let escape_string = matches!(c, 'e' | 'E')
            && next == Some('\'')
            && (i == 0 || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_'));
        if escape_string {
            i += 2;
            loop {
                match chars.get(i) {
                    None => return Err("an unterminated quote".into()),
                    Some('\\') => i += 2,
                    Some('\'') if chars.get(i + 1) == Some(&'\'') => i += 2,
                    Some('\'') => break,
                    Some(_) => i += 1,
                }
            }
            i += 1;
            continue;
        }
        match c {
            '\'' | '"' => {
                i += 1;
                loop {
                    match chars.get(i) {
                        None => return Err("an unterminated quote".into()),
                        Some(&q) if q == c => {
                            if chars.get(i + 1) == Some(&c) {
                                i += 2;
                                continue;
                            }
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            '-' if next == Some('-') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            // Block comments nest, as DuckDB reads them.
            '/' if next == Some('*') => {
                let mut nesting = 1;
                i += 2;
                while nesting > 0 {
                    match (chars.get(i), chars.get(i + 1)) {
                        (None, _) => return Err("an unterminated comment".into()),
                        (Some('/'), Some('*')) => {
                            nesting += 1;
                            i += 2;
                        }
                        (Some('*'), Some('/')) => {
                            nesting -= 1;
                            i += 2;
                        }
                        _ => i += 1,
                    }
                }
                continue;
            }
            '$' => {
                // `$tag$ ... $tag$` (the tag may be empty, else starts with a letter or `_`);
                // `$1` is a parameter.
                let parameter = chars.get(i + 1).is_some_and(char::is_ascii_digit);
                let tag_len = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '_')
                    .count();
                if !parameter && chars.get(i + 1 + tag_len) == Some(&'$') {
                    let tag: String = chars[i..i + tag_len + 2].iter().collect();
                    let rest: String = chars[i + tag_len + 2..].iter().collect();
                    match rest.find(&tag) {
                        Some(end) => {
                            i += tag_len + 2 + rest[..end].chars().count() + tag.chars().count() - 1
                        }
                        None => return Err("an unterminated dollar-quoted string".into()),
                    }
                } else {
                    f(c, depth)?;
                }
            }
            '(' => {
                f(c, depth)?;
                depth += 1;
            }
            ')' => {
                depth -= 1;
                if depth < 0 {
                    return Err("an unbalanced ')'".into());
                }
                f(c, depth)?;
            }
            _ => f(c, depth)?,
        }
        i += 1;
    }
    if depth != 0 {
        return Err("an unbalanced '('".into());
    }
    Ok(())
}

/// A view's definition: one `CREATE VIEW` statement, nothing after it.
pub fn check_view(name: &str, sql: &str) -> Result<(), StateError> {
    let bad = |why: String| {
        StateError::Invalid(format!(
            "view {name}: its definition in the file is not one CREATE VIEW statement ({why})"
        ))
    };
    let words: Vec<String> = sql
        .split_whitespace()
        .take(2)
        .map(str::to_ascii_uppercase)
        .collect();
    if words != ["CREATE", "VIEW"] {
        return Err(bad("it does not start with CREATE VIEW".into()));
    }
    let mut ended = false;
    top_level(sql, |c, _| {
        if ended && !c.is_whitespace() && c != ';' {
            return Err("more follows its end".into());
        }
        if c == ';' {
            ended = true;
        }
        Ok(())
    })
    .map_err(bad)
}

/// A column default: one expression, which cannot end the column definition it is put in.
pub fn check_default(column: &str, sql: &str) -> Result<(), StateError> {
    top_level(sql, |c, depth| match c {
        ';' => Err("a ';'".into()),
        ',' if depth == 0 => Err("a ',' outside parentheses".into()),
        _ => Ok(()),
    })
    .map_err(|why| {
        StateError::Invalid(format!(
            "column {column}: its default in the file is not one expression ({why})"
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn views_are_one_create_view() {
        assert!(check_view("V", "CREATE VIEW \"V\" AS SELECT 'a;b' AS x, $$;$$ AS y; ").is_ok());
        assert!(check_view("V", "create view v as select 1 -- ; drop\n").is_ok());
        for bad in [
            "CREATE TABLE PWN AS SELECT 1",
            "CREATE VIEW V AS SELECT 1; DROP TABLE T;",
            "CREATE VIEW V AS SELECT 1; COPY (SELECT 1) TO '/tmp/x'",
            "CREATE VIEW V AS SELECT 'unterminated",
            "CREATE VIEW V AS SELECT 1 /* open",
            "CREATE VIEW V AS SELECT E'\\'' ; COPY (SELECT 42) TO '/tmp/pwn' ; --'",
            "CREATE VIEW V AS SELECT 1 /* /* */ ' */ ; COPY (SELECT 1) TO '/tmp/pwn' ; /* ' */",
        ] {
            assert!(check_view("V", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn defaults_are_one_expression() {
        for good in [
            "1",
            "nextval('\"S\"')",
            "'a,b);'",
            "coalesce(1, 2)",
            "CURRENT_TIMESTAMP",
        ] {
            assert!(check_default("C", good).is_ok(), "{good}");
        }
        for bad in [
            "1); COPY (SELECT 1) TO '/tmp/x'; CREATE TABLE zz(a INT DEFAULT (1",
            "1, evil INT",
            "1)",
            "(1",
            "E'\\'' ); COPY (SELECT 7) TO '/tmp/pwn'; CREATE TABLE zz (a VARCHAR DEFAULT E'\\''",
        ] {
            assert!(check_default("C", bad).is_err(), "{bad}");
        }
    }
}
