package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"

	"github.com/parleychat/parley/shared/protocol"
)

// Presence load: -presence N opens N loaders' presence sockets (as widget.js does on pages of a
// connector with visitor presence on), each reporting one page view and then idle, and holds
// them through the chat load. The server's heap is read from /metrics before and once they are
// all listed, so the result says what one idle presence socket costs the server.

// PresenceResult is the presence part of the result.
type PresenceResult struct {
	Sockets int `json:"presence_sockets"`
	// HeapPerSocket is the growth of the server's heap in use per presence socket, in bytes.
	HeapPerSocket int64 `json:"presence_heap_bytes_per_socket"`
}

// presenceSockets is a running presence load.
type presenceSockets struct {
	conns []*websocket.Conn
	res   PresenceResult
}

// openPresence opens n presence sockets on the connector and measures the heap they take.
func openPresence(ctx context.Context, base, ws, hash string, n int) (*presenceSockets, error) {
	before, err := heapInUse(ctx, base)
	if err != nil {
		return nil, err
	}
	p := &presenceSockets{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, n)
	sem := make(chan struct{}, 64)
	for i := range n {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			h := http.Header{}
			h.Set("Origin", base)
			c, _, err := websocket.Dial(ctx, ws+"/ws/presence", &websocket.DialOptions{HTTPHeader: h})
			if err != nil {
				errs <- fmt.Errorf("presence socket %d: %w", i, err)
				return
			}
			view, _ := json.Marshal(protocol.PresenceView{T: "view", Connector: hash, Page: base + "/load/" + strconv.Itoa(i), Title: "Load page", VisitorID: "load-" + strconv.Itoa(i)})
			if err := c.Write(ctx, websocket.MessageText, view); err != nil {
				errs <- fmt.Errorf("presence socket %d: %w", i, err)
				return
			}
			// The loader reads what the server sends (invitations); the load ignores it.
			go func() {
				for {
					if _, _, err := c.Read(ctx); err != nil {
						return
					}
				}
			}()
			mu.Lock()
			p.conns = append(p.conns, c)
			mu.Unlock()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		p.close()
		return nil, err
	}
	// The page views are taken in on the server's side once the sockets' first frames are read;
	// give them a moment, then measure.
	time.Sleep(time.Second)
	after, err := heapInUse(ctx, base)
	if err != nil {
		p.close()
		return nil, err
	}
	p.res = PresenceResult{Sockets: len(p.conns)}
	if n > 0 {
		p.res.HeapPerSocket = (after - before) / int64(n)
	}
	return p, nil
}

func (p *presenceSockets) close() {
	if p == nil {
		return
	}
	for _, c := range p.conns {
		_ = c.Close(websocket.StatusGoingAway, "")
	}
}

// heapInUse reads the server's go_memstats_heap_inuse_bytes from /metrics. The figure moves
// with the garbage collector, which is why many sockets are measured at once.
func heapInUse(ctx context.Context, base string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return 0, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, fmt.Errorf("read the server's metrics: %w", err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return int64(f), err
		}
	}
	return 0, fmt.Errorf("no go_memstats_heap_inuse_bytes in the server's metrics")
}
