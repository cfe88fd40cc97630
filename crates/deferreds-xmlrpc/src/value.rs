//! The value model: every XML-RPC type, and conversions to and from Rust types.

use std::borrow::Cow;
use std::collections::HashMap;

use crate::datetime::DateTime;
use crate::error::ConvertError;

/// One XML-RPC value.
///
/// Every type of the specification plus the two common extensions, `nil` and `i8`.
///
/// **Integers** are one variant, [`Value::Int`], holding an `i64`: a number has one
/// representation whatever the wire tag was. The decoder reads `<int>`, `<i4>`, `<i8>` and
/// Python's `<i1>`, `<i2>` and `<biginteger>`, and refuses a number outside the `i64`
/// range. The encoder writes a number that fits 32 bits as `<int>`, which every peer reads,
/// and a larger one as `<i8>`, which Python, Apache XML-RPC and most others read (Python
/// itself refuses to *send* such numbers).
///
/// ```
/// use deferreds_xmlrpc::{Struct, Value};
///
/// let point: Value = [("x", Value::from(1)), ("y", Value::from(2.5))].into_iter().collect::<Struct>().into();
/// assert_eq!(point.get("y").and_then(Value::as_f64), Some(2.5));
///
/// let list: Value = vec![Value::from("a"), Value::from(true), Value::Nil].into();
/// assert_eq!(list.as_array().map(<[Value]>::len), Some(3));
///
/// let n: i32 = Value::Int(7).try_into()?;
/// assert_eq!(n, 7);
/// assert!(i32::try_from(Value::Int(1 << 40)).is_err());
/// # Ok::<(), deferreds_xmlrpc::ConvertError>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<int>`, `<i4>`, `<i8>` (and Python's `<i1>`, `<i2>`, `<biginteger>` on input).
    Int(i64),
    /// `<boolean>`: `0` or `1` on the wire.
    Boolean(bool),
    /// `<string>`, or a `<value>` with text and no type element.
    String(String),
    /// `<double>` (Python's `<float>` on input). Only finite doubles can be encoded.
    Double(f64),
    /// `<dateTime.iso8601>`.
    DateTime(DateTime),
    /// `<base64>`: bytes.
    Base64(Vec<u8>),
    /// `<struct>`: named members, in order.
    Struct(Struct),
    /// `<array>`.
    Array(Vec<Value>),
    /// `<nil/>`, the common extension (Python's `None` with `allow_none`).
    Nil,
}

impl Value {
    /// The XML-RPC name of this value's type, as in `int`, `string`, `struct`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Int(_) => "int",
            Self::Boolean(_) => "boolean",
            Self::String(_) => "string",
            Self::Double(_) => "double",
            Self::DateTime(_) => "dateTime.iso8601",
            Self::Base64(_) => "base64",
            Self::Struct(_) => "struct",
            Self::Array(_) => "array",
            Self::Nil => "nil",
        }
    }

    /// The integer, if this is an [`Int`](Self::Int).
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            Self::Int(n) => Some(n),
            _ => None,
        }
    }

    /// The integer, if this is an [`Int`](Self::Int) within 32 bits.
    pub fn as_i32(&self) -> Option<i32> {
        self.as_i64().and_then(|n| i32::try_from(n).ok())
    }

    /// The flag, if this is a [`Boolean`](Self::Boolean).
    pub fn as_bool(&self) -> Option<bool> {
        match *self {
            Self::Boolean(b) => Some(b),
            _ => None,
        }
    }

    /// The text, if this is a [`String`](Self::String).
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The number, if this is a [`Double`](Self::Double).
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Self::Double(d) => Some(d),
            _ => None,
        }
    }

    /// The date and time, if this is a [`DateTime`](Self::DateTime).
    pub fn as_datetime(&self) -> Option<DateTime> {
        match *self {
            Self::DateTime(t) => Some(t),
            _ => None,
        }
    }

    /// The bytes, if this is [`Base64`](Self::Base64).
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::Base64(b) => Some(b),
            _ => None,
        }
    }

    /// The elements, if this is an [`Array`](Self::Array).
    pub fn as_array(&self) -> Option<&[Value]> {
        match self {
            Self::Array(a) => Some(a),
            _ => None,
        }
    }

    /// The members, if this is a [`Struct`](Self::Struct).
    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Self::Struct(s) => Some(s),
            _ => None,
        }
    }

    /// Whether this is [`Nil`](Self::Nil).
    pub fn is_nil(&self) -> bool {
        matches!(self, Self::Nil)
    }

    /// The member called `name`, if this is a struct that has one.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.as_struct().and_then(|s| s.get(name))
    }
}

/// The members of an XML-RPC `<struct>`, in order.
///
/// Names are unique: [`insert`](Self::insert) replaces an existing member in place, and
/// building from a list (the decoder, [`FromIterator`], [`to_value`](crate::to_value)) keeps
/// the first position and the last value of a repeated name, as Python's `dict` does.
/// Equality compares members in order. Lookup is a linear scan, which is fastest for the
/// small structs XML-RPC carries.
///
/// ```
/// use deferreds_xmlrpc::{Struct, Value};
///
/// let mut s = Struct::new();
/// s.insert("b", 1);
/// s.insert("a", "x");
/// assert_eq!(s.insert("b", 2), Some(Value::Int(1)));
/// let names: Vec<&str> = s.iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["b", "a"]);
/// ```
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Struct {
    members: Vec<(String, Value)>,
}

impl Struct {
    /// An empty struct.
    pub const fn new() -> Self {
        Self { members: Vec::new() }
    }

    /// The number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// The member called `name`.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.members.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// The member called `name`, to change it.
    pub fn get_mut(&mut self, name: &str) -> Option<&mut Value> {
        self.members.iter_mut().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    /// Sets the member `name`: in place if it exists (returning the old value), else at
    /// the end.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) -> Option<Value> {
        let name = name.into();
        let value = value.into();
        match self.get_mut(&name) {
            Some(slot) => Some(std::mem::replace(slot, value)),
            None => {
                self.members.push((name, value));
                None
            }
        }
    }

    /// Takes the member `name` out, keeping the order of the others.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        let at = self.members.iter().position(|(n, _)| n == name)?;
        Some(self.members.remove(at).1)
    }

    /// The members in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = (&str, &Value)> {
        self.members.iter().map(|(n, v)| (n.as_str(), v))
    }

    /// Builds from members that may repeat a name, in linear time: first position, last
    /// value.
    pub(crate) fn from_members(members: Vec<(String, Value)>) -> Self {
        if members.len() < 2 {
            return Self { members };
        }
        let mut index: HashMap<String, usize> = HashMap::with_capacity(members.len());
        let mut out: Vec<(String, Value)> = Vec::with_capacity(members.len());
        for (name, value) in members {
            match index.get(&name) {
                Some(&at) => out[at].1 = value,
                None => {
                    index.insert(name.clone(), out.len());
                    out.push((name, value));
                }
            }
        }
        Self { members: out }
    }
}

impl IntoIterator for Struct {
    type Item = (String, Value);
    type IntoIter = std::vec::IntoIter<(String, Value)>;

    fn into_iter(self) -> Self::IntoIter {
        self.members.into_iter()
    }
}

impl<K: Into<String>, V: Into<Value>> FromIterator<(K, V)> for Struct {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        Self::from_members(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
    }
}

impl<K: Into<String>, V: Into<Value>> Extend<(K, V)> for Struct {
    fn extend<I: IntoIterator<Item = (K, V)>>(&mut self, iter: I) {
        let mut members = std::mem::take(&mut self.members);
        members.extend(iter.into_iter().map(|(k, v)| (k.into(), v.into())));
        *self = Self::from_members(members);
    }
}

macro_rules! from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for Value {
            fn from(n: $t) -> Self {
                Self::Int(i64::from(n))
            }
        }
    )*};
}
from_int!(i8, i16, i32, i64, u8, u16, u32);

impl TryFrom<u64> for Value {
    type Error = ConvertError;

    fn try_from(n: u64) -> Result<Self, Self::Error> {
        i64::try_from(n)
            .map(Self::Int)
            .map_err(|_| ConvertError::new(format!("{n} is beyond the i64 range of XML-RPC")))
    }
}

impl TryFrom<usize> for Value {
    type Error = ConvertError;

    fn try_from(n: usize) -> Result<Self, Self::Error> {
        i64::try_from(n)
            .map(Self::Int)
            .map_err(|_| ConvertError::new(format!("{n} is beyond the i64 range of XML-RPC")))
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Self {
        Self::Boolean(b)
    }
}

impl From<f64> for Value {
    fn from(d: f64) -> Self {
        Self::Double(d)
    }
}

impl From<f32> for Value {
    fn from(d: f32) -> Self {
        Self::Double(f64::from(d))
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::String(s.to_owned())
    }
}

impl From<Cow<'_, str>> for Value {
    fn from(s: Cow<'_, str>) -> Self {
        Self::String(s.into_owned())
    }
}

impl From<char> for Value {
    fn from(c: char) -> Self {
        Self::String(c.to_string())
    }
}

impl From<DateTime> for Value {
    fn from(t: DateTime) -> Self {
        Self::DateTime(t)
    }
}

/// Bytes become [`Value::Base64`]; for an array of integers, collect into a `Value`.
impl From<Vec<u8>> for Value {
    fn from(b: Vec<u8>) -> Self {
        Self::Base64(b)
    }
}

/// Bytes become [`Value::Base64`].
impl From<&[u8]> for Value {
    fn from(b: &[u8]) -> Self {
        Self::Base64(b.to_vec())
    }
}

impl From<Struct> for Value {
    fn from(s: Struct) -> Self {
        Self::Struct(s)
    }
}

impl From<Vec<Value>> for Value {
    fn from(a: Vec<Value>) -> Self {
        Self::Array(a)
    }
}

/// `None` becomes [`Value::Nil`].
impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(o: Option<T>) -> Self {
        o.map_or(Self::Nil, Into::into)
    }
}

/// `()` becomes [`Value::Nil`].
impl From<()> for Value {
    fn from((): ()) -> Self {
        Self::Nil
    }
}

/// Collects into an [`Value::Array`].
impl<V: Into<Value>> FromIterator<V> for Value {
    fn from_iter<I: IntoIterator<Item = V>>(iter: I) -> Self {
        Self::Array(iter.into_iter().map(Into::into).collect())
    }
}

impl TryFrom<Value> for i64 {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        v.as_i64().ok_or_else(|| ConvertError::expected("int", &v))
    }
}

impl TryFrom<Value> for i32 {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        let n = i64::try_from(v)?;
        i32::try_from(n).map_err(|_| ConvertError::new(format!("{n} does not fit in i32")))
    }
}

impl TryFrom<Value> for bool {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        v.as_bool().ok_or_else(|| ConvertError::expected("boolean", &v))
    }
}

impl TryFrom<Value> for f64 {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        v.as_f64().ok_or_else(|| ConvertError::expected("double", &v))
    }
}

impl TryFrom<Value> for String {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        match v {
            Value::String(s) => Ok(s),
            other => Err(ConvertError::expected("string", &other)),
        }
    }
}

impl TryFrom<Value> for DateTime {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        v.as_datetime().ok_or_else(|| ConvertError::expected("dateTime.iso8601", &v))
    }
}

impl TryFrom<Value> for Vec<u8> {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        match v {
            Value::Base64(b) => Ok(b),
            other => Err(ConvertError::expected("base64", &other)),
        }
    }
}

impl TryFrom<Value> for Vec<Value> {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        match v {
            Value::Array(a) => Ok(a),
            other => Err(ConvertError::expected("array", &other)),
        }
    }
}

impl TryFrom<Value> for Struct {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        match v {
            Value::Struct(s) => Ok(s),
            other => Err(ConvertError::expected("struct", &other)),
        }
    }
}

impl TryFrom<Value> for () {
    type Error = ConvertError;

    fn try_from(v: Value) -> Result<Self, Self::Error> {
        if v.is_nil() { Ok(()) } else { Err(ConvertError::expected("nil", &v)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repeated_names_keep_first_place_and_last_value() {
        let s: Struct = [("a", 1), ("b", 2), ("a", 3)].into_iter().collect();
        assert_eq!(s.iter().collect::<Vec<_>>(), [("a", &Value::Int(3)), ("b", &Value::Int(2))]);
    }

    #[test]
    fn remove_keeps_order() {
        let mut s: Struct = [("a", 1), ("b", 2), ("c", 3)].into_iter().collect();
        assert_eq!(s.remove("b"), Some(Value::Int(2)));
        assert_eq!(s.remove("b"), None);
        assert_eq!(s.iter().map(|(n, _)| n).collect::<Vec<_>>(), ["a", "c"]);
    }

    #[test]
    fn conversions_check_type_and_range() {
        assert_eq!(Value::from(u32::MAX), Value::Int(4_294_967_295));
        assert!(Value::try_from(u64::MAX).is_err());
        assert_eq!(i32::try_from(Value::Int(-5)), Ok(-5));
        assert_eq!(
            String::try_from(Value::Int(1)).unwrap_err().to_string(),
            "expected string, found int"
        );
        assert_eq!(Value::from(None::<i32>), Value::Nil);
        assert_eq!(Value::from(b"ab".as_slice()), Value::Base64(b"ab".to_vec()));
        assert_eq!([1, 2].into_iter().collect::<Value>(), Value::Array(vec![1.into(), 2.into()]));
    }
}
