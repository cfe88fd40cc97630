//! Twisted's own test cases, ported by behaviour. One module per Twisted test class;
//! each test names the Twisted test it mirrors in a `Source:` line, and marks deliberate
//! divergences with `DIFFERENCE:`. README.md lists every test of those classes as ported
//! or not applicable.

mod canceller_tests;
mod clock_tests;
mod defer_later_tests;
mod deferred_tests_chain;
mod deferred_tests_flow;
mod inlinecb_tests;
mod list_tests;
mod log_tests;
mod loop_tests;
mod primitives_tests;
mod race_tests;
mod timeout_tests;
mod util_tests;
