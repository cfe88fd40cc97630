//! `xmlrpc call`: one call, its result printed as JSON.

use std::io::Write as _;
use std::process::ExitCode;
use std::time::Duration;

use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Fault, Proxy};

use crate::json::{parse_arg, to_json};
use crate::{EXIT_FAULT, fail};

/// What one call needs.
pub(crate) struct Call<'a> {
    pub(crate) url: &'a str,
    pub(crate) method: &'a str,
    pub(crate) args: &'a [String],
    pub(crate) timeout: Option<Duration>,
    pub(crate) pretty: bool,
}

/// Makes the call; 0 with the result on stdout, 1 for a fault, 2 for anything else.
pub(crate) fn call(call: &Call<'_>) -> ExitCode {
    let params = match call.args.iter().map(|arg| parse_arg(arg)).collect::<Result<Vec<_>, _>>() {
        Ok(params) => params,
        Err(error) => return fail(error),
    };
    // No signal handlers: Ctrl-C should end a stuck call at once, as for any command.
    let reactor = match Reactor::builder().install_signal_handlers(false).build() {
        Ok(reactor) => reactor,
        Err(error) => return fail(format_args!("cannot start the reactor: {error}")),
    };
    let proxy = match Proxy::new(&reactor, call.url) {
        Ok(proxy) => proxy,
        Err(error) => return fail(error),
    };
    let proxy = match call.timeout {
        Some(timeout) => proxy.with_response_timeout(timeout),
        None => proxy,
    };
    match reactor.run_until(proxy.call_remote(call.method, params)) {
        Ok(result) => {
            let mut stdout = std::io::stdout().lock();
            match writeln!(stdout, "{}", to_json(&result, call.pretty))
                .and_then(|()| stdout.flush())
            {
                Ok(()) => ExitCode::SUCCESS,
                Err(error) => fail(format_args!("cannot write the result: {error}")),
            }
        }
        Err(failure) => match failure.downcast_ref::<Fault>() {
            Some(fault) => {
                eprintln!("fault {}: {}", fault.code, fault.string);
                ExitCode::from(EXIT_FAULT)
            }
            None => fail(format_args!("{} at {}: {failure}", call.method, call.url)),
        },
    }
}
