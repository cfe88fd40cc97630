//! The codec on hand-written documents: every type, the empty forms, the lenient and the
//! strict parts, limits and error reports.

use deferreds_xmlrpc::{
    DateTime, DecodeError, DecodeErrorKind, Fault, Limits, MethodCall, MethodResponse, Struct,
    Value, decode_value, encode_value,
};

fn value(xml: &str) -> Value {
    decode_value(xml.as_bytes(), &Limits::default())
        .unwrap_or_else(|e| panic!("{xml:?} did not decode: {e}"))
}

fn value_err(xml: &str) -> DecodeError {
    match decode_value(xml.as_bytes(), &Limits::default()) {
        Ok(v) => panic!("{xml:?} decoded to {v:?}"),
        Err(e) => e,
    }
}

fn call(xml: &str) -> MethodCall {
    MethodCall::from_xml(xml.as_bytes()).unwrap_or_else(|e| panic!("{xml:?} did not decode: {e}"))
}

fn call_err(xml: &str) -> DecodeError {
    MethodCall::from_xml(xml.as_bytes()).expect_err(xml)
}

fn response_err(xml: &str) -> DecodeError {
    MethodResponse::from_xml(xml.as_bytes()).expect_err(xml)
}

fn members(pairs: Vec<(&str, Value)>) -> Value {
    Value::Struct(pairs.into_iter().collect())
}

fn roundtrip(v: &Value) -> Value {
    let xml = encode_value(v).unwrap();
    decode_value(xml.as_bytes(), &Limits::default()).unwrap()
}

#[test]
fn reads_every_type() {
    let xml = "<?xml version=\"1.0\"?>
<methodCall>
  <methodName>inventory.record</methodName>
  <params>
    <param><value><i4>41</i4></value></param>
    <param><value><int>-7</int></value></param>
    <param><value><boolean>1</boolean></value></param>
    <param><value><string>tea &amp; cake</string></value></param>
    <param><value><double>-12.214</double></value></param>
    <param><value><dateTime.iso8601>19980717T14:08:55</dateTime.iso8601></value></param>
    <param><value><base64>eW91IGNhbid0IHJlYWQgdGhpcyE=</base64></value></param>
    <param><value><struct>
      <member><name>lowerBound</name><value><i4>18</i4></value></member>
      <member><name>upperBound</name><value><i4>139</i4></value></member>
    </struct></value></param>
    <param><value><array><data>
      <value><i4>12</i4></value>
      <value><string>Egypt</string></value>
      <value><boolean>0</boolean></value>
    </data></array></value></param>
    <param><value><nil/></value></param>
    <param><value><i8>-9223372036854775808</i8></value></param>
  </params>
</methodCall>";
    let c = call(xml);
    assert_eq!(c.method, "inventory.record");
    assert_eq!(
        c.params,
        vec![
            Value::Int(41),
            Value::Int(-7),
            Value::Boolean(true),
            Value::from("tea & cake"),
            Value::Double(-12.214),
            Value::DateTime(DateTime::new(1998, 7, 17, 14, 8, 55).unwrap()),
            Value::Base64(b"you can't read this!".to_vec()),
            members(vec![("lowerBound", Value::Int(18)), ("upperBound", Value::Int(139))]),
            Value::Array(vec![Value::Int(12), Value::from("Egypt"), Value::Boolean(false)]),
            Value::Nil,
            Value::Int(i64::MIN),
        ]
    );
}

#[test]
fn untyped_value_is_a_string_with_whitespace_kept() {
    assert_eq!(value("<value>  two  words \n</value>"), Value::from("  two  words \n"));
    assert_eq!(value("<value> </value>"), Value::from(" "));
    // Text, references and CDATA arrive in pieces and are joined.
    assert_eq!(
        value("<value> a&amp;b<![CDATA[<c>]]>&#x263A;&#65;<!-- note -->z </value>"),
        Value::from(" a&b<c>\u{263a}Az ")
    );
    // Inside <string> too, whitespace is content.
    assert_eq!(value("<value><string>\n x \n</string></value>"), Value::from("\n x \n"));
    // Around a type element, whitespace is layout.
    assert_eq!(value("<value>\n  <int>3</int>\n</value>"), Value::Int(3));
}

#[test]
fn empty_forms_are_accepted() {
    assert_eq!(value("<value/>"), Value::from(""));
    assert_eq!(value("<value></value>"), Value::from(""));
    assert_eq!(value("<value><string/></value>"), Value::from(""));
    assert_eq!(value("<value><nil/></value>"), Value::Nil);
    assert_eq!(value("<value><nil></nil></value>"), Value::Nil);
    assert_eq!(value("<value><array><data/></array></value>"), Value::Array(vec![]));
    assert_eq!(value("<value><array/></value>"), Value::Array(vec![]));
    assert_eq!(value("<value><struct/></value>"), Value::Struct(Struct::new()));
    assert_eq!(value("<value><base64/></value>"), Value::Base64(vec![]));
    let c = call("<methodCall><methodName>ping</methodName><params/></methodCall>");
    assert_eq!((c.method.as_str(), c.params.len()), ("ping", 0));
    let c = call("<methodCall><methodName>ping</methodName></methodCall>");
    assert_eq!((c.method.as_str(), c.params.len()), ("ping", 0));
}

#[test]
fn integer_tags_and_range() {
    for tag in ["int", "i4", "i8", "i1", "i2", "biginteger"] {
        assert_eq!(value(&format!("<value><{tag}> +42 </{tag}></value>")), Value::Int(42), "{tag}");
    }
    assert_eq!(value("<value><i8>9223372036854775807</i8></value>"), Value::Int(i64::MAX));
    let err = value_err("<value><biginteger>9223372036854775808</biginteger></value>");
    assert!(matches!(err.kind(), DecodeErrorKind::InvalidValue { ty: "biginteger", .. }), "{err}");
    for bad in ["", "1.0", "0x10", "1_000", "--1", "12 3"] {
        let err = value_err(&format!("<value><int>{bad}</int></value>"));
        assert!(matches!(err.kind(), DecodeErrorKind::InvalidValue { ty: "int", .. }), "{err}");
    }
}

#[test]
fn integers_beyond_32_bits_are_written_as_i8() {
    let enc = |n: i64| encode_value(&Value::Int(n)).unwrap();
    assert_eq!(enc(i64::from(i32::MAX)), "<value><int>2147483647</int></value>");
    assert_eq!(enc(i64::from(i32::MIN)), "<value><int>-2147483648</int></value>");
    assert_eq!(enc(i64::from(i32::MAX) + 1), "<value><i8>2147483648</i8></value>");
    assert_eq!(enc(i64::from(i32::MIN) - 1), "<value><i8>-2147483649</i8></value>");
    assert_eq!(enc(i64::MIN), "<value><i8>-9223372036854775808</i8></value>");
}

#[test]
fn booleans_are_zero_or_one() {
    assert_eq!(value("<value><boolean> 0 </boolean></value>"), Value::Boolean(false));
    for bad in ["true", "2", "", "01"] {
        let err = value_err(&format!("<value><boolean>{bad}</boolean></value>"));
        assert!(matches!(err.kind(), DecodeErrorKind::InvalidValue { ty: "boolean", .. }));
    }
}

#[test]
fn doubles_read_python_spellings() {
    assert_eq!(value("<value><double>1e+300</double></value>"), Value::Double(1e300));
    assert_eq!(value("<value><double>-0.5</double></value>"), Value::Double(-0.5));
    assert_eq!(value("<value><float>2.0</float></value>"), Value::Double(2.0));
    assert_eq!(value("<value><double>inf</double></value>"), Value::Double(f64::INFINITY));
    assert_eq!(value("<value><double>-inf</double></value>"), Value::Double(f64::NEG_INFINITY));
    assert!(value("<value><double>nan</double></value>").as_f64().unwrap().is_nan());
    for bad in ["", "abc", "1,5", "0x1p3"] {
        let err = value_err(&format!("<value><double>{bad}</double></value>"));
        assert!(matches!(err.kind(), DecodeErrorKind::InvalidValue { ty: "double", .. }));
    }
}

#[test]
fn doubles_round_trip_exactly() {
    for d in [0.1, 1.0 / 3.0, 1e300, 5e-324, f64::MAX, f64::MIN_POSITIVE, -0.0, 123456.789] {
        let back = roundtrip(&Value::Double(d)).as_f64().unwrap();
        assert_eq!(back.to_bits(), d.to_bits(), "{d:e}");
    }
}

#[test]
fn non_finite_doubles_are_not_encoded() {
    for d in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        assert!(encode_value(&Value::Double(d)).is_err());
    }
}

#[test]
fn base64_may_be_line_wrapped_and_unpadded() {
    let wrapped = "<value><base64>\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8gISIjJCUmJygpKissLS4vMDEyMzQ1\nNjc4\n</base64></value>";
    assert_eq!(value(wrapped), Value::Base64((0..=56).collect()));
    assert_eq!(value("<value><base64>YWI</base64></value>"), Value::Base64(b"ab".to_vec()));
    let err = value_err("<value><base64>a*b=</base64></value>");
    assert!(matches!(err.kind(), DecodeErrorKind::InvalidValue { ty: "base64", .. }), "{err}");
    // Written on one line.
    let bytes: Vec<u8> = (0..=255).collect();
    let xml = encode_value(&Value::Base64(bytes.clone())).unwrap();
    assert!(!xml.contains('\n'));
    assert_eq!(roundtrip(&Value::Base64(bytes.clone())), Value::Base64(bytes));
}

#[test]
fn datetimes_parse_and_refuse_junk() {
    let want = Value::DateTime(DateTime::new(2024, 2, 29, 23, 59, 59).unwrap());
    assert_eq!(
        value("<value><dateTime.iso8601>20240229T23:59:59</dateTime.iso8601></value>"),
        want
    );
    assert_eq!(
        value("<value><dateTime.iso8601> 2024-02-29T23:59:59 </dateTime.iso8601></value>"),
        want
    );
    let err = value_err("<value><dateTime.iso8601>20230229T23:59:59</dateTime.iso8601></value>");
    assert!(matches!(err.kind(), DecodeErrorKind::InvalidValue { ty: "dateTime.iso8601", .. }));
}

#[test]
fn strings_round_trip_exactly() {
    for s in [
        "",
        "plain",
        "a&b<c>d]]>e",
        "\"quotes\" and 'apostrophes'",
        "line\r\nbreaks\rand\nfeeds",
        "\ttabs\t",
        "  spaces  ",
        "snow\u{2603}man \u{1f600} e\u{301}",
        "\u{7f}\u{85}\u{fffd}\u{10ffff}",
    ] {
        assert_eq!(roundtrip(&Value::from(s)), Value::from(s), "{s:?}");
    }
}

#[test]
fn struct_member_order_is_kept_and_repeats_keep_the_last_value() {
    let v = value(
        "<value><struct>\
         <member><name>z</name><value>1</value></member>\
         <member><name>a</name><value>2</value></member>\
         <member><name>z</name><value>3</value></member>\
         <member><name> m </name><value>4</value></member>\
         </struct></value>",
    );
    let names: Vec<&str> = v.as_struct().unwrap().iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["z", "a", " m "]);
    assert_eq!(v.get("z"), Some(&Value::from("3")));
}

#[test]
fn namespace_prefixes_are_ignored() {
    // Apache XML-RPC writes its extensions in a namespace.
    let xml = "<value xmlns:ex=\"http://ws.apache.org/xmlrpc/namespaces/extensions\"><ex:i8>5</ex:i8></value>";
    assert_eq!(value(xml), Value::Int(5));
    assert_eq!(value("<value><ex:nil/></value>"), Value::Nil);
}

#[test]
fn doctypes_are_refused() {
    let xml = "<?xml version=\"1.0\"?>
<!DOCTYPE value [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;&lol;\">]>
<value>&lol2;</value>";
    let err = value_err(xml);
    assert_eq!(err.kind(), &DecodeErrorKind::DocType);
    assert_eq!(err.offset(), 22);
    assert_eq!(err.to_string(), "document type declarations are not accepted, at byte 22");
}

#[test]
fn unknown_entities_are_refused() {
    let err = value_err("<value><string>a&nbsp;b</string></value>");
    assert_eq!(err.kind(), &DecodeErrorKind::UnknownEntity("nbsp".to_owned()));
    assert_eq!(err.path(), "value/string");
    assert_eq!(err.offset(), 16);
    // The five predefined ones are fine.
    assert_eq!(value("<value>&lt;&gt;&amp;&quot;&apos;</value>"), Value::from("<>&\"'"));
}

#[test]
fn characters_xml_does_not_allow_are_refused() {
    let err = value_err("<value>a&#1;</value>");
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidChar('\u{1}'));
    let err = value_err("<value>a\u{1b}b</value>");
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidChar('\u{1b}'));
    let err = value_err("<value>&#xFFFF;</value>");
    assert_eq!(err.kind(), &DecodeErrorKind::InvalidChar('\u{ffff}'));
    assert!(matches!(value_err("<value>&#0;</value>").kind(), DecodeErrorKind::Malformed(_)));
    assert!(matches!(value_err("<value>&#xZZ;</value>").kind(), DecodeErrorKind::Malformed(_)));
}

#[test]
fn only_utf8_is_accepted() {
    let ok = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><value>x</value>";
    assert_eq!(value(ok), Value::from("x"));
    let latin = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><value>x</value>";
    assert_eq!(
        value_err(latin).kind(),
        &DecodeErrorKind::UnsupportedEncoding("ISO-8859-1".to_owned())
    );
    let err = decode_value(b"<value>caf\xe9</value>", &Limits::default()).unwrap_err();
    assert!(matches!(err.kind(), DecodeErrorKind::Malformed(_)), "{err}");
    // A UTF-8 byte order mark is fine.
    let bom = decode_value(b"\xef\xbb\xbf<value>x</value>", &Limits::default()).unwrap();
    assert_eq!(bom, Value::from("x"));
}

#[test]
fn structure_is_checked() {
    let err = value_err("<value><int>1</int><int>2</int></value>");
    assert_eq!(err.to_string(), "unexpected <int>, expected </value>, at byte 19 in value/int");

    let err = value_err("<value>text<int>1</int></value>");
    assert!(matches!(err.kind(), DecodeErrorKind::Unexpected { .. }), "{err}");

    let err = value_err("<value><integer>1</integer></value>");
    assert_eq!(
        err.to_string(),
        "unexpected <integer>, expected text or one type element such as <int> or <string>, \
         at byte 7 in value"
    );

    let err = value_err("<value><int>1<b/></int></value>");
    assert!(matches!(err.kind(), DecodeErrorKind::Unexpected { expected: "text", .. }), "{err}");

    let err = value_err("<value><struct><member><value>1</value></member></struct></value>");
    assert!(matches!(err.kind(), DecodeErrorKind::Unexpected { expected: "<name>", .. }));

    let err = value_err("<value><array><data>junk</data></array></value>");
    assert_eq!(err.path(), "value/array/data");

    let err = value_err("<value>1</value><value>2</value>");
    assert!(matches!(err.kind(), DecodeErrorKind::Unexpected { expected: "end of document", .. }));

    let err = value_err("<value><int>1</int>");
    assert!(
        matches!(&err.kind(), DecodeErrorKind::Unexpected { found, .. } if found == "end of document"),
        "{err}"
    );

    let err = value_err("<value><int>1</value>");
    assert!(matches!(err.kind(), DecodeErrorKind::Malformed(_)), "{err}");

    let err = call_err("");
    assert_eq!(err.to_string(), "unexpected end of document, expected <methodCall>, at byte 0");
}

#[test]
fn comments_and_processing_instructions_are_skipped() {
    let c = call(
        "<?xml version='1.0'?><!-- a --><?app hint?><methodCall><!-- b --><methodName>m</methodName>\
         <params><?x?><param><value><int>1</int></value></param></params></methodCall><!-- c -->\n",
    );
    assert_eq!(c.params, vec![Value::Int(1)]);
}

#[test]
fn errors_name_the_path_with_indexes() {
    let xml = "<methodCall><methodName>m</methodName><params>\
        <param><value>x</value></param>\
        <param><value><array><data><value>1</value><value>2</value>\
        <value><struct><member><name>k</name><value><boolean>yes</boolean></value></member></struct></value>\
        </data></array></value></param></params></methodCall>";
    let err = call_err(xml);
    assert_eq!(
        err.path(),
        "methodCall/params/param[1]/value/array/data/value[2]/struct/member[0]/value/boolean"
    );
    assert_eq!(&xml[err.offset() as usize..][..3], "yes");
}

#[test]
fn body_size_is_bounded() {
    let limits = Limits::default().with_max_body_size(20);
    let err = decode_value(b"<value>twenty-one chars</value>", &limits).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::TooLarge { size: 31, limit: 20 });
    assert!(decode_value(b"<value>ok</value>", &limits).is_ok());
    assert_eq!(Limits::default().max_body_size(), 10 * 1024 * 1024);
}

#[test]
fn depth_is_bounded() {
    fn nested(levels: usize) -> String {
        let mut xml = String::new();
        for _ in 1..levels {
            xml.push_str("<value><array><data>");
        }
        xml.push_str("<value>x</value>");
        for _ in 1..levels {
            xml.push_str("</data></array></value>");
        }
        xml
    }
    assert_eq!(Limits::default().max_depth(), 64);
    assert!(decode_value(nested(64).as_bytes(), &Limits::default()).is_ok());
    let err = decode_value(nested(65).as_bytes(), &Limits::default()).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::TooDeep { limit: 64 });
    assert!(err.path().ends_with("data/value[0]"));
    // Far deeper than any stack: refused without recursing that far.
    let err = decode_value(nested(100_000).as_bytes(), &Limits::default()).unwrap_err();
    assert_eq!(err.kind(), &DecodeErrorKind::TooDeep { limit: 64 });
}

#[test]
fn a_response_holds_exactly_one_value() {
    let ok = "<methodResponse><params><param><value>x</value></param></params></methodResponse>";
    assert_eq!(
        MethodResponse::from_xml(ok.as_bytes()).unwrap(),
        MethodResponse::Success("x".into())
    );
    let none = "<methodResponse><params/></methodResponse>";
    assert_eq!(
        response_err(none).to_string(),
        "unexpected 0 parameters, expected exactly one, at byte 16 in methodResponse"
    );
    let two = "<methodResponse><params><param><value>1</value></param><param><value>2</value></param></params></methodResponse>";
    assert!(matches!(response_err(two).kind(), DecodeErrorKind::Unexpected { .. }));
}

// Source: twisted/web/test/test_xmlrpc.py QueryFactoryParseResponseTests.test_parseResponseWithoutData
// DIFFERENCE: Twisted checks that its query factory errbacks; at codec level the decoder
// refuses the document, and the client will turn that into a failed call.
#[test]
fn a_param_without_a_value_is_refused() {
    let xml = "\n<methodResponse>\n <params>\n  <param>\n  </param>\n </params>\n</methodResponse>";
    let err = response_err(xml);
    assert!(
        matches!(&err.kind(), DecodeErrorKind::Unexpected { found, expected: "<value>" } if found == "</param>"),
        "{err}"
    );
    assert_eq!(err.path(), "methodResponse/params");
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_errorXMLContent
// DIFFERENCE: Twisted posts the body to a server and expects a Fault back; here the
// decoder's refusal is the codec-level half (the server will answer it with fault 8002).
#[test]
fn a_body_that_is_not_xml_is_refused() {
    let err = call_err("foo");
    assert!(matches!(err.kind(), DecodeErrorKind::Unexpected { expected: "<methodCall>", .. }));
    assert!(MethodCall::from_xml(b"<methodCall><methodName>x</methodName>").is_err());
}

#[test]
fn faults_are_written_as_python_writes_them() {
    let xml = MethodResponse::Fault(Fault::new(8002, "Can't serialize output")).to_xml().unwrap();
    assert_eq!(
        xml,
        "<?xml version=\"1.0\"?><methodResponse><fault><value><struct>\
         <member><name>faultCode</name><value><int>8002</int></value></member>\
         <member><name>faultString</name><value><string>Can&apos;t serialize output</string></value></member>\
         </struct></value></fault></methodResponse>"
            .replace("&apos;", "'")
    );
}

#[test]
fn faults_are_checked() {
    let fault = |inner: &str| {
        format!(
            "<methodResponse><fault><value><struct>{inner}</struct></value></fault></methodResponse>"
        )
    };
    let m = |name: &str, v: &str| format!("<member><name>{name}</name><value>{v}</value></member>");

    let ok =
        fault(&(m("faultString", "oops") + &m("faultCode", "<int>3</int>") + &m("extra", "1")));
    assert_eq!(
        MethodResponse::from_xml(ok.as_bytes()).unwrap().into_result(),
        Err(Fault::new(3, "oops"))
    );
    for (inner, reason) in [
        (m("faultString", "x"), "no faultCode member"),
        (m("faultCode", "<int>1</int>"), "no faultString member"),
        (m("faultCode", "1") + &m("faultString", "x"), "faultCode is string, not int"),
        (
            m("faultCode", "<i8>4294967296</i8>") + &m("faultString", "x"),
            "faultCode 4294967296 does not fit 32 bits",
        ),
    ] {
        let err = response_err(&fault(&inner));
        assert_eq!(err.kind(), &DecodeErrorKind::InvalidFault(reason.to_owned()));
        assert_eq!(err.offset(), 16);
    }
    let err = response_err("<methodResponse><fault><value>x</value></fault></methodResponse>");
    assert_eq!(
        err.to_string(),
        "invalid fault: expected a struct, found string, at byte 16 in methodResponse/fault"
    );
}

#[test]
fn fault_is_an_error() {
    fn call_that_fails() -> Result<Value, Box<dyn std::error::Error>> {
        Ok(MethodResponse::from(Fault::new(42, "Session non-existent/expired.")).into_result()?)
    }
    let err = call_that_fails().unwrap_err();
    assert_eq!(err.downcast_ref::<Fault>().map(|f| f.code), Some(42));
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCAllowNoneTests.test_roundtripValue
// DIFFERENCE: the round trip is through the codec, not a server; nil needs no flag here.
#[test]
fn nil_round_trips() {
    let c = MethodCall::new("defer", vec![Value::Nil]);
    assert_eq!(MethodCall::from_xml(c.to_xml().unwrap().as_bytes()).unwrap(), c);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCAllowNoneTests.test_roundtripNestedValue
// DIFFERENCE: the round trip is through the codec, not a server.
#[test]
fn nil_round_trips_nested() {
    let v = members(vec![("a", Value::Nil)]);
    assert_eq!(roundtrip(&v), v);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCUseDateTimeTests.test_roundtripValue
// DIFFERENCE: the round trip is through the codec, not a server.
#[test]
fn datetime_round_trips() {
    let v = Value::DateTime(DateTime::new(2000, 12, 28, 3, 45, 59).unwrap());
    let response = MethodResponse::Success(v);
    assert_eq!(MethodResponse::from_xml(response.to_xml().unwrap().as_bytes()).unwrap(), response);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCUseDateTimeTests.test_roundtripNestedValue
// DIFFERENCE: the round trip is through the codec, not a server.
#[test]
fn datetime_round_trips_nested() {
    let v = members(vec![("a", Value::DateTime(DateTime::new(2000, 12, 28, 3, 45, 59).unwrap()))]);
    assert_eq!(roundtrip(&v), v);
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_datetimeRoundtrip
// DIFFERENCE: Twisted echoes "now" through a server; the codec half is that a DateTime
// parameter comes back equal, so a fixed time stands in for the clock.
#[test]
fn datetime_parameter_round_trips() {
    let when = DateTime::new(2021, 6, 30, 23, 59, 58).unwrap();
    let c = MethodCall::new("echo", vec![Value::DateTime(when)]);
    let back = MethodCall::from_xml(c.to_xml().unwrap().as_bytes()).unwrap();
    assert_eq!(back.params[0].as_datetime(), Some(when));
}

// Source: twisted/web/test/test_xmlrpc.py XMLRPCTests.test_results
// DIFFERENCE: only the values' codec half: the snowman and the nested "complex" result
// survive encoding and decoding; calling the server is the server's test.
#[test]
fn results_of_the_twisted_test_server_round_trip() {
    let complex = members(vec![
        ("a", Value::Array(vec!["b".into(), "c".into(), Value::Int(12), Value::Array(vec![])])),
        ("D", "foo".into()),
    ]);
    for v in [Value::from("\u{2603}"), complex, Value::Array(vec!["a".into(), Value::Int(1)])] {
        let r = MethodResponse::Success(v);
        assert_eq!(MethodResponse::from_xml(r.to_xml().unwrap().as_bytes()).unwrap(), r);
    }
}

#[test]
fn method_names_are_escaped_and_kept() {
    let c = MethodCall::new("a<b>&c d", vec![]);
    let xml = c.to_xml().unwrap();
    assert!(xml.contains("<methodName>a&lt;b&gt;&amp;c d</methodName>"), "{xml}");
    assert_eq!(MethodCall::from_xml(xml.as_bytes()).unwrap(), c);
}

#[test]
fn encoding_refuses_what_xml_cannot_carry() {
    let c = MethodCall::new("m", vec![Value::from("bell\u{7}")]);
    assert_eq!(
        c.to_xml().unwrap_err().to_string(),
        "cannot encode character U+0007: not allowed in XML"
    );
    let r = MethodResponse::Success(Value::Array(vec![Value::Double(f64::NAN)]));
    assert!(r.to_xml().is_err());
}
