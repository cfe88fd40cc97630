//! `factorial demo`: the whole system in one process, and what it did.
//!
//! Two multipliers (slow, sometimes failing, with sessions that expire and a warm-up
//! that refuses the first sessions) serve a factorial server, which a client asks for a
//! set of factorials, some at the same time, some twice. Then one factorial is computed
//! again the slow way, one multiplication at a time on one multiplier, for comparison.

use std::fmt::Write as _;
use std::rc::Rc;
use std::time::{Duration, Instant};

use deferreds::{Deferred, Failure, ensure_deferred, gather_results};
use deferreds_reactor::Reactor;
use num_bigint::BigUint;

use crate::cluster::Cluster;
use crate::{FactorialClient, MultiplierOptions, Strategy};

/// The multipliers of the demo: 2 ms a multiplication, 2% failures, two refused
/// sessions each while warming up, sessions good for 40 multiplications.
pub fn demo_options() -> MultiplierOptions {
    MultiplierOptions {
        latency: Duration::from_millis(2),
        failure_rate: 0.02,
        warmup_refusals: 2,
        session_calls: Some(40),
        seed: 7,
    }
}

/// `n!`, computed here, to check the answers.
pub fn local_factorial(n: u64) -> BigUint {
    (2..=n).fold(BigUint::from(1u8), |product, k| product * k)
}

/// Runs the demo, printing as it goes; returns the report, or what went wrong.
///
/// # Errors
///
/// If the servers cannot start, or a factorial fails or comes back wrong.
pub fn run(out: Rc<dyn Fn(&str)>) -> Result<String, Failure> {
    let reactor = Reactor::new().map_err(Failure::new)?;
    let cluster =
        Cluster::start(&reactor, 2, &demo_options(), 2, Strategy::Tree).map_err(Failure::new)?;
    let client = FactorialClient::new(&reactor, &cluster.server.url()).map_err(Failure::new)?;
    out(&format!(
        "factorial server at {}, 2 multipliers (2 ms each, 2% failures, sessions of 40 calls), at most 2 calls each\n",
        cluster.server.url()
    ));
    let started = Instant::now();
    let asker = Asker { client, out: Rc::clone(&out) };
    let all = ensure_deferred(async move {
        // Wave one, all at once, 300 twice; wave two, when it is done.
        gather_results(vec![
            asker.ask(300, "(first asker)"),
            asker.ask(300, "(asked again while running: joins the first)"),
            asker.ask(200, ""),
            asker.ask(250, ""),
        ])
        .await?;
        gather_results(vec![
            asker.ask(300, "(again: from the cache)"),
            asker.ask(350, "(starts from 300!, already known)"),
        ])
        .await?;
        Ok::<_, Failure>(())
    });
    reactor.run_until(all)?;
    let tree_time = started.elapsed();
    out("and once more, one multiplication at a time on one multiplier...\n");

    // The baseline: the largest factorial again, one multiplication after another.
    let baseline_reactor = Reactor::new().map_err(Failure::new)?;
    let baseline = Cluster::start(&baseline_reactor, 1, &demo_options(), 1, Strategy::Sequential)
        .map_err(Failure::new)?;
    let at = Instant::now();
    baseline_reactor.run_until(baseline.factorials.factorial(350))?;
    let sequential_time = at.elapsed();

    let mut report = String::new();
    let stats = cluster.factorials.stats();
    let _ = writeln!(
        report,
        "factorial server: {} requests, {} from the cache, {} joined a computation under way, {} computed ({} starting from a known factorial), {} remote multiplications",
        stats.requests,
        stats.cache_hits,
        stats.joined,
        stats.computed,
        stats.reused,
        stats.multiplications
    );
    for (index, ((service, client), member)) in
        cluster.multipliers.iter().zip(&cluster.clients).zip(cluster.pool.stats()).enumerate()
    {
        let (s, c) = (service.stats(), client.stats());
        let _ = writeln!(
            report,
            "multiplier {}: {} calls, at most {} at once (limit {}); {} injected failures retried, {} sessions refused while warming up, {} sessions expired and renewed",
            index + 1,
            member.calls,
            member.max_in_flight,
            cluster.pool.limit(),
            s.injected_failures,
            s.refused_sessions,
            c.renewed_sessions
        );
    }
    let _ = writeln!(
        report,
        "time: {:.2} s for all of it with the product tree on 2 multipliers; {:.2} s for factorial(350) alone, one multiplication at a time on one",
        tree_time.as_secs_f64(),
        sequential_time.as_secs_f64()
    );
    Ok(report)
}

/// Asks for factorials and says how each went, as each comes in.
struct Asker {
    client: FactorialClient,
    out: Rc<dyn Fn(&str)>,
}

impl Asker {
    fn ask(&self, n: u64, label: &'static str) -> Deferred<()> {
        let (out, at) = (Rc::clone(&self.out), Instant::now());
        self.client.factorial(n).add_callback(move |value| {
            let correct = value == local_factorial(n);
            out(&format!(
                "  factorial({n:>3}) = {} digits in {:>4} ms {label}{}\n",
                value.to_string().len(),
                at.elapsed().as_millis(),
                if correct { "" } else { "  WRONG" }
            ));
            if correct {
                Ok(())
            } else {
                Err(Failure::msg(format!("factorial({n}) came back wrong")))
            }
        })
    }
}
