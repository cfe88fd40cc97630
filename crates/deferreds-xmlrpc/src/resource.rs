//! [`XmlRpc`]: the published methods and how a call becomes a response (Twisted's
//! `twisted.web.xmlrpc.XMLRPC` resource, without the HTTP).

use std::any::Any;
use std::collections::BTreeMap;
use std::error::Error;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::rc::Rc;

use deferreds::{
    CancelledError, Deferred, Failure, IntoOutcome, ensure_deferred, log_err, maybe_deferred,
};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::decode::decode_call_parts;
use crate::{Fault, Limits, MethodResponse, Value, from_value, to_value};

/// A method as published: how to call it, and what introspection says of it.
pub struct Procedure {
    call: Rc<dyn Fn(Vec<Value>) -> Outcome<Value>>,
    help: String,
    signatures: Vec<Vec<String>>,
}

/// What a call gives: its result now (a method that returned a `Result`), or a Deferred
/// of it. Results known at once skip the Deferred machinery on the way to the response.
pub(crate) enum Outcome<T> {
    Now(Result<T, Failure>),
    Later(Deferred<T>),
}

impl<T: 'static> Outcome<T> {
    fn into_deferred(self) -> Deferred<T> {
        match self {
            Outcome::Now(Ok(value)) => deferreds::succeed(value),
            Outcome::Now(Err(failure)) => deferreds::fail(failure),
            Outcome::Later(deferred) => deferred,
        }
    }
}

impl Procedure {
    /// Sets the text `system.methodHelp` answers for this method.
    pub fn help(&mut self, text: impl Into<String>) -> &mut Procedure {
        self.help = text.into();
        self
    }

    /// Adds a signature for `system.methodSignature`: the XML-RPC type names of the
    /// result, then of each parameter, as in `["int", "int", "int"]`.
    pub fn signature(&mut self, types: &[&str]) -> &mut Procedure {
        self.signatures.push(types.iter().map(|name| (*name).to_owned()).collect());
        self
    }
}

/// The fault codes a server answers with (Twisted's `NOT_FOUND` and `FAILURE`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FaultCodes {
    /// No such method: 8001.
    pub not_found: i32,
    /// Anything else that went wrong: 8002.
    pub failure: i32,
}

impl Default for FaultCodes {
    fn default() -> FaultCodes {
        FaultCodes { not_found: 8001, failure: 8002 }
    }
}

/// A set of XML-RPC methods: what a server publishes (Twisted's `XMLRPC` resource).
///
/// Methods are closures. A method returns a `Result` or a `Deferred` (an async block
/// through [`ensure_deferred`]); its parameters and result convert through serde, so
/// `|(a, b): (i64, i64)| Ok(a * b)` is a method of two integers. A method that fails
/// with a [`Fault`] sends it as it is; any other failure is logged here and the client
/// gets fault 8002 without the cause (unless [`expose_errors`](XmlRpc::expose_errors)).
/// A call of an unknown method gets fault 8001.
///
/// Sub-handlers publish their methods under a prefix and a dot (`math.add`), and
/// `system.listMethods`, `system.methodHelp`, `system.methodSignature` and
/// `system.multicall` are always there.
///
/// # Example
///
/// ```
/// use deferreds::{testing, Failure};
/// use deferreds_xmlrpc::{Fault, Value, XmlRpc};
///
/// let mut methods = XmlRpc::new();
/// methods
///     .add("multiply", |(a, b): (i64, i64)| Ok::<_, Failure>(a * b))
///     .help("Multiplies two integers.")
///     .signature(&["int", "int", "int"]);
/// let methods = std::rc::Rc::new(methods);
///
/// let product = methods.call("multiply", vec![Value::Int(6), Value::Int(7)]);
/// assert_eq!(testing::success_result_of(product), Value::Int(42));
///
/// let missing = testing::failure_result_of(methods.call("divide", vec![]));
/// assert_eq!(missing.downcast_ref::<Fault>().unwrap().code, 8001);
/// ```
pub struct XmlRpc {
    procedures: BTreeMap<String, Procedure>,
    sub_handlers: BTreeMap<String, XmlRpc>,
    allow_none: bool,
    expose_errors: bool,
    codes: FaultCodes,
    limits: Limits,
}

impl Default for XmlRpc {
    fn default() -> XmlRpc {
        XmlRpc::new()
    }
}

const SYSTEM: [&str; 4] =
    ["system.listMethods", "system.methodHelp", "system.methodSignature", "system.multicall"];

impl XmlRpc {
    /// No methods yet; `nil` refused, errors hidden, Twisted's fault codes.
    pub fn new() -> XmlRpc {
        XmlRpc {
            procedures: BTreeMap::new(),
            sub_handlers: BTreeMap::new(),
            allow_none: false,
            expose_errors: false,
            codes: FaultCodes::default(),
            limits: Limits::default(),
        }
    }

    /// Publishes `method` under `name`. Its parameters are deserialized from the call's
    /// parameter list (a tuple for several, `()` for none), and its result serialized.
    pub fn add<P, F, R>(&mut self, name: impl Into<String>, method: F) -> &mut Procedure
    where
        P: DeserializeOwned + 'static,
        F: Fn(P) -> R + 'static,
        R: IntoOutcome + 'static,
        R::Value: Serialize,
    {
        fn serialize<T: Serialize>(result: &T) -> Result<Value, Failure> {
            to_value(result)
                .map_err(|error| Failure::new(Refused(format!("Can't serialize output: {error}"))))
        }
        let name = name.into();
        let label = name.clone();
        let call = move |params| {
            let params = from_value::<P>(Value::Array(params)).map_err(|error| {
                Failure::new(Refused(format!("bad parameters for {label}: {error}")))
            })?;
            let mut returned = Some(method(params));
            // A method that returns a `Result` has answered: no Deferred to build.
            let any: &mut dyn Any = &mut returned;
            if let Some(result) = any.downcast_mut::<Option<Result<R::Value, Failure>>>() {
                let result = result.take().expect("the method's result, just stored");
                return Ok(Outcome::Now(result.and_then(|result| serialize(&result))));
            }
            let returned = returned.take().expect("the method's Deferred, just stored");
            Ok(Outcome::Later(
                maybe_deferred(|| returned).add_callback(|result| serialize(&result)),
            ))
        };
        self.insert(name, call)
    }

    /// Publishes an async method under `name`: `method` returns a future, run as a
    /// Deferred with [`ensure_deferred`] (so cancelling the call cancels what it awaits).
    pub fn add_async<P, F, Fut, T>(&mut self, name: impl Into<String>, method: F) -> &mut Procedure
    where
        P: DeserializeOwned + 'static,
        F: Fn(P) -> Fut + 'static,
        Fut: std::future::Future<Output = Result<T, Failure>> + 'static,
        T: Serialize + 'static,
    {
        self.add(name, move |params| ensure_deferred(method(params)))
    }

    /// Publishes a method that takes and returns [`Value`]s as they are on the wire.
    pub fn add_raw<F>(&mut self, name: impl Into<String>, method: F) -> &mut Procedure
    where
        F: Fn(Vec<Value>) -> Result<Deferred<Value>, Failure> + 'static,
    {
        self.insert(name.into(), move |params| method(params).map(Outcome::Later))
    }

    fn insert<F>(&mut self, name: String, method: F) -> &mut Procedure
    where
        F: Fn(Vec<Value>) -> Result<Outcome<Value>, Failure> + 'static,
    {
        // A panic becomes a failure here, so it cannot unwind through the connection
        // that carries the call (and leave the server waiting for it on shutdown).
        let call = Rc::new(move |params| match catch_unwind(AssertUnwindSafe(|| method(params))) {
            Ok(Ok(outcome)) => outcome,
            Ok(Err(failure)) => Outcome::Now(Err(failure)),
            Err(payload) => Outcome::Now(Err(Failure::from_panic(payload))),
        });
        let procedure = Procedure { call, help: String::new(), signatures: Vec::new() };
        // A second method of the same name replaces the first.
        self.procedures.insert(name.clone(), procedure);
        self.procedures.get_mut(&name).expect("inserted just now")
    }

    /// Publishes `handler`'s methods under `prefix` and a dot (Twisted's
    /// `putSubHandler`).
    pub fn put_sub_handler(&mut self, prefix: impl Into<String>, handler: XmlRpc) {
        self.sub_handlers.insert(prefix.into(), handler);
    }

    /// Whether `nil` may be sent (Twisted's `allowNone`); off by default, as Python's
    /// `xmlrpc.client` refuses it unless asked.
    pub fn allow_none(&mut self, yes: bool) -> &mut XmlRpc {
        self.allow_none = yes;
        self
    }

    /// Whether fault 8002 carries the failure's message; off by default, so internal
    /// details stay on the server.
    pub fn expose_errors(&mut self, yes: bool) -> &mut XmlRpc {
        self.expose_errors = yes;
        self
    }

    /// The fault codes for unknown methods and failures.
    pub fn fault_codes(&mut self, codes: FaultCodes) -> &mut XmlRpc {
        self.codes = codes;
        self
    }

    /// The bounds on a request's size and nesting.
    pub fn limits(&mut self, limits: Limits) -> &mut XmlRpc {
        self.limits = limits;
        self
    }

    /// The limits requests are decoded with.
    pub fn request_limits(&self) -> &Limits {
        &self.limits
    }

    /// Every published method's name, sorted, `system.*` included.
    pub fn list_methods(&self) -> Vec<String> {
        let mut names: Vec<String> = SYSTEM.iter().map(|name| (*name).to_owned()).collect();
        self.collect_names("", &mut names);
        names.sort();
        names
    }

    fn collect_names(&self, prefix: &str, names: &mut Vec<String>) {
        names.extend(self.procedures.keys().map(|name| format!("{prefix}{name}")));
        for (sub, handler) in &self.sub_handlers {
            handler.collect_names(&format!("{prefix}{sub}."), names);
        }
    }

    /// Finds a method by its dotted name (Twisted's `lookupProcedure`).
    fn lookup(&self, path: &str) -> Result<&Procedure, Fault> {
        if let Some((prefix, rest)) = path.split_once('.') {
            if let Some(handler) = self.sub_handlers.get(prefix) {
                return handler.lookup(rest);
            }
        }
        self.procedures
            .get(path)
            .ok_or_else(|| Fault::new(self.codes.not_found, format!("procedure {path} not found")))
    }

    /// Calls a method; the Deferred fails with a [`Fault`] for the client (the failure
    /// paths of Twisted's `_ebRender`).
    pub fn call(self: &Rc<Self>, method: &str, params: Vec<Value>) -> Deferred<Value> {
        self.call_outcome(method, params).into_deferred()
    }

    /// [`call`](XmlRpc::call), with a result known at once kept out of a Deferred.
    fn call_outcome(self: &Rc<Self>, method: &str, params: Vec<Value>) -> Outcome<Value> {
        let outcome = match method {
            "system.listMethods" => Ok(Outcome::Now(Ok(strings(self.list_methods())))),
            "system.methodHelp" => self.introspect(&params, |p| Value::from(p.help.as_str())),
            "system.methodSignature" => self.introspect(&params, |p| {
                if p.signatures.is_empty() {
                    Value::from("")
                } else {
                    Value::Array(p.signatures.iter().map(|s| strings(s.clone())).collect())
                }
            }),
            "system.multicall" => Ok(Outcome::Later(self.multicall(params))),
            _ => self.lookup(method).map(|procedure| (procedure.call)(params)),
        };
        match outcome {
            Ok(Outcome::Now(Ok(value))) => Outcome::Now(Ok(value)),
            Ok(Outcome::Now(Err(failure))) => Outcome::Now(Err(self.to_fault(failure))),
            Ok(Outcome::Later(deferred)) => {
                let this = Rc::clone(self);
                Outcome::Later(deferred.add_errback(move |failure| Err(this.to_fault(failure))))
            }
            Err(fault) => Outcome::Now(Err(Failure::new(fault))),
        }
    }

    fn introspect(
        &self,
        params: &[Value],
        answer: impl FnOnce(&Procedure) -> Value,
    ) -> Result<Outcome<Value>, Fault> {
        let [Value::String(name)] = params else {
            let message = "expects one parameter: the method's name";
            return Err(Fault::new(self.codes.failure, message));
        };
        Ok(Outcome::Now(Ok(answer(self.lookup(name)?))))
    }

    /// `system.multicall`: the calls run one after another, as Python runs them; each
    /// answers `[result]` or a fault struct.
    fn multicall(self: &Rc<Self>, params: Vec<Value>) -> Deferred<Value> {
        let this = Rc::clone(self);
        ensure_deferred(async move {
            let calls = match params.as_slice() {
                [Value::Array(calls)] => calls.clone(),
                _ => return Err(Failure::new(this.fault("system.multicall expects an array"))),
            };
            let mut answers = Vec::with_capacity(calls.len());
            for call in calls {
                let answer = match this.multicall_entry(&call) {
                    Ok((method, params)) => this.call(&method, params).await,
                    Err(fault) => Err(Failure::new(fault)),
                };
                answers.push(match answer {
                    Ok(value) => Value::Array(vec![value]),
                    // The multicall itself was cancelled: the remaining calls are not made.
                    Err(failure) if failure.check::<CancelledError>() => return Err(failure),
                    Err(failure) => this.client_fault(failure).to_value(),
                });
            }
            Ok(Value::Array(answers))
        })
    }

    fn multicall_entry(&self, call: &Value) -> Result<(String, Vec<Value>), Fault> {
        let method = call.get("methodName").and_then(Value::as_str);
        let params = call.get("params").and_then(Value::as_array);
        match (method, params) {
            (Some("system.multicall"), _) => {
                Err(self.fault("system.multicall cannot be called from system.multicall"))
            }
            (Some(method), Some(params)) => Ok((method.to_owned(), params.to_vec())),
            _ => Err(self.fault("each call is a struct with methodName and params")),
        }
    }

    fn fault(&self, message: &str) -> Fault {
        Fault::new(self.codes.failure, message)
    }

    /// What the client is told of a failure: a Fault as it is, anything else logged here
    /// and sent as the failure code.
    fn client_fault(&self, failure: Failure) -> Fault {
        if let Some(fault) = failure.downcast_ref::<Fault>() {
            return fault.clone();
        }
        if let Some(Refused(reason)) = failure.downcast_ref::<Refused>() {
            return Fault::new(self.codes.failure, reason.clone());
        }
        let message = if self.expose_errors { failure.to_string() } else { "error".to_owned() };
        let _ = log_err(failure);
        Fault::new(self.codes.failure, message)
    }

    /// A cancelled call (its client went away) is no error of the server's: it is not
    /// logged, and goes on as a cancellation.
    fn to_fault(&self, failure: Failure) -> Failure {
        if failure.check::<Fault>() || failure.check::<CancelledError>() {
            return failure;
        }
        Failure::new(self.client_fault(failure))
    }

    /// Answers an encoded request with an encoded response (Twisted's `render_POST`
    /// without HTTP): decoding errors and faults become fault responses. Cancelling the
    /// Deferred cancels the method's; it then fails with `CancelledError`.
    pub fn respond(self: &Rc<Self>, body: &[u8]) -> Deferred<String> {
        self.respond_outcome(body).into_deferred()
    }

    /// [`respond`](XmlRpc::respond), with a response known at once kept out of a
    /// Deferred: what the server answers most calls with.
    pub(crate) fn respond_outcome(self: &Rc<Self>, body: &[u8]) -> Outcome<String> {
        let (method, params) = match decode_call_parts(body, &self.limits) {
            Ok(call) => call,
            Err(error) => {
                let fault =
                    Fault::new(self.codes.failure, format!("Can't deserialize input: {error}"));
                return Outcome::Now(Ok(self.encode(&MethodResponse::Fault(fault))));
            }
        };
        match self.call_outcome(&method, params) {
            Outcome::Now(result) => Outcome::Now(self.answer(result)),
            Outcome::Later(deferred) => {
                let this = Rc::clone(self);
                Outcome::Later(deferred.add_both(move |result| this.answer(result)))
            }
        }
    }

    /// The encoded response to a call's result; a cancellation goes on as one.
    fn answer(&self, result: Result<Value, Failure>) -> Result<String, Failure> {
        let response = match result {
            Ok(value) => MethodResponse::Success(value),
            Err(failure) if failure.check::<CancelledError>() => return Err(failure),
            Err(failure) => match failure.downcast_ref::<Fault>() {
                Some(fault) => MethodResponse::Fault(fault.clone()),
                None => MethodResponse::Fault(Fault::new(self.codes.failure, "error")),
            },
        };
        Ok(self.encode(&response))
    }

    /// Encodes a response; what cannot be sent (a `nil` without `allow_none`, a double
    /// that is not finite) becomes fault 8002, as in Twisted.
    fn encode(&self, response: &MethodResponse) -> String {
        let refused = match response {
            MethodResponse::Success(value) if !self.allow_none && contains_nil(value) => {
                Some("cannot marshal None unless allow_none is enabled".to_owned())
            }
            _ => None,
        };
        let encoded = match refused {
            Some(reason) => Err(reason),
            None => response.to_xml().map_err(|error| error.to_string()),
        };
        encoded.unwrap_or_else(|reason| {
            let fault = Fault::new(self.codes.failure, format!("Can't serialize output: {reason}"));
            MethodResponse::Fault(fault).to_xml().unwrap_or_default()
        })
    }
}

/// A call the server refuses with its failure code and this explanation: parameters
/// that do not fit a typed method, a result that does not serialize. Unlike other
/// failures it is sent with its message (which holds no internal detail) and not logged;
/// the code is the server's own, which is why this is not a `Fault` from the start.
#[derive(Debug)]
struct Refused(String);

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl Error for Refused {}

fn strings(names: Vec<String>) -> Value {
    Value::Array(names.into_iter().map(Value::String).collect())
}

fn contains_nil(value: &Value) -> bool {
    match value {
        Value::Nil => true,
        Value::Array(items) => items.iter().any(contains_nil),
        Value::Struct(members) => members.iter().any(|(_, value)| contains_nil(value)),
        _ => false,
    }
}

impl fmt::Debug for XmlRpc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XmlRpc")
            .field("methods", &self.list_methods())
            .field("allow_none", &self.allow_none)
            .field("codes", &self.codes)
            .finish()
    }
}

impl fmt::Debug for Procedure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Procedure").field("help", &self.help).finish()
    }
}
