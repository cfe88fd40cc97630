//! Tutorial section 2, "The rules": values and failures fall down the chain. A failure
//! skips the callbacks below it and goes to the next errback; an errback that returns a
//! value puts the chain back on the success path, like `except` does.
//!
//! `cargo run -p factorial --example callback_chain`
//!
//! Nothing here waits. The tutorial flips a coin in each callback; here every outcome is
//! run in turn, and each chain is shown beside the `try`/`except` it stands for.

mod common;

use common::{Log, ValueError};
use deferreds::{Deferred, Failure, succeed};

/// The first chain: `cb` and `cb2` may each fail (`fails` says which do), and a failure
/// bypasses any callback in between on its way to `eb`.
fn cb_cb2_then_eb(log: &Log, fails: [bool; 2]) -> Deferred<()> {
    let (cb, cb2, cblast, eb) = (log.clone(), log.clone(), log.clone(), log.clone());
    succeed(())
        .add_callback(move |()| -> Result<i64, Failure> {
            cb.print("I'm in a callback, about to return 1");
            if fails[0] {
                return Err(Failure::new(ValueError("failed")));
            }
            Ok(1)
        })
        .add_callback(move |value| -> Result<i64, Failure> {
            cb2.print(format!("I'm in a callback, got {value} and going to return one more"));
            if fails[1] {
                return Err(Failure::new(ValueError("failed")));
            }
            Ok(value + 1)
        })
        .add_callbacks(
            move |value| {
                cblast.print(format!("Final value calculated {value}"));
                Ok(())
            },
            move |failure: Failure| {
                let ex = failure.trap::<ValueError>()?;
                eb.print(format!("Something failed {ex}"));
                Ok(())
            },
        )
}

/// The second chain: `recover` turns `cb`'s failure into 0, and `printer` sees a value
/// either way.
fn cb_increment_or_recover(log: &Log, cb_fails: bool) -> Deferred<()> {
    let printer = log.clone();
    succeed(())
        .add_callback(
            move |()| {
                if cb_fails { Err(Failure::new(ValueError("failed"))) } else { Ok(1) }
            },
        )
        .add_callbacks(
            // increment
            |value: i64| Ok(value + 1),
            // recover
            |f: Failure| {
                f.trap::<ValueError>()?;
                Ok(0)
            },
        )
        .add_callback(move |value| {
            printer.print(format!("Saw value {value}"));
            Ok(())
        })
}

/// What the second chain is the equivalent of, without Deferreds.
fn cb_increment_or_recover_as_try_except(log: &Log, cb_fails: bool) {
    let attempt = || -> Result<i64, ValueError> {
        // cb
        if cb_fails {
            return Err(ValueError("failed"));
        }
        let value = 1;
        // increment
        Ok(value + 1)
    };
    // except ValueError: recover
    let value = attempt().unwrap_or(0);
    // printer
    log.print(format!("Saw value {value}"));
}

fn main() {
    let log = Log::default();
    for fails in [[false, false], [true, false], [false, true], [true, true]] {
        println!("-- cb fails: {}, cb2 fails: {}", fails[0], fails[1]);
        cb_cb2_then_eb(&log, fails);
    }
    for cb_fails in [false, true] {
        println!("-- cb fails: {cb_fails}; the chain, then try/except:");
        cb_increment_or_recover(&log, cb_fails);
        cb_increment_or_recover_as_try_except(&log, cb_fails);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deferreds::testing::success_result_of;

    fn first_chain(fails: [bool; 2]) -> Vec<String> {
        let log = Log::default();
        success_result_of(cb_cb2_then_eb(&log, fails));
        log.lines()
    }

    #[test]
    fn without_failures_the_last_callback_gets_the_value() {
        assert_eq!(
            first_chain([false, false]),
            [
                "I'm in a callback, about to return 1",
                "I'm in a callback, got 1 and going to return one more",
                "Final value calculated 2",
            ]
        );
    }

    #[test]
    fn a_failure_in_cb_skips_cb2() {
        assert_eq!(
            first_chain([true, false]),
            ["I'm in a callback, about to return 1", "Something failed failed"]
        );
        assert_eq!(first_chain([true, true]), first_chain([true, false]));
    }

    #[test]
    fn a_failure_in_cb2_goes_to_eb() {
        assert_eq!(
            first_chain([false, true]),
            [
                "I'm in a callback, about to return 1",
                "I'm in a callback, got 1 and going to return one more",
                "Something failed failed",
            ]
        );
    }

    #[test]
    fn recover_is_the_except_clause() {
        for (cb_fails, expected) in [(false, "Saw value 2"), (true, "Saw value 0")] {
            let chain = Log::default();
            success_result_of(cb_increment_or_recover(&chain, cb_fails));
            let plain = Log::default();
            cb_increment_or_recover_as_try_except(&plain, cb_fails);
            assert_eq!(chain.lines(), [expected]);
            assert_eq!(plain.lines(), chain.lines());
        }
    }
}
