//! `xmlrpc`: call XML-RPC methods from the shell, and serve diagnostic ones to test
//! clients against.
//!
//! # Calling
//!
//! ```text
//! xmlrpc call [--timeout SECONDS] [--pretty] URL METHOD [ARG...]
//! ```
//!
//! Each `ARG` is one parameter, written as JSON: `42`, `1.5`, `'"text"'`, `null`,
//! `'[1, {"a": true}]'`. An argument that is not valid JSON is sent as a string, as it
//! is, so `xmlrpc call URL echo hello` sends `"hello"`; to send the string `true` or `42`,
//! quote it as JSON (`'"true"'`). An argument that begins with `{`, `[` or `"` but does
//! not parse is an error rather than a string. Options come before `URL`; everything
//! after `METHOD` is a parameter, negative numbers included.
//!
//! The result is printed on stdout as JSON on one line (`--pretty`: indented). A fault
//! is printed on stderr as `fault CODE: STRING`. `--timeout` bounds the wait for the
//! response, from sending the request; connecting has its own bound of 30 seconds.
//!
//! # JSON and XML-RPC
//!
//! | JSON                                        | XML-RPC                                    |
//! |---------------------------------------------|--------------------------------------------|
//! | integer                                     | `int` (`i8` beyond 32 bits; beyond 64 bits: an error) |
//! | number with a fraction or an exponent       | `double`                                   |
//! | `true`, `false`                             | `boolean`                                  |
//! | string                                      | `string`                                   |
//! | `null`                                      | `nil`                                      |
//! | array                                       | `array`                                    |
//! | object                                      | `struct`, members in the order written     |
//! | `{"base64": "AP8="}`                        | `base64` (the bytes 0, 255)                |
//! | `{"dateTime.iso8601": "20240229T12:34:56"}` | `dateTime.iso8601`                         |
//!
//! The same holds for results, both ways. `base64` and `dateTime.iso8601` have no JSON
//! form, hence the objects of one member; an object with only a member of either name is
//! always read so, and its value must be a string of that kind. A result's double that
//! JSON cannot spell prints as the string `"NaN"`, `"Infinity"` or `"-Infinity"`.
//!
//! # Serving
//!
//! ```text
//! xmlrpc serve [--listen ADDR]
//! ```
//!
//! Listens on `ADDR` (`127.0.0.1:0` by default, a free port), prints the URL to call as
//! its first line of output, and serves until SIGINT or SIGTERM, letting the calls under
//! way finish. Its methods, with `nil` allowed in results:
//!
//! - `echo(value)`: returns `value` unchanged, whatever its type;
//! - `fault(code, string)`: answers with that fault;
//! - `sleep(seconds)`: returns `seconds` after that many seconds (a shutdown cuts the wait
//!   short, with a fault);
//! - `system.listMethods`, `system.methodHelp`, `system.methodSignature`,
//!   `system.multicall`.
//!
//! ```text
//! $ xmlrpc serve &
//! http://127.0.0.1:40213/RPC2
//! $ xmlrpc call http://127.0.0.1:40213/RPC2 echo '{"b": [1, null], "a": 2.5}'
//! {"b":[1,null],"a":2.5}
//! $ xmlrpc call http://127.0.0.1:40213/RPC2 fault 42 'no luck'
//! fault 42: no luck
//! ```
//!
//! # Exit status
//!
//! - 0: the call answered with a result; the server stopped by SIGINT or SIGTERM, which
//!   is how it ends.
//! - 1: the call answered with a fault.
//! - 2: anything else, with one line on stderr: a bad argument or URL, a refused
//!   connection, a timeout, an HTTP error, a malformed response, an address the server
//!   cannot listen on, a mistake on the command line.

mod call;
mod json;
mod serve;

use std::fmt::Display;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

/// The exit status of a call answered with a fault.
const EXIT_FAULT: u8 = 1;
/// The exit status of every other error (clap's own for command-line mistakes).
const EXIT_OTHER: u8 = 2;

const MAIN_HELP: &str = "\
`xmlrpc call --help` tells how parameters and results are written in JSON.

Exit status: 0 for a result, or a server stopped by SIGINT or SIGTERM; 1 for a fault;
2 for any other error (one line on stderr).";

const CALL_HELP: &str = "\
Parameters, and the result, in JSON:
  integer                  int (i8 beyond 32 bits; beyond 64 bits: an error)
  number with . or e       double
  true, false              boolean
  string                   string
  null                     nil
  array                    array
  object                   struct, members in the order written
  {\"base64\": \"AP8=\"}       base64 (here the bytes 0, 255)
  {\"dateTime.iso8601\": \"20240229T12:34:56\"}
                           dateTime.iso8601
An object of only a `base64` or a `dateTime.iso8601` member always means that type.
A result's double that JSON cannot spell prints as \"NaN\", \"Infinity\", \"-Infinity\".

An argument that is not valid JSON is sent as a string, as it is (hello -> \"hello\");
one that begins with {, [ or \" and does not parse is an error. To send the string
true or 42, quote it: '\"true\"'.

Exit status: 0 for a result (printed on stdout), 1 for a fault (`fault CODE: STRING`
on stderr), 2 for any other error (one line on stderr).";

const SERVE_HELP: &str = "\
Methods: echo(value) returns value unchanged; fault(code, string) answers with that
fault; sleep(seconds) returns seconds after that many seconds; system.listMethods,
system.methodHelp, system.methodSignature, system.multicall. nil is allowed.

The first line of output is the URL to call. SIGINT or SIGTERM stops the server after
the calls under way (a sleep is cut short with a fault); it then exits with status 0.
Status 2 if it cannot listen.";

/// Calls XML-RPC methods, and serves diagnostic ones to test clients against.
#[derive(Parser, Debug)]
#[command(name = "xmlrpc", version, after_long_help = MAIN_HELP)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Calls METHOD at URL with JSON parameters, and prints the result as JSON.
    #[command(after_long_help = CALL_HELP)]
    Call {
        /// Seconds to wait for the response once the request is sent (fractions allowed);
        /// no bound by default
        #[arg(long, value_name = "SECONDS", value_parser = seconds)]
        timeout: Option<Duration>,
        /// Prints the result indented over several lines rather than on one
        #[arg(long)]
        pretty: bool,
        // One argument, so that everything after the URL is taken as it is: a parameter
        // `--pretty` is a string, not the option. The help is an attribute, not a doc
        // comment, as rustdoc would read the URL's brackets as links.
        #[arg(
            help = "The server's URL, http://[user:password@]host[:port][/path]; the \
                    method's name; the parameters, one JSON value each (a bare word is a \
                    string)",
            value_names = ["URL", "METHOD", "ARG"],
            num_args = 2..,
            required = true,
            allow_hyphen_values = true,
            trailing_var_arg = true
        )]
        words: Vec<String>,
    },
    /// Serves echo, fault and sleep, printing the URL first, until SIGINT or SIGTERM.
    #[command(after_long_help = SERVE_HELP)]
    Serve {
        /// The address to listen on; port 0 picks a free one
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
        listen: String,
    },
}

fn seconds(text: &str) -> Result<Duration, String> {
    let seconds: f64 = text.parse().map_err(|_| format!("{text} is not a number of seconds"))?;
    match Duration::try_from_secs_f64(seconds) {
        Ok(duration) if !duration.is_zero() => Ok(duration),
        _ => Err(format!("{text}: expected a positive number of seconds")),
    }
}

/// Reports an error that is not a fault, on one line, and gives its exit status.
fn fail(message: impl Display) -> ExitCode {
    eprintln!("xmlrpc: {message}");
    ExitCode::from(EXIT_OTHER)
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Call { timeout, pretty, words } => match words.as_slice() {
            [url, method, args @ ..] => {
                call::call(&call::Call { url, method, args, timeout, pretty })
            }
            // clap asks for two words at least.
            _ => fail("expected a URL and a method"),
        },
        Command::Serve { listen } => serve::serve(&listen),
    }
}
