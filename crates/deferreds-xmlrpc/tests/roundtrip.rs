//! Property tests: whatever can be encoded decodes to the very same value, bit for bit;
//! serde conversions are lossless; the decoder never panics on damaged input.

use deferreds_xmlrpc::{
    DateTime, EncodeError, Fault, Limits, MethodCall, MethodResponse, Struct, Value, decode_value,
    encode_value, from_value, to_value,
};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..)
}

/// Text that XML can carry, weighted towards the characters that need escaping.
fn xml_text() -> impl Strategy<Value = String> {
    let special = prop::sample::select(vec!['&', '<', '>', '\r', '\n', '\t', ' ', ']', '"', '\'']);
    let ch = prop_oneof![
        3 => any::<char>().prop_filter("XML character", |c| is_xml_char(*c)),
        1 => special,
    ];
    prop::collection::vec(ch, 0..24).prop_map(String::from_iter)
}

fn datetime() -> impl Strategy<Value = DateTime> {
    (0..=9999u16, 1..=12u8, 1..=31u8, 0..24u8, 0..60u8, 0..60u8)
        .prop_filter_map("a real date", |(y, mo, d, h, mi, s)| {
            DateTime::new(y, mo, d, h, mi, s).ok()
        })
}

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::Int),
        (-1000i64..1000).prop_map(Value::Int),
        any::<bool>().prop_map(Value::Boolean),
        xml_text().prop_map(Value::String),
        any::<f64>().prop_filter("finite", |d| d.is_finite()).prop_map(Value::Double),
        datetime().prop_map(Value::DateTime),
        prop::collection::vec(any::<u8>(), 0..40).prop_map(Value::Base64),
        Just(Value::Nil),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((xml_text(), inner), 0..6)
                .prop_map(|members| Value::Struct(members.into_iter().collect::<Struct>())),
        ]
    })
}

/// Equality that tells -0.0 from 0.0: doubles must come back bit for bit.
fn same(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Double(x), Value::Double(y)) => x.to_bits() == y.to_bits(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q))
        }
        (Value::Struct(x), Value::Struct(y)) => {
            x.len() == y.len()
                && x.iter().zip(y.iter()).all(|((n, p), (m, q))| n == m && same(p, q))
        }
        _ => a == b,
    }
}

proptest! {
    #[test]
    fn values_round_trip(v in value()) {
        let xml = encode_value(&v).unwrap();
        let back = decode_value(xml.as_bytes(), &Limits::default()).unwrap();
        prop_assert!(same(&v, &back), "{v:?}\n{xml}\n{back:?}");
    }

    #[test]
    fn calls_round_trip(method in xml_text(), params in prop::collection::vec(value(), 0..4)) {
        let call = MethodCall::new(method, params);
        let back = MethodCall::from_xml(call.to_xml().unwrap().as_bytes()).unwrap();
        prop_assert_eq!(&back.method, &call.method);
        prop_assert!(same(&Value::Array(back.params), &Value::Array(call.params)));
    }

    #[test]
    fn responses_round_trip(v in value(), code in any::<i32>(), text in xml_text()) {
        let ok = MethodResponse::Success(v.clone());
        match MethodResponse::from_xml(ok.to_xml().unwrap().as_bytes()).unwrap() {
            MethodResponse::Success(back) => prop_assert!(same(&v, &back)),
            other => prop_assert!(false, "{other:?}"),
        }
        let fault = MethodResponse::Fault(Fault::new(code, text));
        prop_assert_eq!(MethodResponse::from_xml(fault.to_xml().unwrap().as_bytes()).unwrap(), fault);
    }

    #[test]
    fn doubles_are_plain_shortest_decimals(d in any::<f64>().prop_filter("finite", |d| d.is_finite())) {
        let xml = encode_value(&Value::Double(d)).unwrap();
        let text = xml.trim_start_matches("<value><double>").trim_end_matches("</double></value>");
        prop_assert!(text.contains('.') && !text.contains(['e', 'E']), "{}", text);
        prop_assert_eq!(text.parse::<f64>().unwrap().to_bits(), d.to_bits());
    }

    #[test]
    fn values_survive_serde(v in value()) {
        let back: Value = from_value(to_value(&v).unwrap()).unwrap();
        prop_assert!(same(&v, &back), "{v:?}\n{back:?}");
    }

    #[test]
    fn typed_records_survive_the_wire(r in record()) {
        let call = MethodCall::typed("store", &(&r, 7u8)).unwrap();
        let back = MethodCall::from_xml(call.to_xml().unwrap().as_bytes()).unwrap();
        let (record, n): (Record, u8) = back.params_as().unwrap();
        prop_assert_eq!(record, r);
        prop_assert_eq!(n, 7);
    }

    /// The fuzz target's property, on stable: damaged documents do not panic the decoder,
    /// and whatever still decodes encodes and decodes to itself.
    #[test]
    fn damaged_documents_decode_consistently(v in value(), cut in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let xml = MethodResponse::Success(v).to_xml().unwrap().into_bytes();
        let at = cut.index(xml.len());
        let mut flipped = xml.clone();
        flipped[at] = byte;
        for body in [&xml[..at], &flipped[..]] {
            if let Ok(response) = MethodResponse::from_xml(body) {
                match response.to_xml() {
                    Ok(xml) => {
                        let again = MethodResponse::from_xml(xml.as_bytes()).unwrap();
                        prop_assert_eq!(format!("{again:?}"), format!("{response:?}"));
                    }
                    // A digit damaged into an exponent can overflow to infinity.
                    Err(e) => prop_assert!(matches!(e, EncodeError::NonFiniteDouble(_)), "{e}"),
                }
            }
            let _ = MethodCall::from_xml(body);
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    name: String,
    count: u32,
    ratio: f64,
    flags: Vec<bool>,
    when: Option<DateTime>,
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Kind {
    Plain,
    Tagged(String),
    Pair(i64, i64),
    Named { x: i16 },
}

fn record() -> impl Strategy<Value = Record> {
    let kind = prop_oneof![
        Just(Kind::Plain),
        xml_text().prop_map(Kind::Tagged),
        (any::<i64>(), any::<i64>()).prop_map(|(a, b)| Kind::Pair(a, b)),
        any::<i16>().prop_map(|x| Kind::Named { x }),
    ];
    (
        xml_text(),
        any::<u32>(),
        (-1e9..1e9f64),
        prop::collection::vec(any::<bool>(), 0..4),
        prop::option::of(datetime()),
        kind,
    )
        .prop_map(|(name, count, ratio, flags, when, kind)| Record {
            name,
            count,
            ratio,
            flags,
            when,
            kind,
        })
}
