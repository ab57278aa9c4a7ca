//! User feedback on a generation: `{"generation_id": ..., "category": ..., "comment": ...}`.
//!
//! Feedback names a generation by id only. It may arrive before the generation's log line, so
//! nothing here checks that the generation exists: queries join the two when both are stored.

use serde_json::Value;

use crate::{Reason, Rejection};

/// The categories a user can report, as the API spells them.
pub const FEEDBACK_CATEGORIES: [&str; 7] = [
    "latency",
    "incoherence",
    "incorrect_response",
    "formatting",
    "billing",
    "api_error",
    "other",
];

/// Comments are private free text for the operator; the limit keeps one post small.
pub const MAX_COMMENT_CHARS: usize = 4096;
/// Real generation ids are tens of bytes.
pub const MAX_GENERATION_ID_BYTES: usize = 256;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Feedback {
    pub generation_id: String,
    /// One of [`FEEDBACK_CATEGORIES`].
    pub category: &'static str,
    pub comment: Option<String>,
}

/// Parses and validates one feedback object. Unknown fields are ignored, as in log records.
pub fn parse_feedback(bytes: &[u8]) -> Result<Feedback, Rejection> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Rejection::new(Reason::InvalidUtf8, format!("not UTF-8: {e}")))?;
    let text = crate::parse::without_byte_order_mark(text);
    let value: Value = serde_json::from_str(text)
        .map_err(|e| Rejection::new(Reason::NotJson, format!("not JSON: {e}")))?;
    let Value::Object(mut object) = value else {
        return Err(Rejection::new(
            Reason::NotObject,
            "feedback must be a JSON object",
        ));
    };
    let generation_id = match object.remove("generation_id") {
        None | Some(Value::Null) => {
            return Err(Rejection::new(
                Reason::MissingField,
                "generation_id: required",
            ));
        }
        Some(Value::String(id)) if id.is_empty() => {
            return Err(Rejection::new(Reason::MissingField, "generation_id: empty"));
        }
        Some(Value::String(id)) if id.len() > MAX_GENERATION_ID_BYTES => {
            return Err(Rejection::new(
                Reason::FieldTooLong,
                format!(
                    "generation_id: {} bytes, the limit is {MAX_GENERATION_ID_BYTES}",
                    id.len()
                ),
            ));
        }
        Some(Value::String(id)) => id,
        Some(other) => {
            return Err(Rejection::new(
                Reason::WrongType,
                format!("generation_id: expected a string, found {}", kind(&other)),
            ));
        }
    };
    let category = match object.remove("category") {
        None | Some(Value::Null) => {
            return Err(Rejection::new(Reason::MissingField, "category: required"));
        }
        Some(Value::String(name)) => FEEDBACK_CATEGORIES
            .iter()
            .find(|c| **c == name)
            .copied()
            .ok_or_else(|| {
                Rejection::new(
                    Reason::BadCategory,
                    format!(
                        "category: {name:?} is not one of {}",
                        FEEDBACK_CATEGORIES.join(", ")
                    ),
                )
            })?,
        Some(other) => {
            return Err(Rejection::new(
                Reason::WrongType,
                format!("category: expected a string, found {}", kind(&other)),
            ));
        }
    };
    let comment = match object.remove("comment") {
        None | Some(Value::Null) => None,
        Some(Value::String(text)) if text.chars().count() > MAX_COMMENT_CHARS => {
            return Err(Rejection::new(
                Reason::FieldTooLong,
                format!("comment: over {MAX_COMMENT_CHARS} characters"),
            ));
        }
        Some(Value::String(text)) => Some(text),
        Some(other) => {
            return Err(Rejection::new(
                Reason::WrongType,
                format!("comment: expected a string, found {}", kind(&other)),
            ));
        }
    };
    Ok(Feedback {
        generation_id,
        category,
        comment,
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(line: &str) -> Reason {
        match parse_feedback(line.as_bytes()) {
            Ok(f) => panic!("accepted {f:?}"),
            Err(r) => r.reason,
        }
    }

    #[test]
    fn accepts_every_category_and_an_optional_comment() {
        for category in FEEDBACK_CATEGORIES {
            let line = format!(r#"{{"generation_id":"gen-1","category":"{category}"}}"#);
            let f = parse_feedback(line.as_bytes()).unwrap();
            assert_eq!((f.generation_id.as_str(), f.category), ("gen-1", category));
            assert_eq!(f.comment, None);
        }
        let f = parse_feedback(
            br#"{"generation_id":"g","category":"latency","comment":"slow \u00e9","extra":1}"#,
        )
        .unwrap();
        assert_eq!(f.comment.as_deref(), Some("slow é"));
        // A byte order mark before the object is skipped, as before a log line.
        let f =
            parse_feedback("\u{feff}{\"generation_id\":\"g\",\"category\":\"latency\"}".as_bytes())
                .unwrap();
        assert_eq!((f.generation_id.as_str(), f.category), ("g", "latency"));
    }

    #[test]
    fn rejects_with_the_field_named() {
        assert_eq!(reason("nope"), Reason::NotJson);
        assert_eq!(reason("[1]"), Reason::NotObject);
        assert_eq!(reason(r#"{"category":"latency"}"#), Reason::MissingField);
        assert_eq!(
            reason(r#"{"generation_id":"","category":"latency"}"#),
            Reason::MissingField
        );
        assert_eq!(
            reason(r#"{"generation_id":7,"category":"latency"}"#),
            Reason::WrongType
        );
        assert_eq!(reason(r#"{"generation_id":"g"}"#), Reason::MissingField);
        assert_eq!(
            reason(r#"{"generation_id":"g","category":"rude"}"#),
            Reason::BadCategory
        );
        assert_eq!(
            reason(r#"{"generation_id":"g","category":"other","comment":5}"#),
            Reason::WrongType
        );
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        let line = format!(r#"{{"generation_id":"g","category":"other","comment":"{long}"}}"#);
        assert_eq!(reason(&line), Reason::FieldTooLong);
        let error = parse_feedback(br#"{"generation_id":"g","category":"rude"}"#).unwrap_err();
        assert!(error.detail.starts_with("category: \"rude\""), "{error}");
    }
}
