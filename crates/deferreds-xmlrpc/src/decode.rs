//! Reading XML-RPC documents: a recursive descent over quick-xml's pull reader.
//!
//! Calls written the plain way are read by [`fast`] first, straight from the bytes; what
//! it does not read, this decoder reads (or refuses, saying where and why).
//!
//! Each `parse_*` function is called just after its start tag and consumes through its end
//! tag. Text arrives from quick-xml in pieces (plain text, entity references, CDATA) and is
//! joined here; whitespace between elements is skipped, except inside `<value>` where text
//! with no type element is a string.

use std::borrow::Cow;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use quick_xml::events::{BytesDecl, BytesStart, Event};
use quick_xml::reader::Reader;

use crate::error::{DecodeError, DecodeErrorKind};
use crate::fault::Fault;
use crate::limits::Limits;
use crate::message::{MethodCall, MethodResponse};
use crate::value::{Struct, Value};

mod fast;

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
    let (method, params) = decode_call_parts(body, limits)?;
    Ok(MethodCall { method: method.into_owned(), params })
}

/// A call's method name, borrowed from `body` unless it holds references or CDATA, and
/// its parameters: what a server needs, without copying the name.
pub(crate) fn decode_call_parts<'a>(
    body: &'a [u8],
    limits: &Limits,
) -> Result<(Cow<'a, str>, Vec<Value>), DecodeError> {
    match fast::call(body, limits) {
        Some(call) => Ok(call),
        None => full_call(body, limits),
    }
}

/// [`decode_call_parts`] without the fast path.
fn full_call<'a>(
    body: &'a [u8],
    limits: &Limits,
) -> Result<(Cow<'a, str>, Vec<Value>), DecodeError> {
    Parser::new(body, limits)?.document(Tag::MethodCall, |p| {
        p.expect_start(Tag::MethodName, "<methodName>")?;
        let (method, _) = p.text_content()?;
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
        Ok((method, params))
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
        let name = name.as_bytes();
        // By length, then as fixed-size arrays: each arm compares a machine word or two
        // instead of calling `memcmp`.
        fn is<const N: usize>(name: &[u8], candidate: &[u8; N]) -> bool {
            <&[u8; N]>::try_from(name).is_ok_and(|name| name == candidate)
        }
        Some(match name.len() {
            2 => match name {
                [b'i', b'4'] => Self::I4,
                [b'i', b'8'] => Self::I8,
                [b'i', b'1'] => Self::I1,
                [b'i', b'2'] => Self::I2,
                _ => return None,
            },
            3 if is(name, b"int") => Self::Int,
            3 if is(name, b"nil") => Self::Nil,
            4 if is(name, b"data") => Self::Data,
            4 if is(name, b"name") => Self::Name,
            5 if is(name, b"value") => Self::Value,
            5 if is(name, b"param") => Self::Param,
            5 if is(name, b"array") => Self::Array,
            5 if is(name, b"fault") => Self::Fault,
            5 if is(name, b"float") => Self::Float,
            6 if is(name, b"params") => Self::Params,
            6 if is(name, b"string") => Self::String,
            6 if is(name, b"member") => Self::Member,
            6 if is(name, b"struct") => Self::Struct,
            6 if is(name, b"double") => Self::Double,
            6 if is(name, b"base64") => Self::Base64,
            7 if is(name, b"boolean") => Self::Boolean,
            10 if is(name, b"methodName") => Self::MethodName,
            10 if is(name, b"methodCall") => Self::MethodCall,
            10 if is(name, b"biginteger") => Self::BigInteger,
            14 if is(name, b"methodResponse") => Self::MethodResponse,
            16 if is(name, b"dateTime.iso8601") => Self::DateTime,
            _ => return None,
        })
    }

    /// The types whose element holds nothing but text to convert.
    fn is_scalar(self) -> bool {
        matches!(
            self,
            Self::Int
                | Self::I4
                | Self::I8
                | Self::I1
                | Self::I2
                | Self::BigInteger
                | Self::Boolean
                | Self::Double
                | Self::Float
                | Self::DateTime
                | Self::Base64
                | Self::Nil
        )
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
    /// The body as the reader counts offsets: without a byte-order mark.
    body: &'a [u8],
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
            body: body.strip_prefix(b"\xef\xbb\xbf").unwrap_or(body),
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
            _ if tag.is_scalar() => {
                let (text, at) = self.text_content()?;
                scalar(tag, &text).map_err(|reason| {
                    // The element is closed by now; name it in the path all the same.
                    let kind = DecodeErrorKind::InvalidValue { ty: tag.name(), reason };
                    DecodeError::new(kind, at, format!("{}/{}", self.path(), tag.name()))
                })
            }
            _ => {
                let found = format!("<{}>", tag.name());
                Err(self.error(DecodeErrorKind::Unexpected {
                    found,
                    expected: "a type element such as <int> or <string>",
                }))
            }
        }
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
    #[inline(always)]
    fn next_markup(&mut self, expected: &'static str) -> Result<Tok<'a>> {
        // Where the text run being skipped started, for the error if it is not all space.
        let mut run = None;
        loop {
            let (event, at) = self.raw()?;
            match event {
                Event::Start(e) => {
                    self.at = at;
                    return Ok(self.open(&e));
                }
                Event::End(_) => {
                    self.at = at;
                    return self.close();
                }
                // Indentation between elements (Python sends a newline after most): no
                // decoding, no copy. A carriage return is space too, before and after
                // line-end normalisation.
                Event::Text(ref t) if t.bytes().all(is_space_byte) => {
                    run.get_or_insert(at);
                }
                other => {
                    if let Some(tok) = self.markup_rest(other, at, &mut run, expected)? {
                        return Ok(tok);
                    }
                }
            }
        }
    }

    /// The events [`next_markup`](Self::next_markup) sees less often; `None` to go on.
    #[inline(never)]
    fn markup_rest(
        &mut self,
        event: Event<'a>,
        at: u64,
        run: &mut Option<u64>,
        expected: &'static str,
    ) -> Result<Option<Tok<'a>>> {
        match event {
            Event::Start(e) | Event::Empty(e) => {
                self.at = at;
                return Ok(Some(self.open(&e)));
            }
            Event::End(_) => {
                self.at = at;
                return self.close().map(Some);
            }
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                let start = *run.get_or_insert(at);
                let text = self.joined_text(event, at, false)?;
                self.at = start;
                if !is_space(&text) {
                    let found = "text".to_owned();
                    return Err(self.error(DecodeErrorKind::Unexpected { found, expected }));
                }
            }
            // Inside a run of text as well as between elements.
            Event::Comment(_) | Event::PI(_) => {}
            Event::Decl(decl) => {
                self.at = at;
                self.check_declaration(&decl)?;
                *run = None;
            }
            Event::DocType(_) => {
                self.at = at;
                return Err(self.error(DecodeErrorKind::DocType));
            }
            Event::Eof => {
                self.at = at;
                return Ok(Some(Tok::Eof));
            }
        }
        Ok(None)
    }

    /// The next token, text included. Opening an element pushes a frame and closing one
    /// pops it, so error paths name the open elements.
    #[inline(always)]
    fn next_tok(&mut self) -> Result<Tok<'a>> {
        loop {
            let (event, at) = self.raw()?;
            self.at = at;
            return Ok(match event {
                Event::Start(e) => self.open(&e),
                Event::End(_) => self.close()?,
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    Tok::Text(self.joined_text(event, at, true)?)
                }
                other => match self.tok_rest(other)? {
                    Some(tok) => tok,
                    None => continue,
                },
            });
        }
    }

    /// The events [`next_tok`](Self::next_tok) sees less often; `None` to go on.
    #[inline(never)]
    fn tok_rest(&mut self, event: Event<'a>) -> Result<Option<Tok<'a>>> {
        Ok(match event {
            Event::Start(e) | Event::Empty(e) => Some(self.open(&e)),
            Event::End(_) => Some(self.close()?),
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                Some(Tok::Text(self.joined_text(event, self.at, true)?))
            }
            Event::Eof => Some(Tok::Eof),
            Event::Comment(_) | Event::PI(_) => None,
            Event::Decl(decl) => {
                self.check_declaration(&decl)?;
                None
            }
            Event::DocType(_) => return Err(self.error(DecodeErrorKind::DocType)),
        })
    }

    #[inline(always)]
    fn open(&mut self, start: &BytesStart<'_>) -> Tok<'a> {
        // No tag has a colon, so a name that is a tag has no prefix to strip.
        let tag = Tag::from_name(start.name().as_ref()).or_else(|| {
            let name = start.local_name();
            Tag::from_name(name.as_ref())
        });
        match tag {
            Some(tag) => {
                self.push(tag);
                Tok::Start(tag)
            }
            None => {
                let name = start.local_name();
                let name: &str = name.as_ref();
                Tok::Unknown(name.to_owned())
            }
        }
    }

    #[inline(always)]
    fn close(&mut self) -> Result<Tok<'a>> {
        match self.frames.pop() {
            Some(frame) => Ok(Tok::End(frame.tag)),
            // quick-xml refuses unmatched end tags, so this is not reached.
            None => Err(self.error(DecodeErrorKind::Malformed("unmatched end tag".to_owned()))),
        }
    }

    /// Joins adjacent text, references and CDATA (and skips comments between them).
    ///
    /// With `may_stop_early`, a piece of text directly followed by a tag ends the run
    /// without reading the tag: the caller reads it next anyway, and reports a malformed
    /// tag then, as it would have here.
    fn joined_text(
        &mut self,
        first: Event<'a>,
        at: u64,
        may_stop_early: bool,
    ) -> Result<Cow<'a, str>> {
        let mut text = Cow::Borrowed("");
        let was_text = matches!(first, Event::Text(_));
        self.append_text(&mut text, first, at)?;
        if may_stop_early && was_text && self.tag_follows() {
            return Ok(text);
        }
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

    /// Whether the reader stands before a start or end tag: `<` and neither `!`
    /// (comment, CDATA, doctype) nor `?` (processing instruction).
    fn tag_follows(&self) -> bool {
        let at = self.reader.buffer_position() as usize;
        matches!(self.body.get(at..at + 2), Some([b'<', next]) if !matches!(next, b'!' | b'?'))
    }

    fn append_text(&self, text: &mut Cow<'a, str>, event: Event<'a>, at: u64) -> Result<()> {
        let piece = match event {
            // Most text needs neither line-end normalisation nor a character check.
            Event::Text(t) if is_plain(&t) => {
                join(text, t.into_inner());
                return Ok(());
            }
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
        join(text, piece);
        Ok(())
    }

    fn check_declaration(&self, decl: &BytesDecl<'_>) -> Result<()> {
        // What Python and most peers send: nothing to check, no attributes to parse.
        if matches!(&**decl, "xml version='1.0'" | "xml version=\"1.0\"") {
            return Ok(());
        }
        let Some(encoding) = decl.encoding() else { return Ok(()) };
        let encoding =
            encoding.map_err(|e| self.error(DecodeErrorKind::Malformed(e.to_string())))?;
        if ["utf-8", "utf8", "us-ascii", "ascii"].iter().any(|e| encoding.eq_ignore_ascii_case(e)) {
            Ok(())
        } else {
            Err(self.error(DecodeErrorKind::UnsupportedEncoding(clip(&encoding).into_owned())))
        }
    }

    #[inline(always)]
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

    #[inline(always)]
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

/// A text-only element's value: its text, trimmed of XML whitespace, converted to `tag`'s
/// type (one of [`Tag::is_scalar`]); the reason if it does not convert.
fn scalar(tag: Tag, text: &str) -> std::result::Result<Value, String> {
    let text = text.trim_matches(is_space_char);
    match tag {
        Tag::Int | Tag::I4 | Tag::I8 | Tag::I1 | Tag::I2 | Tag::BigInteger => text
            .parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("{} is not an integer in range", quote(text))),
        Tag::Boolean => match text {
            "0" => Ok(Value::Boolean(false)),
            "1" => Ok(Value::Boolean(true)),
            _ => Err(format!("{} is not 0 or 1", quote(text))),
        },
        // Rust's parser reads what Python writes, `1e+300`, `nan` and `inf` included.
        Tag::Double | Tag::Float => text
            .parse::<f64>()
            .map(Value::Double)
            .map_err(|_| format!("{} is not a number", quote(text))),
        Tag::DateTime => {
            text.parse().map(Value::DateTime).map_err(|e| format!("{}: {e}", quote(text)))
        }
        Tag::Base64 => {
            let compact: Vec<u8>;
            let bytes = if text.bytes().any(is_space_byte) {
                compact = text.bytes().filter(|b| !is_space_byte(*b)).collect();
                &compact[..]
            } else {
                text.as_bytes()
            };
            BASE64.decode(bytes).map(Value::Base64).map_err(|e| e.to_string())
        }
        Tag::Nil => {
            if text.is_empty() {
                Ok(Value::Nil)
            } else {
                Err("must be empty".to_owned())
            }
        }
        _ => unreachable!("<{}> is not a scalar type", tag.name()),
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

/// Appends `piece` to `text`, which stays borrowed while it is the only piece.
fn join<'a>(text: &mut Cow<'a, str>, piece: Cow<'a, str>) {
    if text.is_empty() {
        *text = piece;
    } else {
        text.to_mut().push_str(&piece);
    }
}

/// Text without carriage returns and without characters XML might refuse: controls
/// other than tab and line feed, and U+F000..U+FFFF (the lead byte of the non-characters
/// U+FFFE and U+FFFF). A byte loop: the texts of XML-RPC are mostly short.
fn is_plain(text: &str) -> bool {
    text.bytes().all(|b| (b >= 0x20 && b != 0xef) || b == b'\t' || b == b'\n')
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_between_elements_are_skipped_with_the_whitespace_around_them() {
        let body = b"<methodCall><methodName>m</methodName><params>\n<!-- one -->\n<param>\n\
            <!-- two --> <value><int>1</int></value>\n<?pi x?>\n</param></params></methodCall>";
        let (method, params) = full_call(body, &Limits::default()).unwrap();
        assert_eq!((&*method, &params[..]), ("m", &[Value::Int(1)][..]));
    }

    #[test]
    fn text_is_joined_across_comments() {
        let value = |body: &[u8]| decode_value(body, &Limits::default());
        assert_eq!(value(b"<value> <!-- c -->x</value>"), Ok(Value::from(" x")));
        assert_eq!(value(b"<value><string>a<!-- c --> b</string></value>"), Ok(Value::from("a b")));
        // Text that is not space is refused between elements, at the start of its run.
        let body = b"<value><array>\n<!-- c --> x<data/></array></value>";
        let error = value(body).unwrap_err();
        assert!(matches!(error.kind(), DecodeErrorKind::Unexpected { expected: "<data>", .. }));
        assert_eq!(error.offset(), 14);
    }
}
