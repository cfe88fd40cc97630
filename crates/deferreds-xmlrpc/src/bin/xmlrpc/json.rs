//! JSON to XML-RPC values and back: what the command line reads and prints.
//!
//! serde_json's own `Value` would sort object members and turn integers beyond `u64` into
//! floats without a word, so arguments are read straight into [`Value`] by a visitor,
//! and results written by a [`Serialize`] wrapper: members keep their order, and every
//! integer is checked against XML-RPC's `i64`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use deferreds_xmlrpc::{DateTime, Struct, Value};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

/// The single member that marks an object as bytes.
const BASE64: &str = "base64";
/// The single member that marks an object as a date and time.
const DATE_TIME: &str = "dateTime.iso8601";

/// Reads one command-line argument: JSON, or a bare word taken as a string.
///
/// An argument that is not valid JSON is sent as a string, as it is, unless it starts
/// like JSON that went wrong (`{`, `[` or `"`), which is an error: `[1, 2` is more likely
/// a typo than a string. Valid JSON that XML-RPC cannot carry (an integer beyond 64 bits,
/// bad base64, an impossible date) is an error too.
pub(crate) fn parse_arg(arg: &str) -> Result<Value, String> {
    let mut reader = serde_json::Deserializer::from_str(arg);
    let parsed = Arg::deserialize(&mut reader).and_then(|value| reader.end().map(|()| value));
    match parsed {
        Ok(Arg(value)) => {
            check_integer_literals(arg)?;
            Ok(value)
        }
        Err(error) if error.is_data() => Err(format!("argument {arg}: {error}")),
        Err(error) if arg.trim_start().starts_with(['{', '[', '"']) => {
            Err(format!("argument {arg} is not valid JSON: {error}"))
        }
        // Spelled as a number, yet unreadable: beyond the range of a double.
        Err(error) if is_number(arg.trim()) => Err(format!("argument {arg}: {error}")),
        Err(_) => Ok(Value::String(arg.to_owned())),
    }
}

/// Refuses integer literals beyond `u64`, which serde_json reads as floats rather than
/// reporting them. Literals that fit `u64` but not `i64` are refused by the visitor.
fn check_integer_literals(json: &str) -> Result<(), String> {
    let mut chars = json.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        match c {
            '"' => {
                // Skip the string; the text is valid JSON, so it is closed.
                while let Some((_, c)) = chars.next() {
                    match c {
                        '\\' => drop(chars.next()),
                        '"' => break,
                        _ => {}
                    }
                }
            }
            '-' | '0'..='9' => {
                let mut end = start + c.len_utf8();
                while let Some(&(at, c)) = chars.peek() {
                    if !matches!(c, '0'..='9' | '.' | 'e' | 'E' | '+' | '-') {
                        break;
                    }
                    end = at + c.len_utf8();
                    chars.next();
                }
                let literal = &json[start..end];
                let integral = !literal.contains(['.', 'e', 'E']);
                if integral && literal.parse::<i64>().is_err() {
                    return Err(out_of_range(literal));
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether `text` follows JSON's grammar of a number.
fn is_number(text: &str) -> bool {
    fn digits(b: &[u8], at: &mut usize) -> bool {
        let start = *at;
        while b.get(*at).is_some_and(u8::is_ascii_digit) {
            *at += 1;
        }
        *at > start
    }
    let b = text.as_bytes();
    let mut at = usize::from(b.first() == Some(&b'-'));
    if !digits(b, &mut at) {
        return false;
    }
    if b.get(at) == Some(&b'.') {
        at += 1;
        if !digits(b, &mut at) {
            return false;
        }
    }
    if matches!(b.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(b.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        if !digits(b, &mut at) {
            return false;
        }
    }
    at == b.len()
}

fn out_of_range(literal: impl fmt::Display) -> String {
    format!("integer {literal} is beyond the 64-bit range of XML-RPC")
}

/// A [`Value`] read from JSON.
struct Arg(Value);

impl<'de> Deserialize<'de> for Arg {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Arg, D::Error> {
        deserializer.deserialize_any(ArgVisitor).map(Arg)
    }
}

struct ArgVisitor;

impl<'de> Visitor<'de> for ArgVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Boolean(b))
    }

    fn visit_i64<E: de::Error>(self, n: i64) -> Result<Value, E> {
        Ok(Value::Int(n))
    }

    fn visit_u64<E: de::Error>(self, n: u64) -> Result<Value, E> {
        i64::try_from(n).map(Value::Int).map_err(|_| E::custom(out_of_range(n)))
    }

    fn visit_f64<E: de::Error>(self, d: f64) -> Result<Value, E> {
        Ok(Value::Double(d))
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E: de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Arg(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members: Vec<(String, Value)> = Vec::new();
        while let Some((name, Arg(value))) = map.next_entry::<String, Arg>()? {
            members.push((name, value));
        }
        match members.as_slice() {
            [(name, value)] if name == BASE64 => match value {
                Value::String(text) => B64
                    .decode(text)
                    .map(Value::Base64)
                    .map_err(|error| de::Error::custom(format!("bad base64: {error}"))),
                _ => Err(de::Error::custom("{\"base64\": …} takes a base64 string")),
            },
            [(name, value)] if name == DATE_TIME => match value {
                Value::String(text) => {
                    text.parse::<DateTime>().map(Value::DateTime).map_err(|error| {
                        de::Error::custom(format!("bad dateTime.iso8601 {text:?}: {error}"))
                    })
                }
                _ => Err(de::Error::custom(
                    "{\"dateTime.iso8601\": …} takes a string, YYYYMMDDTHH:MM:SS",
                )),
            },
            _ => Ok(Value::Struct(members.into_iter().collect::<Struct>())),
        }
    }
}

/// Writes a [`Value`] as JSON: the reverse of [`parse_arg`], except that doubles JSON
/// cannot spell (NaN, the infinities) become the strings `"NaN"`, `"Infinity"` and
/// `"-Infinity"`.
pub(crate) struct Json<'a>(pub(crate) &'a Value);

impl Serialize for Json<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.0 {
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::Boolean(b) => serializer.serialize_bool(*b),
            Value::String(s) => serializer.serialize_str(s),
            Value::Double(d) if d.is_nan() => serializer.serialize_str("NaN"),
            Value::Double(d) if d.is_infinite() => {
                serializer.serialize_str(if *d > 0.0 { "Infinity" } else { "-Infinity" })
            }
            Value::Double(d) => serializer.serialize_f64(*d),
            Value::DateTime(t) => single(serializer, DATE_TIME, &t.to_string()),
            Value::Base64(bytes) => single(serializer, BASE64, &B64.encode(bytes)),
            Value::Struct(members) => {
                let mut map = serializer.serialize_map(Some(members.len()))?;
                for (name, value) in members.iter() {
                    map.serialize_entry(name, &Json(value))?;
                }
                map.end()
            }
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(Some(items.len()))?;
                for item in items {
                    seq.serialize_element(&Json(item))?;
                }
                seq.end()
            }
            Value::Nil => serializer.serialize_unit(),
        }
    }
}

fn single<S: Serializer>(serializer: S, name: &str, text: &str) -> Result<S::Ok, S::Error> {
    let mut map = serializer.serialize_map(Some(1))?;
    map.serialize_entry(name, text)?;
    map.end()
}

/// The result as one line of JSON, or indented over several.
pub(crate) fn to_json(value: &Value, pretty: bool) -> String {
    // Writing to a String cannot fail, and `Json` itself never errs.
    let written = if pretty {
        serde_json::to_string_pretty(&Json(value))
    } else {
        serde_json::to_string(&Json(value))
    };
    written.unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(json: &str) -> String {
        to_json(&parse_arg(json).unwrap(), false)
    }

    #[test]
    fn scalars_map_both_ways() {
        assert_eq!(parse_arg("42").unwrap(), Value::Int(42));
        assert_eq!(parse_arg("-9223372036854775808").unwrap(), Value::Int(i64::MIN));
        assert_eq!(parse_arg("1.0").unwrap(), Value::Double(1.0));
        assert_eq!(parse_arg("true").unwrap(), Value::Boolean(true));
        assert_eq!(parse_arg("null").unwrap(), Value::Nil);
        assert_eq!(parse_arg("\"7\"").unwrap(), Value::String("7".into()));
        for json in ["42", "4294967296", "1.5", "1.0", "0.1", "false", "null", "\"a\\\"b\""] {
            assert_eq!(round_trip(json), json);
        }
    }

    #[test]
    fn bare_words_are_strings_and_broken_json_is_an_error() {
        for word in ["hello", "", "hello world", "1.2.3", "-", "12abc", "nul", "1e", "-.5"] {
            assert_eq!(parse_arg(word).unwrap(), Value::String(word.into()), "{word:?}");
        }
        for broken in ["[1, 2", "{\"a\": }", "\"open", " [", "{}}"] {
            assert!(parse_arg(broken).unwrap_err().contains("not valid JSON"), "{broken:?}");
        }
        // A number too large for a double is no word either.
        assert!(parse_arg("1e400").is_err());
        assert!(parse_arg("-2.5E+999").is_err());
    }

    #[test]
    fn integers_beyond_64_bits_are_refused() {
        for big in ["9223372036854775808", "18446744073709551616", "[1, 100000000000000000000]"] {
            assert!(parse_arg(big).unwrap_err().contains("64-bit range"), "{big}");
        }
        // A string holding digits is not a number, and a float with an exponent is a float.
        assert!(parse_arg("[\"99999999999999999999\", 1e30, -2.5E-3]").is_ok());
    }

    #[test]
    fn objects_keep_their_order() {
        assert_eq!(
            round_trip("{\"b\":1,\"a\":[{\"z\":null,\"y\":{}}],\"c\":[]}"),
            "{\"b\":1,\"a\":[{\"z\":null,\"y\":{}}],\"c\":[]}"
        );
    }

    #[test]
    fn base64_and_date_time_have_single_member_forms() {
        assert_eq!(parse_arg("{\"base64\": \"AP8=\"}").unwrap(), Value::Base64(vec![0, 255]));
        let t = parse_arg("{\"dateTime.iso8601\": \"20240229T12:34:56\"}").unwrap();
        assert_eq!(t, Value::DateTime(DateTime::new(2024, 2, 29, 12, 34, 56).unwrap()));
        assert_eq!(to_json(&t, false), "{\"dateTime.iso8601\":\"20240229T12:34:56\"}");
        assert_eq!(round_trip("{\"base64\":\"aGk=\"}"), "{\"base64\":\"aGk=\"}");
        // With a second member it is an ordinary struct.
        let s = parse_arg("{\"base64\": \"x\", \"n\": 1}").unwrap();
        assert_eq!(s.get("base64"), Some(&Value::String("x".into())));
        for bad in ["{\"base64\": \"!!\"}", "{\"base64\": 1}", "{\"dateTime.iso8601\": \"soon\"}"] {
            assert!(parse_arg(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn doubles_json_cannot_spell_become_strings() {
        assert_eq!(to_json(&Value::Double(f64::NAN), false), "\"NaN\"");
        assert_eq!(to_json(&Value::Double(f64::NEG_INFINITY), false), "\"-Infinity\"");
    }

    #[test]
    fn pretty_output_indents() {
        let value = parse_arg("{\"a\":[1]}").unwrap();
        assert_eq!(to_json(&value, true), "{\n  \"a\": [\n    1\n  ]\n}");
    }
}
