//! Protocols every application needs (Twisted's `twisted.protocols.basic`).
