//! Interoperability with Python's `xmlrpc.client`, both ways: Python reads what we write,
//! and we read what Python writes, for the same values.
//!
//! One `python3` process answers a batch of requests, one per line; values travel as Python
//! expressions built here (strings and bytes in base64, doubles by their bits, so nothing
//! is lost on the way).

use std::io::Write as _;
use std::process::{Command, Stdio};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use deferreds_xmlrpc::{DateTime, Fault, MethodCall, MethodResponse, Struct, Value};

const HARNESS: &str = r#"
import base64, datetime, struct, sys
import xmlrpc.client as xc

def _s(t): return base64.b64decode(t).decode('utf-8')
def _b(t): return base64.b64decode(t)
def _d(h): return struct.unpack('>d', bytes.fromhex(h))[0]
D = datetime.datetime

def same(a, b):
    if type(a) is not type(b): return False
    if isinstance(a, float): return struct.pack('>d', a) == struct.pack('>d', b)
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(same(p, q) for p, q in zip(a, b))
    return a == b

def enc(s): return base64.b64encode(s.encode('utf-8')).decode()

for line in sys.stdin:
    op, *args = line.split()
    try:
        if op == 'loads':
            xml = base64.b64decode(args[0])
            want_params, want_method = eval(_s(args[1]))
            params, method = xc.loads(xml, use_builtin_types=True)
            if same(list(params), want_params) and method == want_method:
                print('ok')
            else:
                print('mismatch', repr((params, method)), '!=', repr((want_params, want_method)))
        elif op == 'dumps':
            params, method = eval(_s(args[0]))
            if method is None:
                xml = xc.dumps(tuple(params), methodresponse=True, allow_none=True)
            else:
                xml = xc.dumps(tuple(params), methodname=method, allow_none=True)
            print('xml', enc(xml))
        elif op == 'dumps-fault':
            print('xml', enc(xc.dumps(xc.Fault(int(args[0]), _s(args[1])), methodresponse=True)))
        elif op == 'loads-fault':
            try:
                xc.loads(base64.b64decode(args[0]))
                print('no fault')
            except xc.Fault as f:
                print('fault', f.faultCode, enc(f.faultString))
        else:
            print('unknown op', op)
    except Exception as e:
        print('error', type(e).__name__, str(e).replace('\n', ' '))
    sys.stdout.flush()
"#;

/// Runs the requests through one Python process; one answer line per request.
fn python(requests: &[String]) -> Vec<String> {
    let mut child = Command::new("python3")
        .args(["-c", HARNESS])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("python3 runs");
    let mut stdin = child.stdin.take().unwrap();
    let input = requests.join("\n") + "\n";
    // Python answers line by line, so write from another thread to avoid a full pipe.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).unwrap());
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert!(output.status.success(), "python3 failed");
    let answers: Vec<String> =
        String::from_utf8(output.stdout).unwrap().lines().map(str::to_owned).collect();
    assert_eq!(answers.len(), requests.len(), "{answers:#?}");
    answers
}

fn b64(s: &str) -> String {
    B64.encode(s)
}

/// A Python expression for `value`, exact.
fn py(value: &Value) -> String {
    match value {
        Value::Int(n) => n.to_string(),
        Value::Boolean(b) => if *b { "True" } else { "False" }.to_owned(),
        Value::String(s) => format!("_s('{}')", b64(s)),
        Value::Double(d) => format!("_d('{:016x}')", d.to_bits()),
        Value::DateTime(t) => format!(
            "D({}, {}, {}, {}, {}, {})",
            t.year(),
            t.month(),
            t.day(),
            t.hour(),
            t.minute(),
            t.second()
        ),
        Value::Base64(bytes) => format!("_b('{}')", B64.encode(bytes)),
        Value::Struct(s) => {
            let members: Vec<String> =
                s.iter().map(|(n, v)| format!("_s('{}'): {}", b64(n), py(v))).collect();
            format!("{{{}}}", members.join(", "))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(py).collect::<Vec<_>>().join(", ")),
        Value::Nil => "None".to_owned(),
    }
}

fn py_message(params: &[Value], method: Option<&str>) -> String {
    let method = method.map_or("None".to_owned(), |m| format!("_s('{}')", b64(m)));
    b64(&format!("({}, {method})", py(&Value::Array(params.to_vec()))))
}

fn xml_answer(answer: &str) -> Vec<u8> {
    let encoded = answer.strip_prefix("xml ").unwrap_or_else(|| panic!("python: {answer}"));
    B64.decode(encoded).unwrap()
}

fn members(pairs: Vec<(&str, Value)>) -> Value {
    Value::Struct(pairs.into_iter().collect::<Struct>())
}

/// Values both sides can send.
fn shared_values() -> Vec<Value> {
    vec![
        Value::Int(0),
        Value::Int(-1),
        Value::Int(i64::from(i32::MAX)),
        Value::Int(i64::from(i32::MIN)),
        Value::Boolean(true),
        Value::Boolean(false),
        Value::from(""),
        Value::from("hello"),
        Value::from("snow\u{2603}man \u{1f600} e\u{301}"),
        Value::from("a&b<c>d]]>e \"q\" 'a'"),
        Value::from("\ttab\nfeed  "),
        Value::from("\u{7f}\u{85}\u{fffd}"),
        Value::Double(0.0),
        Value::Double(-0.0),
        Value::Double(0.1),
        Value::Double(1.0 / 3.0),
        Value::Double(1e300),
        Value::Double(5e-324),
        Value::Double(f64::MAX),
        Value::Double(-2.5),
        Value::DateTime(DateTime::new(2000, 12, 28, 3, 45, 59).unwrap()),
        Value::DateTime(DateTime::new(1, 1, 1, 0, 0, 0).unwrap()),
        Value::Base64(vec![]),
        Value::Base64((0..=255).collect()),
        Value::Nil,
        Value::Array(vec![]),
        Value::Struct(Struct::new()),
        members(vec![("z", Value::Int(1)), ("a", Value::Nil), ("\u{e9}t\u{e9}", "x".into())]),
        members(vec![(
            "a",
            Value::Array(vec![
                Value::Nil,
                members(vec![("b", Value::Array(vec![Value::Array(vec![])]))]),
            ]),
        )]),
    ]
}

#[test]
fn python_reads_what_we_write() {
    let mut values = shared_values();
    // Beyond Python's own sending range, but within what it reads.
    values.extend([Value::Int(1 << 40), Value::Int(i64::MIN), Value::Int(i64::MAX)]);
    values.push(Value::from("carriage\r\nreturns\rkept"));

    let mut requests = Vec::new();
    for v in &values {
        let call = MethodCall::new("echo", vec![v.clone()]);
        requests.push(format!(
            "loads {} {}",
            B64.encode(call.to_xml().unwrap()),
            py_message(&call.params, Some("echo"))
        ));
        let response = MethodResponse::Success(v.clone());
        requests.push(format!(
            "loads {} {}",
            B64.encode(response.to_xml().unwrap()),
            py_message(std::slice::from_ref(v), None)
        ));
    }
    let all = MethodCall::new("many.params", values.clone());
    requests.push(format!(
        "loads {} {}",
        B64.encode(all.to_xml().unwrap()),
        py_message(&values, Some("many.params"))
    ));
    let empty = MethodCall::new("noargs", vec![]);
    requests.push(format!(
        "loads {} {}",
        B64.encode(empty.to_xml().unwrap()),
        py_message(&[], Some("noargs"))
    ));

    for (request, answer) in requests.iter().zip(python(&requests)) {
        assert_eq!(answer, "ok", "request {request}");
    }
}

#[test]
fn we_read_what_python_writes() {
    let values = shared_values();
    let mut requests = Vec::new();
    for v in &values {
        requests.push(format!("dumps {}", py_message(std::slice::from_ref(v), Some("echo"))));
        requests.push(format!("dumps {}", py_message(std::slice::from_ref(v), None)));
    }
    requests.push(format!("dumps {}", py_message(&values, Some("many.params"))));
    let answers = python(&requests);

    let mut answers = answers.iter();
    for v in &values {
        let call = MethodCall::from_xml(&xml_answer(answers.next().unwrap())).unwrap();
        assert_eq!(call, MethodCall::new("echo", vec![v.clone()]));
        assert_bits(&call.params[0], v);
        let response = MethodResponse::from_xml(&xml_answer(answers.next().unwrap())).unwrap();
        assert_eq!(response, MethodResponse::Success(v.clone()));
    }
    let call = MethodCall::from_xml(&xml_answer(answers.next().unwrap())).unwrap();
    assert_eq!(call.params, values);
}

fn assert_bits(a: &Value, b: &Value) {
    if let (Value::Double(x), Value::Double(y)) = (a, b) {
        assert_eq!(x.to_bits(), y.to_bits(), "{x:e} vs {y:e}");
    }
}

#[test]
fn python_and_we_agree_on_integer_extensions() {
    // Python reads these tags; we read them the same.
    let mut requests = Vec::new();
    let cases =
        [("i8", "-4294967296"), ("i1", "7"), ("i2", "-300"), ("biginteger", "9223372036854775807")];
    for (tag, text) in cases {
        let xml = format!(
            "<methodResponse><params><param><value><{tag}>{text}</{tag}></value></param></params></methodResponse>"
        );
        let ours = MethodResponse::from_xml(xml.as_bytes()).unwrap().into_result().unwrap();
        assert_eq!(ours, Value::Int(text.parse().unwrap()));
        requests.push(format!("loads {} {}", B64.encode(&xml), py_message(&[ours], None)));
    }
    for answer in python(&requests) {
        assert_eq!(answer, "ok");
    }
}

#[test]
fn faults_travel_both_ways() {
    let fault = Fault::new(8002, "Can't serialize output: \u{2603} <&>");
    let ours = MethodResponse::Fault(fault.clone()).to_xml().unwrap();
    let requests = [
        format!("loads-fault {}", B64.encode(&ours)),
        format!("dumps-fault {} {}", fault.code, b64(&fault.string)),
    ];
    let answers = python(&requests);
    assert_eq!(answers[0], format!("fault 8002 {}", b64(&fault.string)));
    let theirs = MethodResponse::from_xml(&xml_answer(&answers[1])).unwrap();
    assert_eq!(theirs.into_result(), Err(fault));
}

#[test]
fn python_specials_we_accept_on_input() {
    // Python writes NaN and the infinities, which we read but refuse to write; and it
    // writes a carriage return raw, which XML turns into a line feed for both readers.
    let requests = [
        format!("dumps {}", b64("([[float('nan'), float('inf'), float('-inf')]], None)")),
        format!("dumps {}", b64("(['a\\rb'], None)")),
    ];
    let answers = python(&requests);
    let specials =
        MethodResponse::from_xml(&xml_answer(&answers[0])).unwrap().into_result().unwrap();
    let specials = specials.as_array().unwrap();
    assert!(specials[0].as_f64().unwrap().is_nan());
    assert_eq!(specials[1], Value::Double(f64::INFINITY));
    assert_eq!(specials[2], Value::Double(f64::NEG_INFINITY));
    let cr = MethodResponse::from_xml(&xml_answer(&answers[1])).unwrap().into_result().unwrap();
    assert_eq!(cr, Value::from("a\nb"));
}
