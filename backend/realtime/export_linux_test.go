package realtime

// ReadersStarted is how many reading goroutines the poller has started.
func ReadersStarted() int64 { return sharedPoller().started.Load() }
