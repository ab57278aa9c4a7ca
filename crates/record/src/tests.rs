use super::*;

fn validator() -> Validator {
    Validator::new(Utc.with_ymd_and_hms(2026, 11, 20, 12, 0, 0).unwrap())
}

fn check(line: &str) -> Result<Record<'_>, Rejection> {
    validator().check(line.as_bytes(), &mut |_| {})
}

fn reason(line: &str) -> Reason {
    match check(line) {
        Ok(r) => panic!("expected a rejection, got {r:?}"),
        Err(e) => e.reason,
    }
}

const GOOD: &str = r#"{"id":"gen-1","created_at":"2026-11-20T10:15:00.250+02:00","model":"openai/gpt-5:free","provider_name":"OpenAI","tokens_prompt":120,"tokens_completion":30,"latency":250,"generation_time":1200.5,"total_cost":0.0015,"app_id":42,"streamed":true,"provider_responses":[{"provider":"Azure","status":503,"latency":90},{"provider_name":"OpenAI","status":200,"latency":240,"endpoint_id":"ep-1"}]}"#;

#[test]
fn good_line_keeps_every_field() {
    let r = check(GOOD).unwrap();
    assert_eq!(r.id, "gen-1");
    // 10:15:00.250 at +02:00 is 08:15:00.250 UTC.
    let expected = Utc
        .with_ymd_and_hms(2026, 11, 20, 8, 15, 0)
        .unwrap()
        .timestamp_micros()
        + 250_000;
    assert_eq!(r.created_at_us, expected);
    // 2026-01-01 is day 20_454 since the epoch; 2026-11-20 is 323 days later.
    assert_eq!(r.date_days(), 20_777);
    assert_eq!(r.model, "openai/gpt-5:free");
    assert_eq!(r.tokens_prompt, Some(120));
    assert_eq!(r.tokens_completion, Some(30));
    assert_eq!(r.latency, Some(250.0));
    assert_eq!(r.generation_time, Some(1200.5));
    assert_eq!(r.app_id.as_deref(), Some("42"));
    assert_eq!(r.streamed, Some(true));
    assert_eq!(r.cancelled, None);
    assert_eq!(r.provider_responses.len(), 2);
    assert_eq!(
        r.provider_responses[0].provider_name.as_deref(),
        Some("Azure")
    );
    assert_eq!(r.provider_responses[0].status, Some(503));
    assert_eq!(r.provider_responses[1].endpoint_id.as_deref(), Some("ep-1"));
    assert!(
        matches!(r.id, Cow::Borrowed(_)),
        "plain strings are borrowed"
    );
}

#[test]
fn envelope_is_unwrapped() {
    let line = format!(r#"{{"data": {GOOD}}}"#);
    let r = check(&line).unwrap();
    assert_eq!(r.id, "gen-1");
    assert_eq!(r.provider_responses.len(), 2);
}

#[test]
fn unknown_fields_are_reported_and_ignored() {
    let line = r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","extra":{"x":[1,2]},"more":null}"#;
    let mut seen = Vec::new();
    let r = validator()
        .check(line.as_bytes(), &mut |f| seen.push(f.to_owned()))
        .unwrap();
    assert_eq!(r.id, "a");
    assert_eq!(seen, ["extra", "more"]);
}

#[test]
fn escaped_strings_are_decoded() {
    let line = r#"{"id":"a\"b","created_at":"2026-11-20T00:00:00Z","model":"x/\u00e9"}"#;
    let r = check(line).unwrap();
    assert_eq!(r.id, "a\"b");
    assert_eq!(r.model, "x/é");
}

#[test]
fn nulls_are_absent_values() {
    let line = r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","tokens_prompt":null,"provider_responses":null,"app_id":null,"data":null}"#;
    let r = check(line).unwrap();
    assert_eq!(r.tokens_prompt, None);
    assert!(r.provider_responses.is_empty());
}

#[test]
fn every_reason_is_detected() {
    let long = format!(r#"{{"id":"{}"}}"#, "x".repeat(MAX_LINE_BYTES));
    assert_eq!(reason(&long), Reason::LineTooLong);
    assert_eq!(
        validator()
            .check(b"{\"id\":\"\xff\"}", &mut |_| {})
            .unwrap_err()
            .reason,
        Reason::InvalidUtf8
    );
    assert_eq!(reason("{\"id\": "), Reason::NotJson);
    assert_eq!(reason("hello"), Reason::NotJson);
    assert_eq!(reason(""), Reason::NotJson);
    assert_eq!(reason("[1,2]"), Reason::NotObject);
    assert_eq!(reason("42"), Reason::NotObject);
    assert_eq!(
        reason(r#"{"created_at":"2026-11-20T00:00:00Z","model":"a/b"}"#),
        Reason::MissingField
    );
    assert_eq!(
        reason(r#"{"id":null,"created_at":"2026-11-20T00:00:00Z","model":"a/b"}"#),
        Reason::MissingField
    );
    assert_eq!(
        reason(r#"{"id":"","created_at":"2026-11-20T00:00:00Z","model":"a/b"}"#),
        Reason::MissingField
    );
    assert_eq!(reason(r#"{"id":"a","model":"a/b"}"#), Reason::MissingField);
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2026-11-20T00:00:00Z"}"#),
        Reason::MissingField
    );
    assert_eq!(
        reason(r#"{"id":7,"created_at":"2026-11-20T00:00:00Z","model":"a/b"}"#),
        Reason::WrongType
    );
    assert_eq!(
        reason(
            r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","tokens_prompt":"12"}"#
        ),
        Reason::WrongType
    );
    assert_eq!(
        reason(
            r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","tokens_prompt":1.5}"#
        ),
        Reason::WrongType
    );
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","streamed":"yes"}"#),
        Reason::WrongType
    );
    assert_eq!(
        reason(
            r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","provider_responses":[{"status":"ok"}]}"#
        ),
        Reason::WrongType
    );
    assert_eq!(
        reason(
            r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","tokens_completion":-1}"#
        ),
        Reason::NegativeValue
    );
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","latency":-0.5}"#),
        Reason::NegativeValue
    );
    assert_eq!(
        reason(
            r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","provider_responses":[{"latency":-3}]}"#
        ),
        Reason::NegativeValue
    );
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2026-11-20 00:00:00","model":"a/b"}"#),
        Reason::BadTimestamp
    );
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2026-11-20T00:00:00","model":"a/b"}"#),
        Reason::BadTimestamp
    );
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2019-12-31T23:59:59Z","model":"a/b"}"#),
        Reason::TimestampOutOfRange
    );
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2026-11-21T12:00:01Z","model":"a/b"}"#),
        Reason::TimestampOutOfRange
    );
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":""}"#),
        Reason::BadModel
    );
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"gpt-4"}"#),
        Reason::BadModel
    );
    let long_model = format!(
        r#"{{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/{}"}}"#,
        "m".repeat(300)
    );
    assert_eq!(reason(&long_model), Reason::BadModel);
    for model in [
        "openai/gpt-5 ",
        " openai/gpt-5",
        "openai/gpt 5",
        "openai/gpt-5\\n",
        "a/b\\u0000",
        // Invisible: a zero-width space, a right-to-left override, a byte order mark inside,
        // a word joiner; then a no-break space and a private-use character.
        "openai/gpt\\u200b-5",
        "openai/\\u202e5-tpg",
        "openai/gpt-5\\ufeff",
        "openai\\u2060/gpt-5",
        "openai/gpt\\u00a05",
        "openai/gpt-5\\ue000",
    ] {
        let line = format!(r#"{{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"{model}"}}"#);
        assert_eq!(reason(&line), Reason::BadModel, "{line}");
    }
}

/// Letters, digits and punctuation of any script are fine in a model id, written raw or escaped;
/// only the invisible characters above are refused, raw as well as escaped.
#[test]
fn model_ids_may_use_any_script() {
    for model in [
        "qwen/通义千问-max",
        "acme/modèle-7b:free",
        "acme/\\u00e9t\\u00e9",
    ] {
        let line = format!(r#"{{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"{model}"}}"#);
        assert!(check(&line).is_ok(), "{line}");
    }
    let line = "{\"id\":\"a\",\"created_at\":\"2026-11-20T00:00:00Z\",\"model\":\"a/b\u{200b}\"}";
    assert_eq!(reason(line), Reason::BadModel);
}

/// A count written as a number without a fraction (pandas writes an integer column that has a
/// missing value as floats) is that integer; a fraction, or a value past i64, is a wrong type.
#[test]
fn whole_numbers_written_as_floats_are_counts() {
    let line = r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","tokens_prompt":120.0,"tokens_completion":1e3,"native_tokens_cached":-0.0,"provider_responses":[{"status":429.0}]}"#;
    let record = check(line).unwrap();
    assert_eq!(record.tokens_prompt, Some(120));
    assert_eq!(record.tokens_completion, Some(1000));
    assert_eq!(record.native_tokens_cached, Some(0));
    assert_eq!(record.provider_responses[0].status, Some(429));
    let with = |field: &str| {
        format!(r#"{{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b",{field}}}"#)
    };
    assert_eq!(reason(&with(r#""tokens_prompt":120.5"#)), Reason::WrongType);
    // 2^63, as a float and as an integer: one past i64::MAX.
    assert_eq!(
        reason(&with(r#""tokens_prompt":9.223372036854775808e18"#)),
        Reason::WrongType
    );
    assert_eq!(
        reason(&with(r#""tokens_prompt":9223372036854775808"#)),
        Reason::WrongType
    );
    assert_eq!(
        reason(&with(r#""tokens_prompt":-2.0"#)),
        Reason::NegativeValue
    );
    let rejection = check(&with(r#""tokens_prompt":0.5"#)).unwrap_err();
    assert!(
        rejection.detail.contains("`tokens_prompt`"),
        "{}",
        rejection.detail
    );
}

/// A byte order mark before a line (a file saved by a Windows tool, or joined to another with
/// `cat`) is not part of the record: the line parses as it would without one.
#[test]
fn byte_order_mark_is_skipped() {
    let with_mark = format!("\u{feff}{GOOD}");
    let record = check(&with_mark).unwrap();
    assert_eq!(record.id, "gen-1");
    assert_eq!(record.model, "openai/gpt-5:free");
    assert_eq!(record.tokens_prompt, Some(120));
    // Only a leading one: anywhere else the line is not JSON.
    let inside = GOOD.replacen(',', ",\u{feff}", 1);
    assert_eq!(reason(&inside), Reason::NotJson);
}

#[test]
fn the_day_after_now_is_still_accepted() {
    assert!(check(r#"{"id":"a","created_at":"2026-11-21T12:00:00Z","model":"a/b"}"#).is_ok());
    assert!(check(r#"{"id":"a","created_at":"2020-01-01T00:00:00Z","model":"a/b"}"#).is_ok());
}

#[test]
fn messages_name_the_field() {
    let e = check(
        r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","tokens_prompt":"12"}"#,
    )
    .unwrap_err();
    assert!(e.detail.contains("`tokens_prompt`"), "{}", e.detail);
    let e = check(
        r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","native_tokens_cached":-4}"#,
    )
    .unwrap_err();
    assert!(e.detail.contains("`native_tokens_cached`"), "{}", e.detail);
}

#[test]
fn trailing_garbage_is_not_json() {
    assert_eq!(
        reason(r#"{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b"} x"#),
        Reason::NotJson
    );
}

#[test]
fn deep_nesting_is_not_a_crash() {
    // Skipped unknown values are walked without recursion: valid JSON, so the record is kept.
    let deep = format!(
        r#"{{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","x":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(check(&deep).is_ok());
    // Inside a typed field serde_json's recursion limit applies.
    let deep = format!(
        r#"{{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","provider_responses":{}{}}}"#,
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    assert!(check(&deep).is_err());
}

#[test]
fn costs_stay_under_a_million_usd() {
    let with = |field: &str, value: &str| {
        format!(
            r#"{{"id":"a","created_at":"2026-11-20T00:00:00Z","model":"a/b","{field}":{value}}}"#
        )
    };
    // The largest costs the DECIMAL(18,12) columns hold are kept.
    let line = with("total_cost", "999999.999999");
    assert_eq!(check(&line).unwrap().total_cost, Some(999_999.999_999));
    let line = with("cache_discount", "-999999.5");
    assert_eq!(check(&line).unwrap().cache_discount, Some(-999_999.5));
    // A million USD or more, either sign where a sign is allowed, is out of range.
    for (field, value) in [
        ("total_cost", "1000000"),
        ("usage", "1e6"),
        ("upstream_inference_cost", "2.5e9"),
        ("cache_discount", "-1000000"),
    ] {
        let line = with(field, value);
        let e = check(&line).unwrap_err();
        assert_eq!(e.reason, Reason::CostOutOfRange, "{line}");
        assert!(e.detail.contains(&format!("`{field}`")), "{}", e.detail);
    }
    // A negative price is negative before it is large.
    assert_eq!(
        reason(&with("total_cost", "-1000000")),
        Reason::NegativeValue
    );
}
