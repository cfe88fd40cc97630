//! Rust values into [`Value`]: a serde `Serializer`.

use serde::ser::{self, Serialize};

use super::DATETIME_TOKEN;
use crate::datetime::DateTime;
use crate::error::ConvertError;
use crate::value::{Struct, Value};

/// Converts any `Serialize` value into a [`Value`].
///
/// See the [mapping](crate#serde) for how each kind of Rust value is represented.
///
/// ```
/// use deferreds_xmlrpc::{to_value, Value};
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct Order {
///     item: String,
///     quantity: u32,
///     note: Option<String>,
/// }
///
/// let v = to_value(&Order { item: "tea".into(), quantity: 2, note: None })?;
/// assert_eq!(v.get("item"), Some(&Value::from("tea")));
/// assert_eq!(v.get("quantity"), Some(&Value::Int(2)));
/// assert_eq!(v.get("note"), Some(&Value::Nil));
/// assert!(to_value(&u64::MAX).is_err());
/// # Ok::<(), deferreds_xmlrpc::ConvertError>(())
/// ```
pub fn to_value<T: Serialize + ?Sized>(value: &T) -> Result<Value, ConvertError> {
    value.serialize(Serializer)
}

impl Serialize for Value {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Value::Int(n) => serializer.serialize_i64(*n),
            Value::Boolean(b) => serializer.serialize_bool(*b),
            Value::String(s) => serializer.serialize_str(s),
            Value::Double(d) => serializer.serialize_f64(*d),
            Value::DateTime(t) => t.serialize(serializer),
            Value::Base64(b) => serializer.serialize_bytes(b),
            Value::Struct(s) => s.serialize(serializer),
            Value::Array(a) => a.serialize(serializer),
            Value::Nil => serializer.serialize_unit(),
        }
    }
}

impl Serialize for Struct {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.iter())
    }
}

/// A newtype with a reserved name around the text: this crate's serializer makes a
/// [`Value::DateTime`] of it, other formats a string.
impl Serialize for DateTime {
    fn serialize<S: ser::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_newtype_struct(DATETIME_TOKEN, &self.to_string())
    }
}

struct Serializer;

fn int<T: TryInto<i64> + std::fmt::Display + Copy>(n: T) -> Result<Value, ConvertError> {
    n.try_into()
        .map(Value::Int)
        .map_err(|_| ConvertError::new(format!("{n} is beyond the i64 range of XML-RPC")))
}

impl ser::Serializer for Serializer {
    type Ok = Value;
    type Error = ConvertError;
    type SerializeSeq = SerializeArray;
    type SerializeTuple = SerializeArray;
    type SerializeTupleStruct = SerializeArray;
    type SerializeTupleVariant = SerializeVariant<SerializeArray>;
    type SerializeMap = SerializeStruct;
    type SerializeStruct = SerializeStruct;
    type SerializeStructVariant = SerializeVariant<SerializeStruct>;

    fn serialize_bool(self, v: bool) -> Result<Value, ConvertError> {
        Ok(Value::Boolean(v))
    }

    fn serialize_i8(self, v: i8) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_i16(self, v: i16) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_i32(self, v: i32) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_i64(self, v: i64) -> Result<Value, ConvertError> {
        Ok(Value::Int(v))
    }

    fn serialize_i128(self, v: i128) -> Result<Value, ConvertError> {
        int(v)
    }

    fn serialize_u8(self, v: u8) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_u16(self, v: u16) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_u32(self, v: u32) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_u64(self, v: u64) -> Result<Value, ConvertError> {
        int(v)
    }

    fn serialize_u128(self, v: u128) -> Result<Value, ConvertError> {
        int(v)
    }

    fn serialize_f32(self, v: f32) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_f64(self, v: f64) -> Result<Value, ConvertError> {
        Ok(Value::Double(v))
    }

    fn serialize_char(self, v: char) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_str(self, v: &str) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Value, ConvertError> {
        Ok(Value::from(v))
    }

    fn serialize_none(self) -> Result<Value, ConvertError> {
        Ok(Value::Nil)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Value, ConvertError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Value, ConvertError> {
        Ok(Value::Nil)
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Value, ConvertError> {
        Ok(Value::Nil)
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Value, ConvertError> {
        Ok(Value::from(variant))
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Value, ConvertError> {
        let inner = value.serialize(self)?;
        if name != DATETIME_TOKEN {
            return Ok(inner);
        }
        match inner {
            Value::String(text) => {
                text.parse().map(Value::DateTime).map_err(|e| ConvertError::new(format!("{e}")))
            }
            other => Err(ConvertError::expected("dateTime text", &other)),
        }
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Value, ConvertError> {
        let mut s = Struct::new();
        s.insert(variant, value.serialize(self)?);
        Ok(Value::Struct(s))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SerializeArray, ConvertError> {
        Ok(SerializeArray { items: Vec::with_capacity(len.unwrap_or(0)) })
    }

    fn serialize_tuple(self, len: usize) -> Result<SerializeArray, ConvertError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SerializeArray, ConvertError> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, ConvertError> {
        Ok(SerializeVariant { variant, inner: self.serialize_seq(Some(len))? })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<SerializeStruct, ConvertError> {
        Ok(SerializeStruct { members: Vec::with_capacity(len.unwrap_or(0)), key: None })
    }

    fn serialize_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SerializeStruct, ConvertError> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, ConvertError> {
        Ok(SerializeVariant { variant, inner: self.serialize_map(Some(len))? })
    }
}

struct SerializeArray {
    items: Vec<Value>,
}

impl ser::SerializeSeq for SerializeArray {
    type Ok = Value;
    type Error = ConvertError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        self.items.push(to_value(value)?);
        Ok(())
    }

    fn end(self) -> Result<Value, ConvertError> {
        Ok(Value::Array(self.items))
    }
}

impl ser::SerializeTuple for SerializeArray {
    type Ok = Value;
    type Error = ConvertError;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ConvertError> {
        ser::SerializeSeq::end(self)
    }
}

impl ser::SerializeTupleStruct for SerializeArray {
    type Ok = Value;
    type Error = ConvertError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        ser::SerializeSeq::serialize_element(self, value)
    }

    fn end(self) -> Result<Value, ConvertError> {
        ser::SerializeSeq::end(self)
    }
}

struct SerializeStruct {
    members: Vec<(String, Value)>,
    key: Option<String>,
}

impl ser::SerializeMap for SerializeStruct {
    type Ok = Value;
    type Error = ConvertError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), ConvertError> {
        self.key = Some(match to_value(key)? {
            Value::String(s) => s,
            // Integer keys become their decimal text, as in JSON.
            Value::Int(n) => n.to_string(),
            other => return Err(ConvertError::expected("a string key", &other)),
        });
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        let key = self
            .key
            .take()
            .ok_or_else(|| ConvertError::new("map value serialized before its key"))?;
        self.members.push((key, to_value(value)?));
        Ok(())
    }

    fn end(self) -> Result<Value, ConvertError> {
        Ok(Value::Struct(Struct::from_members(self.members)))
    }
}

impl ser::SerializeStruct for SerializeStruct {
    type Ok = Value;
    type Error = ConvertError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ConvertError> {
        self.members.push((key.to_owned(), to_value(value)?));
        Ok(())
    }

    fn end(self) -> Result<Value, ConvertError> {
        ser::SerializeMap::end(self)
    }
}

/// A variant with content: `{ variant: content }`.
struct SerializeVariant<I> {
    variant: &'static str,
    inner: I,
}

impl<I> SerializeVariant<I> {
    fn wrap(variant: &'static str, content: Value) -> Value {
        let mut s = Struct::new();
        s.insert(variant, content);
        Value::Struct(s)
    }
}

impl ser::SerializeTupleVariant for SerializeVariant<SerializeArray> {
    type Ok = Value;
    type Error = ConvertError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), ConvertError> {
        ser::SerializeSeq::serialize_element(&mut self.inner, value)
    }

    fn end(self) -> Result<Value, ConvertError> {
        Ok(Self::wrap(self.variant, ser::SerializeSeq::end(self.inner)?))
    }
}

impl ser::SerializeStructVariant for SerializeVariant<SerializeStruct> {
    type Ok = Value;
    type Error = ConvertError;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), ConvertError> {
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
    }

    fn end(self) -> Result<Value, ConvertError> {
        Ok(Self::wrap(self.variant, ser::SerializeMap::end(self.inner)?))
    }
}
