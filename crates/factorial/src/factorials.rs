//! [`Factorials`]: factorials computed through a [`Multiplier`], cached, never asked
//! twice, reusing the factorials met along the way.

use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::fmt;
use std::rc::Rc;

use deferreds::{CacheStats, Deferred, DeferredCache, Failure, ensure_deferred, gather_results};
use num_bigint::BigUint;

use crate::multiplier::Multiplier;

/// How the remote multiplications of one factorial are arranged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strategy {
    /// `((1 * 2) * 3) * ...`: one multiplication at a time, each factorial on the way
    /// remembered. The baseline.
    Sequential,
    /// A product tree: the numbers multiplied in pairs, the pairs in pairs, and so on;
    /// each level's multiplications all at once, as far as the multipliers allow.
    Tree,
}

/// What [`Factorials`] has done.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FactorialStats {
    /// `factorial` calls.
    pub requests: u64,
    /// Answered from the cache.
    pub cache_hits: u64,
    /// Joined to the same factorial already being computed instead of computing it again.
    pub joined: u64,
    /// Factorials actually computed.
    pub computed: u64,
    /// Computations that started from a smaller factorial already known.
    pub reused: u64,
    /// Multiplications asked of the multiplier.
    pub multiplications: u64,
}

/// Factorials through a multiplier.
///
/// `factorial(n)` is served from the cache when it can be; joins the computation of `n`
/// already under way when there is one (so the same factorial is never computed twice
/// at once); and otherwise starts from the largest factorial already known below `n`,
/// multiplying only the rest. Failures are not cached: the next request tries again.
///
/// # Example: in virtual time, with a multiplier that takes a second
///
/// ```
/// use deferreds::{task::Clock, testing};
/// use factorial::{Factorials, LocalMultiplier, Strategy};
/// use std::{rc::Rc, time::Duration};
///
/// let clock = Rc::new(Clock::new());
/// let multiplier = LocalMultiplier::new(clock.clone(), Duration::from_secs(1));
/// let factorials = Factorials::new(Box::new(multiplier), Strategy::Tree);
/// let (d, again) = (factorials.factorial(10), factorials.factorial(10));
/// clock.pump([Duration::from_secs(1); 4]); // four levels of the tree, a second each
/// assert_eq!(testing::success_result_of(d).to_string(), "3628800");
/// assert_eq!(testing::success_result_of(again).to_string(), "3628800");
/// assert_eq!(factorials.stats().computed, 1); // the second request joined the first
/// ```
pub struct Factorials {
    multiplier: Box<dyn Multiplier>,
    strategy: Strategy,
    cache: DeferredCache<u64, BigUint>,
    /// Every factorial computed, sub-factorials met along the way included.
    known: RefCell<BTreeMap<u64, BigUint>>,
    stats: Cell<FactorialStats>,
}

impl Factorials {
    /// Factorials computed through `multiplier`, arranged by `strategy`.
    pub fn new(multiplier: Box<dyn Multiplier>, strategy: Strategy) -> Rc<Factorials> {
        let known = BTreeMap::from([(0, BigUint::from(1u8)), (1, BigUint::from(1u8))]);
        Rc::new(Factorials {
            multiplier,
            strategy,
            cache: DeferredCache::new(),
            known: RefCell::new(known),
            stats: Cell::new(FactorialStats::default()),
        })
    }

    /// `n!`, when it comes.
    pub fn factorial(self: &Rc<Self>, n: u64) -> Deferred<BigUint> {
        self.count(|s| s.requests += 1);
        let this = Rc::clone(self);
        self.cache.get(n, move |&n| this.compute(n))
    }

    /// What it has done so far.
    pub fn stats(&self) -> FactorialStats {
        let CacheStats { hits, joined, .. } = self.cache.stats();
        FactorialStats { cache_hits: hits, joined, ..self.stats.get() }
    }

    fn count(&self, change: impl FnOnce(&mut FactorialStats)) {
        let mut stats = self.stats.get();
        change(&mut stats);
        self.stats.set(stats);
    }

    fn remember(&self, n: u64, value: &BigUint) {
        self.known.borrow_mut().entry(n).or_insert_with(|| value.clone());
    }

    fn compute(self: &Rc<Self>, n: u64) -> Deferred<BigUint> {
        let (m, base) = {
            let known = self.known.borrow();
            let (m, base) = known.range(..=n).next_back().expect("0! and 1! are known");
            (*m, base.clone())
        };
        if m == n {
            return deferreds::succeed(base);
        }
        self.count(|s| {
            s.computed += 1;
            s.reused += u64::from(m > 1);
        });
        let this = Rc::clone(self);
        ensure_deferred(async move {
            let value = match this.strategy {
                Strategy::Sequential => this.sequential(m, base, n).await?,
                Strategy::Tree => this.tree(m, base, n).await?,
            };
            this.remember(n, &value);
            Ok::<_, Failure>(value)
        })
    }

    fn multiply(&self, a: BigUint, b: BigUint) -> Deferred<BigUint> {
        self.count(|s| s.multiplications += 1);
        self.multiplier.multiply(a, b)
    }

    async fn sequential(&self, m: u64, base: BigUint, n: u64) -> Result<BigUint, Failure> {
        let mut product = base;
        for k in m + 1..=n {
            product = self.multiply(product, BigUint::from(k)).await?;
            self.remember(k, &product);
        }
        Ok(product)
    }

    /// Multiplies `m!, m+1, ..., n` as a tree. A node that covers `1..=k` is `k!`, and
    /// is remembered.
    async fn tree(&self, m: u64, base: BigUint, n: u64) -> Result<BigUint, Failure> {
        // With nothing to start from, 2 stands for 1..=2.
        let mut level: Vec<Node> = if m >= 2 {
            std::iter::once(Node { from_one: true, hi: m, value: base })
                .chain((m + 1..=n).map(Node::leaf))
                .collect()
        } else {
            (2..=n).map(Node::leaf).map(|node| Node { from_one: node.hi == 2, ..node }).collect()
        };
        while level.len() > 1 {
            let mut pairs = Vec::with_capacity(level.len() / 2);
            let mut shapes = Vec::with_capacity(level.len() / 2);
            let mut nodes = level.into_iter();
            let mut odd = None;
            while let Some(left) = nodes.next() {
                match nodes.next() {
                    Some(right) => {
                        shapes.push((left.from_one, right.hi));
                        pairs.push(self.multiply(left.value, right.value));
                    }
                    None => odd = Some(left),
                }
            }
            let products = gather_results(pairs).await?;
            level = shapes
                .into_iter()
                .zip(products)
                .map(|((from_one, hi), value)| Node { from_one, hi, value })
                .chain(odd)
                .collect();
            for node in level.iter().filter(|node| node.from_one) {
                self.remember(node.hi, &node.value);
            }
        }
        Ok(level.pop().map_or_else(|| BigUint::from(1u8), |node| node.value))
    }
}

/// Part of a product tree: the product of a range ending at `hi`.
struct Node {
    /// Whether the range starts at 1, making the value `hi!`.
    from_one: bool,
    hi: u64,
    value: BigUint,
}

impl Node {
    fn leaf(k: u64) -> Node {
        Node { from_one: false, hi: k, value: BigUint::from(k) }
    }
}

impl fmt::Debug for Factorials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Factorials")
            .field("strategy", &self.strategy)
            .field("known", &self.known.borrow().len())
            .field("stats", &self.stats())
            .finish()
    }
}
