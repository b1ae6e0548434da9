//go:build linux

package realtime

import (
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// poller waits for client bytes on every idle socket with one epoll instance and one goroutine,
// instead of a goroutine parked in Read per socket: an idle connection then holds no stack. A
// readable socket gets a short-lived goroutine that reads what is there, hands it on and arms
// the socket again (EPOLLONESHOT: one reader per socket at a time). The waiting goroutine runs
// only while sockets are registered.
//
// A reader that is done waits for the next readable socket, up to maxWaitingReaders of them,
// for up to readerIdle and while the loop runs: a fresh goroutine's stack grew to the depth of
// a command's handling on every frame, which in a burst of connects was a twentieth of the
// server's work.
type poller struct {
	mu      sync.Mutex
	epfd    int
	conns   map[int32]*Conn
	running bool
	stop    chan struct{} // closed when the loop ends, to end the waiting readers

	work    chan *Conn // a readable socket, for a waiting reader
	waiting atomic.Int32
	started atomic.Int64 // readers started, for tests
}

// maxWaitingReaders bounds the readers that wait for work, and readerIdle is how long one
// waits before it ends. Under load the sockets become readable in bursts (a commit's
// acknowledgements answered at once), each as large as the connections the commit served;
// readers that ended between two bursts because more than a few dozen waited were started
// again for the next one and grew their stacks again (3 % of the server's CPU in a profile of
// the closed loop at full load). Now they stay for as long as bursts keep coming, and an idle
// server lets them go within readerIdle.
const (
	maxWaitingReaders = 512
	readerIdle        = time.Second
)

var thePoller struct {
	once sync.Once
	p    *poller
}

// sharedPoller returns the process's poller, or nil when epoll is not available.
func sharedPoller() *poller {
	thePoller.once.Do(func() {
		fd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
		if err != nil {
			return
		}
		thePoller.p = &poller{epfd: fd, conns: make(map[int32]*Conn), work: make(chan *Conn)}
	})
	return thePoller.p
}

const pollEvents = unix.EPOLLIN | unix.EPOLLRDHUP | unix.EPOLLONESHOT

// add registers c's socket fd; c's readable runs when it has bytes (or was closed).
func (p *poller) add(c *Conn, fd int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	ev := unix.EpollEvent{Events: pollEvents, Fd: int32(fd)}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fd, &ev); err != nil {
		return err
	}
	p.conns[int32(fd)] = c
	if !p.running {
		p.running = true
		p.stop = make(chan struct{})
		go p.loop()
	}
	return nil
}

// rearm waits for c's next bytes; false when c is no longer registered.
func (p *poller) rearm(c *Conn, fd int) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[int32(fd)] != c {
		return false
	}
	ev := unix.EpollEvent{Events: pollEvents, Fd: int32(fd)}
	return unix.EpollCtl(p.epfd, unix.EPOLL_CTL_MOD, fd, &ev) == nil
}

// remove forgets c's socket; call it before the socket closes, so that its number, once
// reused, is not mistaken for c.
func (p *poller) remove(c *Conn, fd int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.conns[int32(fd)] != c {
		return
	}
	delete(p.conns, int32(fd))
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

func (p *poller) loop() {
	events := make([]unix.EpollEvent, 256)
	for {
		n, err := unix.EpollWait(p.epfd, events, 100)
		if err != nil && err != unix.EINTR {
			n = 0
		}
		p.mu.Lock()
		for _, ev := range events[:max(n, 0)] {
			if c := p.conns[ev.Fd]; c != nil {
				select {
				case p.work <- c:
				default:
					p.started.Add(1)
					go p.read(c, p.stop)
				}
			}
		}
		if n <= 0 && len(p.conns) == 0 {
			p.running = false
			close(p.stop)
			p.mu.Unlock()
			return
		}
		p.mu.Unlock()
	}
}

// read runs c's reader, then waits for another readable socket, unless enough readers wait
// already, until stop is closed or it has waited readerIdle.
func (p *poller) read(c *Conn, stop <-chan struct{}) {
	idle := time.NewTimer(readerIdle)
	defer idle.Stop()
	for {
		c.readable()
		if p.waiting.Add(1) > maxWaitingReaders {
			p.waiting.Add(-1)
			return
		}
		idle.Reset(readerIdle)
		select {
		case c = <-p.work:
			p.waiting.Add(-1)
		case <-idle.C:
			p.waiting.Add(-1)
			return
		case <-stop:
			p.waiting.Add(-1)
			return
		}
	}
}

// readRaw reads once from the socket without waiting: n 0 and err nil is the end of the
// stream, unix.EAGAIN means nothing is there yet.
func readRaw(rc syscall.RawConn, buf []byte) (int, error) { return rawOnce(rc.Read, unix.Read, buf) }

// wouldBlock reports whether a raw read found nothing to read.
func wouldBlock(err error) bool { return err == unix.EAGAIN }

// writeRaw writes once to the socket without waiting.
func writeRaw(rc syscall.RawConn, b []byte) (int, error) { return rawOnce(rc.Write, unix.Write, b) }

// rawOnce runs op (unix.Read or unix.Write) once on the socket's descriptor through use (the
// RawConn's Read or Write), without waiting for the socket to be ready: an interrupted call
// counts as one that would block, and a failed one moved no bytes.
func rawOnce(use func(func(uintptr) bool) error, op func(int, []byte) (int, error), b []byte) (n int, err error) {
	cerr := use(func(fd uintptr) bool {
		n, err = op(int(fd), b)
		return true
	})
	if cerr != nil {
		return 0, cerr
	}
	if err == unix.EINTR {
		err = unix.EAGAIN
	}
	if n < 0 {
		n = 0
	}
	return n, err
}
