//! `xmlrpc serve`: a diagnostic server, to try clients against.

use std::cell::RefCell;
use std::io::Write as _;
use std::process::ExitCode;
use std::rc::Rc;
use std::time::Duration;

use deferreds::task::defer_later;
use deferreds::{Deferred, Failure, Resolver, race};
use deferreds_reactor::{Phase, Reactor, SystemEvent};
use deferreds_xmlrpc::{Fault, FaultCodes, Server, ServerConfig, Value, XmlRpc};

use crate::{EXIT_OTHER, fail};

/// Serves until SIGINT or SIGTERM, the server's normal end (exit 0).
pub(crate) fn serve(listen: &str) -> ExitCode {
    let reactor = match Reactor::new() {
        Ok(reactor) => reactor,
        Err(error) => return fail(format_args!("cannot start the reactor: {error}")),
    };
    let methods = diagnostic_methods(&reactor);
    let server = match Server::listen(&reactor, listen, methods, ServerConfig::default()) {
        Ok(server) => server,
        Err(error) => return fail(format_args!("cannot listen on {listen}: {error}")),
    };
    let url = server.url();
    // Printed once running, when the signal handlers are in place: whoever reads the
    // line may signal the server at once.
    reactor.call_when_running(move || {
        let mut stdout = std::io::stdout().lock();
        // A closed stdout does not stop the server; the URL is only a courtesy.
        let _ = writeln!(stdout, "{url}");
        let _ = stdout.flush();
    });
    match reactor.run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xmlrpc: {error}");
            ExitCode::from(EXIT_OTHER)
        }
    }
}

fn diagnostic_methods(reactor: &Reactor) -> XmlRpc {
    let mut methods = XmlRpc::new();
    methods.allow_none(true).expose_errors(true);
    methods
        .add_raw("echo", |params| match <[Value; 1]>::try_from(params) {
            Ok([value]) => Ok(deferreds::succeed(value)),
            Err(params) => Err(bad_params(format!("echo takes 1 parameter, not {}", params.len()))),
        })
        .help("Returns its one parameter unchanged, whatever its type.");
    methods
        .add("fault", |(code, string): (i32, String)| {
            Err::<(), _>(Failure::new(Fault::new(code, string)))
        })
        .help("Answers with the fault given: its code (an int) and its string.")
        .signature(&["nil", "int", "string"]);
    let sleepers = Sleepers::new(reactor);
    methods
        .add_raw("sleep", move |params| sleepers.sleep(params))
        .help("Answers with its parameter, a number of seconds, after that many seconds.")
        .signature(&["double", "double"])
        .signature(&["int", "int"]);
    methods
}

fn bad_params(message: String) -> Failure {
    Failure::new(Fault::new(FaultCodes::default().failure, message))
}

/// The `sleep` calls under way. The server's shutdown waits for the calls it is serving,
/// so a long sleep would hold it up: shutdown wakes every sleeper, with a fault.
struct Sleepers {
    reactor: Reactor,
    wake_ups: Rc<RefCell<Vec<Resolver<()>>>>,
}

impl Sleepers {
    fn new(reactor: &Reactor) -> Sleepers {
        let wake_ups: Rc<RefCell<Vec<Resolver<()>>>> = Rc::default();
        let waiting = Rc::clone(&wake_ups);
        reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
            for wake_up in waiting.take() {
                wake_up.callback(());
            }
            Ok::<_, Failure>(())
        });
        Sleepers { reactor: reactor.clone(), wake_ups }
    }

    fn sleep(&self, params: Vec<Value>) -> Result<Deferred<Value>, Failure> {
        let seconds = match params.as_slice() {
            [Value::Int(n)] => *n as f64,
            [Value::Double(d)] => *d,
            _ => return Err(bad_params("sleep takes 1 parameter, a number of seconds".into())),
        };
        let delay = Duration::try_from_secs_f64(seconds)
            .map_err(|error| bad_params(format!("sleep cannot wait {seconds} seconds: {error}")))?;
        let answer = params.into_iter().next().unwrap_or(Value::Nil);
        let (woken, wake_up) = Deferred::new();
        {
            let mut wake_ups = self.wake_ups.borrow_mut();
            // Sleeps that ended or were cancelled leave settled resolvers behind.
            wake_ups.retain(|wake_up| !wake_up.is_settled());
            wake_ups.push(wake_up);
        }
        let slept = defer_later(&self.reactor, delay, move || Ok::<_, Failure>(Some(answer)));
        let interrupted = woken.add_callback(|()| Ok::<_, Failure>(None));
        Ok(race([slept, interrupted]).add_callback(|(_, answer)| {
            answer.ok_or_else(|| {
                Failure::new(Fault::new(
                    FaultCodes::default().failure,
                    "sleep interrupted: the server is shutting down",
                ))
            })
        }))
    }
}
