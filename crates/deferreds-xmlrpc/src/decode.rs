//! Reading XML-RPC documents: a recursive descent over quick-xml's pull reader.
//!
//! Each `parse_*` function is called just after its start tag and consumes through its end
//! tag. Text arrives from quick-xml in pieces (plain text, entity references, CDATA) and is
//! joined here; whitespace between elements is skipped, except inside `<value>` where text
//! with no type element is a string.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use quick_xml::events::{BytesDecl, Event};
use quick_xml::reader::Reader;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::fault::Fault;
use crate::limits::Limits;
use crate::message::{MethodCall, MethodResponse};
use crate::value::{Struct, Value};

/// Reads a document whose root is a single `<value>`, within `limits`.
///
/// Useful for values stored or logged on their own; calls and responses are read with
/// [`MethodCall::from_xml`] and [`MethodResponse::from_xml`].
///
/// ```
/// use deferreds_xmlrpc::{decode_value, Limits, Value};
///
/// let v = decode_value(b"<value>  spaced out  </value>", &Limits::default())?;
/// assert_eq!(v, Value::from("  spaced out  "));
/// let v = decode_value(b"<value><array><data/></array></value>", &Limits::default())?;
/// assert_eq!(v, Value::Array(vec![]));
/// # Ok::<(), deferreds_xmlrpc::DecodeError>(())
/// ```
pub fn decode_value(body: &[u8], limits: &Limits) -> Result<Value, DecodeError> {
    Parser::new(body, limits)?.document(Tag::Value, Parser::parse_value)
}

pub(crate) fn decode_call(body: &[u8], limits: &Limits) -> Result<MethodCall, DecodeError> {
    Parser::new(body, limits)?.document(Tag::MethodCall, |p| {
        p.expect_start(Tag::MethodName, "<methodName>")?;
        let (method, _) = p.text_content()?;
        let method = method.into_owned();
        // The specification lets a call without parameters leave out <params>.
        let params = match p.next_markup("<params> or </methodCall>")? {
            Tok::Start(Tag::Params) => {
                let params = p.parse_params()?;
                p.expect_end("</methodCall>")?;
                params
            }
            Tok::End(_) => Vec::new(),
            other => return Err(p.unexpected(&other, "<params> or </methodCall>")),
        };
        Ok(MethodCall { method, params })
    })
}

pub(crate) fn decode_response(body: &[u8], limits: &Limits) -> Result<MethodResponse, DecodeError> {
    Parser::new(body, limits)?.document(Tag::MethodResponse, |p| {
        let response = match p.next_markup("<params> or <fault>")? {
            Tok::Start(Tag::Params) => {
                let at = p.at;
                let params = p.parse_params()?;
                let [value]: [Value; 1] = params.try_into().map_err(|params: Vec<Value>| {
                    let found = format!("{} parameters", params.len());
                    p.error_at(DecodeErrorKind::Unexpected { found, expected: "exactly one" }, at)
                })?;
                MethodResponse::Success(value)
            }
            Tok::Start(Tag::Fault) => {
                let at = p.at;
                p.expect_start(Tag::Value, "<value>")?;
                let value = p.parse_value()?;
                let fault = Fault::from_value(value)
                    .map_err(|reason| p.error_at(DecodeErrorKind::InvalidFault(reason), at))?;
                p.expect_end("</fault>")?;
                MethodResponse::Fault(fault)
            }
            other => return Err(p.unexpected(&other, "<params> or <fault>")),
        };
        p.expect_end("</methodResponse>")?;
        Ok(response)
    })
}

/// The elements XML-RPC knows; anything else is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    MethodCall,
    MethodName,
    MethodResponse,
    Params,
    Param,
    Fault,
    Value,
    Int,
    I4,
    I8,
    I1,
    I2,
    BigInteger,
    Boolean,
    String,
    Double,
    Float,
    DateTime,
    Base64,
    Nil,
    Array,
    Data,
    Struct,
    Member,
    Name,
}

impl Tag {
    /// By local name: a namespace prefix is ignored, as Python does for Apache's `ex:nil`
    /// and `ex:i8`.
    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "methodCall" => Self::MethodCall,
            "methodName" => Self::MethodName,
            "methodResponse" => Self::MethodResponse,
            "params" => Self::Params,
            "param" => Self::Param,
            "fault" => Self::Fault,
            "value" => Self::Value,
            "int" => Self::Int,
            "i4" => Self::I4,
            "i8" => Self::I8,
            "i1" => Self::I1,
            "i2" => Self::I2,
            "biginteger" => Self::BigInteger,
            "boolean" => Self::Boolean,
            "string" => Self::String,
            "double" => Self::Double,
            "float" => Self::Float,
            "dateTime.iso8601" => Self::DateTime,
            "base64" => Self::Base64,
            "nil" => Self::Nil,
            "array" => Self::Array,
            "data" => Self::Data,
            "struct" => Self::Struct,
            "member" => Self::Member,
            "name" => Self::Name,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::MethodCall => "methodCall",
            Self::MethodName => "methodName",
            Self::MethodResponse => "methodResponse",
            Self::Params => "params",
            Self::Param => "param",
            Self::Fault => "fault",
            Self::Value => "value",
            Self::Int => "int",
            Self::I4 => "i4",
            Self::I8 => "i8",
            Self::I1 => "i1",
            Self::I2 => "i2",
            Self::BigInteger => "biginteger",
            Self::Boolean => "boolean",
            Self::String => "string",
            Self::Double => "double",
            Self::Float => "float",
            Self::DateTime => "dateTime.iso8601",
            Self::Base64 => "base64",
            Self::Nil => "nil",
            Self::Array => "array",
            Self::Data => "data",
            Self::Struct => "struct",
            Self::Member => "member",
            Self::Name => "name",
        }
    }
}

/// What the grammar sees: elements and joined text. Comments and processing instructions
/// are skipped.
#[derive(Debug)]
enum Tok<'a> {
    Start(Tag),
    Unknown(String),
    End(Tag),
    Text(Cow<'a, str>),
    Eof,
}

/// An open element, for error paths.
struct Frame {
    tag: Tag,
    index: Option<usize>,
    children: usize,
}

/// Base64 as peers send it: padded or not, and without insisting that unused trailing bits
/// are zero (Python's decoder does not).
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    limits: Limits,
    peeked: Option<(Event<'a>, u64)>,
    frames: Vec<Frame>,
    depth: usize,
    /// Where the last token started: the offset errors point at.
    at: u64,
}

type Result<T, E = DecodeError> = std::result::Result<T, E>;

impl<'a> Parser<'a> {
    fn new(body: &'a [u8], limits: &Limits) -> Result<Self> {
        if body.len() > limits.max_body_size() {
            let kind =
                DecodeErrorKind::TooLarge { size: body.len(), limit: limits.max_body_size() };
            return Err(DecodeError::new(kind, limits.max_body_size() as u64, String::new()));
        }
        let mut reader = Reader::from_reader(body);
        // `<nil/>` then reads as `<nil></nil>`, so the grammar has one shape to handle.
        reader.config_mut().expand_empty_elements = true;
        Ok(Self {
            reader,
            limits: *limits,
            peeked: None,
            frames: Vec::with_capacity(16),
            depth: 0,
            at: 0,
        })
    }

    /// Prolog, the root element (through `parse`), then nothing but comments and space.
    fn document<T>(mut self, root: Tag, parse: impl FnOnce(&mut Self) -> Result<T>) -> Result<T> {
        let expected = match root {
            Tag::MethodCall => "<methodCall>",
            Tag::MethodResponse => "<methodResponse>",
            _ => "<value>",
        };
        self.expect_start(root, expected)?;
        let out = parse(&mut self)?;
        match self.next_markup("end of document")? {
            Tok::Eof => Ok(out),
            other => Err(self.unexpected(&other, "end of document")),
        }
    }

    fn parse_params(&mut self) -> Result<Vec<Value>> {
        let mut params = Vec::new();
        loop {
            match self.next_markup("<param> or </params>")? {
                Tok::Start(Tag::Param) => {
                    self.expect_start(Tag::Value, "<value>")?;
                    params.push(self.parse_value()?);
                    self.expect_end("</param>")?;
                }
                Tok::End(_) => return Ok(params),
                other => return Err(self.unexpected(&other, "<param> or </params>")),
            }
        }
    }

    fn parse_value(&mut self) -> Result<Value> {
        self.depth += 1;
        if self.depth > self.limits.max_depth() {
            return Err(self.error(DecodeErrorKind::TooDeep { limit: self.limits.max_depth() }));
        }
        let value = self.parse_value_content();
        self.depth -= 1;
        value
    }

    fn parse_value_content(&mut self) -> Result<Value> {
        const EXPECTED: &str = "text or one type element such as <int> or <string>";
        let mut text = Cow::Borrowed("");
        loop {
            match self.next_tok()? {
                Tok::Text(t) => text = t,
                // No type element: the text, whitespace and all, is a string.
                Tok::End(_) => return Ok(Value::String(text.into_owned())),
                Tok::Start(tag) if is_space(&text) => {
                    let value = self.parse_typed(tag)?;
                    self.expect_end("</value>")?;
                    return Ok(value);
                }
                other => return Err(self.unexpected(&other, EXPECTED)),
            }
        }
    }

    fn parse_typed(&mut self, tag: Tag) -> Result<Value> {
        match tag {
            Tag::Array => self.parse_array(),
            Tag::Struct => self.parse_struct(),
            Tag::String => Ok(Value::String(self.text_content()?.0.into_owned())),
            Tag::Int | Tag::I4 | Tag::I8 | Tag::I1 | Tag::I2 | Tag::BigInteger => {
                self.scalar(tag, |text| {
                    text.parse::<i64>()
                        .map(Value::Int)
                        .map_err(|_| format!("{} is not an integer in range", quote(text)))
                })
            }
            Tag::Boolean => self.scalar(tag, |text| match text {
                "0" => Ok(Value::Boolean(false)),
                "1" => Ok(Value::Boolean(true)),
                _ => Err(format!("{} is not 0 or 1", quote(text))),
            }),
            // Rust's parser reads what Python writes, `1e+300`, `nan` and `inf` included.
            Tag::Double | Tag::Float => self.scalar(tag, |text| {
                text.parse::<f64>()
                    .map(Value::Double)
                    .map_err(|_| format!("{} is not a number", quote(text)))
            }),
            Tag::DateTime => self.scalar(tag, |text| {
                text.parse().map(Value::DateTime).map_err(|e| format!("{}: {e}", quote(text)))
            }),
            Tag::Base64 => self.scalar(tag, |text| {
                let compact: Vec<u8>;
                let bytes = if text.bytes().any(is_space_byte) {
                    compact = text.bytes().filter(|b| !is_space_byte(*b)).collect();
                    &compact[..]
                } else {
                    text.as_bytes()
                };
                BASE64.decode(bytes).map(Value::Base64).map_err(|e| e.to_string())
            }),
            Tag::Nil => self.scalar(tag, |text| {
                if text.is_empty() { Ok(Value::Nil) } else { Err("must be empty".to_owned()) }
            }),
            _ => {
                let found = format!("<{}>", tag.name());
                Err(self.error(DecodeErrorKind::Unexpected {
                    found,
                    expected: "a type element such as <int> or <string>",
                }))
            }
        }
    }

    /// A text-only element, trimmed of XML whitespace, converted by `convert`.
    fn scalar(
        &mut self,
        tag: Tag,
        convert: impl FnOnce(&str) -> std::result::Result<Value, String>,
    ) -> Result<Value> {
        let (text, at) = self.text_content()?;
        convert(text.trim_matches(is_space_char)).map_err(|reason| {
            // The element is closed by now; name it in the path all the same.
            let kind = DecodeErrorKind::InvalidValue { ty: tag.name(), reason };
            DecodeError::new(kind, at, format!("{}/{}", self.path(), tag.name()))
        })
    }

    fn parse_array(&mut self) -> Result<Value> {
        let mut items = Vec::new();
        match self.next_markup("<data>")? {
            Tok::Start(Tag::Data) => {
                loop {
                    match self.next_markup("<value> or </data>")? {
                        Tok::Start(Tag::Value) => items.push(self.parse_value()?),
                        Tok::End(_) => break,
                        other => return Err(self.unexpected(&other, "<value> or </data>")),
                    }
                }
                self.expect_end("</array>")?;
            }
            // `<array/>` without `<data>`: not in the specification, harmless to accept.
            Tok::End(_) => {}
            other => return Err(self.unexpected(&other, "<data>")),
        }
        Ok(Value::Array(items))
    }

    fn parse_struct(&mut self) -> Result<Value> {
        let mut members = Vec::new();
        loop {
            match self.next_markup("<member> or </struct>")? {
                Tok::Start(Tag::Member) => {
                    self.expect_start(Tag::Name, "<name>")?;
                    let name = self.text_content()?.0.into_owned();
                    self.expect_start(Tag::Value, "<value>")?;
                    let value = self.parse_value()?;
                    self.expect_end("</member>")?;
                    members.push((name, value));
                }
                Tok::End(_) => return Ok(Value::Struct(Struct::from_members(members))),
                other => return Err(self.unexpected(&other, "<member> or </struct>")),
            }
        }
    }

    /// The text of an element that holds only text, through its end tag; with the offset
    /// where the text starts.
    fn text_content(&mut self) -> Result<(Cow<'a, str>, u64)> {
        let mut text = Cow::Borrowed("");
        let mut start = None;
        loop {
            match self.next_tok()? {
                Tok::Text(t) => {
                    start = Some(self.at);
                    text = t;
                }
                Tok::End(_) => return Ok((text, start.unwrap_or(self.at))),
                other => return Err(self.unexpected(&other, "text")),
            }
        }
    }

    fn expect_start(&mut self, tag: Tag, expected: &'static str) -> Result<()> {
        match self.next_markup(expected)? {
            Tok::Start(t) if t == tag => Ok(()),
            other => Err(self.unexpected(&other, expected)),
        }
    }

    fn expect_end(&mut self, expected: &'static str) -> Result<()> {
        match self.next_markup(expected)? {
            Tok::End(_) => Ok(()),
            other => Err(self.unexpected(&other, expected)),
        }
    }

    /// The next element boundary; whitespace is skipped, other text refused.
    fn next_markup(&mut self, expected: &'static str) -> Result<Tok<'a>> {
        match self.next_tok()? {
            // Text is joined, so a second text token cannot follow.
            Tok::Text(t) if is_space(&t) => self.next_tok(),
            Tok::Text(_) => {
                Err(self.error(DecodeErrorKind::Unexpected { found: "text".to_owned(), expected }))
            }
            tok => Ok(tok),
        }
    }

    /// The next token. Opening an element pushes a frame and closing one pops it, so error
    /// paths name the open elements.
    fn next_tok(&mut self) -> Result<Tok<'a>> {
        loop {
            let (event, at) = self.raw()?;
            self.at = at;
            return Ok(match event {
                Event::Start(e) | Event::Empty(e) => {
                    let name = e.local_name();
                    match Tag::from_name(name.as_ref()) {
                        Some(tag) => {
                            self.push(tag);
                            Tok::Start(tag)
                        }
                        None => Tok::Unknown(name.as_ref().to_owned()),
                    }
                }
                Event::End(_) => match self.frames.pop() {
                    Some(frame) => Tok::End(frame.tag),
                    // quick-xml refuses unmatched end tags, so this is not reached.
                    None => {
                        return Err(
                            self.error(DecodeErrorKind::Malformed("unmatched end tag".to_owned()))
                        );
                    }
                },
                // Indentation between elements (Python sends a newline after most): no
                // decoding, no checks, no copy, unless more text follows to join.
                Event::Text(ref t) if t.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\n')) => {
                    let (next, next_at) = self.raw()?;
                    let joins =
                        matches!(next, Event::Text(_) | Event::CData(_) | Event::GeneralRef(_));
                    self.peeked = Some((next, next_at));
                    if joins {
                        Tok::Text(self.joined_text(event, at)?)
                    } else {
                        let Event::Text(t) = event else { unreachable!("matched as text") };
                        Tok::Text(t.into_inner())
                    }
                }
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    Tok::Text(self.joined_text(event, at)?)
                }
                Event::Eof => Tok::Eof,
                Event::Comment(_) | Event::PI(_) => continue,
                Event::Decl(decl) => {
                    self.check_declaration(&decl)?;
                    continue;
                }
                Event::DocType(_) => return Err(self.error(DecodeErrorKind::DocType)),
            });
        }
    }

    /// Joins adjacent text, references and CDATA (and skips comments between them).
    fn joined_text(&mut self, first: Event<'a>, at: u64) -> Result<Cow<'a, str>> {
        let mut text = Cow::Borrowed("");
        self.append_text(&mut text, first, at)?;
        loop {
            let (event, at) = self.raw()?;
            match event {
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    self.append_text(&mut text, event, at)?;
                }
                Event::Comment(_) | Event::PI(_) => {}
                other => {
                    self.peeked = Some((other, at));
                    return Ok(text);
                }
            }
        }
    }

    fn append_text(&self, text: &mut Cow<'a, str>, event: Event<'a>, at: u64) -> Result<()> {
        let piece = match event {
            Event::Text(t) => t.xml10_content(),
            Event::CData(c) => c.xml10_content(),
            Event::GeneralRef(r) => {
                let c = if r.is_char_ref() {
                    match r.resolve_char_ref() {
                        Ok(Some(c)) => c,
                        _ => {
                            let kind = DecodeErrorKind::Malformed(format!(
                                "invalid character reference &{};",
                                clip(&r)
                            ));
                            return Err(self.error_at(kind, at));
                        }
                    }
                } else {
                    match &*r {
                        "amp" => '&',
                        "lt" => '<',
                        "gt" => '>',
                        "quot" => '"',
                        "apos" => '\'',
                        other => {
                            let kind = DecodeErrorKind::UnknownEntity(clip(other).into_owned());
                            return Err(self.error_at(kind, at));
                        }
                    }
                };
                if !is_xml_char(c) {
                    return Err(self.error_at(DecodeErrorKind::InvalidChar(c), at));
                }
                text.to_mut().push(c);
                return Ok(());
            }
            _ => return Ok(()),
        };
        if let Some(c) = first_invalid_char(&piece) {
            return Err(self.error_at(DecodeErrorKind::InvalidChar(c), at));
        }
        if text.is_empty() {
            *text = piece;
        } else {
            text.to_mut().push_str(&piece);
        }
        Ok(())
    }

    fn check_declaration(&self, decl: &BytesDecl<'_>) -> Result<()> {
        let Some(encoding) = decl.encoding() else { return Ok(()) };
        let encoding =
            encoding.map_err(|e| self.error(DecodeErrorKind::Malformed(e.to_string())))?;
        if ["utf-8", "utf8", "us-ascii", "ascii"].iter().any(|e| encoding.eq_ignore_ascii_case(e)) {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::UnsupportedEncoding(clip(&encoding).into_owned())))
        }
    }

    fn raw(&mut self) -> Result<(Event<'a>, u64)> {
        if let Some(peeked) = self.peeked.take() {
            return Ok(peeked);
        }
        let at = self.reader.buffer_position();
        match self.reader.read_event() {
            Ok(event) => Ok((event, at)),
            Err(e) => {
                let kind = DecodeErrorKind::Malformed(e.to_string());
                Err(self.error_at(kind, self.reader.error_position()))
            }
        }
    }

    fn push(&mut self, tag: Tag) {
        let index = match self.frames.last_mut() {
            Some(parent) => {
                parent.children += 1;
                // Only repeated children are numbered: parameters, members, array items.
                matches!(parent.tag, Tag::Params | Tag::Struct | Tag::Data)
                    .then_some(parent.children - 1)
            }
            None => None,
        };
        self.frames.push(Frame { tag, index, children: 0 });
    }

    fn path(&self) -> String {
        let mut path = String::new();
        for (i, frame) in self.frames.iter().enumerate() {
            if i > 0 {
                path.push('/');
            }
            path.push_str(frame.tag.name());
            if let Some(index) = frame.index {
                let _ = write!(path, "[{index}]");
            }
        }
        path
    }

    fn error(&self, kind: DecodeErrorKind) -> DecodeError {
        self.error_at(kind, self.at)
    }

    fn error_at(&self, kind: DecodeErrorKind, at: u64) -> DecodeError {
        DecodeError::new(kind, at, self.path())
    }

    fn unexpected(&self, tok: &Tok<'_>, expected: &'static str) -> DecodeError {
        let found = match tok {
            Tok::Start(tag) => format!("<{}>", tag.name()),
            Tok::Unknown(name) => format!("<{}>", clip(name)),
            Tok::End(tag) => format!("</{}>", tag.name()),
            Tok::Text(_) => "text".to_owned(),
            Tok::Eof => "end of document".to_owned(),
        };
        self.error(DecodeErrorKind::Unexpected { found, expected })
    }
}

fn is_space_byte(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r')
}

fn is_space_char(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_space(text: &str) -> bool {
    text.bytes().all(is_space_byte)
}

/// XML 1.0's `Char` production.
pub(crate) fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

fn first_invalid_char(text: &str) -> Option<char> {
    // Most text is plain: look at characters only if a suspicious byte is there.
    let suspicious = text.bytes().any(|b| (b < 0x20 && !is_space_byte(b)) || b == 0xef);
    if suspicious { text.chars().find(|c| !is_xml_char(*c)) } else { None }
}

/// At most 40 characters of untrusted text, for messages.
fn clip(text: &str) -> Cow<'_, str> {
    match text.char_indices().nth(40) {
        Some((end, _)) => Cow::Owned(format!("{}…", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

fn quote(text: &str) -> String {
    format!("{:?}", clip(text))
}
