//! Multipliers and a factorial server in one process, on loopback: what `factorial demo`
//! and `factorial compare` run.

use std::io;
use std::rc::Rc;
use std::time::Duration;

use deferreds::Time;
use deferreds_reactor::Reactor;
use deferreds_xmlrpc::{Proxy, Server, ServerConfig};

use crate::{
    DEFAULT_MAX_N, Factorials, MultClient, Multiplier, MultiplierOptions, MultiplierPool,
    MultiplierService, RetryPolicy, Strategy, factorial_methods,
};

/// A running set: multiplier servers, the clients the factorial engine uses to reach
/// them, the pool over those, the engine, and the factorial server.
pub struct Cluster {
    /// The multiplier services, for their statistics.
    pub multipliers: Vec<Rc<MultiplierService>>,
    /// The session-wrapping clients of the multipliers.
    pub clients: Vec<Rc<MultClient>>,
    /// The pool over the clients.
    pub pool: Rc<MultiplierPool>,
    /// The factorial engine.
    pub factorials: Rc<Factorials>,
    /// The factorial server.
    pub server: Server,
}

impl Cluster {
    /// Starts `count` multipliers with `options` on 127.0.0.1, and a factorial server
    /// using them through a pool limited to `limit` calls each.
    ///
    /// # Errors
    ///
    /// If a port cannot be bound.
    pub fn start(
        reactor: &Reactor,
        count: usize,
        options: &MultiplierOptions,
        limit: usize,
        strategy: Strategy,
    ) -> io::Result<Cluster> {
        let time: Rc<dyn Time> = Rc::new(reactor.clone());
        let mut multipliers = Vec::new();
        let mut clients = Vec::new();
        for index in 0..count {
            let options =
                MultiplierOptions { seed: options.seed + index as u64, ..options.clone() };
            let service = MultiplierService::new(Rc::clone(&time), options);
            let server =
                Server::listen(reactor, "127.0.0.1:0", service.methods(), ServerConfig::default())?;
            let proxy = Proxy::new(reactor, &server.url()).map_err(io::Error::other)?;
            let policy = RetryPolicy { delay: Duration::from_millis(2), ..RetryPolicy::default() };
            clients.push(MultClient::new(proxy, Rc::clone(&time), policy));
            multipliers.push(service);
        }
        let members: Vec<Box<dyn Multiplier>> = clients
            .iter()
            .map(|client| Box::new(Rc::clone(client)) as Box<dyn Multiplier>)
            .collect();
        let pool = MultiplierPool::new(members, limit);
        let factorials = Factorials::new(Box::new(Rc::clone(&pool)), strategy);
        let methods = factorial_methods(Rc::clone(&factorials), DEFAULT_MAX_N);
        let server = Server::listen(reactor, "127.0.0.1:0", methods, ServerConfig::default())?;
        Ok(Cluster { multipliers, clients, pool, factorials, server })
    }
}
