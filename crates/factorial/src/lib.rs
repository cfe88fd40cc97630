//! The tutorial's exercises, finished: remote multipliers over XML-RPC, a factorial
//! server that computes through them (cached, de-duplicated, limited, with sessions and
//! retries), a client, and `factorial demo` to watch it all work.
