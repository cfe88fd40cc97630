//! Tutorial section 2, "The rules": `math.sqrt` with -1 standing for a failure, and
//! `log.err` at the end of the chain, where we are done with it. The square root of -1
//! is a bug, and `log_err` reports it; the failure before the square root is recovered
//! from, and prints -1.
//!
//! `cargo run -p factorial --example log_err`
//!
//! Nothing here waits. The tutorial picks one of three Deferreds at random; here all
//! three run, each beside the plain code the tutorial compares it to. Reports go to
//! standard error.

mod common;

use common::{Log, ValueError};
use deferreds::{Deferred, fail, log_err, succeed};

/// What `getStuff` may give: -1 (the bug), 5, or nothing at all.
#[derive(Clone, Copy, Debug)]
enum Stuff {
    MinusOne,
    Five,
    Nothing,
}

/// The tutorial's three Deferreds.
fn get_stuff_deferred(stuff: Stuff) -> Deferred<f64> {
    match stuff {
        Stuff::MinusOne => succeed(-1.0),
        Stuff::Five => succeed(5.0),
        Stuff::Nothing => fail(ValueError("nothing exists")),
    }
}

/// Python's `math.sqrt`: a negative number is a `ValueError`, not NaN.
fn sqrt(x: f64) -> Result<f64, ValueError> {
    if x < 0.0 { Err(ValueError("math domain error")) } else { Ok(x.sqrt()) }
}

/// The square root, -1 if there was nothing, printed; and `log_err` last, which reports
/// whatever failed after the recovery: the square root of a negative number.
fn print_root(d: Deferred<f64>, log: &Log) -> Deferred<()> {
    let printer = log.clone();
    d.add_callbacks(|x| Ok(sqrt(x)?), |_failure| Ok(-1.0))
        .add_callback(move |value| {
            printer.print(format!("got {value}"));
            Ok(())
        })
        .add_errback(log_err)
}

/// The plain code: `getStuff` raises when there is nothing.
fn get_stuff(stuff: Stuff) -> Result<f64, ValueError> {
    match stuff {
        Stuff::MinusOne => Ok(-1.0),
        Stuff::Five => Ok(5.0),
        Stuff::Nothing => Err(ValueError("nothing exists")),
    }
}

/// `try: x = getStuff() except ValueError: x = -1 else: x = math.sqrt(x)`, then print.
/// An error in the `else` clause is not caught: it leaves the function, as the chain's
/// failure reaches `log_err`.
fn print_root_plainly(stuff: Stuff, log: &Log) -> Result<(), ValueError> {
    let x = match get_stuff(stuff) {
        Err(ValueError(_)) => -1.0,
        Ok(x) => sqrt(x)?,
    };
    log.print(format!("got {x}"));
    Ok(())
}

fn main() {
    common::init_logging();
    let log = Log::default();
    for stuff in [Stuff::MinusOne, Stuff::Five, Stuff::Nothing] {
        println!("-- {stuff:?}: the chain, then the plain code");
        print_root(get_stuff_deferred(stuff), &log);
        if let Err(error) = print_root_plainly(stuff, &log) {
            eprintln!("plain code raised: ValueError: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use deferreds::testing::{ReportCapture, success_result_of};

    fn both_ways(stuff: Stuff) -> (Vec<String>, Vec<String>) {
        let chain = Log::default();
        // `log_err` ends the chain on the success path, whatever happened above it.
        success_result_of(print_root(get_stuff_deferred(stuff), &chain));
        let plain = Log::default();
        let _ = print_root_plainly(stuff, &plain);
        (chain.lines(), plain.lines())
    }

    #[test]
    fn five_prints_its_square_root() {
        let capture = ReportCapture::start();
        let (chain, plain) = both_ways(Stuff::Five);
        assert_eq!(chain, [format!("got {}", 5.0_f64.sqrt())]);
        assert_eq!(plain, chain);
        assert!(capture.take().is_empty());
    }

    #[test]
    fn nothing_is_recovered_from_as_minus_one() {
        let capture = ReportCapture::start();
        let (chain, plain) = both_ways(Stuff::Nothing);
        assert_eq!(chain, ["got -1"]);
        assert_eq!(plain, chain);
        assert!(capture.take().is_empty());
    }

    #[test]
    fn the_square_root_of_minus_one_is_reported_by_log_err() {
        let capture = ReportCapture::start();
        let (chain, plain) = both_ways(Stuff::MinusOne);
        assert!(chain.is_empty());
        assert!(plain.is_empty());
        let reports = capture.take();
        assert_eq!(reports.len(), 1);
        // Reported on purpose by `log_err`, not found unhandled later.
        assert!(!reports[0].is_unhandled());
        assert_eq!(reports[0].failure().downcast_ref(), Some(&ValueError("math domain error")));
        assert_eq!(
            print_root_plainly(Stuff::MinusOne, &Log::default()),
            Err(ValueError("math domain error"))
        );
    }
}
