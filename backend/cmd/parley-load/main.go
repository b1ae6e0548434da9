// Command parley-load puts a running Parley server under load through the real protocol: V
// visitors ask for chats and send messages, A agents accept the offers and receive them. It
// ends with one JSON line of results: chats, messages sent, delivered, lost and duplicated,
// throughput, the latency from a visitor's send to the agent's receipt, and the latency from a
// chat request to the offer on the agent's socket.
//
// The agents are accounts in the server's database. The tool prepares them (load-agent-N in
// the first tenant, member of the connector's group, with enough capacity) through the same
// database the server uses: -data for the embedded SQLite directory, or DATABASE_URL.
//
// With -presence N it also holds N loaders' presence sockets (visitors on the site of a
// connector with visitor presence, which it switches on) through the run, and reports the
// server heap each one takes.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	var o options
	flag.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the running server")
	flag.IntVar(&o.visitors, "visitors", 50, "number of visitors (chats)")
	flag.IntVar(&o.agents, "agents", 5, "number of agents")
	flag.IntVar(&o.messages, "messages", 20, "messages each visitor sends")
	flag.DurationVar(&o.interval, "interval", 20*time.Millisecond, "pause between a visitor's messages")
	flag.DurationVar(&o.duration, "duration", 60*time.Second, "the longest the run may take")
	flag.Float64Var(&o.rate, "rate", 0, "new chats per second (0: all visitors start at once)")
	flag.StringVar(&o.dataDir, "data", "./data", "the server's embedded database directory, to prepare the load agents")
	flag.StringVar(&o.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "the server's PostgreSQL URL instead of -data (DATABASE_URL)")
	flag.StringVar(&o.connector, "connector", "", "connector hash (default: the first tenant's first connector)")
	flag.IntVar(&o.presence, "presence", 0, "loaders' presence sockets (visitors on the site, idle) to hold through the run; the result says the server heap each takes")
	flag.BoolVar(&o.storm, "storm", false, "a reconnect storm: once every chat is active, all visitors drop and come back at once")
	flag.Parse()
	if o.visitors <= 0 || o.agents <= 0 || o.messages < 0 || o.duration <= 0 || o.rate < 0 || o.presence < 0 {
		fmt.Fprintln(os.Stderr, "parley-load: -visitors and -agents must be positive, -messages, -rate not negative, -duration positive")
		os.Exit(2)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.duration)
	defer cancel()
	res, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "parley-load:", err)
		os.Exit(1)
	}
	fmt.Println(res.JSON())
	if res.Lost > 0 || res.Duplicated > 0 {
		os.Exit(3)
	}
}
