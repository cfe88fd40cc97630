//! Writing values and messages as XML-RPC.

use std::fmt::Write as _;

use base64::Engine as _;

use crate::error::EncodeError;
use crate::message::{MethodCall, MethodResponse};
use crate::value::Value;

const DECLARATION: &str = "<?xml version=\"1.0\"?>";

/// Writes one value as a `<value>` element, without an XML declaration.
///
/// The output is compact (no whitespace between elements). Text is escaped exactly:
/// `&`, `<` and `>` as entities and carriage returns as `&#13;`, so that a parser's
/// line-end normalisation gives back the very same string.
///
/// ```
/// use deferreds_xmlrpc::{encode_value, Value};
///
/// assert_eq!(encode_value(&Value::from(5))?, "<value><int>5</int></value>");
/// assert_eq!(encode_value(&Value::from(1_i64 << 40))?, "<value><i8>1099511627776</i8></value>");
/// assert_eq!(encode_value(&Value::from("a<b\r"))?, "<value><string>a&lt;b&#13;</string></value>");
/// assert_eq!(encode_value(&Value::from(1e21))?, "<value><double>1000000000000000000000.0</double></value>");
/// assert!(encode_value(&Value::from(f64::NAN)).is_err());
/// # Ok::<(), deferreds_xmlrpc::EncodeError>(())
/// ```
pub fn encode_value(value: &Value) -> Result<String, EncodeError> {
    let mut out = String::new();
    write_value(&mut out, value)?;
    Ok(out)
}

pub(crate) fn encode_call(call: &MethodCall) -> Result<String, EncodeError> {
    let mut out = String::with_capacity(128);
    out.push_str(DECLARATION);
    out.push_str("<methodCall><methodName>");
    write_text(&mut out, &call.method)?;
    out.push_str("</methodName><params>");
    for param in &call.params {
        out.push_str("<param>");
        write_value(&mut out, param)?;
        out.push_str("</param>");
    }
    out.push_str("</params></methodCall>");
    Ok(out)
}

pub(crate) fn encode_response(response: &MethodResponse) -> Result<String, EncodeError> {
    let mut out = String::with_capacity(128);
    out.push_str(DECLARATION);
    out.push_str("<methodResponse>");
    match response {
        MethodResponse::Success(value) => {
            out.push_str("<params><param>");
            write_value(&mut out, value)?;
            out.push_str("</param></params>");
        }
        MethodResponse::Fault(fault) => {
            out.push_str("<fault>");
            write_value(&mut out, &fault.to_value())?;
            out.push_str("</fault>");
        }
    }
    out.push_str("</methodResponse>");
    Ok(out)
}

fn write_value(out: &mut String, value: &Value) -> Result<(), EncodeError> {
    out.push_str("<value>");
    match value {
        Value::Int(n) => {
            // Every peer reads <int>; <i8> only where 32 bits are not enough.
            let (open, close) =
                if i32::try_from(*n).is_ok() { ("<int>", "</int>") } else { ("<i8>", "</i8>") };
            out.push_str(open);
            write_int(out, *n);
            out.push_str(close);
        }
        Value::Boolean(b) => {
            out.push_str(if *b { "<boolean>1</boolean>" } else { "<boolean>0</boolean>" })
        }
        Value::String(s) => {
            out.push_str("<string>");
            write_text(out, s)?;
            out.push_str("</string>");
        }
        Value::Double(d) => {
            out.push_str("<double>");
            write_double(out, *d)?;
            out.push_str("</double>");
        }
        Value::DateTime(t) => {
            let _ = write!(out, "<dateTime.iso8601>{t}</dateTime.iso8601>");
        }
        Value::Base64(bytes) => {
            out.push_str("<base64>");
            base64::engine::general_purpose::STANDARD.encode_string(bytes, out);
            out.push_str("</base64>");
        }
        Value::Struct(members) => {
            out.push_str("<struct>");
            for (name, member) in members.iter() {
                out.push_str("<member><name>");
                write_text(out, name)?;
                out.push_str("</name>");
                write_value(out, member)?;
                out.push_str("</member>");
            }
            out.push_str("</struct>");
        }
        Value::Array(items) => {
            out.push_str("<array><data>");
            for item in items {
                write_value(out, item)?;
            }
            out.push_str("</data></array>");
        }
        Value::Nil => out.push_str("<nil/>"),
    }
    out.push_str("</value>");
    Ok(())
}

/// An integer in decimal, without the formatting machinery: the one number in most
/// responses.
fn write_int(out: &mut String, n: i64) {
    let mut digits = [0u8; 20];
    let mut start = digits.len();
    let mut rest = n.unsigned_abs();
    loop {
        start -= 1;
        digits[start] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    if n < 0 {
        start -= 1;
        digits[start] = b'-';
    }
    out.push_str(std::str::from_utf8(&digits[start..]).expect("ASCII digits"));
}

/// Rust's `Display` for `f64` is the shortest text that reads back to the same bits, and
/// never uses an exponent: the specification's plain decimal form, exact.
fn write_double(out: &mut String, d: f64) -> Result<(), EncodeError> {
    if !d.is_finite() {
        return Err(EncodeError::NonFiniteDouble(d));
    }
    let start = out.len();
    let _ = write!(out, "{d}");
    if !out[start..].contains('.') {
        out.push_str(".0");
    }
    Ok(())
}

/// Escapes character data. `>` is escaped too, so `]]>` can never appear.
fn write_text(out: &mut String, s: &str) -> Result<(), EncodeError> {
    let mut done = 0;
    for (i, b) in s.bytes().enumerate() {
        let escaped = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            // A literal CR would come back as LF after XML line-end normalisation.
            b'\r' => "&#13;",
            b'\t' | b'\n' => continue,
            0..=0x1f => return Err(EncodeError::InvalidChar(char::from(b))),
            // Lead byte of U+F000..U+FFFF, where the two non-characters live.
            0xef => {
                if let Some(c) =
                    s[i..].chars().next().filter(|c| matches!(c, '\u{fffe}' | '\u{ffff}'))
                {
                    return Err(EncodeError::InvalidChar(c));
                }
                continue;
            }
            _ => continue,
        };
        out.push_str(&s[done..i]);
        out.push_str(escaped);
        done = i + 1;
    }
    out.push_str(&s[done..]);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(s: &str) -> Result<String, EncodeError> {
        let mut out = String::new();
        write_text(&mut out, s).map(|()| out)
    }

    #[test]
    fn escapes_markup_and_carriage_returns_only() {
        assert_eq!(text("a&b<c>d\re\nf\tg\"h'i").unwrap(), "a&amp;b&lt;c&gt;d&#13;e\nf\tg\"h'i");
        assert_eq!(text("snow\u{2603}man ]]>").unwrap(), "snow\u{2603}man ]]&gt;");
    }

    #[test]
    fn refuses_characters_xml_cannot_carry() {
        assert_eq!(text("a\u{0}"), Err(EncodeError::InvalidChar('\u{0}')));
        assert_eq!(text("\u{1b}[0m"), Err(EncodeError::InvalidChar('\u{1b}')));
        assert_eq!(text("x\u{fffe}"), Err(EncodeError::InvalidChar('\u{fffe}')));
        assert_eq!(text("\u{ffff}"), Err(EncodeError::InvalidChar('\u{ffff}')));
        assert!(text("\u{fffd}\u{f000}\u{7f}\u{85}").is_ok());
    }

    #[test]
    fn integers_are_written_in_decimal() {
        for n in [0, 7, -7, 42, 1 << 40, i64::MAX, i64::MIN, -1_000_000_000_000] {
            let mut out = String::new();
            write_int(&mut out, n);
            assert_eq!(out, n.to_string());
        }
    }

    #[test]
    fn doubles_are_plain_decimals() {
        let enc = |d: f64| {
            let mut out = String::new();
            write_double(&mut out, d).map(|()| out)
        };
        assert_eq!(enc(1.0).unwrap(), "1.0");
        assert_eq!(enc(-0.0).unwrap(), "-0.0");
        assert_eq!(enc(0.1).unwrap(), "0.1");
        assert_eq!(enc(1e-7).unwrap(), "0.0000001");
        assert_eq!(enc(f64::INFINITY), Err(EncodeError::NonFiniteDouble(f64::INFINITY)));
    }
}
