//! [`LineClient`]: requests as lines, each answered by one line, as Deferreds.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;

use deferreds::{Deferred, Failure, Resolver, fail};

use super::{LineHandler, LineReceiver};

/// A [`LineHandler`] for protocols where each request line is answered by one line,
/// in order. [`LineReceiver::request`] sends a line and gives a Deferred of its answer.
///
/// Answers are matched to requests in the order the requests were sent; a line that
/// arrives with no request waiting is dropped. When the connection is lost, the
/// requests still waiting fail with its reason (a [`LineTooLong`](super::LineTooLong)
/// if an answer was over the limit), and so do requests made afterwards.
///
/// A callback on one answer may send the next request: nothing is borrowed while the
/// answer's Deferred fires.
///
/// # Example: two requests, the second sent from the first one's answer
///
/// ```
/// use std::rc::Rc;
/// use deferreds::testing::success_result_of;
/// use deferreds_reactor::net::basic::{LineClient, LineHandler, LineReceiver};
/// use deferreds_reactor::net::testing::connect_pair;
///
/// /// Answers each line with the line reversed.
/// struct Reverse;
///
/// impl LineHandler for Reverse {
///     fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]) {
///         let mut answer = line.to_vec();
///         answer.reverse();
///         lines.send_line(&answer);
///     }
/// }
///
/// let client = Rc::new(LineReceiver::new(LineClient::new()));
/// let pump = connect_pair(Rc::new(LineReceiver::new(Reverse)), client.clone());
///
/// let again = client.clone();
/// let answers = client
///     .request(b"hello")
///     .add_callback(move |first| {
///         again.request(&first).add_callback(move |second| Ok((first, second)))
///     });
/// pump.flush();
/// let (first, second) = success_result_of(answers);
/// assert_eq!(first, b"olleh");
/// assert_eq!(second, b"hello");
/// ```
#[derive(Default)]
pub struct LineClient {
    waiting: RefCell<VecDeque<Resolver<Vec<u8>>>>,
    lost: RefCell<Option<Failure>>,
}

impl LineClient {
    /// A client with no request sent yet.
    pub fn new() -> LineClient {
        LineClient::default()
    }

    /// How many requests are waiting for their answer.
    pub fn waiting(&self) -> usize {
        self.waiting.borrow().len()
    }
}

impl LineReceiver<LineClient> {
    /// Sends `line` and gives a Deferred that fires with the line answering it.
    ///
    /// It fails with the connection's reason if the connection is lost first, or was
    /// already; and with an error saying so if the connection is not made yet.
    pub fn request(&self, line: &[u8]) -> Deferred<Vec<u8>> {
        if let Some(reason) = self.handler().lost.borrow().clone() {
            return fail(reason);
        }
        if self.transport().is_none() {
            return fail(Failure::msg("the line client is not connected yet"));
        }
        let (answer, resolver) = Deferred::new();
        self.handler().waiting.borrow_mut().push_back(resolver);
        self.send_line(line);
        answer
    }
}

impl LineHandler for LineClient {
    fn line_received(&self, _lines: &LineReceiver<Self>, line: &[u8]) {
        let next = self.waiting.borrow_mut().pop_front();
        if let Some(resolver) = next {
            resolver.callback(line.to_vec());
        }
    }

    fn connection_lost(&self, reason: Failure) {
        *self.lost.borrow_mut() = Some(reason.clone());
        // Each errback may make a request, which fails at once now; so the queue is
        // taken whole, not drained under a borrow.
        let waiting = std::mem::take(&mut *self.waiting.borrow_mut());
        for resolver in waiting {
            resolver.errback(reason.clone());
        }
    }
}

impl fmt::Debug for LineClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LineClient")
            .field("waiting", &self.waiting())
            .field("lost", &self.lost.borrow().is_some())
            .finish()
    }
}
