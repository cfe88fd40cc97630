//! Feeds arbitrary bytes to the decoders. Beyond not panicking, whatever decodes must
//! encode (unless it holds NaN or an infinity, which the decoder reads but the encoder
//! refuses) and decode again to the same document.
//!
//! Run with `cargo +nightly fuzz run decode` from `crates/deferreds-xmlrpc`.

#![no_main]

use deferreds_xmlrpc::{EncodeError, Limits, MethodCall, MethodResponse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let limits = Limits::default().with_max_depth(32);
    if let Ok(call) = MethodCall::from_xml_with(body, &limits) {
        match call.to_xml() {
            Ok(xml) => {
                let again = MethodCall::from_xml_with(xml.as_bytes(), &limits).expect("re-decode");
                assert_eq!(format!("{again:?}"), format!("{call:?}"));
            }
            Err(EncodeError::NonFiniteDouble(_)) => {}
            Err(e) => panic!("decoded call does not encode: {e}"),
        }
    }
    if let Ok(response) = MethodResponse::from_xml_with(body, &limits) {
        match response.to_xml() {
            Ok(xml) => {
                let again =
                    MethodResponse::from_xml_with(xml.as_bytes(), &limits).expect("re-decode");
                assert_eq!(format!("{again:?}"), format!("{response:?}"));
            }
            Err(EncodeError::NonFiniteDouble(_)) => {}
            Err(e) => panic!("decoded response does not encode: {e}"),
        }
    }
});
