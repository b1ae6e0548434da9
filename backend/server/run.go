package server

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/parleychat/parley/backend/config"
)

// lostShutdown bounds the shutdown of a server whose node lost its life lock: its clients are
// told to reconnect and its chats leave its memory, while the database may be away.
const lostShutdown = 2 * time.Second

// restartBackoff is the first and the longest wait between two attempts to start a new server
// after a lost life lock, while the database does not answer.
const (
	restartFirst = 250 * time.Millisecond
	restartMost  = 5 * time.Second
)

// Run starts a server on cfg and serves until ctx ends, then shuts it down within
// cfg.ShutdownTimeout. A cluster node that loses its PostgreSQL session with its life lock
// (a database restart or failover, a terminated session) does not end the process: the
// server is shut down at once (clients are told to reconnect, the chats it held stay open in
// the database for whichever node a client resumes on) and a new one, a new node with a new
// id, is started once the database answers, trying again with backoff. Meanwhile the address
// answers every request with 503, so /readyz fails until the new node holds its lock.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, opts ...Option) error {
	srv, err := New(ctx, cfg, log, opts...)
	if err != nil {
		return err
	}
	if err := srv.Listen(); err != nil {
		_ = srv.Shutdown(context.Background())
		return err
	}
	for {
		// Starting (migrations, the demo data, the web apps' assets) leaves a few hundred MiB
		// of garbage that the runtime would hand back only after its next collection,
		// whenever load brings one: hand it back now, so that a server's memory is what it holds.
		debug.FreeOSMemory()
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve() }()
		select {
		case err := <-errc:
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
			defer cancel()
			return errors.Join(err, srv.Shutdown(sctx))
		case <-ctx.Done():
			log.Info("shutting down")
			sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
			defer cancel()
			return srv.Shutdown(sctx)
		case <-srv.Lost():
		}
		addr := srv.Addr()
		sctx, cancel := context.WithTimeout(context.Background(), lostShutdown)
		if err := srv.Shutdown(sctx); err != nil {
			log.Warn("cluster: the shutdown of the node that lost its life lock was not clean", "err", err)
		}
		cancel()
		<-errc
		if srv = restart(ctx, cfg, addr, log, opts); srv == nil {
			return nil
		}
		log.Warn("cluster: serving again as a new node", "node", srv.cluster.id)
	}
}

// restart starts a new server on addr, again with backoff until it starts or ctx ends (nil),
// answering 503 on addr meanwhile.
func restart(ctx context.Context, cfg config.Config, addr string, log *slog.Logger, opts []Option) *Server {
	standIn := serveUnavailable(addr, log)
	defer func() {
		if standIn != nil {
			_ = standIn.Close()
		}
	}()
	wait := restartFirst
	for {
		srv, err := New(ctx, cfg, log, opts...)
		if err == nil {
			if standIn != nil {
				_ = standIn.Close()
				standIn = nil
			}
			if err = srv.Listen(); err == nil {
				return srv
			}
			_ = srv.Shutdown(context.Background())
			standIn = serveUnavailable(addr, log)
		}
		log.Warn("cluster: starting again as a new node failed; trying again", "in", wait, "err", err)
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		wait = min(2*wait, restartMost)
	}
}

// serveUnavailable answers every request on addr with 503 until closed, nil when addr cannot
// be bound.
func serveUnavailable(addr string, log *slog.Logger) *http.Server {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Warn("cluster: could not answer on the address while the node starts again", "addr", addr, "err", err)
		return nil
	}
	hs := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "not ready: the node lost its database session and is starting again", http.StatusServiceUnavailable)
	})}
	go func() { _ = hs.Serve(ln) }()
	return hs
}
