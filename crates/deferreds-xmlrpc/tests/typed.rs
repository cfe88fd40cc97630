//! Serde: Rust types to and from `Value`, as the crate documentation's table says.

use std::collections::{BTreeMap, HashMap};

use deferreds_xmlrpc::{DateTime, Struct, Value, from_value, to_value};
use serde::{Deserialize, Serialize};

fn members(pairs: Vec<(&str, Value)>) -> Value {
    Value::Struct(pairs.into_iter().collect::<Struct>())
}

fn when() -> DateTime {
    DateTime::new(2000, 12, 28, 3, 45, 59).unwrap()
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
struct Order {
    item: String,
    quantity: u16,
    price: f32,
    paid: bool,
    at: DateTime,
    note: Option<String>,
    lines: Vec<(String, i64)>,
}

#[test]
fn structs_become_structs_in_field_order() {
    let order = Order {
        item: "tea".into(),
        quantity: 3,
        price: 2.5,
        paid: false,
        at: when(),
        note: None,
        lines: vec![("a".into(), -1)],
    };
    let v = to_value(&order).unwrap();
    assert_eq!(
        v,
        members(vec![
            ("item", "tea".into()),
            ("quantity", Value::Int(3)),
            ("price", Value::Double(2.5)),
            ("paid", Value::Boolean(false)),
            ("at", Value::DateTime(when())),
            ("note", Value::Nil),
            ("lines", Value::Array(vec![Value::Array(vec!["a".into(), Value::Int(-1)])])),
        ])
    );
    assert_eq!(from_value::<Order>(v).unwrap(), order);
}

#[test]
fn missing_optional_members_read_as_none() {
    #[derive(Debug, PartialEq, Deserialize)]
    struct Partial {
        a: i32,
        b: Option<i32>,
    }
    let p: Partial = from_value(members(vec![("a", Value::Int(1))])).unwrap();
    assert_eq!(p, Partial { a: 1, b: None });
    let err = from_value::<Partial>(members(vec![("b", Value::Int(1))])).unwrap_err();
    assert_eq!(err.to_string(), "missing field `a`");
}

#[derive(Debug, PartialEq, Serialize, Deserialize)]
enum Shape {
    Point,
    Circle(f64),
    Segment(i32, i32),
    Rect { w: u8, h: u8 },
}

#[test]
fn enums_are_names_or_single_member_structs() {
    let cases = [
        (Shape::Point, Value::from("Point")),
        (Shape::Circle(1.5), members(vec![("Circle", Value::Double(1.5))])),
        (
            Shape::Segment(1, 2),
            members(vec![("Segment", Value::Array(vec![Value::Int(1), Value::Int(2)]))]),
        ),
        (
            Shape::Rect { w: 3, h: 4 },
            members(vec![("Rect", members(vec![("w", Value::Int(3)), ("h", Value::Int(4))]))]),
        ),
    ];
    for (shape, value) in cases {
        assert_eq!(to_value(&shape).unwrap(), value);
        assert_eq!(from_value::<Shape>(value).unwrap(), shape);
    }
    assert!(from_value::<Shape>(Value::Int(1)).is_err());
    assert!(from_value::<Shape>(Value::from("Hexagon")).is_err());
}

#[test]
fn datetimes_keep_their_type_and_read_as_text() {
    let v = to_value(&when()).unwrap();
    assert_eq!(v, Value::DateTime(when()));
    assert_eq!(from_value::<String>(v.clone()).unwrap(), "20001228T03:45:59");
    assert_eq!(from_value::<DateTime>(v.clone()).unwrap(), when());
    assert_eq!(from_value::<DateTime>(Value::from("2000-12-28T03:45:59")).unwrap(), when());
    assert!(from_value::<DateTime>(Value::from("yesterday")).is_err());
    assert_eq!(from_value::<Option<DateTime>>(v).unwrap(), Some(when()));
}

#[test]
fn untagged_enums_see_datetimes() {
    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(untagged)]
    enum Stamp {
        At(DateTime),
        Count(i64),
    }
    assert_eq!(from_value::<Stamp>(Value::DateTime(when())).unwrap(), Stamp::At(when()));
    assert_eq!(from_value::<Stamp>(Value::Int(4)).unwrap(), Stamp::Count(4));
}

#[test]
fn values_pass_through_unchanged() {
    let v = members(vec![
        ("when", Value::DateTime(when())),
        ("blob", Value::Base64(vec![0, 255])),
        ("nothing", Value::Nil),
        ("list", Value::Array(vec![Value::Int(1), Value::Double(-0.0), Value::from("s")])),
    ]);
    assert_eq!(to_value(&v).unwrap(), v);
    assert_eq!(from_value::<Value>(v.clone()).unwrap(), v);

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Envelope {
        id: u32,
        payload: Value,
    }
    let e = Envelope { id: 1, payload: v };
    assert_eq!(from_value::<Envelope>(to_value(&e).unwrap()).unwrap(), e);
}

#[test]
fn base64_reads_into_bytes() {
    let bytes: Vec<u8> = from_value(Value::Base64(vec![1, 2, 3])).unwrap();
    assert_eq!(bytes, [1, 2, 3]);
    // A Vec<u8> is a sequence to serde, so it is written as an array of ints.
    assert_eq!(to_value(&vec![1u8]).unwrap(), Value::Array(vec![Value::Int(1)]));
}

#[test]
fn integers_are_range_checked() {
    assert!(to_value(&u64::MAX).is_err());
    assert_eq!(to_value(&(i64::MAX as u64)).unwrap(), Value::Int(i64::MAX));
    assert_eq!(to_value(&-5i128).unwrap(), Value::Int(-5));
    assert!(to_value(&i128::MAX).is_err());
    assert_eq!(from_value::<u8>(Value::Int(255)).unwrap(), 255);
    assert!(from_value::<u8>(Value::Int(256)).is_err());
    assert!(from_value::<u32>(Value::Int(-1)).is_err());
    assert_eq!(from_value::<f64>(Value::Int(3)).unwrap(), 3.0);
    assert!(from_value::<i64>(Value::Double(3.0)).is_err());
}

#[test]
fn maps_need_string_like_keys() {
    let mut m = BTreeMap::new();
    m.insert(2, "b");
    m.insert(1, "a");
    assert_eq!(to_value(&m).unwrap(), members(vec![("1", "a".into()), ("2", "b".into())]));
    let mut bad = BTreeMap::new();
    bad.insert(true, 1);
    assert!(to_value(&bad).is_err());
    let back: HashMap<String, i32> = from_value(members(vec![("x", Value::Int(1))])).unwrap();
    assert_eq!(back["x"], 1);
}

#[test]
fn units_and_chars() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Marker;
    assert_eq!(to_value(&()).unwrap(), Value::Nil);
    assert_eq!(to_value(&Marker).unwrap(), Value::Nil);
    from_value::<()>(Value::Nil).unwrap();
    assert_eq!(from_value::<Marker>(Value::Nil).unwrap(), Marker);
    assert!(from_value::<()>(Value::Int(0)).is_err());
    assert_eq!(to_value(&'\u{2603}').unwrap(), Value::from("\u{2603}"));
    assert_eq!(from_value::<char>(Value::from("x")).unwrap(), 'x');
}

#[test]
fn tuples_must_match_in_length() {
    let two = Value::Array(vec![Value::Int(1), Value::Int(2)]);
    assert_eq!(from_value::<(i32, i32)>(two.clone()).unwrap(), (1, 2));
    assert!(from_value::<(i32,)>(two.clone()).is_err());
    assert!(from_value::<(i32, i32, i32)>(two).is_err());
}
