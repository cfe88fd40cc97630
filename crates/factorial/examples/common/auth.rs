//! Section 4's remote multiplication library with authentication: a key first, then
//! multiplications for whoever holds it. Each takes five seconds.

use deferreds::{Deferred, Time, fail};

use super::ValueError;
use super::remote::{FIVE_SECONDS, fire_later};

/// The secret the server hands out.
pub(crate) const KEY: &str = "friend";

/// The key, five seconds from now.
pub(crate) fn authenticate(time: &impl Time) -> Deferred<&'static str> {
    fire_later(time, FIVE_SECONDS, KEY)
}

/// `a * b` five seconds from now, for the holder of the key; for anyone else, a failure
/// at once.
pub(crate) fn secure_remote_multiply(
    time: &impl Time,
    token: &str,
    a: i64,
    b: i64,
) -> Deferred<i64> {
    if token != KEY {
        return fail(ValueError("wrong token"));
    }
    fire_later(time, FIVE_SECONDS, a * b)
}
