//! XML-RPC for deferreds: the value model and the codec.
//!
//! [`Value`] holds any XML-RPC value; [`MethodCall`] and [`MethodResponse`] are the two
//! documents, read by a streaming, bounded decoder over quick-xml's pull reader and written
//! by an exact encoder. [`Fault`] is the protocol's error, usable as a Rust error.
//! [`to_value`] and [`from_value`] convert through serde, so calls can be typed.
//!
//! ```
//! use deferreds_xmlrpc::{Fault, MethodCall, MethodResponse, Value, from_value, to_value};
//!
//! // The client side: a typed call, written as XML.
//! let body = MethodCall::typed("sum", &(vec![1, 2, 3],))?.to_xml()?;
//!
//! // The server side: read the call, answer it.
//! let call = MethodCall::from_xml(body.as_bytes())?;
//! let response = match call.method.as_str() {
//!     "sum" => {
//!         let (numbers,): (Vec<i64>,) = call.params_as()?;
//!         MethodResponse::Success(to_value(&numbers.iter().sum::<i64>())?)
//!     }
//!     other => MethodResponse::Fault(Fault::new(8001, format!("procedure {other} not found"))),
//! };
//! let answer = response.to_xml()?;
//!
//! // The client again: the result, or the fault as an error.
//! let result: Value = MethodResponse::from_xml(answer.as_bytes())?.into_result()?;
//! assert_eq!(from_value::<i64>(result)?, 6);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # The wire, and the choices made
//!
//! Python's `xmlrpc.client` is the peer this crate is tested against; where the
//! specification is silent or peers differ, the choices are these.
//!
//! - **Integers** are one [`Value::Int`]`(i64)`. Decoding accepts `<int>`, `<i4>`, `<i8>`
//!   and Python's `<i1>`, `<i2>` and `<biginteger>` (the tag's width is not enforced, only
//!   the `i64` range). Encoding writes `<int>` when the number fits 32 bits and `<i8>`
//!   beyond; Python reads `<i8>`, though it refuses to send such numbers itself.
//! - **Doubles** are written as the shortest decimal that reads back to the same bits, with
//!   no exponent (the specification's form): `0.1`, `1.0`, `1000000000000000000000.0`.
//!   NaN and the infinities have no spelling in the specification, so encoding them is an
//!   [`EncodeError`]. Decoding is lenient and reads what Python writes: exponents, `nan`,
//!   `inf`, and `<float>` for `<double>`.
//! - **Strings**: `&`, `<` and `>` are escaped, and carriage returns as `&#13;` so they
//!   survive XML's line-end normalisation (Python writes them raw and loses them). A
//!   character XML 1.0 cannot carry (most controls, U+FFFE, U+FFFF) is an
//!   [`EncodeError`] on the way out and a [`DecodeError`] on the way in. A `<value>` with
//!   text and no type element is a string, whitespace kept.
//! - **base64** is written on one line and read with or without line breaks and padding.
//! - **dateTime.iso8601** is a [`DateTime`] without a zone, written `YYYYMMDDTHH:MM:SS`.
//! - **nil** is the `<nil/>` extension ([`Value::Nil`]); Python reads it, and sends it with
//!   `allow_none=True`.
//! - **Structs** keep their members in order. A repeated member name keeps its first
//!   position and its last value, as a Python `dict` would.
//! - **Empty forms** are accepted: `<string/>`, `<value/>`, `<nil/>`, `<array><data/></array>`,
//!   `<struct/>`, `<params/>`, and a call with no `<params>` at all.
//! - **Strictness**: DTDs, entity references other than XML's five and character
//!   references, unknown elements, text where elements belong, documents declared in an
//!   encoding other than UTF-8, and anything after the root element are refused. A
//!   namespace prefix on an element is ignored (`<ex:nil/>` is `<nil/>`), as in Python.
//!   Attributes are ignored.
//! - **Bounds**: [`Limits`] caps the body size (10 MiB by default) and the nesting depth of
//!   values (64); errors give the byte offset and the element path.
//!
//! # Serde
//!
//! | Rust (serde data model)                      | [`Value`]                                |
//! |----------------------------------------------|------------------------------------------|
//! | `bool`                                       | `Boolean`                                |
//! | integers within `i64`                        | `Int` (beyond `i64`: an error)           |
//! | `f32`, `f64`                                 | `Double`                                 |
//! | `char`, `str`, `String`                      | `String`                                 |
//! | bytes (`serde_bytes`; a `Vec<u8>` is a sequence) | `Base64`                             |
//! | [`DateTime`]                                 | `DateTime`                               |
//! | `None`, `()`, unit structs                   | `Nil`                                    |
//! | `Some(x)`, newtype structs                   | the inner value                          |
//! | sequences, tuples, tuple structs             | `Array`                                  |
//! | structs, maps with string, char or integer keys | `Struct`, in field order              |
//! | unit variants                                | `String`: the variant's name             |
//! | variants with content                        | `Struct` of one member, named after the variant |
//!
//! Reading back is lenient where nothing is lost: an `Int` reads into any integer type that
//! holds it and into floats, `Base64` into `Vec<u8>`, a `DateTime` into `String`, and `Nil`
//! or a missing member into `Option::None`.

mod cancel_on_drop;
mod datetime;
mod decode;
mod encode;
mod error;
mod fault;
mod limits;
mod message;
mod proxy;
mod resource;
mod serde;
mod server;
mod stop_signal;
mod value;

pub use crate::datetime::DateTime;
pub use crate::decode::decode_value;
pub use crate::encode::encode_value;
pub use crate::error::{
    ConvertError, DecodeError, DecodeErrorKind, EncodeError, ParseDateTimeError,
};
pub use crate::fault::Fault;
pub use crate::limits::Limits;
pub use crate::message::{MethodCall, MethodResponse};
pub use crate::proxy::{Proxy, ProxyError};
pub use crate::resource::{FaultCodes, Procedure, XmlRpc};
pub use crate::serde::{from_value, to_value};
pub use crate::server::{Server, ServerConfig};
pub use crate::value::{Struct, Value};
