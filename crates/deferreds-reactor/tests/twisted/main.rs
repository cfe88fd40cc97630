//! Twisted's reactor tests, ported by behaviour. One module per Twisted test file or
//! class; each test names the Twisted test it mirrors in a `Source:` line, and marks
//! deliberate divergences with `DIFFERENCE:`. README.md lists every test of those classes
//! as ported or not applicable.

mod basic_tests;
mod lifecycle_tests;
mod system_event_tests;
mod tcp_tests;
mod threads_tests;
mod time_tests;
