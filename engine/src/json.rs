//! Parsing a JSON body of the API into its type: malformed JSON is told apart from a
//! well-formed body with a wrong or missing field, which names the field's path; a body that
//! nests deeper than [`MAX_DEPTH`] is refused before the parser sees it.

use serde::de::DeserializeOwned;
use serde_json::error::Category;

use crate::EngineError;

/// The deepest nesting of arrays and objects a body may have. Doorman's bodies need 4; the
/// limit stops a hostile body from making the parser recurse through unknown fields.
pub const MAX_DEPTH: usize = 16;

pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, EngineError> {
    if nesting_exceeds(bytes, MAX_DEPTH) {
        return Err(EngineError::Invalid {
            field: String::new(),
            message: format!("the body nests arrays and objects deeper than {MAX_DEPTH} levels"),
        });
    }
    // Most bodies are valid: they are parsed once, without the path tracking that names a
    // failing field, which more than doubled the parser's time. A body that fails is parsed
    // again with it, and fails there in the same place.
    if let Ok(value) = from_slice(bytes) {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = serde_path_to_error::deserialize(&mut de).map_err(|err| {
        let field = err.path().to_string();
        let inner = err.into_inner();
        match inner.classify() {
            Category::Data => EngineError::Invalid { message: format!("{field}: {inner}"), field },
            Category::Syntax | Category::Eof | Category::Io => {
                EngineError::Malformed(format!("malformed JSON: {inner}"))
            }
        }
    })?;
    de.end().map_err(|e| EngineError::Malformed(format!("malformed JSON: {e}")))?;
    Ok(value)
}

/// `bytes` as a `T` followed by nothing but whitespace.
fn from_slice<T: DeserializeOwned>(bytes: &[u8]) -> serde_json::Result<T> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let value = T::deserialize(&mut de)?;
    de.end()?;
    Ok(value)
}

/// Whether `bytes` opens more than `max` arrays or objects at once, brackets inside strings
/// not counted. One pass without allocation, run before the parser sees the body; a string's
/// content, most of a body, is skipped to its next quote or backslash at once.
fn nesting_exceeds(bytes: &[u8], max: usize) -> bool {
    let mut depth = 0usize;
    let mut at = 0;
    while at < bytes.len() {
        match bytes[at] {
            b'"' => match string_end(&bytes[at + 1..]) {
                Some(len) => at += len + 1,
                // An unterminated string: the parser says so.
                None => return false,
            },
            b'[' | b'{' => {
                depth += 1;
                if depth > max {
                    return true;
                }
            }
            b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
        at += 1;
    }
    false
}

/// Where the string whose content starts `rest` ends: the index of its closing quote.
fn string_end(rest: &[u8]) -> Option<usize> {
    let mut at = 0;
    loop {
        at += memchr::memchr2(b'"', b'\\', &rest[at..])?;
        if rest[at] == b'"' {
            return Some(at);
        }
        // A backslash escapes the byte after it, a quote included.
        at += 2;
        if at > rest.len() {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        inner: Option<Inner>,
    }

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }

    #[test]
    fn classifies_failures() {
        assert!(parse::<Body>(br#"{"name":"a","inner":{"count":1}}"#).is_ok());
        assert!(matches!(parse::<Body>(b"{not json"), Err(EngineError::Malformed(_))));
        assert!(matches!(parse::<Body>(b""), Err(EngineError::Malformed(_))));
        assert!(matches!(parse::<Body>(br#"{"name":"a"} trailing"#), Err(EngineError::Malformed(_))));
        match parse::<Body>(br#"{"name":"a","inner":{"count":"x"}}"#) {
            Err(EngineError::Invalid { field, .. }) => assert_eq!(field, "inner.count"),
            other => panic!("unexpected {other:?}"),
        }
        assert!(matches!(parse::<Body>(br#"{"inner":null}"#), Err(EngineError::Invalid { .. })));
    }

    #[test]
    fn counts_nesting_outside_strings_only() {
        let nested = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(!nesting_exceeds(nested(3).as_bytes(), 3));
        assert!(nesting_exceeds(nested(4).as_bytes(), 3));
        assert!(!nesting_exceeds(br#"{"a":"[[[[[[","b":"\"{{{{"}"#, 2));
        assert!(nesting_exceeds(br#"{"a":"\\","b":[[{}]]}"#, 3));

        let deep = format!(r#"{{"name":"a","extra":{}}}"#, nested(MAX_DEPTH));
        match parse::<Body>(deep.as_bytes()) {
            Err(EngineError::Invalid { message, .. }) => {
                assert!(message.contains("deeper than"), "{message}")
            }
            other => panic!("unexpected {other:?}"),
        }
        let shallow = format!(r#"{{"name":"a","extra":{}}}"#, nested(MAX_DEPTH - 1));
        assert!(parse::<Body>(shallow.as_bytes()).is_ok());
    }

    /// The scan byte by byte, as the definition reads: the deepest nesting outside strings.
    fn exceeds_by_bytes(bytes: &[u8], max: usize) -> bool {
        let (mut depth, mut deepest, mut in_string, mut escaped) = (0usize, 0usize, false, false);
        for &b in bytes {
            match (in_string, b) {
                (true, _) if escaped => escaped = false,
                (true, b'\\') => escaped = true,
                (_, b'"') => in_string = !in_string,
                (false, b'[' | b'{') => {
                    depth += 1;
                    deepest = deepest.max(depth);
                }
                (false, b']' | b'}') => depth = depth.saturating_sub(1),
                _ => {}
            }
        }
        deepest > max
    }

    proptest::proptest! {
        #[test]
        fn skipping_strings_counts_as_reading_every_byte(text in "[\\[\\]{}\"\\\\a]{0,40}", max in 0usize..4) {
            proptest::prop_assert_eq!(nesting_exceeds(text.as_bytes(), max), exceeds_by_bytes(text.as_bytes(), max));
        }
    }
}
