//! Serde between Rust types and [`Value`](crate::Value), so typed calls read naturally.
//!
//! The mapping is documented at the [crate root](crate#serde).

mod de;
mod ser;

pub use de::from_value;
pub use ser::to_value;

/// The name under which [`DateTime`](crate::DateTime) passes through serde, so that the
/// serializer and deserializer of this crate can tell it from a string. Other formats see
/// a newtype around the `YYYYMMDDTHH:MM:SS` string.
pub(crate) const DATETIME_TOKEN: &str = "$deferreds_xmlrpc::DateTime";
