//! A line-based chat server, the classic first Twisted server: each client picks a name,
//! then every line it sends goes to everyone else in the room.
//!
//! `cargo run -p deferreds-reactor --example chat_server [-- --port N]`, then, in other
//! terminals, `nc 127.0.0.1 PORT` (or `telnet`). Commands: `/who` lists the room, `/quit`
//! leaves. It serves on 127.0.0.1 until Ctrl-C.
//!
//! The room is shared state on the reactor's thread: no locks, since every protocol runs
//! there, one event at a time.

use std::cell::{Cell, RefCell};
use std::process::ExitCode;
use std::rc::Rc;

use deferreds::{Deferred, Failure};
use deferreds_reactor::net::basic::{LineHandler, LineReceiver};
use deferreds_reactor::net::{ServerEndpoint, Transport};
use deferreds_reactor::{Phase, SystemEvent, react};

/// Everyone connected, by the name they chose.
#[derive(Default)]
struct Room {
    members: RefCell<Vec<(String, Transport)>>,
}

impl Room {
    fn has(&self, name: &str) -> bool {
        self.members.borrow().iter().any(|(member, _)| member == name)
    }

    fn names(&self) -> Vec<String> {
        self.members.borrow().iter().map(|(name, _)| name.clone()).collect()
    }

    /// Sends `line` to everyone but `from`.
    fn broadcast(&self, from: &str, line: &str) {
        // Cloned out first: a write may not call back here, but a later change might.
        let others: Vec<Transport> = self
            .members
            .borrow()
            .iter()
            .filter(|(name, _)| name != from)
            .map(|(_, transport)| transport.clone())
            .collect();
        for transport in others {
            transport.write_many([line.as_bytes(), b"\r\n"]);
        }
    }

    fn leave(&self, name: &str) {
        self.members.borrow_mut().retain(|(member, _)| member != name);
    }
}

/// One client: first it is asked for a name, then it chats.
struct Member {
    room: Rc<Room>,
    name: RefCell<Option<String>>,
}

impl Member {
    fn new(room: Rc<Room>) -> Member {
        Member { room, name: RefCell::new(None) }
    }

    fn choose_name(&self, lines: &LineReceiver<Self>, name: &str) {
        if name.is_empty() || name.contains(char::is_whitespace) {
            lines.send_line(b"A name is one word. What is your name?");
        } else if self.room.has(name) {
            lines.send_line(b"That name is taken. What is your name?");
        } else if let Some(transport) = lines.transport() {
            lines.send_line(format!("Welcome, {name}! In the room: {}", self.who()).as_bytes());
            self.room.broadcast(name, &format!("* {name} has joined"));
            self.room.members.borrow_mut().push((name.to_owned(), transport));
            *self.name.borrow_mut() = Some(name.to_owned());
        }
    }

    fn who(&self) -> String {
        let names = self.room.names();
        if names.is_empty() { "nobody yet".to_owned() } else { names.join(", ") }
    }
}

impl LineHandler for Member {
    fn connection_made(&self, lines: &LineReceiver<Self>) {
        lines.send_line(b"What is your name?");
    }

    fn line_received(&self, lines: &LineReceiver<Self>, line: &[u8]) {
        let line = String::from_utf8_lossy(line);
        let line = line.trim();
        let name = self.name.borrow().clone();
        match (name, line) {
            (None, name) => self.choose_name(lines, name),
            (Some(_), "/who") => lines.send_line(format!("In the room: {}", self.who()).as_bytes()),
            (Some(_), "/quit") => {
                lines.send_line(b"Bye!");
                if let Some(transport) = lines.transport() {
                    transport.lose_connection();
                }
            }
            (Some(name), text) => self.room.broadcast(&name, &format!("<{name}> {text}")),
        }
    }

    fn connection_lost(&self, _reason: Failure) {
        if let Some(name) = self.name.borrow_mut().take() {
            self.room.leave(&name);
            self.room.broadcast(&name, &format!("* {name} has left"));
        }
    }
}

/// The port asked for with `--port N`, or 0 for a free one.
fn port_argument() -> Result<u16, String> {
    match std::env::args().skip(1).collect::<Vec<_>>().as_slice() {
        [] => Ok(0),
        [flag, value] if flag == "--port" => {
            value.parse().map_err(|_| format!("--port {value}: not a port number"))
        }
        _ => Err("usage: chat_server [--port N]".to_owned()),
    }
}

fn main() -> ExitCode {
    let port = match port_argument() {
        Ok(port) => port,
        Err(message) => {
            eprintln!("chat_server: {message}");
            return ExitCode::FAILURE;
        }
    };
    react(|reactor| {
        let room = Rc::new(Room::default());
        let members = Cell::new(0);
        let factory = move || {
            members.set(members.get() + 1);
            LineReceiver::new(Member::new(Rc::clone(&room)))
        };
        // Serves until the reactor is stopped, by Ctrl-C say.
        let (served, done) = Deferred::new();
        reactor.add_system_event_trigger(Phase::Before, SystemEvent::Shutdown, move || {
            done.callback(());
            Ok::<_, Failure>(())
        });
        ServerEndpoint::tcp(("127.0.0.1", port)).listen(reactor, factory).add_callback(
            move |port| {
                println!("chat server on {}; connect with `nc` and type away", port.address());
                served
            },
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use deferreds_reactor::net::testing::{Pump, connect_pair};

    /// A client's side: what it heard, and its transport to type with.
    struct Client {
        heard: Rc<RefCell<Vec<u8>>>,
        pump: Pump,
    }

    impl Client {
        fn join(room: &Rc<Room>) -> Client {
            struct Ear(Rc<RefCell<Vec<u8>>>);
            impl deferreds_reactor::net::Protocol for Ear {
                fn data_received(&self, _: &Transport, data: &[u8]) {
                    self.0.borrow_mut().extend_from_slice(data);
                }
            }
            let heard = Rc::new(RefCell::new(Vec::new()));
            let server = Rc::new(LineReceiver::new(Member::new(Rc::clone(room))));
            let pump = connect_pair(server, Rc::new(Ear(Rc::clone(&heard))));
            pump.flush();
            Client { heard, pump }
        }

        fn say(&self, line: &str) {
            self.pump.client().write_many([line.as_bytes(), b"\r\n"]);
            self.pump.flush();
        }

        fn heard(&self) -> String {
            String::from_utf8(self.heard.take()).unwrap()
        }
    }

    #[test]
    fn members_choose_names_and_hear_each_other() {
        let room = Rc::new(Room::default());
        let alice = Client::join(&room);
        assert_eq!(alice.heard(), "What is your name?\r\n");
        alice.say("alice");
        assert_eq!(alice.heard(), "Welcome, alice! In the room: nobody yet\r\n");

        let bob = Client::join(&room);
        bob.say("alice");
        assert!(bob.heard().ends_with("That name is taken. What is your name?\r\n"));
        bob.say("bob");
        assert_eq!(bob.heard(), "Welcome, bob! In the room: alice\r\n");
        alice.pump.flush();
        assert_eq!(alice.heard(), "* bob has joined\r\n");

        bob.say("hello");
        alice.pump.flush();
        assert_eq!(alice.heard(), "<bob> hello\r\n");
        assert_eq!(bob.heard(), "", "a member does not hear itself");

        alice.say("/who");
        assert_eq!(alice.heard(), "In the room: alice, bob\r\n");
    }

    #[test]
    fn quitting_closes_the_connection_and_tells_the_room() {
        let room = Rc::new(Room::default());
        let alice = Client::join(&room);
        alice.say("alice");
        let bob = Client::join(&room);
        bob.say("bob");
        alice.pump.flush();
        alice.heard();

        bob.say("/quit");
        assert!(bob.heard().ends_with("Bye!\r\n"));
        assert!(bob.pump.client().is_closed(), "the server closed bob's connection");
        alice.pump.flush();
        assert_eq!(alice.heard(), "* bob has left\r\n");
        assert_eq!(room.names(), ["alice"]);
    }
}
