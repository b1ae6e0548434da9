package server_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/servertest"
)

// TestAnnouncedBodiesAreNotReserved: a request body is held as it comes, not as long as its
// header says it will be. Forty connections each announce a body of 20 MB and send a byte
// of it: before, the server allocated each whole body up front (1.3 GB); now what is held
// grows with what was sent.
func TestAnnouncedBodiesAreNotReserved(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	addr := strings.TrimPrefix(env.URL, "http://")
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	const n = 40
	for range n {
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = nc.Close() })
		fmt.Fprintf(nc, "POST /api/v1/chats HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 20000000\r\n\r\n{", addr)
	}
	time.Sleep(500 * time.Millisecond) // the server reads the headers and the byte
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapInuse) - int64(before.HeapInuse); grew > 200<<20 {
		t.Fatalf("%d connections that sent a byte of an announced 20 MB body: the heap grew by %d MB", n, grew>>20)
	}
}

// TestBodyLimit: a body over the limit is refused with 413 whether its length is announced or
// it comes in chunks; one under it, in chunks, reaches its route whole.
func TestBodyLimit(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	addr := strings.TrimPrefix(env.URL, "http://")
	send := func(t *testing.T, head string, body io.Reader) *http.Response {
		t.Helper()
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer nc.Close()
		_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
		go func() {
			_, _ = io.WriteString(nc, head)
			_, _ = io.Copy(nc, body)
		}()
		resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		return resp
	}
	const over = 27 << 20
	t.Run("announced", func(t *testing.T) {
		// The client sends the start of its body and would go on: the server answers once it
		// has the header and a first piece of the body.
		resp := send(t, fmt.Sprintf("POST /api/v1/chats HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n", addr, over), strings.NewReader(strings.Repeat("x", 64<<10)))
		if resp.StatusCode != http.StatusRequestEntityTooLarge || !resp.Close {
			t.Fatalf("status %d, close %v", resp.StatusCode, resp.Close)
		}
	})
	chunked := func(size int) io.Reader {
		pr, pw := io.Pipe()
		go func() {
			chunk := strings.Repeat("x", 1<<20)
			for left := size; left > 0; left -= len(chunk) {
				c := chunk[:min(len(chunk), left)]
				if _, err := fmt.Fprintf(pw, "%x\r\n%s\r\n", len(c), c); err != nil {
					return
				}
			}
			_, _ = io.WriteString(pw, "0\r\n\r\n")
			_ = pw.Close()
		}()
		return pr
	}
	t.Run("chunked", func(t *testing.T) {
		resp := send(t, fmt.Sprintf("POST /api/v1/chats HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n", addr), chunked(over))
		if resp.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
	t.Run("chunked under the limit", func(t *testing.T) {
		// The REST API reads the body as JSON: 3 MB of x is bad JSON, answered 400 or 401,
		// not refused as too large and not cut off.
		resp := send(t, fmt.Sprintf("POST /api/v1/chats HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n", addr), chunked(3<<20))
		if resp.StatusCode == http.StatusRequestEntityTooLarge || resp.StatusCode >= 500 {
			t.Fatalf("status %d", resp.StatusCode)
		}
	})
}

// TestBodyCutOff: a client that goes away in the middle of its body leaves nothing behind. One
// that closes its side after part of an announced body is answered 400 and its connection
// closed, its request never reaching a route; fifty that drop their connections mid-body,
// announced or chunked, leave no goroutine reading them, and the server goes on answering.
func TestBodyCutOff(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	addr := strings.TrimPrefix(env.URL, "http://")
	dial := func(t *testing.T) *net.TCPConn {
		t.Helper()
		nc, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = nc.Close() })
		_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
		return nc.(*net.TCPConn)
	}
	for _, framing := range []string{"Content-Length: 100000\r\n\r\n", "Transfer-Encoding: chunked\r\n\r\n4000\r\n"} {
		t.Run("half closed "+strings.TrimSuffix(strings.Fields(framing)[0], ":"), func(t *testing.T) {
			// A form's body cut off would otherwise reach its route as a shorter form.
			nc := dial(t)
			fmt.Fprintf(nc, "POST /admin/login HTTP/1.1\r\nHost: %s\r\nContent-Type: application/x-www-form-urlencoded\r\n%slogin=a&note=%s", addr, framing, strings.Repeat("x", 10000))
			if err := nc.CloseWrite(); err != nil {
				t.Fatal(err)
			}
			resp, err := http.ReadResponse(bufio.NewReader(nc), nil)
			if err != nil {
				t.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			if resp.StatusCode != http.StatusBadRequest || !resp.Close {
				t.Fatalf("status %d, close %v; want 400 and the connection closed", resp.StatusCode, resp.Close)
			}
		})
	}
	t.Run("dropped", func(t *testing.T) {
		before := runtime.NumGoroutine()
		for i := range 50 {
			nc := dial(t)
			if i%2 == 0 {
				fmt.Fprintf(nc, "POST /api/v1/chats HTTP/1.1\r\nHost: %s\r\nContent-Length: 1000000\r\n\r\n%s", addr, strings.Repeat("x", 50000))
			} else {
				fmt.Fprintf(nc, "POST /api/v1/chats HTTP/1.1\r\nHost: %s\r\nTransfer-Encoding: chunked\r\n\r\n4000\r\n%s", addr, strings.Repeat("x", 5000))
			}
			_ = nc.SetLinger(0) // a reset, as a client that vanished
			_ = nc.Close()
		}
		deadline := time.Now().Add(10 * time.Second)
		for runtime.NumGoroutine() > before+10 {
			if time.Now().After(deadline) {
				t.Fatalf("goroutines %d, %d before fifty connections dropped mid-body", runtime.NumGoroutine(), before)
			}
			time.Sleep(20 * time.Millisecond)
		}
		resp, err := http.Get(env.URL + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("readyz %d after the dropped bodies", resp.StatusCode)
		}
	})
}
