//! A hand-written serde visitor for the record: it borrows strings from the line, skips unknown
//! fields without building them, and names the field in every type error.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::error::Category;

use crate::{
    Attempt, MAX_COST_USD, MAX_LINE_BYTES, MAX_MODEL_BYTES, Reason, Record, Rejection, is_invisible,
};

/// Parses one line (without its newline) into a record, checking everything that does not depend
/// on the time of ingestion. `unknown` is called with the name of every field it does not know.
pub fn parse_line<'a>(
    line: &'a [u8],
    unknown: &mut dyn FnMut(&str),
) -> Result<Record<'a>, Rejection> {
    if line.len() > MAX_LINE_BYTES {
        return Err(Rejection::new(
            Reason::LineTooLong,
            format!("{} bytes, the limit is {MAX_LINE_BYTES}", line.len()),
        ));
    }
    let text = std::str::from_utf8(line).map_err(|e| {
        Rejection::new(
            Reason::InvalidUtf8,
            format!("invalid UTF-8 at byte {}", e.valid_up_to()),
        )
    })?;
    let text = without_byte_order_mark(text);
    if !text.trim_start().starts_with('{') {
        return Err(match serde_json::from_str::<IgnoredAny>(text) {
            Ok(_) => Rejection::new(Reason::NotObject, "the line is JSON but not an object"),
            Err(e) => Rejection::new(Reason::NotJson, e.to_string()),
        });
    }

    let mut problem = None;
    let mut current_field = "";
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = FieldsSeed {
        problem: &mut problem,
        current_field: &mut current_field,
        unknown,
        envelope_allowed: true,
    };
    let parsed = seed.deserialize(&mut de).and_then(|fields| {
        de.end()?;
        Ok(fields)
    });
    match parsed {
        Ok(fields) => fields.into_record(),
        Err(e) => Err(problem.unwrap_or_else(|| match e.classify() {
            // Type mismatches are `Data` errors and happen inside a field's value; anything
            // else is broken JSON.
            Category::Data => {
                Rejection::new(Reason::WrongType, format!("field `{current_field}`: {e}"))
            }
            _ => Rejection::new(Reason::NotJson, e.to_string()),
        })),
    }
}

/// `text` without a leading UTF-8 byte order mark. Editors and tools on Windows write one at
/// the start of a file, and files joined with `cat` carry it to the start of a later line: it is
/// not part of the record, and left in it would cost that good record to the quarantine.
pub(crate) fn without_byte_order_mark(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// A string that borrows from the input unless JSON escapes forced a copy.
struct CowStr<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for CowStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = CowStr<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v.to_owned())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
                Ok(CowStr(Cow::Owned(v)))
            }
        }
        deserializer.deserialize_str(V(std::marker::PhantomData))
    }
}

/// `app_id` is a number in OpenRouter's API and a string in some gateways: keep either as text.
struct StrOrInt<'a>(Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for StrOrInt<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = StrOrInt<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or an integer")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(StrOrInt(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(StrOrInt(Cow::Owned(v.to_owned())))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                Ok(StrOrInt(Cow::Owned(v.to_string())))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                Ok(StrOrInt(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_any(V(std::marker::PhantomData))
    }
}

/// A count: a JSON integer, or a number without a fraction (`120.0`, `1e3`). Encoders that hold
/// numbers as floats write whole numbers that way: pandas writes every value of an integer
/// column with a missing value as `120.0`, and a file of such lines would otherwise go to the
/// quarantine whole. A fraction (`10.5`) is still a wrong type.
struct Count(i64);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a whole number below 2^63")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                Ok(Count(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                i64::try_from(v)
                    .map(Count)
                    .map_err(|_| E::invalid_value(de::Unexpected::Unsigned(v), &self))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Count, E> {
                // 2^63 is the first f64 past i64::MAX (which rounds up to it): hence `<`.
                const LIMIT: f64 = 9_223_372_036_854_775_808.0;
                if v.fract() == 0.0 && (-LIMIT..LIMIT).contains(&v) {
                    Ok(Count(v as i64))
                } else {
                    Err(E::invalid_type(de::Unexpected::Float(v), &self))
                }
            }
        }
        // serde_json hands a number written without a fraction or exponent to `visit_i64` or
        // `visit_u64` and any other to `visit_f64`: plain integers are read as before.
        deserializer.deserialize_i64(V)
    }
}

#[derive(Deserialize)]
struct RawAttempt<'a> {
    #[serde(borrow, default, alias = "provider")]
    provider_name: Option<CowStr<'a>>,
    #[serde(default)]
    status: Option<Count>,
    #[serde(default)]
    latency: Option<f64>,
    #[serde(borrow, default)]
    endpoint_id: Option<CowStr<'a>>,
}

/// Every field of the record as read, before the required ones are checked.
#[derive(Default)]
struct Fields<'a> {
    record: Record<'a>,
    id: Option<Cow<'a, str>>,
    created_at: Option<Cow<'a, str>>,
    model: Option<Cow<'a, str>>,
    /// The record inside an API envelope `{"data": {...}}`.
    envelope: Option<Box<Fields<'a>>>,
}

impl<'a> Fields<'a> {
    fn into_record(self) -> Result<Record<'a>, Rejection> {
        if self.id.is_none()
            && self.created_at.is_none()
            && self.model.is_none()
            && let Some(inner) = self.envelope
        {
            return inner.into_record();
        }
        let mut record = self.record;
        record.id = match self.id {
            Some(id) if !id.is_empty() => id,
            Some(_) => return Err(missing("id", "is empty")),
            None => return Err(missing("id", "is missing")),
        };
        let created_at = self
            .created_at
            .ok_or_else(|| missing("created_at", "is missing"))?;
        record.created_at_us = chrono::DateTime::parse_from_rfc3339(&created_at)
            .map_err(|e| {
                Rejection::new(
                    Reason::BadTimestamp,
                    format!(
                        "field `created_at`: {created_at:?} is not RFC 3339 with an offset ({e})"
                    ),
                )
            })?
            .timestamp_micros();
        let model = self.model.ok_or_else(|| missing("model", "is missing"))?;
        check_model(&model)?;
        record.model = model;
        Ok(record)
    }
}

fn missing(field: &str, what: &str) -> Rejection {
    Rejection::new(Reason::MissingField, format!("field `{field}` {what}"))
}

fn check_model(model: &str) -> Result<(), Rejection> {
    let bad = |what: String| {
        Err(Rejection::new(
            Reason::BadModel,
            format!("field `model`: {what}"),
        ))
    };
    if model.is_empty() {
        return bad("is empty".into());
    }
    if model.len() > MAX_MODEL_BYTES {
        return bad(format!(
            "{} bytes, the limit is {MAX_MODEL_BYTES}",
            model.len()
        ));
    }
    // A model id never holds whitespace or control characters; a producer's stray space or
    // newline would otherwise rank as a model of its own beside the real one. Nor invisible
    // format characters: a zero-width space makes a second "openai/gpt-5" that looks like the
    // first, and a right-to-left override makes a name on the public leaderboard read as another.
    if let Some(c) = model
        .chars()
        .find(|&c| c.is_whitespace() || is_invisible(c))
    {
        return bad(format!(
            "{model:?} holds U+{:04X}, whitespace, a control or an invisible character",
            c as u32
        ));
    }
    match model.split_once('/') {
        Some((author, slug)) if !author.is_empty() && !slug.is_empty() => Ok(()),
        _ => bad(format!("{model:?} is not author/slug")),
    }
}

struct FieldsSeed<'p, 'u> {
    /// Set by checks that serde cannot express (negative values).
    problem: &'p mut Option<Rejection>,
    /// The field being read, to name it when serde reports a type error.
    current_field: &'p mut &'static str,
    unknown: &'u mut dyn FnMut(&str),
    envelope_allowed: bool,
}

impl<'de, 'p, 'u> DeserializeSeed<'de> for FieldsSeed<'p, 'u> {
    type Value = Fields<'de>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_map(self)
    }
}

impl<'de, 'p, 'u> Visitor<'de> for FieldsSeed<'p, 'u> {
    type Value = Fields<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let FieldsSeed {
            problem,
            current_field,
            unknown,
            envelope_allowed,
        } = self;
        let mut f = Fields::default();

        macro_rules! value {
            ($field:expr, $ty:ty) => {{
                *current_field = $field;
                map.next_value::<$ty>()?
            }};
        }
        macro_rules! string {
            ($field:expr) => {
                value!($field, Option<CowStr<'de>>).map(|s| s.0)
            };
        }
        macro_rules! count {
            ($field:expr) => {{
                let v = value!($field, Option<Count>).map(|count| count.0);
                if let Some(n) = v
                    && n < 0
                {
                    return Err(negative(problem, $field, n as f64));
                }
                v
            }};
        }
        macro_rules! non_negative {
            ($field:expr) => {{
                let v = value!($field, Option<f64>);
                if let Some(x) = v
                    && x < 0.0
                {
                    return Err(negative(problem, $field, x));
                }
                v
            }};
        }
        macro_rules! cost {
            ($field:expr, $value:expr) => {{
                let v = $value;
                if let Some(x) = v
                    && x.abs() >= MAX_COST_USD
                {
                    return Err(cost_out_of_range(problem, $field, x));
                }
                v
            }};
        }

        while let Some(key) = map.next_key::<CowStr<'de>>()? {
            let r = &mut f.record;
            match key.0.as_ref() {
                "id" => f.id = string!("id"),
                "created_at" => f.created_at = string!("created_at"),
                "model" => f.model = string!("model"),
                "provider_name" => r.provider_name = string!("provider_name"),
                "router" => r.router = string!("router"),
                "api_type" => r.api_type = string!("api_type"),
                "service_tier" => r.service_tier = string!("service_tier"),
                "request_id" => r.request_id = string!("request_id"),
                "session_id" => r.session_id = string!("session_id"),
                "upstream_id" => r.upstream_id = string!("upstream_id"),
                "finish_reason" => r.finish_reason = string!("finish_reason"),
                "native_finish_reason" => r.native_finish_reason = string!("native_finish_reason"),
                "streamed" => r.streamed = value!("streamed", Option<bool>),
                "cancelled" => r.cancelled = value!("cancelled", Option<bool>),
                "is_byok" => r.is_byok = value!("is_byok", Option<bool>),
                "latency" => r.latency = non_negative!("latency"),
                "generation_time" => r.generation_time = non_negative!("generation_time"),
                "moderation_latency" => r.moderation_latency = non_negative!("moderation_latency"),
                "tokens_prompt" => r.tokens_prompt = count!("tokens_prompt"),
                "tokens_completion" => r.tokens_completion = count!("tokens_completion"),
                "native_tokens_prompt" => r.native_tokens_prompt = count!("native_tokens_prompt"),
                "native_tokens_completion" => {
                    r.native_tokens_completion = count!("native_tokens_completion")
                }
                "native_tokens_reasoning" => {
                    r.native_tokens_reasoning = count!("native_tokens_reasoning")
                }
                "native_tokens_cached" => r.native_tokens_cached = count!("native_tokens_cached"),
                "num_media_prompt" => r.num_media_prompt = count!("num_media_prompt"),
                "num_media_completion" => r.num_media_completion = count!("num_media_completion"),
                "num_search_results" => r.num_search_results = count!("num_search_results"),
                "total_cost" => r.total_cost = cost!("total_cost", non_negative!("total_cost")),
                "usage" => r.usage = cost!("usage", non_negative!("usage")),
                "upstream_inference_cost" => {
                    r.upstream_inference_cost = cost!(
                        "upstream_inference_cost",
                        non_negative!("upstream_inference_cost")
                    )
                }
                // A discount can be negative: cache writes cost more than they save.
                "cache_discount" => {
                    r.cache_discount =
                        cost!("cache_discount", value!("cache_discount", Option<f64>))
                }
                "app_id" => r.app_id = value!("app_id", Option<StrOrInt<'de>>).map(|s| s.0),
                "origin" => r.origin = string!("origin"),
                "http_referer" => r.http_referer = string!("http_referer"),
                "external_user" => r.external_user = string!("external_user"),
                "provider_responses" => {
                    let attempts = value!("provider_responses", Option<Vec<RawAttempt<'de>>>);
                    for (i, a) in attempts.iter().flatten().enumerate() {
                        if let Some(l) = a.latency
                            && l < 0.0
                        {
                            let field = format!("provider_responses[{i}].latency");
                            return Err(negative(problem, &field, l));
                        }
                    }
                    r.provider_responses = attempts
                        .unwrap_or_default()
                        .into_iter()
                        .map(|a| Attempt {
                            provider_name: a.provider_name.map(|s| s.0),
                            status: a.status.map(|count| count.0),
                            latency: a.latency,
                            endpoint_id: a.endpoint_id.map(|s| s.0),
                        })
                        .collect();
                }
                "data" if envelope_allowed => {
                    *current_field = "data";
                    let inner = map.next_value_seed(OptionalFields(FieldsSeed {
                        problem: &mut *problem,
                        current_field: &mut *current_field,
                        unknown: &mut *unknown,
                        envelope_allowed: false,
                    }))?;
                    f.envelope = inner.map(Box::new);
                }
                other => {
                    unknown(other);
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(f)
    }
}

/// The envelope's `data` may be null; anything else must be an object.
struct OptionalFields<'p, 'u>(FieldsSeed<'p, 'u>);

impl<'de, 'p, 'u> DeserializeSeed<'de> for OptionalFields<'p, 'u> {
    type Value = Option<Fields<'de>>;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_option(self)
    }
}

impl<'de, 'p, 'u> Visitor<'de> for OptionalFields<'p, 'u> {
    type Value = Option<Fields<'de>>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null or the record object")
    }
    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        self.0.deserialize(deserializer).map(Some)
    }
}

fn cost_out_of_range<E: de::Error>(problem: &mut Option<Rejection>, field: &str, value: f64) -> E {
    reject(
        problem,
        Reason::CostOutOfRange,
        format!("field `{field}`: {value} USD is not under {MAX_COST_USD} USD"),
    )
}

fn negative<E: de::Error>(problem: &mut Option<Rejection>, field: &str, value: f64) -> E {
    reject(
        problem,
        Reason::NegativeValue,
        format!("field `{field}`: {value} is negative"),
    )
}

/// Keeps the first rejection of the line (its reason is the one reported) and stops serde.
fn reject<E: de::Error>(problem: &mut Option<Rejection>, reason: Reason, detail: String) -> E {
    let rejection = Rejection::new(reason, detail);
    let message = rejection.detail.clone();
    problem.get_or_insert(rejection);
    E::custom(message)
}
