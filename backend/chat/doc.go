// Package chat is Parley's chat service: it runs the life of every chat between the
// connections of visitors and agents, the store and the ACD engine.
//
// It owns the rules of a conversation — who may say what in which chat, in which part
// (owner, participant, observer, supervisor), the texts a visitor sees at each step, the
// reconnect window and idle timeout — and the guarantees of the protocol: commands retried
// with the same id are applied once (a retry of one still being committed waits for, and gets,
// the first answer; the same id with another body is a conflict); acknowledgements only after
// the commit; events numbered by the store without holes and delivered by package fanout.
//
// It is split by concept:
//
//   - session.go: the transport seam ([Conn]: what the service needs of a connection, which
//     the WebSocket endpoints and the compatibility adapters provide), sessions, dispatch,
//     the per-connection command rate and the connect deadline;
//   - chat.go: a live chat, its participants, writing its events, command idempotency;
//   - visitor.go and agent.go: the commands of each role;
//   - decisions.go: carrying out the routing engine's decisions (package routing runs it);
//   - supervise.go: the supervisors' live list of every open chat and taking chats over;
//   - transfer.go: handing a chat to another agent, group or connector; capacity.go: the
//     slots participants take in routing;
//   - timers.go: the reconnect window and the idle timeout;
//   - changes.go: settings changes arriving from the change bus after their commit;
//   - limits.go: the open-chat caps per visitor and per address;
//   - direct.go: chats between two agents, which routing never sees, and agents'
//     availability to colleagues.
//
// Package fanout delivers events (history, live, transient), package routing owns the ACD
// goroutine and package clock gives the time, so that the rules are tested with a fake
// connection and a fake clock.
//
// Locks, and who owns them: Service.mu guards the maps of live chats, signed-in agents,
// sessions and chat-request answers; it is held only to read or change those maps. Each
// liveChat's mu guards that chat's state, participants, timers and idempotency records, and is
// held while the chat's writes are enqueued so that they reach the store in the order the rules
// decided. Each Session's mu guards its connection's state. Locks are never nested except
// Service.mu → liveChat.mu in read-only scans, and the supervisors' lists' sendMu, held (first)
// while a list or an update is built and queued (supervise.go). Nothing waits on the store's commit queue or on
// the routing goroutine while holding any of them: enqueueing never blocks, a client's command
// waits for room in the queue before it takes a lock, and the committer's callbacks, which
// take a chat's lock, therefore never wait on a lock holder.
package chat
