package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// Idle sockets: -idle N connects N visitors (dial and visitor.connect, as the widget does on
// every page view) and leaves them idle, answering the server's heartbeats. The figures are the
// time all the connects took and, after -settle, the growth of the server's resident memory
// (VmRSS of /proc/<pid>/status) per socket beyond the first tenth of them.

// IdleResult is the idle sockets' part of the result.
type IdleResult struct {
	IdleSockets int `json:"idle_sockets,omitempty"`
	// ConnectS is the time from the first dial to the last socket's visitor.connect answered.
	ConnectS float64 `json:"connect_s,omitempty"`
	// IdleKiBPerConn is the server's resident memory growth per socket, in KiB, from the
	// first tenth of the sockets connected to all of them.
	IdleKiBPerConn float64 `json:"idle_kib_per_conn,omitempty"`
}

// idleDialers is how many sockets connect at once.
const idleDialers = 64

// idleSlack is the files beside the sockets a process needs (database, logs, listeners).
const idleSlack = 200

func runIdle(ctx context.Context, o options, ws, hash string) (Result, error) {
	for who, pid := range map[string]int{"the server": o.serverPID, "parley-load": os.Getpid()} {
		limit, err := openFilesLimit(pid)
		if err != nil {
			return Result{}, fmt.Errorf("%s's open-file limit: %w", who, err)
		}
		if limit >= 0 && limit < int64(o.idle+idleSlack) {
			return Result{}, fmt.Errorf("%s may open %d files, too few for %d sockets: raise its hard limit (ulimit -Hn)", who, limit, o.idle)
		}
	}
	conns := make([]idleSocket, o.idle)
	defer func() {
		var wg sync.WaitGroup
		for _, c := range conns {
			if c != nil {
				wg.Go(c.Drop)
			}
		}
		wg.Wait()
	}()
	// The first tenth of the sockets (at least one) warms the server up: its heap grows to
	// hold connections, the garbage of starting is handed back, pools fill. The figure is the
	// memory the other nine tenths add, read once it has settled, per socket: what one more
	// idle socket costs, whatever the server held before.
	first := max(1, o.idle/10)
	took, err := connectIdle(ctx, ws, hash, conns[:first], 0)
	if err != nil {
		return Result{}, err
	}
	before, err := settledResidentKiB(ctx, o.serverPID)
	if err != nil {
		return Result{}, fmt.Errorf("the server's memory: %w", err)
	}
	rest, err := connectIdle(ctx, ws, hash, conns[first:], first)
	if err != nil {
		return Result{}, err
	}
	select {
	case <-time.After(o.settle):
	case <-ctx.Done():
		return Result{}, ctx.Err()
	}
	for i, c := range conns {
		select {
		case <-c.Done():
			return Result{}, fmt.Errorf("idle socket %d closed while idle: %v", i, c.Err())
		default:
		}
	}
	after, err := settledResidentKiB(ctx, o.serverPID)
	if err != nil {
		return Result{}, fmt.Errorf("the server's memory: %w", err)
	}
	perConn := 0.0
	if n := o.idle - first; n > 0 {
		perConn = float64(after-before) / float64(n)
	}
	return Result{IdleResult: IdleResult{
		IdleSockets:    o.idle,
		ConnectS:       round((took + rest).Seconds()),
		IdleKiBPerConn: round(perConn),
	}}, nil
}

// connectIdle connects a socket into each of conns (numbered from base), idleDialers at once,
// and returns the time the connects took; the first failure ends it.
func connectIdle(ctx context.Context, ws, hash string, conns []idleSocket, base int) (time.Duration, error) {
	next := make(chan int)
	errs := make(chan error, idleDialers)
	var wg sync.WaitGroup
	start := time.Now()
	for range idleDialers {
		wg.Go(func() {
			for i := range next {
				n := strconv.Itoa(base + i)
				c, err := dialVisitor(ctx, ws+"/ws/visitor", "idle"+n+"-1", &protocol.VisitorConnect{Connector: hash, Lang: "en", Page: "http://load.test/idle/" + n})
				if err == nil {
					conns[i] = c
				}
				if err != nil {
					errs <- fmt.Errorf("idle socket %s: %w", n, err)
					return
				}
			}
		})
	}
	var failed error
dial:
	for i := range conns {
		select {
		case next <- i:
		case failed = <-errs:
			break dial
		case <-ctx.Done():
			failed = ctx.Err()
			break dial
		}
	}
	close(next)
	wg.Wait()
	took := time.Since(start)
	if failed == nil {
		select {
		case failed = <-errs:
		default:
		}
	}
	return took, failed
}

// settledResidentKiB reads the server's resident memory once it has stopped shrinking (for at
// most 30 s): right after its start it still holds the garbage of starting (the demo data, the
// web apps) until the runtime hands it back, and a reading then would count its release
// against the sockets.
func settledResidentKiB(ctx context.Context, pid int) (int64, error) {
	const step, calm, slack = 500 * time.Millisecond, 4, 1024 // 2 s within 1 MiB
	deadline := time.Now().Add(30 * time.Second)
	var seen []int64
	for {
		kib, err := residentKiB(pid)
		if err != nil {
			return 0, err
		}
		seen = append(seen, kib)
		if len(seen) > calm {
			seen = seen[1:]
			lo, hi := slices.Min(seen), slices.Max(seen)
			if hi-lo <= slack || time.Now().After(deadline) {
				return kib, nil
			}
		}
		select {
		case <-time.After(step):
		case <-ctx.Done():
			return 0, ctx.Err()
		}
	}
}
