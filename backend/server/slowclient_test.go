package server_test

import (
	"io"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/config"
	"github.com/parleychat/parley/backend/servertest"
)

// TestSlowRequestsAreCutOff: on every listener (the main one, MiCC's and WhosOn's), a client
// that sends its request's headers a byte at a time has its connection closed once the read
// timeout has passed, instead of holding it (and its buffers) for as long as it likes.
func TestSlowRequestsAreCutOff(t *testing.T) {
	env := servertest.Start(t, servertest.Options{Configure: func(c *config.Config) {
		c.ReadTimeout = 400 * time.Millisecond
		c.MiCCAddr = "127.0.0.1:0"
		c.WhosOnAddr = "127.0.0.1:0"
	}})
	for name, addr := range map[string]string{
		"main":   strings.TrimPrefix(env.URL, "http://"),
		"MiCC":   env.Server.MiCCAddr(),
		"WhosOn": env.Server.WhosOnAddr(),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(10 * time.Second))
			if _, err := nc.Write([]byte("GET / HTTP/1.1\r\nHost: " + addr + "\r\n")); err != nil {
				t.Fatal(err)
			}
			closed := make(chan struct{})
			go func() { // a header line's byte every 100 ms, never its end
				defer close(closed)
				for {
					time.Sleep(100 * time.Millisecond)
					if _, err := nc.Write([]byte("X")); err != nil {
						return
					}
				}
			}()
			start := time.Now()
			got, _ := io.ReadAll(nc) // until the server closes (an answer, if any, before that)
			if took := time.Since(start); took > 5*time.Second {
				t.Fatalf("still open after %v (read %q)", took, got)
			}
			if strings.Contains(string(got), " 200 ") {
				t.Fatalf("an incomplete request was answered: %q", got)
			}
			_ = nc.Close()
			<-closed
		})
	}
}
