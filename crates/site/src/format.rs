//! How numbers and names read on the pages. The JSON API serves the raw values; only HTML uses
//! these.

use std::borrow::Cow;

use chrono::{DateTime, Utc};
use tokenboard_record::is_invisible;

/// 1234567 → "1.23M".
pub fn tokens(value: i64) -> String {
    let v = value as f64;
    let (scaled, unit) = match value.unsigned_abs() {
        n if n >= 1_000_000_000_000 => (v / 1e12, "T"),
        n if n >= 1_000_000_000 => (v / 1e9, "B"),
        n if n >= 1_000_000 => (v / 1e6, "M"),
        n if n >= 1_000 => (v / 1e3, "K"),
        _ => return value.to_string(),
    };
    format!("{}{unit}", three_digits(scaled))
}

/// A count with thousands separators: 1234567 → "1,234,567".
pub fn count(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A name the callers of the gateway chose (an app's id or origin), as a page shows it: every
/// invisible character ([`is_invisible`]) becomes U+FFFD, so that a right-to-left override
/// cannot make one app's name read as another's on the public leaderboard. The API serves the
/// name as logged.
pub fn shown_name(name: &str) -> Cow<'_, str> {
    if !name.chars().any(is_invisible) {
        return Cow::Borrowed(name);
    }
    Cow::Owned(
        name.chars()
            .map(|c| if is_invisible(c) { '\u{fffd}' } else { c })
            .collect(),
    )
}

/// Three significant digits, without trailing zeros: 1.50 → "1.5", 123.4 → "123".
fn three_digits(v: f64) -> String {
    let decimals = match v.abs() {
        a if a >= 100.0 => 0,
        a if a >= 10.0 => 1,
        _ => 2,
    };
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    } else {
        s
    }
}

/// A share in [0, 1] as a percentage: 0.1234 → "12.3%"; "–" when unknown.
pub fn percent(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => {
            let p = v * 100.0;
            if p != 0.0 && p.abs() < 0.1 {
                "<0.1%".to_owned()
            } else {
                format!("{p:.1}%")
            }
        }
        _ => "–".to_owned(),
    }
}

/// A relative change: "+12.3%", "−4.0%", or "new" when there was nothing before.
pub fn change(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() && v >= 0.0 => format!("+{:.1}%", v * 100.0),
        Some(v) if v.is_finite() => format!("−{:.1}%", -v * 100.0),
        _ => "new".to_owned(),
    }
}

/// "up", "down" or "new", a CSS class for the change column.
pub fn change_class(value: Option<f64>) -> &'static str {
    match value {
        Some(v) if v.is_finite() && v >= 0.0 => "up",
        Some(v) if v.is_finite() => "down",
        _ => "new",
    }
}

/// Milliseconds: "850 ms", "1.25 s".
pub fn millis(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() && v >= 1000.0 => format!("{:.2} s", v / 1000.0),
        Some(v) if v.is_finite() => format!("{v:.0} ms"),
        _ => "–".to_owned(),
    }
}

/// Tokens per second: "85.2 tok/s".
pub fn throughput(value: Option<f64>) -> String {
    match value {
        Some(v) if v.is_finite() => format!("{} tok/s", three_digits(v)),
        _ => "–".to_owned(),
    }
}

/// Dollars: "$1,234", "$12.35", "$0.0042".
pub fn dollars(value: f64) -> String {
    if !value.is_finite() {
        return "–".to_owned();
    }
    match value.abs() {
        a if a >= 1000.0 => format!("${}", count(value.round() as i64)),
        a if a >= 1.0 || a == 0.0 => format!("${value:.2}"),
        _ => format!("${value:.4}"),
    }
}

/// An optional price per million tokens.
pub fn price(value: Option<f64>) -> String {
    value.map_or_else(|| "–".to_owned(), dollars)
}

/// "2026-11-20".
pub fn date(t: &DateTime<Utc>) -> String {
    t.format("%Y-%m-%d").to_string()
}

/// "2026-11-20 12:00 UTC", or "no data yet".
pub fn moment(t: Option<DateTime<Utc>>) -> String {
    t.map_or_else(
        || "no data yet".to_owned(),
        |t| t.format("%Y-%m-%d %H:%M UTC").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_show_their_invisible_characters() {
        assert!(matches!(shown_name("My App · 日本"), Cow::Borrowed(_)));
        assert_eq!(shown_name("app\u{202e}moc.elgoog"), "app\u{fffd}moc.elgoog");
        assert_eq!(
            shown_name("a\u{200b}b\u{2028}c\u{7}d\u{e000}"),
            "a\u{fffd}b\u{fffd}c\u{fffd}d\u{fffd}"
        );
    }

    #[test]
    fn numbers_read_well() {
        assert_eq!(tokens(999), "999");
        assert_eq!(tokens(1_500), "1.5K");
        assert_eq!(tokens(1_234_567), "1.23M");
        assert_eq!(tokens(123_456_789_000), "123B");
        assert_eq!(count(1_234_567), "1,234,567");
        assert_eq!(count(-1_000), "-1,000");
        assert_eq!(percent(Some(0.1234)), "12.3%");
        assert_eq!(percent(Some(0.0004)), "<0.1%");
        assert_eq!(percent(None), "–");
        assert_eq!(change(Some(-0.04)), "−4.0%");
        assert_eq!(change(None), "new");
        assert_eq!(millis(Some(1250.0)), "1.25 s");
        assert_eq!(millis(Some(850.4)), "850 ms");
        assert_eq!(dollars(1234.5), "$1,235");
        assert_eq!(dollars(0.0042), "$0.0042");
    }
}
