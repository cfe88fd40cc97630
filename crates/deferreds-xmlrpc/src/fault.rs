//! The error a method call answers with instead of a value.

use std::error::Error;
use std::fmt;

use crate::value::{Struct, Value};

/// An XML-RPC fault: a code and a message, sent instead of a result.
///
/// On the wire it is `<fault>` holding a struct of `faultCode` (an int) and `faultString`,
/// the two members in that order, as Python's `xmlrpc.client` writes it. As a Rust error it
/// can travel through `?` and a `Failure` like any other.
///
/// ```
/// use deferreds_xmlrpc::{Fault, MethodResponse};
///
/// let fault = Fault::new(8001, "procedure frobnicate not found");
/// assert_eq!(fault.to_string(), "XML-RPC fault 8001: procedure frobnicate not found");
///
/// let xml = MethodResponse::Fault(fault.clone()).to_xml()?;
/// assert_eq!(MethodResponse::from_xml(xml.as_bytes())?.into_result(), Err(fault));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Fault {
    /// `faultCode`: what went wrong, by number. Twisted uses 8001 for an unknown method
    /// and 8002 for a failure; applications choose their own.
    pub code: i32,
    /// `faultString`: what went wrong, for people.
    pub string: String,
}

impl Fault {
    /// A fault with this code and message.
    pub fn new(code: i32, string: impl Into<String>) -> Self {
        Self { code, string: string.into() }
    }

    /// The struct that stands for this fault on the wire.
    pub fn to_value(&self) -> Value {
        let mut s = Struct::new();
        s.insert("faultCode", self.code);
        s.insert("faultString", self.string.as_str());
        Value::Struct(s)
    }

    /// Reads a fault from the value inside `<fault>`; extra members are ignored.
    pub(crate) fn from_value(value: Value) -> Result<Self, String> {
        let Value::Struct(s) = value else {
            return Err(format!("expected a struct, found {}", value.type_name()));
        };
        let code = match s.get("faultCode") {
            Some(&Value::Int(n)) => {
                i32::try_from(n).map_err(|_| format!("faultCode {n} does not fit 32 bits"))?
            }
            Some(other) => return Err(format!("faultCode is {}, not int", other.type_name())),
            None => return Err("no faultCode member".to_owned()),
        };
        let string = match s.get("faultString") {
            Some(Value::String(text)) => text.clone(),
            Some(other) => return Err(format!("faultString is {}, not string", other.type_name())),
            None => return Err("no faultString member".to_owned()),
        };
        Ok(Self { code, string })
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "XML-RPC fault {}: {}", self.code, self.string)
    }
}

impl Error for Fault {}
