//! [`Value`] into Rust values: `Value` is a serde `Deserializer`.

use std::fmt;

use serde::de::value::{MapDeserializer, SeqDeserializer};
use serde::de::{
    self, Deserialize, DeserializeOwned, DeserializeSeed, Deserializer, EnumAccess,
    IntoDeserializer, MapAccess, SeqAccess, Unexpected, VariantAccess, Visitor,
};
use serde::forward_to_deserialize_any;

use super::DATETIME_TOKEN;
use crate::datetime::DateTime;
use crate::error::ConvertError;
use crate::value::{Struct, Value};

/// Converts a [`Value`] into any `Deserialize` type.
///
/// See the [mapping](crate#serde); missing `Option` fields and `Nil` both read as `None`.
///
/// ```
/// use deferreds_xmlrpc::{from_value, DateTime, Struct, Value};
/// use serde::Deserialize;
///
/// #[derive(Deserialize, Debug, PartialEq)]
/// struct Entry {
///     title: String,
///     when: DateTime,
///     tags: Vec<String>,
///     draft: Option<bool>,
/// }
///
/// let when: DateTime = "20240102T03:04:05".parse()?;
/// let v: Value = [
///     ("title", Value::from("Hello")),
///     ("when", Value::from(when)),
///     ("tags", vec![Value::from("a"), Value::from("b")].into()),
/// ]
/// .into_iter()
/// .collect::<Struct>()
/// .into();
/// let entry: Entry = from_value(v)?;
/// assert_eq!(entry, Entry { title: "Hello".into(), when, tags: vec!["a".into(), "b".into()], draft: None });
///
/// let err = from_value::<Entry>(Value::Int(3)).unwrap_err();
/// assert_eq!(err.to_string(), "invalid type: integer `3`, expected struct Entry");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ConvertError> {
    T::deserialize(value)
}

fn unexpected(value: &Value) -> Unexpected<'_> {
    match value {
        Value::Int(n) => Unexpected::Signed(*n),
        Value::Boolean(b) => Unexpected::Bool(*b),
        Value::String(s) => Unexpected::Str(s),
        Value::Double(d) => Unexpected::Float(*d),
        Value::DateTime(_) => Unexpected::Other("dateTime.iso8601"),
        Value::Base64(b) => Unexpected::Bytes(b),
        Value::Struct(_) => Unexpected::Map,
        Value::Array(_) => Unexpected::Seq,
        Value::Nil => Unexpected::Unit,
    }
}

fn visit_array<'de, V: Visitor<'de>>(
    items: Vec<Value>,
    visitor: V,
) -> Result<V::Value, ConvertError> {
    let mut seq = SeqDeserializer::<_, ConvertError>::new(items.into_iter());
    let out = visitor.visit_seq(&mut seq)?;
    seq.end()?;
    Ok(out)
}

fn visit_struct<'de, V: Visitor<'de>>(
    members: Struct,
    visitor: V,
) -> Result<V::Value, ConvertError> {
    let mut map = MapDeserializer::<_, ConvertError>::new(members.into_iter());
    let out = visitor.visit_map(&mut map)?;
    map.end()?;
    Ok(out)
}

impl IntoDeserializer<'_, ConvertError> for Value {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

impl<'de> Deserializer<'de> for Value {
    type Error = ConvertError;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self {
            Value::Int(n) => visitor.visit_i64(n),
            Value::Boolean(b) => visitor.visit_bool(b),
            Value::String(s) => visitor.visit_string(s),
            Value::Double(d) => visitor.visit_f64(d),
            // A one-member map under the token, which `Value` and `DateTime` recognise and
            // which survives serde's buffering (untagged enums, flatten).
            Value::DateTime(t) => {
                let entry = std::iter::once((DATETIME_TOKEN, t.to_string()));
                let mut map = MapDeserializer::<_, ConvertError>::new(entry);
                let out = visitor.visit_map(&mut map)?;
                map.end()?;
                Ok(out)
            }
            Value::Base64(b) => visitor.visit_byte_buf(b),
            Value::Struct(s) => visit_struct(s, visitor),
            Value::Array(a) => visit_array(a, visitor),
            Value::Nil => visitor.visit_unit(),
        }
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self {
            Value::Nil => visitor.visit_none(),
            other => visitor.visit_some(other),
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self {
            // An empty parameter list is `()`, as `MethodCall::typed` writes `()`.
            Value::Nil => visitor.visit_unit(),
            Value::Array(items) if items.is_empty() => visitor.visit_unit(),
            other => Err(de::Error::invalid_type(unexpected(&other), &visitor)),
        }
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        match self {
            Value::DateTime(t) if name == DATETIME_TOKEN => visitor.visit_string(t.to_string()),
            other => visitor.visit_newtype_struct(other),
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self {
            Value::Array(a) => visit_array(a, visitor),
            // So that a plain `Vec<u8>` reads base64.
            Value::Base64(b) => {
                let mut seq = SeqDeserializer::<_, ConvertError>::new(b.into_iter());
                let out = visitor.visit_seq(&mut seq)?;
                seq.end()?;
                Ok(out)
            }
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        match self {
            Value::DateTime(t) => visitor.visit_string(t.to_string()),
            other => other.deserialize_any(visitor),
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, ConvertError> {
        self.deserialize_string(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        match self {
            Value::String(variant) => visitor.visit_enum(variant.into_deserializer()),
            Value::Struct(s) if s.len() == 1 => {
                let Some((variant, content)) = s.into_iter().next() else {
                    unreachable!("a struct of length one has a member")
                };
                visitor.visit_enum(Variant { variant, content })
            }
            other => Err(de::Error::invalid_type(
                unexpected(&other),
                &"a variant name or a struct of one member",
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 bytes byte_buf map struct
    }
}

/// `{ variant: content }`, as [`to_value`](crate::to_value) writes a variant with content.
struct Variant {
    variant: String,
    content: Value,
}

impl<'de> EnumAccess<'de> for Variant {
    type Error = ConvertError;
    type Variant = Value;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Value), ConvertError> {
        let variant = seed.deserialize(self.variant.into_deserializer())?;
        Ok((variant, self.content))
    }
}

impl<'de> VariantAccess<'de> for Value {
    type Error = ConvertError;

    fn unit_variant(self) -> Result<(), ConvertError> {
        match self {
            Value::Nil => Ok(()),
            other => Err(de::Error::invalid_type(unexpected(&other), &"unit variant")),
        }
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<S::Value, ConvertError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        self.deserialize_seq(visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, ConvertError> {
        self.deserialize_any(visitor)
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an XML-RPC value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Boolean(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Value, E> {
        i64::try_from(v).map(Value::Int).map_err(|_| E::custom(format!("{v} is beyond i64")))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v).map(Value::Int).map_err(|_| E::custom(format!("{v} is beyond i64")))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i64::try_from(v).map(Value::Int).map_err(|_| E::custom(format!("{v} is beyond i64")))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Double(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_byte_buf<E: de::Error>(self, v: Vec<u8>) -> Result<Value, E> {
        Ok(Value::Base64(v))
    }

    fn visit_none<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let Some(first) = map.next_key::<String>()? else {
            return Ok(Value::Struct(Struct::new()));
        };
        if first == DATETIME_TOKEN {
            let text: String = map.next_value()?;
            return text.parse().map(Value::DateTime).map_err(de::Error::custom);
        }
        let mut members = vec![(first, map.next_value()?)];
        while let Some(entry) = map.next_entry()? {
            members.push(entry);
        }
        Ok(Value::Struct(Struct::from_members(members)))
    }
}

impl<'de> Deserialize<'de> for DateTime {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_newtype_struct(DATETIME_TOKEN, DateTimeVisitor)
    }
}

struct DateTimeVisitor;

impl<'de> Visitor<'de> for DateTimeVisitor {
    type Value = DateTime;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a dateTime.iso8601 such as 20240102T03:04:05")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<DateTime, E> {
        v.parse().map_err(E::custom)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<DateTime, D::Error> {
        d.deserialize_any(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<DateTime, A::Error> {
        match map.next_key::<String>()? {
            Some(key) if key == DATETIME_TOKEN => {
                let text: String = map.next_value()?;
                text.parse().map_err(de::Error::custom)
            }
            _ => Err(de::Error::invalid_type(Unexpected::Map, &self)),
        }
    }
}
