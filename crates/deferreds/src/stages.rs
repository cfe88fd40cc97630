//! `Stages`: the queue of a chain's stages not yet run.

use std::panic::Location;
use std::rc::Rc;

use crate::chain::{Chain, On, Stage};
use crate::handler::Handler;
use crate::recycle;

/// A chain's stages not yet run, oldest first: a ring whose free places hold
/// `Stage::Spent`.
///
/// Not a `VecDeque`, whose `push_back` makes the stage in a temporary and copies it into
/// its place: the copy reads back in two halves what was just written in four words, and
/// the processor stalls on that at every `add_*`. Here a handler stage is written
/// straight into its place.
pub(crate) struct Stages {
    /// The ring; its length is zero or a power of two.
    slots: Vec<Stage>,
    /// Where the oldest stage is.
    head: usize,
    len: usize,
}

impl Stages {
    pub(crate) const fn new() -> Stages {
        Stages { slots: Vec::new(), head: 0, len: 0 }
    }

    /// An empty queue with room for `capacity` stages, rounded up to a power of two.
    pub(crate) fn with_capacity(capacity: usize) -> Stages {
        let mut slots = Vec::new();
        slots.resize_with(capacity.next_power_of_two(), || Stage::Spent);
        Stages { slots, head: 0, len: 0 }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub(crate) fn capacity(&self) -> usize {
        self.slots.len()
    }

    /// Queues a handler stage, made in its place.
    #[inline]
    pub(crate) fn push_handler(&mut self, on: On, call: Handler, at: &'static Location<'static>) {
        let place = self.next_free();
        let free = match on {
            On::Success => std::mem::replace(place, Stage::Callback(call, at)),
            On::Failure => std::mem::replace(place, Stage::Errback(call, at)),
            On::Both => std::mem::replace(place, Stage::Both(call, at)),
        };
        // A free place holds `Spent`, which owns nothing: forgetting it spares a call to
        // the stage's drop code on every push.
        debug_assert!(matches!(free, Stage::Spent));
        std::mem::forget(free);
    }

    /// Queues a stage handing the result to `target` (`Stage::Resume` or `Stage::Feed`).
    ///
    /// Given the stage's parts, so that the stage is made in its place once that is
    /// found. A stage made before would wait on the stack, and its copy into place would
    /// read back whole what was just written in parts, which stalls the processor.
    #[inline(always)]
    pub(crate) fn push(&mut self, stage: fn(Rc<Chain>) -> Stage, target: Rc<Chain>) {
        let place = self.next_free();
        let free = std::mem::replace(place, stage(target));
        debug_assert!(matches!(free, Stage::Spent));
        std::mem::forget(free);
    }

    /// Takes the oldest stage out.
    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Stage> {
        if self.len == 0 {
            return None;
        }
        let stage = std::mem::replace(&mut self.slots[self.head], Stage::Spent);
        self.head = (self.head + 1) & (self.slots.len() - 1);
        self.len -= 1;
        Some(stage)
    }

    /// Drops the queued stages, keeping the ring.
    pub(crate) fn clear(&mut self) {
        while let Some(stage) = self.pop() {
            drop(stage);
        }
    }

    /// The free place after the newest stage, which now counts as queued.
    #[inline]
    fn next_free(&mut self) -> &mut Stage {
        if self.len == self.slots.len() {
            self.grow();
        }
        let index = (self.head + self.len) & (self.slots.len() - 1);
        self.len += 1;
        &mut self.slots[index]
    }

    /// Makes room for one more stage: a ring from the pool for a queue that has none,
    /// otherwise one twice the size.
    #[cold]
    fn grow(&mut self) {
        if self.slots.is_empty() {
            *self = recycle::buffer();
            return;
        }
        let mut grown = Stages::with_capacity(2 * self.slots.len());
        while let Some(stage) = self.pop() {
            *grown.next_free() = stage;
        }
        *self = grown;
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;
    use std::rc::Rc;

    use super::Stages;
    use crate::chain::{Chain, On, Stage};

    fn location(stage: &Stage) -> Option<&'static Location<'static>> {
        match stage {
            Stage::Callback(_, at) | Stage::Errback(_, at) | Stage::Both(_, at) => Some(at),
            _ => None,
        }
    }

    #[test]
    fn stages_come_out_in_order_across_the_ring_edge_and_growth() {
        let here = Location::caller();
        let mut stages = Stages::with_capacity(4);
        let mut expected = std::collections::VecDeque::new();
        for round in 0..40_u32 {
            // Push three, pop two: the ring wraps, then has to grow.
            for _ in 0..3 {
                let at: &'static Location<'static> = Location::caller();
                stages.push_handler(On::Success, crate::handler::boxed(|_| unreachable!()), at);
                expected.push_back(at.line());
            }
            for _ in 0..2 {
                let stage = stages.pop().expect("a queued stage");
                assert_eq!(
                    location(&stage).map(Location::line),
                    expected.pop_front(),
                    "round {round}"
                );
            }
            assert_eq!(stages.len(), expected.len());
        }
        assert!(stages.capacity().is_power_of_two());
        stages.push(Stage::Resume, Chain::new(here, None));
        stages.clear();
        assert!(stages.is_empty());
        assert!(stages.pop().is_none());
    }

    #[test]
    fn clearing_drops_what_the_stages_hold() {
        let held = Rc::new(());
        let mut stages = Stages::new();
        for _ in 0..5 {
            let held = Rc::clone(&held);
            stages.push_handler(
                On::Both,
                crate::handler::boxed(move |_| {
                    drop(held);
                    unreachable!()
                }),
                Location::caller(),
            );
        }
        assert_eq!(Rc::strong_count(&held), 6);
        stages.clear();
        assert_eq!(Rc::strong_count(&held), 1);
    }
}
