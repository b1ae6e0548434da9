package changes

import (
	"context"
	"slices"
	"sync"
	"sync/atomic"
)

// Local is the in-process [Bus] of a single server node. The zero value is not usable; create
// one with [NewLocal].
type Local struct {
	// chats is the current list of chat subscribers, replaced as a whole on every
	// subscribe and cancel, so that publishing reads it without a lock.
	chats  atomic.Pointer[[]*chatSub]
	closed atomic.Bool

	mu       sync.Mutex // guards chats' writers, settings and the closed transition
	settings []*settingSub
	wg       sync.WaitGroup // the settings subscribers' goroutines
}

var _ Bus = (*Local)(nil)

// NewLocal returns an empty in-process bus. Close it when the server stops.
func NewLocal() *Local {
	l := &Local{}
	l.chats.Store(&[]*chatSub{})
	return l
}

type chatSub struct {
	f    func(ChatEvent)
	live atomic.Bool
}

// PublishChat calls every chat subscriber with e, in subscription order, on the caller's
// goroutine.
func (l *Local) PublishChat(e ChatEvent) {
	if l.closed.Load() {
		return
	}
	for _, s := range *l.chats.Load() {
		if s.live.Load() && !l.closed.Load() {
			s.f(e)
		}
	}
}

// SubscribeChats adds f to the chat subscribers; see [Bus].
func (l *Local) SubscribeChats(f func(ChatEvent)) (cancel func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return func() {}
	}
	s := &chatSub{f: f}
	s.live.Store(true)
	l.chats.Store(new(append(slices.Clone(*l.chats.Load()), s)))
	return func() {
		if !s.live.Swap(false) {
			return
		}
		l.mu.Lock()
		defer l.mu.Unlock()
		l.chats.Store(new(slices.DeleteFunc(slices.Clone(*l.chats.Load()), func(x *chatSub) bool { return x == s })))
	}
}

// settingSub is one settings subscriber: its pending changes and the goroutine that delivers
// them.
type settingSub struct {
	f    func(Setting)
	wake chan struct{} // capacity 1: "the queue may have something"
	stop chan struct{} // closed by cancel or Close
	once sync.Once

	mu      sync.Mutex
	pending []Setting
	queued  uint64        // changes ever queued (not counting coalesced ones)
	handled uint64        // changes f has returned from
	moved   chan struct{} // closed and replaced whenever handled grows
}

// PublishSetting queues s for every settings subscriber and returns at once.
func (l *Local) PublishSetting(s Setting) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return
	}
	for _, sub := range l.settings {
		sub.push(s)
	}
}

// SubscribeSettings starts a goroutine that calls f with every settings change; see [Bus].
func (l *Local) SubscribeSettings(f func(Setting)) (cancel func()) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed.Load() {
		return func() {}
	}
	s := &settingSub{f: f, wake: make(chan struct{}, 1), stop: make(chan struct{}), moved: make(chan struct{})}
	l.settings = append(l.settings, s)
	l.wg.Add(1)
	go func() {
		defer l.wg.Done()
		s.run()
	}()
	return func() {
		l.mu.Lock()
		l.settings = slices.DeleteFunc(l.settings, func(x *settingSub) bool { return x == s })
		l.mu.Unlock()
		s.halt()
	}
}

// push queues c unless the same change is already the last one waiting.
func (s *settingSub) push(c Setting) {
	s.mu.Lock()
	if n := len(s.pending); n == 0 || s.pending[n-1] != c {
		s.pending = append(s.pending, c)
		s.queued++
	}
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// next takes the oldest waiting change.
func (s *settingSub) next() (Setting, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.pending) == 0 {
		return Setting{}, false
	}
	c := s.pending[0]
	s.pending = s.pending[1:]
	return c, true
}

func (s *settingSub) run() {
	for {
		select {
		case <-s.stop:
			return
		case <-s.wake:
		}
		for {
			c, ok := s.next()
			if !ok {
				break
			}
			select {
			case <-s.stop:
				return
			default:
			}
			s.f(c)
			s.mu.Lock()
			s.handled++
			close(s.moved)
			s.moved = make(chan struct{})
			s.mu.Unlock()
		}
	}
}

// Flush waits until every settings subscriber has handled every change published before the
// call, or ctx ends (its error is returned). Tests use it to act after a save has taken effect.
func (l *Local) Flush(ctx context.Context) error {
	l.mu.Lock()
	subs := slices.Clone(l.settings)
	l.mu.Unlock()
	for _, s := range subs {
		s.mu.Lock()
		want := s.queued
		s.mu.Unlock()
		for {
			s.mu.Lock()
			done, moved := s.handled >= want, s.moved
			s.mu.Unlock()
			if done {
				break
			}
			select {
			case <-moved:
			case <-s.stop:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return nil
}

func (s *settingSub) halt() { s.once.Do(func() { close(s.stop) }) }

// Close stops every delivery and waits for the settings subscribers' goroutines; see [Bus].
func (l *Local) Close() {
	l.mu.Lock()
	if l.closed.Swap(true) {
		l.mu.Unlock()
		l.wg.Wait()
		return
	}
	for _, s := range *l.chats.Load() {
		s.live.Store(false)
	}
	l.chats.Store(&[]*chatSub{})
	subs := l.settings
	l.settings = nil
	l.mu.Unlock()
	for _, s := range subs {
		s.halt()
	}
	l.wg.Wait()
}
