//! Per-thread pools of the allocations every chain makes: the chain itself, the buffer
//! of its queued stages, and the boxes of its handlers.
//!
//! Most chains are created, given a handful of handlers, fired, and dropped, all in a few
//! hundred nanoseconds; allocating and freeing their memory would cost about as much as
//! running the handlers. So a chain whose last handle goes away, an emptied stage
//! buffer, and an emptied handler box are kept here (a few dozen at most) for the next
//! chain on the thread.

use std::any::{Any, TypeId};
use std::cell::RefCell;
use std::rc::Rc;

use crate::chain::Chain;
use crate::stages::Stages;

/// How many spare chains, and how many spare stage buffers, a thread keeps.
const POOL_SIZE: usize = 32;
/// Buffers that grew beyond this many stages are freed rather than kept.
const KEPT_CAPACITY: usize = 64;
/// A new buffer's capacity: most chains that queue at all queue up to a dozen.
const FIRST_CAPACITY: usize = 16;
/// How many emptied handler boxes a thread keeps.
const HANDLER_POOL_SIZE: usize = 16;
/// Handler boxes bigger than this are freed rather than kept.
const HANDLER_SIZE_LIMIT: usize = 64;

thread_local! {
    /// Unshared chains (no other strong or weak reference), reset to their initial state.
    static CHAINS: RefCell<Vec<Rc<Chain>>> = const { RefCell::new(Vec::new()) };
    static BUFFERS: RefCell<Vec<Stages>> = const { RefCell::new(Vec::new()) };
    static HANDLERS: RefCell<HandlerBoxes> =
        const { RefCell::new(HandlerBoxes { kept: Vec::new(), next_out: 0 }) };
}

/// Emptied handler boxes, by the type they held. Once full, each box kept replaces one
/// kept earlier, in turn: a box whose closure type never comes back must not hold its
/// place for good, or a program that has used a few dozen closures would keep none.
struct HandlerBoxes {
    kept: Vec<(TypeId, Box<dyn Any>)>,
    /// The place the next box goes to once `kept` is full.
    next_out: usize,
}

// `try_with` throughout: chains are created and dropped from other thread-locals'
// destructors at thread exit, after these pools may be gone; they then allocate and free.

/// A spare chain, unshared and in its initial state, if the thread has one.
pub(crate) fn chain() -> Option<Rc<Chain>> {
    CHAINS.try_with(|pool| pool.borrow_mut().pop()).ok().flatten()
}

/// Keeps a chain that has been reset to its initial state and has no other reference.
pub(crate) fn keep_chain(chain: Rc<Chain>) {
    debug_assert!(Rc::strong_count(&chain) == 1 && Rc::weak_count(&chain) == 0);
    let _ = CHAINS.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < POOL_SIZE {
            pool.push(chain);
        }
    });
}

/// An empty stage buffer with room for a few stages.
pub(crate) fn buffer() -> Stages {
    BUFFERS
        .try_with(|pool| pool.borrow_mut().pop())
        .ok()
        .flatten()
        .unwrap_or_else(|| Stages::with_capacity(FIRST_CAPACITY))
}

/// Whether an emptied stage buffer may stay with a kept chain: not so large that one
/// long chain would pin its memory for the life of the thread.
pub(crate) fn worth_keeping(buffer: &Stages) -> bool {
    buffer.capacity() <= KEPT_CAPACITY
}

/// Keeps an emptied stage buffer, or frees it.
pub(crate) fn keep_buffer(buffer: Stages) {
    debug_assert!(buffer.is_empty(), "only empty buffers are kept");
    if buffer.capacity() == 0 || !worth_keeping(&buffer) {
        return;
    }
    let _ = BUFFERS.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        if pool.len() < POOL_SIZE {
            pool.push(buffer);
        }
    });
}

/// An emptied handler box of type `B`, if the thread has one.
#[inline]
pub(crate) fn handler_box<B: 'static>() -> Option<Box<B>> {
    if size_of::<B>() > HANDLER_SIZE_LIMIT {
        return None;
    }
    HANDLERS
        .try_with(|pool| {
            let kept = &mut pool.borrow_mut().kept;
            let at = kept.iter().rposition(|(held, _)| *held == TypeId::of::<B>())?;
            kept.swap_remove(at).1.downcast::<B>().ok()
        })
        .ok()
        .flatten()
}

/// Keeps an emptied handler box, or frees it. Emptied: dropping it, or the box it
/// replaces, runs no code of the handler's, which matters because the pool is borrowed
/// meanwhile.
#[inline]
pub(crate) fn keep_handler_box<B: 'static>(emptied: Box<B>) {
    if size_of::<B>() > HANDLER_SIZE_LIMIT {
        return;
    }
    let _ = HANDLERS.try_with(|pool| {
        let mut pool = pool.borrow_mut();
        let entry = (TypeId::of::<B>(), emptied as Box<dyn Any>);
        if pool.kept.len() < HANDLER_POOL_SIZE {
            pool.kept.push(entry);
        } else {
            let out = pool.next_out;
            pool.kept[out] = entry;
            pool.next_out = (out + 1) % HANDLER_POOL_SIZE;
        }
    });
}
