//! The upper bound of `benches/compare-xmlrpc`: an XML-RPC server answering
//! `multiply(a, b)` with nothing but hyper, quick-xml and a current-thread tokio runtime.
//!
//! No method table, no value model, no Deferreds, no limits, no timeouts: what is left
//! is the HTTP and XML work every server of this shape has to do, so the distance from
//! here to `crates/deferreds-xmlrpc`'s server is what its own machinery costs. It
//! answers the same bytes as that server.
//!
//! Usage: `xmlrpc-bare-server [ADDR]` (default `127.0.0.1:0`). The first line of its
//! output is its URL; it serves until it is killed.

use std::convert::Infallible;
use std::io::Write as _;
use std::process::ExitCode;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use quick_xml::events::Event;
use quick_xml::reader::Reader;
use tokio::net::TcpListener;

fn main() -> ExitCode {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:0".to_owned());
    let runtime = match tokio::runtime::Builder::new_current_thread().enable_io().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("xmlrpc-bare-server: cannot start tokio: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(&addr)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xmlrpc-bare-server: {addr}: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(addr: &str) -> std::io::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "http://{}/RPC2", listener.local_addr()?)?;
    stdout.flush()?;
    drop(stdout);
    loop {
        // A failed accept (a reset, out of descriptors) leaves the listener usable.
        let Ok((stream, _)) = listener.accept().await else { continue };
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let connection =
                http1::Builder::new().serve_connection(TokioIo::new(stream), service_fn(answer));
            let _ = connection.await;
        });
    }
}

async fn answer(request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    if request.method() != Method::POST {
        return Ok(status(StatusCode::METHOD_NOT_ALLOWED));
    }
    let Ok(body) = request.into_body().collect().await else {
        return Ok(status(StatusCode::BAD_REQUEST));
    };
    let xml = match multiply(&body.to_bytes()) {
        Some(product) => product_response(product),
        None => FAULT.to_owned(),
    };
    let mut response = Response::new(Full::new(Bytes::from(xml)));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/xml; charset=utf-8"));
    Ok(response)
}

fn status(code: StatusCode) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = code;
    response
}

/// The product of a `multiply` call's two integer parameters; `None` for any other call.
fn multiply(body: &[u8]) -> Option<i64> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().trim_text(true);
    let (mut in_name, mut in_int) = (false, false);
    let mut is_multiply = false;
    let mut ints = [0_i64; 2];
    let mut count = 0;
    loop {
        match reader.read_event().ok()? {
            Event::Start(tag) => match tag.local_name().as_ref() {
                "methodName" => in_name = true,
                "int" | "i4" | "i8" => in_int = true,
                _ => {}
            },
            Event::End(_) => (in_name, in_int) = (false, false),
            Event::Text(text) if in_name => is_multiply = &*text == "multiply",
            Event::Text(text) if in_int => {
                *ints.get_mut(count)? = text.parse().ok()?;
                count += 1;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !is_multiply || count != 2 {
        return None;
    }
    ints[0].checked_mul(ints[1])
}

/// The response document, byte for byte as `deferreds-xmlrpc` writes it.
fn product_response(product: i64) -> String {
    let tag = if i32::try_from(product).is_ok() { "int" } else { "i8" };
    format!(
        "<?xml version=\"1.0\"?><methodResponse><params><param><value><{tag}>{product}</{tag}>\
         </value></param></params></methodResponse>"
    )
}

const FAULT: &str = "<?xml version=\"1.0\"?><methodResponse><fault><value><struct>\
    <member><name>faultCode</name><value><int>8002</int></value></member>\
    <member><name>faultString</name><value><string>only multiply(int, int) is served</string>\
    </value></member></struct></value></fault></methodResponse>";
