//go:build !linux

package realtime

import (
	"errors"
	"syscall"
)

// poller is the epoll loop of poll_linux.go; elsewhere every connection has a reading
// goroutine instead.
type poller struct{}

func sharedPoller() *poller { return nil }

func (p *poller) add(*Conn, int) error             { return errors.ErrUnsupported }
func (p *poller) rearm(*Conn, int) bool            { return false }
func (p *poller) remove(*Conn, int)                {}
func readRaw(syscall.RawConn, []byte) (int, error) { return 0, errors.ErrUnsupported }
func wouldBlock(error) bool                        { return false }

func writeRaw(syscall.RawConn, []byte) (int, error) { return 0, errors.ErrUnsupported }
