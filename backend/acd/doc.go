// Package acd is the automatic chat distribution engine: it decides which agent is
// offered which chat, and when.
//
// # Shape
//
// The engine is pure: events in, decisions out. It does no I/O, starts no goroutines
// and never reads the clock; every input carries its time. So it is deterministic (the
// same events at the same times give the same decisions, whatever the map order), it
// can be tested by simulation with a fake clock, and benchmarked alone. It is not safe
// for concurrent use: the server owns one [Engine] from one goroutine, feeds it events
// through [Engine.Apply], carries out the returned decisions in order, and sends a
// [Tick] at [Engine.NextDeadline]. Every Apply first fires the timers already due, so
// a late Tick costs precision, never correctness.
//
// After a restart (or when a node takes over the engine) the owner sends the
// configuration ([ConnectorConfig], [GroupConfig], [AgentState]), then one
// [ChatRestored] per accepted chat, then one per waiting chat in queue order; timers
// run from the stored request, search and accept times.
//
// # Routing
//
// A connector distributes into one ACD group; several connectors may share a group.
// A group's queue holds its chats not yet accepted, ordered by connector priority
// (higher first), then request time, then arrival. An agent may take a chat when they
// are connected, their status allows chat, they have a free slot (offers count against
// MaxChats until accepted, declined or lapsed), the connector is below MaxChatsAll,
// they meet the skill requirements still in force, and they have not declined the chat
// or let it lapse, unless nobody else staffed for it remains. Among the agents who may
// take a chat, the group's [Strategy] picks one:
//
//   - longest_idle: the agent whose last offer (or becoming ready for chats, if later)
//     lies furthest back; ties by agent ID.
//   - least_busy: fewest chats relative to MaxChats; ties as longest_idle.
//   - round_robin: the next agent by ID after the one the group offered to last.
//
// The core invariant, checked after every step of the simulation tests: once Apply
// returns, no waiting chat is left that an agent with a free slot may take, and chats
// are offered in queue order. The engine keeps it without scanning the queue on every
// event: after each step it looks only at the agents that gained a slot and the chats
// that became waiting (or, when something group-wide changed, at the group's agents
// with a free slot); for an agent it walks its groups' per-connector waiting lists, in
// which skill requirements depend only on a chat's age, so each list falls into a few
// runs judged once each.
//
// An offer not accepted within ConnectWait is revoked and goes to the next agent; an
// accepted chat without a first reply within AnswerTime goes back to the queue at its
// original place. Both count as missed offers; MissedLimit misses in a row make the
// engine ask for MissedStatus and stop offering to the agent. A decline is a choice,
// not a miss. A chat no agent accepted within FreeAgentSearch of entering the queue
// is closed with [CloseNoAgent]; a chat that comes back to the queue from an agent
// (answer timeout, agent gone) starts a new search but keeps its place.
//
// # Targets
//
// A chat may carry a [Target] (WhosOn Hello's Department and Operator Name): a department
// offers it only to agents of that department, compared ignoring case, or of none; an
// agent offers it only to that agent. A target narrows who may take the chat and never
// widens it: group, skills, capacity and status still apply. A chat whose agent is not
// available waits for them, within FreeAgentSearch, and ends as any other chat then; a
// decline or a lapse brings it back to the same agent, as nobody else may take it. A
// waiting targeted chat holds back no chat behind it that it does not concern. The target
// is part of [ChatRequested] and [ChatRestored], so it survives a rebuild; [Engine.Staffed]
// counts only the agents a target admits. Transfers: a
// transfer to an agent is the owner's choice and ignores the target; one to a group or
// connector offers only to agents the department admits. Once a chat is handed over
// (transfer or takeover), its target agent is dropped: should it come back to the queue,
// it goes by department only.
//
// # Transfers and participants
//
// An owner hands an accepted chat on with [TransferRequested]: to one agent (offered to
// them only, whatever their groups), to a group (by its strategy) or to a connector (its
// group, skills and MaxChatsAll, as a new chat of it). The chat stays the owner's, and
// counts against the owner's capacity, until an agent accepts the [TransferOffer] (an
// [OfferAccepted], as for any offer); the offer holds a slot of the agent offered, as offers
// do. A transferred chat keeps its request time and priority, so it goes before waiting
// chats requested after it and after those requested before it. It is never offered to its
// owner. A decline moves a group's or connector's transfer to the next agent and ends one
// to an agent; when nobody accepted within the wait (the connect wait of the connector whose
// rules apply), [TransferFailed] tells the owner, who keeps the chat. A handover is
// [TransferDone]; a channel change moves the chat to the other connector then.
//
// Agents who write to the visitor beside the owner ([ParticipantJoined]) take a slot of
// their capacity as the chat's owner does; observers take none.
//
// # Estimated wait
//
// Each group keeps exponentially weighted moving averages (weight
// Options.EWMAWeight for the newest sample) of handling time (accept to close) and of
// waiting time (entering the queue to accept). For a chat with n chats ahead of it in
// its group's queue, with C the summed MaxChats of the group's agents who are
// connected and allow chat, and F their free slots:
//
//	need = n + 1 - F
//	C = 0                      -> -1 (unknown: nobody is there to take it)
//	need <= 0                  -> 0 (a slot is free for it)
//	handling time H known      -> need × H / C (C slots each turn over every H on average)
//	else waiting time W known  -> W
//	else                       -> -1 (unknown)
//
// rounded to the second. [Engine.QueueInfo] applies it to a chat requested now, placed
// after every queued chat of the same or higher priority.
//
// # Visitors' messages
//
// A chat entering the queue gets a [QueueUpdate] with its position at once; the
// others in the group get theirs when position or length changed, in [QueueUpdates]
// rounds of at most one per Options.QueueUpdateEvery (with ten thousand waiting chats
// every arrival changes everyone's "of N"). While not accepted, a chat gets a [QueueMessage]
// every Options.QueueMessageEvery and [WaitingMessage]s at Waiting1, Waiting2 and
// Final after entering the queue (WhosOn's linewaiting1, linewaiting2, final).
//
// # Explain
//
// Each chat keeps a bounded decision log: every routing attempt, the agent chosen, and
// up to Options.LogAgentsPerAttempt agents who were passed over with the reason ("at
// capacity 3/3", "skill english 2 < 4", "declined earlier"). [Engine.Explain] returns
// it, also for recently ended chats.
package acd
