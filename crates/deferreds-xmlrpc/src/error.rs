//! What can go wrong: decoding, encoding, converting, parsing a date.

use std::error::Error;
use std::fmt;

/// A document the decoder refused: what was wrong, at which byte, and in which element.
///
/// ```
/// use deferreds_xmlrpc::{DecodeErrorKind, MethodResponse};
///
/// let body = b"<methodResponse><params><param><value><int>12x</int></value></param></params></methodResponse>";
/// let err = MethodResponse::from_xml(body).unwrap_err();
/// assert!(matches!(err.kind(), DecodeErrorKind::InvalidValue { ty: "int", .. }));
/// assert_eq!(err.path(), "methodResponse/params/param[0]/value/int");
/// assert_eq!(err.offset(), 43);
/// assert_eq!(
///     err.to_string(),
///     "invalid <int>: \"12x\" is not an integer in range, at byte 43 in methodResponse/params/param[0]/value/int"
/// );
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct DecodeError(
    // Boxed: the decoder returns a `Result` from every step, and a pointer-sized error
    // keeps those small on the path where nothing goes wrong.
    Box<Details>,
);

#[derive(Clone, PartialEq, Eq)]
struct Details {
    kind: DecodeErrorKind,
    offset: u64,
    path: String,
}

impl DecodeError {
    pub(crate) fn new(kind: DecodeErrorKind, offset: u64, path: String) -> Self {
        Self(Box::new(Details { kind, offset, path }))
    }

    /// What was wrong.
    pub fn kind(&self) -> &DecodeErrorKind {
        &self.0.kind
    }

    /// The byte offset in the body where the offending markup or text starts; for a body
    /// over the size limit, the first byte beyond the limit.
    pub fn offset(&self) -> u64 {
        self.0.offset
    }

    /// The element path to the problem, such as
    /// `methodCall/params/param[1]/value/array/data/value[0]/int`; indexes count from 0.
    /// Empty when the problem is outside the root element.
    pub fn path(&self) -> &str {
        &self.0.path
    }
}

impl fmt::Debug for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DecodeError")
            .field("kind", &self.0.kind)
            .field("offset", &self.0.offset)
            .field("path", &self.0.path)
            .finish()
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}, at byte {}", self.0.kind, self.0.offset)?;
        if !self.0.path.is_empty() {
            write!(f, " in {}", self.0.path)?;
        }
        Ok(())
    }
}

impl Error for DecodeError {}

/// The kinds of [`DecodeError`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DecodeErrorKind {
    /// The body is larger than [`Limits::max_body_size`](crate::Limits::max_body_size).
    TooLarge {
        /// The body's size in bytes.
        size: usize,
        /// The bound it broke.
        limit: usize,
    },
    /// Values nest deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    TooDeep {
        /// The bound that was broken.
        limit: usize,
    },
    /// Not well-formed XML, or not UTF-8; the message comes from the XML reader.
    Malformed(String),
    /// A `<!DOCTYPE …>`: DTDs can declare entities, and XML-RPC has no use for them.
    DocType,
    /// An entity reference other than the five XML predefines and character references.
    UnknownEntity(String),
    /// The XML declaration names an encoding other than UTF-8 (or its ASCII subset).
    UnsupportedEncoding(String),
    /// A character XML 1.0 does not allow, such as a control character.
    InvalidChar(char),
    /// Something other than what the XML-RPC grammar allows at this place.
    Unexpected {
        /// What was found: `<tag>`, `</tag>`, `text` or `end of document`.
        found: String,
        /// What would have been accepted.
        expected: &'static str,
    },
    /// A scalar whose text does not parse as its type.
    InvalidValue {
        /// The element: `int`, `boolean`, `double`, `dateTime.iso8601`, `base64`, …
        ty: &'static str,
        /// Why it does not parse.
        reason: String,
    },
    /// A `<fault>` whose value is not a struct of an int `faultCode` and a string
    /// `faultString`.
    InvalidFault(String),
}

impl fmt::Display for DecodeErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::TooLarge { size, limit } => {
                write!(f, "body of {size} bytes is larger than the limit of {limit}")
            }
            Self::TooDeep { limit } => write!(f, "values nested deeper than {limit}"),
            Self::Malformed(msg) => write!(f, "malformed XML: {msg}"),
            Self::DocType => f.write_str("document type declarations are not accepted"),
            Self::UnknownEntity(name) => write!(f, "unknown entity reference &{name};"),
            Self::UnsupportedEncoding(name) => {
                write!(f, "unsupported encoding {name:?} (only UTF-8 is accepted)")
            }
            Self::InvalidChar(c) => {
                write!(f, "character U+{:04X} is not allowed in XML", *c as u32)
            }
            Self::Unexpected { found, expected } => {
                write!(f, "unexpected {found}, expected {expected}")
            }
            Self::InvalidValue { ty, reason } => write!(f, "invalid <{ty}>: {reason}"),
            Self::InvalidFault(reason) => write!(f, "invalid fault: {reason}"),
        }
    }
}

/// A value that XML-RPC cannot carry.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum EncodeError {
    /// NaN or an infinity: the specification has no spelling for them, and strict peers
    /// refuse Python's `nan`/`inf`.
    NonFiniteDouble(f64),
    /// A character XML 1.0 cannot carry, even escaped: controls other than tab, line feed
    /// and carriage return, and U+FFFE/U+FFFF.
    InvalidChar(char),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NonFiniteDouble(d) => write!(f, "cannot encode the double {d}: not finite"),
            Self::InvalidChar(c) => {
                write!(f, "cannot encode character U+{:04X}: not allowed in XML", *c as u32)
            }
        }
    }
}

impl Error for EncodeError {}

/// A [`Value`](crate::Value) that does not convert to the Rust type asked for, or a Rust value
/// that does not convert to a `Value`.
///
/// Returned by the `TryFrom` conversions, [`to_value`](crate::to_value) and
/// [`from_value`](crate::from_value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvertError {
    message: String,
}

impl ConvertError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Self { message: message.into() }
    }

    pub(crate) fn expected(expected: &str, found: &crate::Value) -> Self {
        Self::new(format!("expected {expected}, found {}", found.type_name()))
    }
}

impl fmt::Display for ConvertError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Error for ConvertError {}

impl serde::ser::Error for ConvertError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(msg.to_string())
    }
}

impl serde::de::Error for ConvertError {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Self::new(msg.to_string())
    }
}

/// Text that is not a valid [`DateTime`](crate::DateTime).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDateTimeError {
    reason: &'static str,
}

impl ParseDateTimeError {
    pub(crate) const fn new(reason: &'static str) -> Self {
        Self { reason }
    }
}

impl fmt::Display for ParseDateTimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid dateTime.iso8601: {}", self.reason)
    }
}

impl Error for ParseDateTimeError {}
