//! String functions DuckDB lacks, as scalar functions over Arrow batches:
//!
//! - `sg_sha224(text)`, `sg_sha384(text)`, `sg_sha512(text)` → VARCHAR: SHA-2 digests as
//!   lower-case hex (`SHA2(s, 224 | 384 | 512)`; DuckDB has SHA-256 only);
//! - `sg_soundex(text)`, `sg_soundex_p123(text)` → VARCHAR: Snowflake's SOUNDEX codes;
//! - `sg_jarowinkler(text, text)` → BIGINT: JAROWINKLER_SIMILARITY, 0 to 100;
//! - `sg_editdistance(text, text)` → BIGINT: the Levenshtein distance in characters (DuckDB's
//!   `levenshtein` counts bytes);
//! - `sg_regexp_replace_nth(text, pattern, replacement, n)` → VARCHAR: REGEXP_REPLACE of the
//!   `n`th match only (DuckDB replaces the first or every match);
//! - `sg_randstr(length, gen)` → VARCHAR: RANDSTR, `length` letters and digits determined by
//!   the generator value `gen` (the same `gen` gives the same string).

use std::borrow::Cow;
use std::error::Error;

use std::sync::Arc;

use duckdb::arrow::array::{Array, ArrayRef, AsArray, Int64Builder, RecordBatch, StringBuilder};
use duckdb::arrow::datatypes::{DataType, Int64Type};
use duckdb::vscalar::{ArrowFunctionSignature, VArrowScalar};
use duckdb::Connection;
use sha2::{Digest, Sha224, Sha384, Sha512};

use crate::json_text::map_text;

/// Register the functions on the database `conn` belongs to.
pub fn register(conn: &Connection) -> duckdb::Result<()> {
    conn.register_scalar_function::<Sha<224>>("sg_sha224")?;
    conn.register_scalar_function::<Sha<384>>("sg_sha384")?;
    conn.register_scalar_function::<Sha<512>>("sg_sha512")?;
    conn.register_scalar_function::<Soundex<false>>("sg_soundex")?;
    conn.register_scalar_function::<Soundex<true>>("sg_soundex_p123")?;
    conn.register_scalar_function::<JaroWinkler>("sg_jarowinkler")?;
    conn.register_scalar_function::<EditDistance>("sg_editdistance")?;
    conn.register_scalar_function::<ReplaceNth>("sg_regexp_replace_nth")?;
    conn.register_scalar_function::<RandStr>("sg_randstr")
}

fn text_to_text() -> Vec<ArrowFunctionSignature> {
    vec![ArrowFunctionSignature::exact(
        vec![DataType::Utf8],
        DataType::Utf8,
    )]
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

/// The SHA-2 digest of `BITS` bits of a text's UTF-8 bytes, in hex.
pub fn sha2_hex(bits: u32, text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    Some(match bits {
        224 => hex(&Sha224::digest(bytes)),
        384 => hex(&Sha384::digest(bytes)),
        512 => hex(&Sha512::digest(bytes)),
        _ => return None,
    })
}

struct Sha<const BITS: u32>;

impl<const BITS: u32> VArrowScalar for Sha<BITS> {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_text(&input, |t| sha2_hex(BITS, t).map(Cow::Owned))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        text_to_text()
    }
}

/// The Soundex digit of a letter; vowels, `Y`, `H` and `W` have none.
fn soundex_digit(c: char) -> Option<char> {
    Some(match c.to_ascii_uppercase() {
        'B' | 'F' | 'P' | 'V' => '1',
        'C' | 'G' | 'J' | 'K' | 'Q' | 'S' | 'X' | 'Z' => '2',
        'D' | 'T' => '3',
        'L' => '4',
        'M' | 'N' => '5',
        'R' => '6',
        _ => return None,
    })
}

/// American Soundex as Snowflake computes it: the first letter, then the digits of the
/// following consonants, a digit repeated by adjacent letters (or letters separated only by
/// `H` or `W`) written once, padded with zeros to four characters. Characters that are not
/// letters are skipped. With `p123` (SOUNDEX_P123) a second letter whose digit is the first
/// letter's is kept rather than dropped. Text without a letter gives an empty string.
pub fn soundex(text: &str, p123: bool) -> String {
    let mut letters = text.chars().filter(char::is_ascii_alphabetic);
    let Some(first) = letters.next() else {
        return String::new();
    };
    let mut code = String::with_capacity(4);
    code.push(first.to_ascii_uppercase());
    let mut last = if p123 { None } else { soundex_digit(first) };
    for c in letters {
        if code.len() == 4 {
            break;
        }
        match soundex_digit(c) {
            Some(d) if Some(d) != last => {
                code.push(d);
                last = Some(d);
            }
            Some(_) => {}
            None if matches!(c.to_ascii_uppercase(), 'H' | 'W') => {}
            None => last = None,
        }
    }
    while code.len() < 4 {
        code.push('0');
    }
    code
}

struct Soundex<const P123: bool>;

impl<const P123: bool> VArrowScalar for Soundex<P123> {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        map_text(&input, |t| Some(Cow::Owned(soundex(t, P123))))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        text_to_text()
    }
}

/// The Jaro similarity of two character sequences (0 when either is empty).
fn jaro(s: &[char], t: &[char]) -> f64 {
    if s.is_empty() || t.is_empty() {
        return 0.0;
    }
    let window = (s.len().max(t.len()) / 2).saturating_sub(1);
    let mut taken = vec![false; t.len()];
    let mut matched_s = Vec::new();
    for (i, c) in s.iter().enumerate() {
        let from = i.saturating_sub(window);
        let to = (i + window + 1).min(t.len());
        if let Some(j) = (from..to).find(|&j| !taken[j] && t[j] == *c) {
            taken[j] = true;
            matched_s.push(*c);
        }
    }
    let m = matched_s.len();
    if m == 0 {
        return 0.0;
    }
    let matched_t = t.iter().zip(&taken).filter(|(_, k)| **k).map(|(c, _)| c);
    let half_transpositions = matched_s
        .iter()
        .zip(matched_t)
        .filter(|(a, b)| a != b)
        .count();
    let m = m as f64;
    let transpositions = (half_transpositions / 2) as f64;
    (m / s.len() as f64 + m / t.len() as f64 + (m - transpositions) / m) / 3.0
}

/// Snowflake's JAROWINKLER_SIMILARITY: case-insensitive Jaro-Winkler similarity with scaling
/// factor 0.1 over the whole common prefix, as a whole percentage rounded down (two empty
/// strings are 0). Matches every example of Snowflake's documentation.
pub fn jaro_winkler(a: &str, b: &str) -> i64 {
    let s: Vec<char> = a.to_lowercase().chars().collect();
    let t: Vec<char> = b.to_lowercase().chars().collect();
    let j = jaro(&s, &t);
    let prefix = s.iter().zip(&t).take_while(|(x, y)| x == y).count() as f64;
    let similarity = j + prefix * 0.1 * (1.0 - j);
    (similarity * 100.0 + 1e-9).floor().clamp(0.0, 100.0) as i64
}

struct JaroWinkler;

impl VArrowScalar for JaroWinkler {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        Ok(map_two_texts(&input, jaro_winkler))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        two_texts_to_bigint()
    }
}

/// The Levenshtein distance of two texts, in characters.
pub fn edit_distance(a: &str, b: &str) -> i64 {
    let t: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=t.len()).collect();
    let mut current = vec![0; t.len() + 1];
    for (i, c) in a.chars().enumerate() {
        current[0] = i + 1;
        for (j, d) in t.iter().enumerate() {
            let substitution = previous[j] + usize::from(c != *d);
            current[j + 1] = substitution.min(previous[j + 1] + 1).min(current[j] + 1);
        }
        std::mem::swap(&mut previous, &mut current);
    }
    previous[t.len()] as i64
}

/// Apply `f` to the two text columns of `input`, row by row; NULL in, NULL out.
fn map_two_texts(input: &RecordBatch, f: impl Fn(&str, &str) -> i64) -> ArrayRef {
    let (a, b) = (
        input.column(0).as_string::<i32>(),
        input.column(1).as_string::<i32>(),
    );
    let mut out = Int64Builder::with_capacity(a.len());
    for row in 0..a.len() {
        if a.is_null(row) || b.is_null(row) {
            out.append_null();
        } else {
            out.append_value(f(a.value(row), b.value(row)));
        }
    }
    Arc::new(out.finish())
}

fn two_texts_to_bigint() -> Vec<ArrowFunctionSignature> {
    vec![ArrowFunctionSignature::exact(
        vec![DataType::Utf8, DataType::Utf8],
        DataType::Int64,
    )]
}

/// The longest string RANDSTR makes (Snowflake's VARCHAR limit).
const RANDSTR_MAX: i64 = 16_777_216;

/// RANDSTR's string: `length` characters of `0-9a-zA-Z`, drawn by SplitMix64 seeded with `gen`.
pub fn randstr(length: usize, gen: i64) -> String {
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    let mut state = gen as u64;
    (0..length)
        .map(|_| {
            state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^= z >> 31;
            char::from(ALPHABET[(z % ALPHABET.len() as u64) as usize])
        })
        .collect()
}

struct RandStr;

impl VArrowScalar for RandStr {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let lengths = input.column(0).as_primitive::<Int64Type>();
        let gens = input.column(1).as_primitive::<Int64Type>();
        let mut out = StringBuilder::with_capacity(lengths.len(), 0);
        for row in 0..lengths.len() {
            if lengths.is_null(row) || gens.is_null(row) {
                out.append_null();
                continue;
            }
            let length = lengths.value(row);
            if !(0..=RANDSTR_MAX).contains(&length) {
                return Err(format!("Numeric value '{length}' is out of range").into());
            }
            out.append_value(randstr(length as usize, gens.value(row)));
        }
        Ok(Arc::new(out.finish()))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![DataType::Int64, DataType::Int64],
            DataType::Utf8,
        )]
    }
}

struct EditDistance;

impl VArrowScalar for EditDistance {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        Ok(map_two_texts(&input, edit_distance))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        two_texts_to_bigint()
    }
}

/// A Snowflake replacement string (`\\1` for a group) as the `regex` crate's (`${1}`).
fn replacement_template(replacement: &str) -> String {
    let mut out = String::with_capacity(replacement.len());
    let mut chars = replacement.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(d) if d.is_ascii_digit() => out.push_str(&format!("${{{d}}}")),
                Some('$') => out.push_str("$$"),
                Some(other) => out.push(other),
                None => out.push('\\'),
            },
            '$' => out.push_str("$$"),
            other => out.push(other),
        }
    }
    out
}

/// `text` with its `n`th match of `pattern` (from 1) replaced; unchanged when there are fewer.
pub fn replace_nth(text: &str, pattern: &regex::Regex, replacement: &str, n: i64) -> String {
    let Some(found) = usize::try_from(n)
        .ok()
        .and_then(|n| n.checked_sub(1))
        .and_then(|skip| pattern.captures_iter(text).nth(skip))
    else {
        return text.to_string();
    };
    let whole = found.get(0).map_or(0..0, |m| m.range());
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..whole.start]);
    found.expand(&replacement_template(replacement), &mut out);
    out.push_str(&text[whole.end..]);
    out
}

struct ReplaceNth;

impl VArrowScalar for ReplaceNth {
    type State = ();

    fn invoke(_: &(), input: RecordBatch) -> Result<ArrayRef, Box<dyn Error>> {
        let text = input.column(0).as_string::<i32>();
        let pattern = input.column(1).as_string::<i32>();
        let replacement = input.column(2).as_string::<i32>();
        let n = input.column(3).as_primitive::<Int64Type>();
        let mut out = StringBuilder::with_capacity(text.len(), text.value_data().len());
        let mut compiled: Option<(String, regex::Regex)> = None;
        for row in 0..text.len() {
            if [
                text.is_null(row),
                pattern.is_null(row),
                replacement.is_null(row),
            ]
            .into_iter()
            .any(|null| null)
                || n.is_null(row)
            {
                out.append_null();
                continue;
            }
            let source = pattern.value(row);
            if compiled.as_ref().is_none_or(|(p, _)| p != source) {
                let regex = regex::Regex::new(source)
                    .map_err(|e| format!("Invalid regular expression: '{source}', {e}"))?;
                compiled = Some((source.to_string(), regex));
            }
            let Some((_, regex)) = &compiled else {
                continue;
            };
            out.append_value(replace_nth(
                text.value(row),
                regex,
                replacement.value(row),
                n.value(row),
            ));
        }
        Ok(Arc::new(out.finish()))
    }

    fn signatures() -> Vec<ArrowFunctionSignature> {
        vec![ArrowFunctionSignature::exact(
            vec![
                DataType::Utf8,
                DataType::Utf8,
                DataType::Utf8,
                DataType::Int64,
            ],
            DataType::Utf8,
        )]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha2_digests_are_hex() {
        assert_eq!(
            sha2_hex(224, "abc").as_deref(),
            Some("23097d223405d8228642a477bda255b32aadbce4bda0b3f7e36c9da7")
        );
        assert_eq!(sha2_hex(512, "abc").map(|s| s.len()), Some(128));
        assert_eq!(sha2_hex(100, "abc"), None);
    }

    #[test]
    fn jaro_winkler_matches_snowflake_examples() {
        for (a, b, expected) in [
            ("Gute nacht", "Ich weis nicht", 56),
            ("Ich weiß nicht", "Ich wei? nicht", 98),
            ("Ich weiß nicht", "Ich weiss nicht", 97),
            ("Snowflake", "Oracle", 61),
            ("święta", "swieta", 77),
            ("", "", 0),
            ("ABC", "abc", 100),
        ] {
            assert_eq!(jaro_winkler(a, b), expected, "{a} / {b}");
            assert_eq!(jaro_winkler(b, a), expected, "{b} / {a}");
        }
    }

    #[test]
    fn edit_distance_counts_characters() {
        for (a, b, expected) in [
            ("", "", 0),
            ("Gute nacht", "Ich weis nicht", 8),
            ("Ich weiß nicht", "Ich wei? nicht", 1),
            ("Ich weiß nicht", "Ich weiss nicht", 2),
            ("Snowflake", "Oracle", 7),
            ("święta", "swieta", 2),
            ("ä", "a", 1),
        ] {
            assert_eq!(edit_distance(a, b), expected, "{a} / {b}");
        }
    }

    #[test]
    fn replace_nth_replaces_one_match() {
        let times = regex::Regex::new("times").unwrap();
        let text = "It was the best of times, it was the worst of times";
        assert_eq!(
            replace_nth(text, &times, "days", 2),
            "It was the best of times, it was the worst of days"
        );
        assert_eq!(replace_nth(text, &times, "days", 3), text);
        let group = regex::Regex::new("(b|w)(est|orst)").unwrap();
        assert_eq!(
            replace_nth(text, &group, "\\2-\\1 $", 2),
            "It was the best of times, it was the orst-w $ of times"
        );
    }

    #[test]
    fn soundex_codes() {
        assert_eq!(soundex("Robert", false), "R163");
        assert_eq!(soundex("Rupert", false), "R163");
        assert_eq!(soundex("Ashcraft", false), "A261");
        assert_eq!(soundex("Tymczak", false), "T522");
        assert_eq!(soundex("Pfister", false), "P236");
        assert_eq!(soundex("Pfister", true), "P123");
        assert_eq!(soundex("Lee", false), "L000");
        assert_eq!(soundex("LLoyd", false), "L300");
        assert_eq!(soundex("Lloyd", true), "L430");
        assert_eq!(soundex("Marx", false), "M620");
        assert_eq!(soundex("I love rock and roll music.", false), "I416");
        assert_eq!(soundex("", false), "");
    }
}
