//! The fast path for calls written the plain way, as Python's `xmlrpc.client` and this
//! crate's encoder write them: known elements without prefixes or attributes, plain text
//! (no references, CDATA, comments or characters that need a check), whitespace between
//! elements.
//!
//! It reads such a call straight from the bytes, and answers `None` at the first thing
//! outside that subset or wrong in it, without saying what: the full decoder then reads
//! the body again and accepts it or reports the error, with its offset and path. So the
//! fast path only has to agree with the full decoder on what it accepts.

use std::borrow::Cow;

use super::{Tag, is_space_byte, scalar};
use crate::limits::Limits;
use crate::value::{Struct, Value};

/// A call's method name and parameters, if the body is a plain call within `limits`.
pub(super) fn call<'a>(body: &'a [u8], limits: &Limits) -> Option<(Cow<'a, str>, Vec<Value>)> {
    if body.len() > limits.max_body_size() {
        return None;
    }
    let mut cursor = Cursor { body, at: 0, depth: 0, max_depth: limits.max_depth() };
    cursor.declaration()?;
    cursor.open(b"methodCall")?;
    cursor.open(b"methodName")?;
    let method = cursor.text()?;
    cursor.close(b"methodName")?;
    let mut params = Vec::new();
    if cursor.try_open(b"params") {
        while cursor.try_open(b"param") {
            cursor.open(b"value")?;
            params.push(cursor.value()?);
            cursor.close(b"param")?;
        }
        cursor.close(b"params")?;
    }
    cursor.close(b"methodCall")?;
    cursor.skip_space();
    (cursor.at == body.len()).then_some((Cow::Borrowed(method), params))
}

struct Cursor<'a> {
    body: &'a [u8],
    at: usize,
    depth: usize,
    max_depth: usize,
}

impl<'a> Cursor<'a> {
    /// No declaration, or the one most peers write.
    fn declaration(&mut self) -> Option<()> {
        const PLAIN: [&[u8]; 2] = [b"<?xml version='1.0'?>", b"<?xml version=\"1.0\"?>"];
        if let Some(declaration) = PLAIN.iter().find(|d| self.body.starts_with(d)) {
            self.at = declaration.len();
        } else if self.body.starts_with(b"<?") {
            return None;
        }
        Some(())
    }

    fn skip_space(&mut self) {
        while self.body.get(self.at).is_some_and(|b| is_space_byte(*b)) {
            self.at += 1;
        }
    }

    /// Whether `<name>` comes next (after whitespace), and if so, past it.
    fn try_open(&mut self, name: &[u8]) -> bool {
        self.skip_space();
        self.tag(b"<", name)
    }

    fn open(&mut self, name: &[u8]) -> Option<()> {
        self.try_open(name).then_some(())
    }

    /// `</name>`, after whitespace.
    fn close(&mut self, name: &[u8]) -> Option<()> {
        self.skip_space();
        self.tag(b"</", name).then_some(())
    }

    /// `lead`, `name` and `>` here, and if so, past them.
    fn tag(&mut self, lead: &[u8], name: &[u8]) -> bool {
        let rest = &self.body[self.at..];
        let found = rest.len() > lead.len() + name.len()
            && rest.starts_with(lead)
            && rest[lead.len()..].starts_with(name)
            && rest[lead.len() + name.len()] == b'>';
        if found {
            self.at += lead.len() + name.len() + 1;
        }
        found
    }

    /// Plain text up to the next `<`: valid UTF-8, no reference, no carriage return (which
    /// would need line-end normalisation), no character XML might refuse.
    fn text(&mut self) -> Option<&'a str> {
        let start = self.at;
        let rest = &self.body[start..];
        let end = rest.iter().position(|b| {
            matches!(b, b'<' | b'&' | b'\r' | 0xef) || (*b < 0x20 && !matches!(b, b'\t' | b'\n'))
        })?;
        if rest[end] != b'<' {
            return None;
        }
        self.at += end;
        std::str::from_utf8(&rest[..end]).ok()
    }

    /// A value, from just after `<value>` through `</value>`.
    fn value(&mut self) -> Option<Value> {
        if self.depth == self.max_depth {
            return None;
        }
        self.depth += 1;
        let text = self.text()?;
        let value = if self.tag(b"</", b"value") {
            Value::String(text.to_owned())
        } else if text.bytes().all(is_space_byte) {
            let value = self.typed()?;
            self.close(b"value")?;
            value
        } else {
            return None;
        };
        self.depth -= 1;
        Some(value)
    }

    /// A type element and its content, through its end tag.
    fn typed(&mut self) -> Option<Value> {
        let rest = &self.body[self.at..];
        let name_end = rest.iter().position(|b| *b == b'>')?;
        let name = rest.get(1..name_end).filter(|_| rest[0] == b'<')?;
        let tag = Tag::from_name(std::str::from_utf8(name).ok()?)?;
        self.at += name_end + 1;
        match tag {
            Tag::String => {
                let text = self.text()?;
                self.close(b"string")?;
                Some(Value::String(text.to_owned()))
            }
            Tag::Array => {
                self.open(b"data")?;
                let mut items = Vec::new();
                while self.try_open(b"value") {
                    items.push(self.value()?);
                }
                self.close(b"data")?;
                self.close(b"array")?;
                Some(Value::Array(items))
            }
            Tag::Struct => {
                let mut members = Vec::new();
                while self.try_open(b"member") {
                    self.open(b"name")?;
                    let name = self.text()?;
                    self.close(b"name")?;
                    self.open(b"value")?;
                    let value = self.value()?;
                    self.close(b"member")?;
                    members.push((name.to_owned(), value));
                }
                self.close(b"struct")?;
                Some(Value::Struct(Struct::from_members(members)))
            }
            _ if tag.is_scalar() => {
                let text = self.text()?;
                self.close(tag.name().as_bytes())?;
                scalar(tag, text).ok()
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::decode::full_call;
    use crate::{DateTime, MethodCall};

    /// The fast path reads `body` as the full decoder does, if it reads it at all.
    fn agrees(body: &[u8], limits: &Limits) -> bool {
        let full = full_call(body, limits);
        match call(body, limits) {
            Some(fast) => {
                assert_eq!(Ok(&fast), full.as_ref(), "{}", String::from_utf8_lossy(body));
                true
            }
            None => false,
        }
    }

    /// A newline between any two adjacent tags, as Python writes between most.
    fn spread(xml: &str) -> String {
        xml.replace("><", ">\n<")
    }

    const PYTHON: &[u8] =
        b"<?xml version='1.0'?>\n<methodCall>\n<methodName>multiply</methodName>\n\
        <params>\n<param>\n<value><int>6</int></value>\n</param>\n<param>\n\
        <value><int>7</int></value>\n</param>\n</params>\n</methodCall>\n";

    #[test]
    fn reads_what_python_sends() {
        let limits = Limits::default();
        assert!(agrees(PYTHON, &limits));
        let (method, params) = call(PYTHON, &limits).unwrap();
        assert!(matches!(method, Cow::Borrowed("multiply")));
        assert_eq!(params, [Value::Int(6), Value::Int(7)]);
    }

    #[test]
    fn leaves_the_rest_to_the_full_decoder() {
        let limits = Limits::default();
        let call = |params: &str| {
            format!("<methodCall><methodName>m</methodName><params>{params}</params></methodCall>")
        };
        let others = [
            call("<param><value>a&amp;b</value></param>"),
            call("<param><value><![CDATA[x]]></value></param>"),
            call("<!-- c --><param><value>1</value></param>"),
            call("<param><value>a\r\nb</value></param>"),
            call("<param><value>\u{fffe}</value></param>"),
            call("<param><value><int a='1'>1</int></value></param>"),
            call("<param><value><ex:i8>1</ex:i8></value></param>"),
            call("<param><value><nil/></value></param>"),
            call("<param><value><int>x</int></value></param>"),
            call("<param><value>x<int>1</int></value></param>"),
            call("<param><value><array></array></value></param>"),
            call("<param><value></value ></param>"),
            call("<param><value>1</value></param>").replace("<methodCall>", "\u{feff}<methodCall>"),
            call("<param><value>1</value></param>") + "<!-- trailing -->",
            format!("<?xml version='1.0' encoding='latin-1'?>{}", call("")),
            format!("  <?xml version='1.0'?>{}", call("")),
            call("<param><value>1</value></param>").replace("</methodCall>", "</methodCall"),
        ];
        for body in &others {
            assert!(!agrees(body.as_bytes(), &limits), "{body}");
        }
        // Over the limits: the full decoder says so.
        assert!(!agrees(PYTHON, &Limits::default().with_max_body_size(PYTHON.len() - 1)));
        assert!(!agrees(PYTHON, &Limits::default().with_max_depth(0)));
        assert!(agrees(PYTHON, &Limits::default().with_max_depth(1)));
    }

    fn text() -> impl Strategy<Value = String> {
        let ch = prop_oneof![
            3 => any::<char>(),
            1 => prop::sample::select(vec!['&', '<', '>', '\r', '\n', '\t', ' ', ']']),
        ];
        prop::collection::vec(ch, 0..12).prop_map(String::from_iter)
    }

    fn value() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<i64>().prop_map(Value::Int),
            any::<bool>().prop_map(Value::Boolean),
            text().prop_map(Value::String),
            any::<f64>().prop_filter("finite", |d| d.is_finite()).prop_map(Value::Double),
            Just(Value::DateTime(DateTime::new(2024, 1, 2, 3, 4, 5).unwrap())),
            prop::collection::vec(any::<u8>(), 0..20).prop_map(Value::Base64),
            Just(Value::Nil),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
                prop::collection::vec((text(), inner), 0..4)
                    .prop_map(|members| Value::Struct(members.into_iter().collect::<Struct>())),
            ]
        })
    }

    proptest! {
        #[test]
        fn agrees_with_the_full_decoder(
            method in text(),
            params in prop::collection::vec(value(), 0..4),
            depth in 1usize..6,
        ) {
            let Ok(xml) = MethodCall::new(method, params).to_xml() else { return Ok(()) };
            let limits = Limits::default().with_max_depth(depth);
            for body in [xml.clone(), spread(&xml), xml.replacen("<?xml version=\"1.0\"?>", "", 1)] {
                agrees(body.as_bytes(), &limits);
                // Cut short anywhere: refused, or read alike.
                let cut = body.len() * 2 / 3;
                agrees(&body.as_bytes()[..cut], &limits);
            }
        }
    }
}
