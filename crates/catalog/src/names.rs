//! Snowflake folds unquoted identifiers to upper case and then matches names exactly, so `"a"`
//! and `"A"` are two tables. DuckDB matches names case-insensitively even when quoted. To keep
//! Snowflake's rule, every identifier that is not entirely upper case is stored in DuckDB under a
//! name that spells out its case pattern after a separator; all-upper-case names, by far the most
//! common, are stored as they are. The mapping is a pure function, so it needs no lookup.

/// Separates a name from its case pattern; a control character no one types in an identifier.
const SEPARATOR: char = '\u{1F}';

/// The DuckDB storage name of a Snowflake identifier (already case-resolved).
pub fn mangle(name: &str) -> String {
    if !name.chars().any(|c| c.is_lowercase()) {
        return name.to_string();
    }
    let pattern: String = name
        .chars()
        .map(|c| if c.is_lowercase() { 'l' } else { 'u' })
        .collect();
    format!("{name}{SEPARATOR}{pattern}")
}

/// The Snowflake name of a DuckDB storage name (the inverse of [`mangle`]).
pub fn demangle(stored: &str) -> &str {
    match stored.find(SEPARATOR) {
        Some(at) => &stored[..at],
        None => stored,
    }
}

/// Resolve an identifier as written: unquoted names fold to upper case, quoted ones keep case.
pub fn resolve(value: &str, quoted: bool) -> String {
    if quoted {
        value.to_string()
    } else {
        value.to_uppercase()
    }
}

/// Quote a storage name for DuckDB SQL.
pub fn quote(stored: &str) -> String {
    format!("\"{}\"", stored.replace('"', "\"\""))
}

/// Quote a string literal for DuckDB SQL.
pub fn quote_literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

/// A name as Snowflake prints it in messages: as is when it could be written unquoted (upper
/// case), in double quotes otherwise (`"id"`).
pub fn display_name(name: &str) -> String {
    let plain = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_uppercase() || c == '_')
        && name
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_' || c == '$');
    if plain {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('"', "\"\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upper_case_names_are_stored_as_is() {
        assert_eq!(mangle("ORDERS"), "ORDERS");
        assert_eq!(mangle("A_1"), "A_1");
    }

    #[test]
    fn names_differing_only_in_case_get_distinct_storage_names() {
        let a = mangle("a");
        let upper = mangle("A");
        let mixed = mangle("Id");
        let lower = mangle("id");
        assert_ne!(a.to_lowercase(), upper.to_lowercase());
        assert_ne!(mixed.to_lowercase(), lower.to_lowercase());
        assert_eq!(demangle(&mixed), "Id");
        assert_eq!(demangle(&a), "a");
        assert_eq!(demangle("PLAIN"), "PLAIN");
    }

    #[test]
    fn resolution_folds_unquoted_names() {
        assert_eq!(resolve("MyTable", false), "MYTABLE");
        assert_eq!(resolve("MyTable", true), "MyTable");
    }
}
