package server

import (
	"net"
	"syscall"
	"testing"

	"github.com/parleychat/parley/backend/config"
)

// TestListenWithoutKeepAlive: the connections the server accepts carry no TCP keep-alive,
// whose socket options cost three system calls per accepted connection.
func TestListenWithoutKeepAlive(t *testing.T) {
	s := &Server{cfg: config.Config{Addr: "127.0.0.1:0"}}
	if err := s.Listen(); err != nil {
		t.Fatal(err)
	}
	defer s.ln.Close()
	client, err := net.Dial("tcp", s.Addr())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	nc, err := s.ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	rc, err := nc.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	keep, serr := -1, error(nil)
	if err := rc.Control(func(fd uintptr) {
		keep, serr = syscall.GetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_KEEPALIVE)
	}); err != nil || serr != nil {
		t.Fatal(err, serr)
	}
	if keep != 0 {
		t.Fatalf("SO_KEEPALIVE is %d on an accepted connection", keep)
	}
}
