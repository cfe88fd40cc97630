//! Big integers on the wire.
//!
//! Python's `xmlrpc.client` refuses to send an int beyond 32 bits, and factorials pass
//! that at 13!. So every method of these services takes each number as an `<int>` or as
//! a string of decimal digits, and answers with a string of decimal digits: Python calls
//! them with no flags (`proxy.factorial(20)` gives `'2432902008176640000'`), and
//! `int(...)` turns the answer into a number.

use deferreds_xmlrpc::{Fault, Value};
use num_bigint::BigUint;

use crate::codes::BAD_ARGUMENT;

/// The wire form of a number: its decimal digits.
pub fn to_wire(n: &BigUint) -> Value {
    Value::String(n.to_string())
}

/// A number from the wire: a non-negative `<int>`, or a string of decimal digits.
///
/// # Errors
///
/// A [`BAD_ARGUMENT`] fault naming what was sent instead.
pub fn from_wire(value: &Value) -> Result<BigUint, Fault> {
    let bad =
        || Fault::new(BAD_ARGUMENT, format!("expected a non-negative integer, got {value:?}"));
    match value {
        Value::Int(n) => u64::try_from(*n).map(BigUint::from).map_err(|_| bad()),
        Value::String(digits)
            if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) =>
        {
            digits.parse().map_err(|_| bad())
        }
        _ => Err(bad()),
    }
}

/// Named counters as a struct, for the services' `stats()`; a count past `i64` reads as
/// `i64::MAX`.
pub fn counts(named: &[(&str, u64)]) -> Value {
    let mut value = deferreds_xmlrpc::Struct::new();
    for &(name, count) in named {
        value.insert(name, i64::try_from(count).unwrap_or(i64::MAX));
    }
    Value::Struct(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_go_out_as_digits_and_come_back_from_ints_or_digits() {
        let big: BigUint = "123456789012345678901234567890".parse().unwrap();
        assert_eq!(from_wire(&to_wire(&big)).unwrap(), big);
        assert_eq!(from_wire(&Value::Int(42)).unwrap(), BigUint::from(42u8));
        for bad in [Value::Int(-1), Value::from(""), Value::from("12a"), Value::Boolean(true)] {
            assert_eq!(from_wire(&bad).unwrap_err().code, BAD_ARGUMENT, "{bad:?}");
        }
    }
}
