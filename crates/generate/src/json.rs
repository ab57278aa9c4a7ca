//! Hand-rolled JSON output: the generator writes a gigabyte in seconds, so numbers are formatted
//! without `fmt` and strings, which all come from the catalog, need no escaping.

/// Appends a string value (quoted). Every string the generator writes is plain ASCII without
/// quotes, backslashes or control characters; the catalog's tests check that.
pub fn str(buf: &mut Vec<u8>, s: &str) {
    debug_assert!(
        s.bytes()
            .all(|b| (0x20..0x7f).contains(&b) && b != b'"' && b != b'\\'),
        "{s:?} would need escaping"
    );
    buf.push(b'"');
    buf.extend_from_slice(s.as_bytes());
    buf.push(b'"');
}

pub fn null(buf: &mut Vec<u8>) {
    buf.extend_from_slice(b"null");
}

pub fn bool(buf: &mut Vec<u8>, b: bool) {
    buf.extend_from_slice(if b { b"true" } else { b"false" });
}

/// Appends an unsigned integer in decimal.
pub fn u64(buf: &mut Vec<u8>, mut n: u64) {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    loop {
        i -= 1;
        digits[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    buf.extend_from_slice(&digits[i..]);
}

/// Appends `key` (`,"name":`) and the number, or nothing when there is no number.
pub fn opt_u64_field(buf: &mut Vec<u8>, key: &[u8], n: Option<u64>) {
    if let Some(n) = n {
        buf.extend_from_slice(key);
        u64(buf, n);
    }
}

/// Appends `n` zero-padded to `width` digits (`n` must fit).
pub fn padded(buf: &mut Vec<u8>, n: u64, width: usize) {
    let mut digits = [b'0'; 20];
    let mut n = n;
    for slot in digits[..width].iter_mut().rev() {
        *slot = b'0' + (n % 10) as u8;
        n /= 10;
    }
    buf.extend_from_slice(&digits[..width]);
}

/// Appends `n` as lowercase hex, 16 digits.
pub fn hex16(buf: &mut Vec<u8>, n: u64) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    for shift in (0..16).rev() {
        buf.push(HEX[((n >> (shift * 4)) & 0xf) as usize]);
    }
}

/// Appends an amount of pico-dollars (1e-12 USD) as an exact decimal number of dollars:
/// `3807500000` is written `0.0038075`.
pub fn usd(buf: &mut Vec<u8>, pico: i64) {
    const SCALE: u64 = 1_000_000_000_000;
    if pico < 0 {
        buf.push(b'-');
    }
    let abs = pico.unsigned_abs();
    u64(buf, abs / SCALE);
    let mut frac = abs % SCALE;
    if frac == 0 {
        return;
    }
    let mut width = 12;
    while frac.is_multiple_of(10) {
        frac /= 10;
        width -= 1;
    }
    buf.push(b'.');
    padded(buf, frac, width);
}

#[cfg(test)]
mod tests {
    fn render(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut buf = Vec::new();
        f(&mut buf);
        String::from_utf8(buf).unwrap()
    }

    #[test]
    fn integers() {
        assert_eq!(render(|b| super::u64(b, 0)), "0");
        assert_eq!(render(|b| super::u64(b, 1_234_567)), "1234567");
        assert_eq!(render(|b| super::u64(b, u64::MAX)), u64::MAX.to_string());
        assert_eq!(render(|b| super::padded(b, 7, 3)), "007");
        assert_eq!(render(|b| super::hex16(b, 0xabc)), "0000000000000abc");
    }

    #[test]
    fn dollars_are_exact_decimals() {
        let cases = [
            (0, "0"),
            (3_807_500_000, "0.0038075"),
            (1, "0.000000000001"),
            (1_500_000_000_000, "1.5"),
            (2_000_000_000_000, "2"),
            (-250_000_000, "-0.00025"),
        ];
        for (pico, text) in cases {
            let out = render(|b| super::usd(b, pico));
            assert_eq!(out, text);
            let parsed: f64 = serde_json::from_str(&out).unwrap();
            assert!((parsed - pico as f64 / 1e12).abs() < 1e-15);
        }
    }
}
