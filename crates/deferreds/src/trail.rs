//! `Trail`: the steps a failure records as it travels, kept inline while they are few.

use crate::failure::Trace;

/// How many trail steps a failure keeps. A failure can pass a million handlers; a report
/// that long helps nobody, and the memory would grow with the chain.
pub(crate) const TRAIL_LIMIT: usize = 64;

/// How many steps are kept inside the failure itself. Most failures take a handful of
/// steps, and allocating for them, then freeing, would cost more than the rest of the
/// failure's journey down the chain.
const INLINE: usize = 12;

/// A failure's trail: at most `TRAIL_LIMIT` steps, the oldest half and the newest half.
#[derive(Clone)]
pub(crate) enum Trail {
    /// The first steps, in place; `steps[len..]` are filler.
    Inline { steps: [Trace; INLINE], len: usize },
    /// More steps than fit in place.
    Spilled {
        steps: Vec<Trace>,
        /// Steps dropped from the middle to keep the trail within `TRAIL_LIMIT`.
        omitted: usize,
    },
}

impl Trail {
    /// An empty trail; `filler` only fills the unused slots.
    pub(crate) fn new(filler: Trace) -> Trail {
        Trail::Inline { steps: [filler; INLINE], len: 0 }
    }

    pub(crate) fn steps(&self) -> &[Trace] {
        match self {
            Trail::Inline { steps, len } => &steps[..*len],
            Trail::Spilled { steps, .. } => steps,
        }
    }

    pub(crate) fn omitted(&self) -> usize {
        match self {
            Trail::Inline { .. } => 0,
            Trail::Spilled { omitted, .. } => *omitted,
        }
    }

    /// Adds a step. Inlined, for the common case of a free slot in place: a failure takes
    /// a step at every handler it passes.
    #[inline]
    pub(crate) fn push(&mut self, step: Trace) {
        match self {
            Trail::Inline { steps, len } if *len < INLINE => {
                steps[*len] = step;
                *len += 1;
            }
            _ => self.push_spilled(step),
        }
    }

    #[cold]
    fn push_spilled(&mut self, step: Trace) {
        match self {
            Trail::Inline { steps, .. } => {
                let mut spilled = Vec::with_capacity(2 * INLINE);
                spilled.extend_from_slice(steps);
                spilled.push(step);
                *self = Trail::Spilled { steps: spilled, omitted: 0 };
            }
            Trail::Spilled { steps, omitted } => {
                if steps.len() == TRAIL_LIMIT {
                    steps.remove(TRAIL_LIMIT / 2);
                    *omitted += 1;
                }
                steps.push(step);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::panic::Location;

    use super::{INLINE, Trail};
    use crate::failure::Trace;

    #[test]
    fn steps_keep_their_order_when_they_outgrow_the_inline_slots() {
        let here = Location::caller();
        let mut trail = Trail::new(Trace::Entered(here));
        assert!(trail.steps().is_empty());
        let steps: Vec<Trace> = (0..INLINE + 3)
            .map(|i| if i % 2 == 0 { Trace::RaisedIn(here) } else { Trace::PassedThrough(here) })
            .collect();
        for (count, &step) in steps.iter().enumerate() {
            trail.push(step);
            assert_eq!(trail.steps(), &steps[..=count], "after {} steps", count + 1);
        }
        assert!(matches!(trail, Trail::Spilled { .. }));
        assert_eq!(trail.omitted(), 0);
    }
}
