// Package routing runs the ACD engine for the chat service: one goroutine owns the engine,
// applies the events the service submits (without making the submitter wait, since it may hold
// a chat's lock), fires the engine's timers at its deadlines, and hands each event's decisions,
// in order, to the service's executor on the same goroutine. It also turns the store's settings
// into the engine's.
//
// Nothing that holds a chat's lock may wait for this goroutine ([Router.Apply], [Router.Do]),
// because the executor takes chats' locks.
package routing

import (
	"log/slog"
	"sort"
	"sync"
	"time"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/chat/clock"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// Router owns an [acd.Engine] on one goroutine. Create it with [New], stop it with
// [Router.Close].
type Router struct {
	eng     *acd.Engine
	clk     clock.Clock
	execute func([]acd.Decision)
	log     *slog.Logger

	mu       sync.Mutex
	queue    []job
	closed   bool
	wake     chan struct{}
	stop     chan struct{}
	done     chan struct{}
	deadline time.Time   // the engine's next deadline a timer is set for
	timer    clock.Timer // fires at deadline
}

// job is an event to apply, or a query to run, on the router goroutine; reply, when set,
// receives the event's decisions once they have been carried out.
type job struct {
	ev    acd.Event
	query func(*acd.Engine)
	reply chan []acd.Decision
}

// New starts the router goroutine; execute carries out decisions on it.
func New(clk clock.Clock, execute func([]acd.Decision), log *slog.Logger) *Router {
	if log == nil {
		log = slog.Default()
	}
	r := &Router{eng: acd.New(), clk: clk, execute: execute, log: log,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

// Close stops the router; jobs still queued are answered with no decisions.
func (r *Router) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		<-r.done
		return
	}
	r.closed = true
	if r.timer != nil {
		r.timer.Stop()
	}
	r.mu.Unlock()
	close(r.stop)
	<-r.done
}

// Submit queues an event without waiting.
func (r *Router) Submit(ev acd.Event) { r.push(job{ev: ev}) }

// Apply queues an event and waits until its decisions have been carried out.
func (r *Router) Apply(ev acd.Event) []acd.Decision {
	reply := make(chan []acd.Decision, 1)
	r.push(job{ev: ev, reply: reply})
	return <-reply
}

// Do runs f on the router goroutine and waits for it. It also serves as a barrier: every event
// submitted before has been applied when it returns.
func (r *Router) Do(f func(*acd.Engine)) {
	reply := make(chan []acd.Decision, 1)
	r.push(job{query: f, reply: reply})
	<-reply
}

func (r *Router) push(j job) {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		if j.reply != nil {
			j.reply <- nil
		}
		return
	}
	r.queue = append(r.queue, j)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// QueueInfo asks the engine about a connector's queue (MiCC GetQueueInfo).
func (r *Router) QueueInfo(c acd.ConnectorID) acd.QueueInfo {
	var info acd.QueueInfo
	r.Do(func(e *acd.Engine) { info = e.QueueInfo(c, r.clk.Now()) })
	return info
}

// ChatInfo asks the engine about a chat (MiCC GetChatInfo).
func (r *Router) ChatInfo(c acd.ChatID) (acd.ChatInfo, bool) {
	var (
		info acd.ChatInfo
		ok   bool
	)
	r.Do(func(e *acd.Engine) { info, ok = e.ChatInfo(c) })
	return info, ok
}

// Explain returns the engine's decision log of a chat.
func (r *Router) Explain(c acd.ChatID) []acd.LogEntry {
	var out []acd.LogEntry
	r.Do(func(e *acd.Engine) { out = e.Explain(c) })
	return out
}

// Snapshot is the routing state for supervisors, taken in one go.
func (r *Router) Snapshot() acd.Snapshot {
	var snap acd.Snapshot
	r.Do(func(e *acd.Engine) { snap = e.Snapshot(r.clk.Now()) })
	return snap
}

// run is the router goroutine: it applies queued jobs and keeps a timer at the engine's next
// deadline, which queues a Tick.
func (r *Router) run() {
	defer close(r.done)
	for {
		r.mu.Lock()
		jobs := r.queue
		r.queue = nil
		r.mu.Unlock()
		type answer struct {
			to chan []acd.Decision
			ds []acd.Decision
		}
		var answers []answer
		for _, j := range jobs {
			var ds []acd.Decision
			if j.query != nil {
				j.query(r.eng)
			} else {
				ds = r.eng.Apply(r.clk.Now(), j.ev)
				r.execute(ds)
			}
			if j.reply != nil {
				answers = append(answers, answer{j.reply, ds})
			}
		}
		// The timer is set before anyone waiting hears back, so that a caller who then moves
		// the clock (a test's fake one) finds it armed at the engine's deadline.
		r.arm()
		for _, a := range answers {
			a.to <- a.ds
		}
		select {
		case <-r.stop:
			r.mu.Lock()
			jobs := r.queue
			r.queue = nil
			r.mu.Unlock()
			for _, j := range jobs {
				if j.reply != nil {
					j.reply <- nil
				}
			}
			return
		case <-r.wake:
		}
	}
}

// arm sets the timer for the engine's next deadline, if it moved.
func (r *Router) arm() {
	next, ok := r.eng.NextDeadline()
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed || (ok && next.Equal(r.deadline) && r.timer != nil) {
		return
	}
	if r.timer != nil {
		r.timer.Stop()
		r.timer = nil
	}
	r.deadline = next
	if !ok {
		return
	}
	r.timer = r.clk.AfterFunc(max(next.Sub(r.clk.Now()), 0), func() {
		r.mu.Lock()
		r.timer = nil
		r.deadline = time.Time{}
		r.mu.Unlock()
		r.Submit(acd.Tick{})
	})
}

// ConnectorConfig turns a stored connector into the engine's settings; loc is the tenant's
// time zone, in which its opening hours are written.
func ConnectorConfig(c store.Connector, loc *time.Location) acd.ConnectorConfig {
	cfg := acd.ConnectorConfig{
		Connector: acd.ConnectorID(c.ID), Group: acd.GroupID(c.GroupID), Priority: c.Priority, MaxChatsAll: c.MaxChatsAll,
		ConnectWait: c.ConnectWait, AnswerTime: c.AnswerTime, FreeAgentSearch: c.FreeAgentSearch,
		IgnoreSkillsAfter: c.IgnoreSkillsAfter, IgnoreSkillsIfNoneSkilled: c.IgnoreSkillsIfNoneSkilled, OutOfService: c.OutOfService,
		Waiting1: c.Waiting1, Waiting2: c.Waiting2, Final: c.WaitingFinal,
	}
	for i, sk := range c.Skills {
		cfg.Skills[i] = acd.SkillReq{Skill: sk.Skill, Min: sk.Min, IgnoreAfter: sk.IgnoreAfter}
	}
	// Hours were validated when saved; a document that no longer parses leaves the connector
	// always open rather than closing it by surprise.
	if hours, err := store.ParseOpeningHours(c.OpeningHours); err == nil && hours != nil {
		sch := &acd.Schedule{Location: loc}
		for day, ranges := range hours.Weekly() {
			for _, r := range ranges {
				sch.Weekly[day] = append(sch.Weekly[day], acd.Interval{Start: r.Start, End: r.End})
			}
		}
		for _, d := range hours.ClosedDates() {
			sch.Closed = append(sch.Closed, acd.Date{Year: d.Year(), Month: d.Month(), Day: d.Day()})
		}
		cfg.Hours = sch
	}
	return cfg
}

// GroupConfig turns a stored group into the engine's settings.
func GroupConfig(g store.ACDGroup) acd.GroupConfig {
	return acd.GroupConfig{Group: acd.GroupID(g.ID), Strategy: acd.Strategy(g.Strategy)}
}

// AgentState turns a user and their status into the engine's view of the agent.
func AgentState(u store.User, statuses []store.AgentStatus, connected bool) acd.AgentState {
	st := acd.AgentState{Agent: acd.AgentID(u.ID), Skills: u.Skills, MaxChats: u.MaxChats, Connected: connected && u.Active,
		MissedLimit: u.MissedLimit, MissedStatus: u.MissedStatusID, Department: u.Department}
	for _, g := range u.Groups {
		st.Groups = append(st.Groups, acd.GroupID(g))
	}
	for _, s := range statuses {
		if s.ID == u.StatusID {
			st.AllowsChat = s.AllowsChat
		}
	}
	return st
}

// Location loads a tenant's time zone; the store validated it, so failure means UTC.
func Location(name string) *time.Location {
	if loc, err := time.LoadLocation(name); err == nil {
		return loc
	}
	return time.UTC
}

// Restored is the engine's event for an open chat loaded from the database: a chat an agent
// accepted keeps them, with its times; others wait in the queue from their request.
func Restored(rec store.Chat) acd.ChatRestored {
	ev := acd.ChatRestored{Chat: acd.ChatID(rec.ID), Connector: acd.ConnectorID(rec.ConnectorID), RequestedAt: rec.CreatedAt,
		Target: acd.Target{Department: rec.TargetDepartment, Agent: acd.AgentID(rec.TargetAgentID)}}
	if rec.State == string(protocol.StateActive) && rec.AgentID != 0 {
		ev.Agent = acd.AgentID(rec.AgentID)
		if rec.AcceptedAt != nil {
			ev.AcceptedAt = *rec.AcceptedAt
		}
		if rec.FirstReplyAt != nil {
			ev.FirstReplyAt = *rec.FirstReplyAt
		}
	}
	return ev
}

// SortRestored orders open chats for the engine: those that hold an agent's capacity first,
// then the waiting ones in queue order, so that no waiting chat is offered into a slot an
// accepted one holds.
func SortRestored(chats []store.Chat) {
	sort.SliceStable(chats, func(i, j int) bool {
		ai, aj := chats[i].State == string(protocol.StateActive), chats[j].State == string(protocol.StateActive)
		if ai != aj {
			return ai
		}
		return chats[i].CreatedAt.Before(chats[j].CreatedAt)
	})
}
