//! `DeferredQueue`: a queue whose `get` returns a Deferred.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::error::Error;
use std::fmt;
use std::rc::Rc;

use crate::waiters::Waiters;
use crate::{Deferred, succeed};

/// A queue for event-driven code (Twisted's `DeferredQueue`). `get` returns a Deferred
/// that fires with the next item, at once if one is queued; `put` hands an item straight
/// to the oldest waiting `get`. Clones share one queue.
///
/// `size` bounds the items held and `backlog` the `get`s waiting; going past either is
/// an error returned at once, and nothing is lost: the item stays with the caller.
///
/// # Example: a producer and a consumer
///
/// ```
/// use deferreds::{testing, DeferredQueue};
///
/// let queue = DeferredQueue::bounded(Some(1), None);
/// let next = queue.get()?; // nothing queued yet: waits
/// queue.put("first")?;     // handed straight to the waiting get
/// assert_eq!(testing::success_result_of(next), "first");
/// queue.put("second")?;
/// assert!(queue.put("third").unwrap_err().is_overflow());
/// # Ok::<(), deferreds::QueueError<&str>>(())
/// ```
pub struct DeferredQueue<T> {
    inner: Rc<Inner<T>>,
}

struct Inner<T> {
    size: Option<usize>,
    backlog: Option<usize>,
    items: RefCell<VecDeque<T>>,
    waiting: Waiters<T>,
}

impl<T: 'static> DeferredQueue<T> {
    /// An unbounded queue.
    pub fn new() -> DeferredQueue<T> {
        DeferredQueue::bounded(None, None)
    }

    /// A queue holding at most `size` items, with at most `backlog` waiting `get`s
    /// (`None`: no limit).
    pub fn bounded(size: Option<usize>, backlog: Option<usize>) -> DeferredQueue<T> {
        DeferredQueue {
            inner: Rc::new(Inner {
                size,
                backlog,
                items: RefCell::new(VecDeque::new()),
                waiting: Waiters::new(),
            }),
        }
    }

    /// Adds an item: to the oldest waiting `get` if there is one, otherwise to the queue.
    ///
    /// # Errors
    ///
    /// An overflow error holding the item back if the queue already holds `size` items
    /// (Twisted's `QueueOverflow`).
    pub fn put(&self, item: T) -> Result<(), QueueError<T>> {
        let waiter = self.inner.waiting.pop();
        if let Some(waiter) = waiter {
            waiter.callback(item);
            return Ok(());
        }
        let mut items = self.inner.items.borrow_mut();
        if self.inner.size.is_some_and(|size| items.len() >= size) {
            return Err(QueueError { item: Some(item), limit: self.inner.size.unwrap_or(0) });
        }
        items.push_back(item);
        Ok(())
    }

    /// The next item, as a Deferred: fired at once if an item is queued, otherwise when
    /// one is put. Cancelling a waiting `get` removes it from the queue of waiters.
    ///
    /// # Errors
    ///
    /// An underflow error if `backlog` gets are already waiting (Twisted's
    /// `QueueUnderflow`).
    #[track_caller]
    pub fn get(&self) -> Result<Deferred<T>, QueueError<T>> {
        if let Some(item) = self.inner.items.borrow_mut().pop_front() {
            return Ok(succeed(item));
        }
        let waiting = self.inner.waiting.len();
        if let Some(backlog) = self.inner.backlog.filter(|&backlog| waiting >= backlog) {
            return Err(QueueError { item: None, limit: backlog });
        }
        Ok(self.inner.waiting.wait())
    }

    /// The number of items queued.
    pub fn len(&self) -> usize {
        self.inner.items.borrow().len()
    }

    /// Whether no item is queued.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of `get`s waiting for an item.
    pub fn waiting(&self) -> usize {
        self.inner.waiting.len()
    }
}

impl<T: 'static> Default for DeferredQueue<T> {
    fn default() -> DeferredQueue<T> {
        DeferredQueue::new()
    }
}

impl<T> Clone for DeferredQueue<T> {
    fn clone(&self) -> DeferredQueue<T> {
        DeferredQueue { inner: Rc::clone(&self.inner) }
    }
}

impl<T> fmt::Debug for DeferredQueue<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeferredQueue")
            .field("items", &self.inner.items.borrow().len())
            .field("waiting", &self.inner.waiting.len())
            .field("size", &self.inner.size)
            .field("backlog", &self.inner.backlog)
            .finish()
    }
}

/// A [`DeferredQueue`] limit was reached: too many items (`put`), or too many waiting
/// `get`s.
pub struct QueueError<T> {
    /// The item `put` could not queue; `None` for a `get`.
    item: Option<T>,
    limit: usize,
}

impl<T> QueueError<T> {
    /// Whether `put` found the queue full (Twisted's `QueueOverflow`).
    pub fn is_overflow(&self) -> bool {
        self.item.is_some()
    }

    /// Whether `get` found the backlog of waiting gets full (Twisted's `QueueUnderflow`).
    pub fn is_underflow(&self) -> bool {
        self.item.is_none()
    }

    /// The item that could not be put, handed back.
    pub fn into_item(self) -> Option<T> {
        self.item
    }
}

impl<T> fmt::Debug for QueueError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("QueueError")
            .field("overflow", &self.is_overflow())
            .field("limit", &self.limit)
            .finish()
    }
}

impl<T> fmt::Display for QueueError<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_overflow() {
            write!(f, "queue overflow: it already holds its limit of {} items", self.limit)
        } else {
            write!(f, "queue underflow: {} gets are already waiting, the backlog limit", self.limit)
        }
    }
}

impl<T> Error for QueueError<T> {}
