//! Bounds on what the decoder accepts.

/// Bounds the decoder enforces on untrusted input.
///
/// A body larger than [`max_body_size`](Self::max_body_size) is refused before parsing;
/// values nested deeper than [`max_depth`](Self::max_depth) are refused as soon as the
/// decoder reaches them, so neither memory nor recursion grows with hostile input.
///
/// ```
/// use deferreds_xmlrpc::{Limits, MethodCall};
///
/// let limits = Limits::default().with_max_depth(2);
/// let nested = "<methodCall><methodName>m</methodName><params><param><value>\
///     <array><data><value><array><data><value><array><data/></array></value>\
///     </data></array></value></data></array></value></param></params></methodCall>";
/// let err = MethodCall::from_xml_with(nested.as_bytes(), &limits).unwrap_err();
/// assert!(err.to_string().contains("nested deeper than 2"));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    max_body_size: usize,
    max_depth: usize,
}

impl Limits {
    /// 10 MiB: generous for XML-RPC, small enough that a server survives many at once.
    pub const DEFAULT_MAX_BODY_SIZE: usize = 10 * 1024 * 1024;
    /// 64 levels of arrays and structs; real payloads rarely pass 5.
    pub const DEFAULT_MAX_DEPTH: usize = 64;

    /// The default bounds: [`DEFAULT_MAX_BODY_SIZE`](Self::DEFAULT_MAX_BODY_SIZE) and
    /// [`DEFAULT_MAX_DEPTH`](Self::DEFAULT_MAX_DEPTH).
    pub const fn new() -> Self {
        Self { max_body_size: Self::DEFAULT_MAX_BODY_SIZE, max_depth: Self::DEFAULT_MAX_DEPTH }
    }

    /// The largest body, in bytes, that the decoder parses.
    pub const fn max_body_size(&self) -> usize {
        self.max_body_size
    }

    /// How deep `<value>` elements may nest: a scalar parameter is at depth 1, each
    /// array or struct around it adds one.
    pub const fn max_depth(&self) -> usize {
        self.max_depth
    }

    /// These limits with another body size bound.
    #[must_use]
    pub const fn with_max_body_size(mut self, bytes: usize) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// These limits with another depth bound.
    #[must_use]
    pub const fn with_max_depth(mut self, depth: usize) -> Self {
        self.max_depth = depth;
        self
    }
}

impl Default for Limits {
    fn default() -> Self {
        Self::new()
    }
}
