//! The two documents of XML-RPC: the call and its response.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{ConvertError, DecodeError, EncodeError};
use crate::fault::Fault;
use crate::limits::Limits;
use crate::value::Value;
use crate::{decode, encode};

/// A `<methodCall>`: a method name and its parameters.
///
/// ```
/// use deferreds_xmlrpc::{MethodCall, Value};
///
/// let call = MethodCall::new("add", vec![Value::from(2), Value::from(3)]);
/// let xml = call.to_xml()?;
/// assert_eq!(
///     xml,
///     "<?xml version=\"1.0\"?><methodCall><methodName>add</methodName><params>\
///      <param><value><int>2</int></value></param><param><value><int>3</int></value></param>\
///      </params></methodCall>"
/// );
/// assert_eq!(MethodCall::from_xml(xml.as_bytes())?, call);
///
/// // Typed parameters: a tuple serializes to the parameter list.
/// let typed = MethodCall::typed("add", &(2, 3))?;
/// assert_eq!(typed, call);
/// let (a, b): (i32, i32) = typed.params_as()?;
/// assert_eq!(a + b, 5);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// The method's name, such as `system.listMethods`.
    pub method: String,
    /// The parameters, in order.
    pub params: Vec<Value>,
}

impl MethodCall {
    /// A call of `method` with `params`.
    pub fn new(method: impl Into<String>, params: Vec<Value>) -> Self {
        Self { method: method.into(), params }
    }

    /// A call whose parameters come from a Rust value that serializes to a sequence: a
    /// tuple, an array or a `Vec`. `()` means no parameters.
    pub fn typed<P: Serialize + ?Sized>(
        method: impl Into<String>,
        params: &P,
    ) -> Result<Self, ConvertError> {
        let params = match crate::to_value(params)? {
            Value::Array(items) => items,
            Value::Nil => Vec::new(),
            other => {
                return Err(ConvertError::new(format!(
                    "parameters must serialize to a sequence (a tuple), not {}",
                    other.type_name()
                )));
            }
        };
        Ok(Self::new(method, params))
    }

    /// The parameters as a Rust value, read as a sequence: a tuple, a tuple struct or a
    /// `Vec`. The parameters are cloned; use [`from_value`](crate::from_value) on
    /// `Value::Array(call.params)` to move them instead.
    pub fn params_as<T: DeserializeOwned>(&self) -> Result<T, ConvertError> {
        crate::from_value(Value::Array(self.params.clone()))
    }

    /// The call as an XML document.
    pub fn to_xml(&self) -> Result<String, EncodeError> {
        encode::encode_call(self)
    }

    /// Reads a call within the default [`Limits`].
    pub fn from_xml(body: &[u8]) -> Result<Self, DecodeError> {
        Self::from_xml_with(body, &Limits::default())
    }

    /// Reads a call within `limits`.
    pub fn from_xml_with(body: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode::decode_call(body, limits)
    }
}

/// A `<methodResponse>`: one value, or a fault.
///
/// ```
/// use deferreds_xmlrpc::{Fault, MethodResponse, Value};
///
/// let body = b"<?xml version='1.0'?>
/// <methodResponse>
/// <params>
/// <param>
/// <value><string>South Dakota</string></value>
/// </param>
/// </params>
/// </methodResponse>";
/// let response = MethodResponse::from_xml(body)?;
/// assert_eq!(response.into_result(), Ok(Value::from("South Dakota")));
///
/// let failed = MethodResponse::from(Fault::new(4, "Too many parameters."));
/// let again = MethodResponse::from_xml(failed.to_xml()?.as_bytes())?;
/// assert_eq!(again.into_result().unwrap_err().code, 4);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum MethodResponse {
    /// `<params>` with exactly one `<param>`: the method's result.
    Success(Value),
    /// `<fault>`: the method failed.
    Fault(Fault),
}

impl MethodResponse {
    /// The result, or the fault as an error.
    pub fn into_result(self) -> Result<Value, Fault> {
        match self {
            Self::Success(value) => Ok(value),
            Self::Fault(fault) => Err(fault),
        }
    }

    /// The response as an XML document.
    pub fn to_xml(&self) -> Result<String, EncodeError> {
        encode::encode_response(self)
    }

    /// Reads a response within the default [`Limits`].
    pub fn from_xml(body: &[u8]) -> Result<Self, DecodeError> {
        Self::from_xml_with(body, &Limits::default())
    }

    /// Reads a response within `limits`.
    pub fn from_xml_with(body: &[u8], limits: &Limits) -> Result<Self, DecodeError> {
        decode::decode_response(body, limits)
    }
}

impl From<Result<Value, Fault>> for MethodResponse {
    fn from(result: Result<Value, Fault>) -> Self {
        match result {
            Ok(value) => Self::Success(value),
            Err(fault) => Self::Fault(fault),
        }
    }
}

impl From<Value> for MethodResponse {
    fn from(value: Value) -> Self {
        Self::Success(value)
    }
}

impl From<Fault> for MethodResponse {
    fn from(fault: Fault) -> Self {
        Self::Fault(fault)
    }
}
