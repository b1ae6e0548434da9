package realtime

// ReadersStarted is how many reading goroutines the poller has started.
func ReadersStarted() int64 { return sharedPoller().started.Load() }

// DirectWrites is how many writes were tried at once on sockets, not by a writer goroutine.
func DirectWrites() uint64 { return directWrites.Load() }

// ReadersWaiting is how many reading goroutines wait for a readable socket.
func ReadersWaiting() int32 { return sharedPoller().waiting.Load() }
