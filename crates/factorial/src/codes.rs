//! The fault codes of the multiplier and factorial services.
//!
//! `BAD_SESSION` and `RETRY` are the tutorial's (section 11).

/// The session is unknown or has expired: create a new one and call again.
pub const BAD_SESSION: i32 = 5;

/// Not now: call again a little later. `createSession` answers it while the multiplier
/// warms up, and `multiply` for its injected failures (the tutorial's 1%).
pub const RETRY: i32 = 6;

/// An argument is not what the method takes (a negative or non-numeric number).
pub const BAD_ARGUMENT: i32 = 7;
