//! `Handler`: a queued handler, boxed, and the reuse of its box.
//!
//! Every `add_*` on a pending chain boxes its closure. A closure that captures nothing
//! costs no allocation, but one that captures something (the Deferred it will return,
//! say) costs an allocation and a free, which is as much as the rest of its stage. So the
//! box of a capturing closure outlives the call: emptied, it waits in a per-thread pool
//! (see `recycle`) for the next closure of the same type, which most often comes from
//! the same `add_*` call a moment later.

use crate::chain::{Outcome, Step};
use crate::recycle;

/// A handler, type-erased: works on the chain's result in place and says what happens
/// next. In place, so that a callback mapping `T` to `T` leaves the result where it is
/// instead of moving it in and out through every layer of the loop.
pub(crate) type Handler = Box<dyn Call>;

/// What a boxed handler can do: run, once.
pub(crate) trait Call {
    fn call(self: Box<Self>, outcome: &mut Outcome) -> Step;
}

/// Boxes a handler, in a box emptied by an earlier handler of the same type if the
/// thread has one.
#[inline(always)]
pub(crate) fn boxed<F>(handler: F) -> Handler
where
    F: FnOnce(&mut Outcome) -> Step + 'static,
{
    // Known at compile time: a closure that captures nothing takes no room, and boxing
    // it allocates nothing.
    if size_of::<F>() == 0 {
        return Box::new(Plain(handler));
    }
    match recycle::handler_box::<Reused<F>>() {
        Some(mut kept) => {
            kept.0 = Some(handler);
            kept
        }
        None => Box::new(Reused(Some(handler))),
    }
}

/// A handler that takes no room: nothing to reuse.
struct Plain<F>(F);

impl<F: FnOnce(&mut Outcome) -> Step> Call for Plain<F> {
    fn call(self: Box<Self>, outcome: &mut Outcome) -> Step {
        (self.0)(outcome)
    }
}

/// A handler in a box that is kept for the next handler of its type once this one has
/// been taken out. `None` only while kept.
struct Reused<F>(Option<F>);

impl<F: FnOnce(&mut Outcome) -> Step + 'static> Call for Reused<F> {
    fn call(mut self: Box<Self>, outcome: &mut Outcome) -> Step {
        let handler = self.0.take().expect("a queued handler runs once");
        // Kept before the call, so that a handler adding another of its own type (a
        // retry loop, say) finds the box already free.
        recycle::keep_handler_box(self);
        handler(outcome)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;
    use std::rc::Rc;

    use super::boxed;
    use crate::chain::{Outcome, Step};

    fn run(handler: super::Handler) {
        let mut outcome: Outcome = Ok(Box::new(Some(0_u8)));
        assert!(matches!(handler.call(&mut outcome), Step::Next));
    }

    #[test]
    fn a_kept_box_carries_the_next_handler_of_its_type() {
        let calls = Rc::new(Cell::new(0));
        let mut boxes = Vec::new();
        for round in 0..4 {
            let counted = Rc::clone(&calls);
            let handler = move |_: &mut Outcome| {
                counted.set(counted.get() + 1);
                Step::Next
            };
            if round == 3 {
                // The allocator could hand back a freed box at the same address, so the
                // pool itself is asked too.
                assert!(is_kept(&handler), "the last handler's box waits in the pool");
                break;
            }
            let handler = boxed(handler);
            boxes.push(std::ptr::from_ref(&*handler).cast::<()>());
            run(handler);
        }
        assert_eq!(calls.get(), 3, "every handler ran once");
        assert_eq!(Rc::strong_count(&calls), 1, "every handler's captures were dropped");
        assert!(boxes.windows(2).all(|pair| pair[0] == pair[1]), "one box served all three");
    }

    #[test]
    fn boxes_of_closures_not_seen_again_make_way_for_new_ones() {
        let captured = Rc::new(());
        // Forty closure types, each run once: more than the pool holds.
        macro_rules! run_once {
            ($($n:literal)*) => {$(
                let held = Rc::clone(&captured);
                run(boxed(move |_: &mut Outcome| {
                    drop(held);
                    let _ = $n;
                    Step::Next
                }));
            )*};
        }
        run_once!(0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19);
        run_once!(20 21 22 23 24 25 26 27 28 29 30 31 32 33 34 35 36 37 38 39);
        for round in 0..2 {
            let held = Rc::clone(&captured);
            let handler = move |_: &mut Outcome| {
                drop(held);
                Step::Next
            };
            if round == 1 {
                assert!(is_kept(&handler), "the box of a new closure type was kept");
            }
            run(boxed(handler));
        }
        assert_eq!(Rc::strong_count(&captured), 1);
    }

    /// Whether the pool holds a box for handlers of `handler`'s type (taking it out).
    fn is_kept<F: 'static>(_handler: &F) -> bool {
        crate::recycle::handler_box::<super::Reused<F>>().is_some()
    }

    #[test]
    fn a_handler_never_run_drops_its_captures() {
        let held = Rc::new(());
        let captured = Rc::clone(&held);
        drop(boxed(move |_: &mut Outcome| {
            drop(captured);
            Step::Next
        }));
        assert_eq!(Rc::strong_count(&held), 1);
    }
}
