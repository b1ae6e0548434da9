// Command parley-load puts a running Parley server under load through the real protocol: V
// visitors ask for chats and send messages, A agents accept the offers and receive them. It
// ends with one JSON line of results (or, with -lines, one `name value` line per figure):
// chats, messages sent, delivered, lost and duplicated, throughput, the latency from a
// visitor's send to the agent's receipt, and the latency from a chat request to the offer on
// the agent's socket.
//
// The agents are accounts in the server's database. The tool prepares them (load-agent-N in
// the first tenant, member of the connector's group, with enough capacity) through the same
// database the server uses: -data for the embedded SQLite directory, or DATABASE_URL.
//
// The messages go in a closed loop (each visitor sends its next message once the last is
// acknowledged, -interval apart) or, with -msg-rate, in an open loop: the run sends at a fixed
// rate whatever the answers, and a message's latency counts from when it was due, so that a
// slow server cannot hide its delays by slowing the load down. -steady lets every chat start
// before the messages do, so that throughput and -server-pid's CPU per delivered message
// (server and its PostgreSQL backends, from /proc) cover the messages only.
//
// Other measurements, each on its own:
//
//   - -storm: once every chat is active, all visitors drop at once; their agents write into
//     every chat while they are away; all come back and resume, and the run says how long until
//     every visitor had every agent message, and how many were lost or came twice.
//   - -replay N: one chat of N messages is resumed from its start; the time from the resume to
//     the last event.
//   - -idle N: N visitor sockets connect and idle; the time the connects took and the growth of
//     the server's resident memory per socket (-server-pid) after -settle.
//   - -presence N: N loaders' presence sockets (visitors on the site of a connector with
//     visitor presence, which it switches on) held through the run, and the server heap each
//     takes.
//
// The tool runs with its open-file limit raised to the hard limit, and refuses an -idle run
// that the server's or its own limit cannot hold.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"sync"
	"time"
)

func main() {
	o, err := parseFlags(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		os.Exit(0)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "parley-load:", err)
		os.Exit(2)
	}
	if o.freePort {
		port, err := freePort()
		if err != nil {
			fmt.Fprintln(os.Stderr, "parley-load:", err)
			os.Exit(1)
		}
		fmt.Println(port)
		return
	}
	if err := raiseOpenFiles(); err != nil {
		fmt.Fprintln(os.Stderr, "parley-load:", err)
	}
	if o.cpuProfile != "" {
		stop, err := profileCPU(o.cpuProfile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "parley-load:", err)
			os.Exit(1)
		}
		defer stop()
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.duration)
	defer cancel()
	res, err := run(ctx, o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "parley-load:", err)
		os.Exit(1)
	}
	if res.FirstError != "" {
		fmt.Fprintln(os.Stderr, "parley-load: first error:", res.FirstError)
	}
	if o.lines {
		for _, l := range res.Lines(o) {
			fmt.Println(l)
		}
	} else {
		fmt.Println(res.JSON())
	}
	if res.Lost > 0 || res.Duplicated > 0 || res.StormLost > 0 || res.StormDuplicated > 0 {
		cancel()
		if stopProfile != nil {
			stopProfile()
		}
		os.Exit(3)
	}
}

// stopProfile ends -cpuprofile's profile before an exit that skips the deferred calls.
var stopProfile func()

// profileCPU starts a CPU profile of the tool itself into path (-cpuprofile), to see where its
// share of the machine goes; the function returned writes it out.
func profileCPU(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	var once sync.Once
	stopProfile = func() {
		once.Do(func() {
			pprof.StopCPUProfile()
			f.Close()
		})
	}
	return stopProfile, nil
}

// parseFlags reads and checks the command line.
func parseFlags(args []string, errOut io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("parley-load", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.StringVar(&o.url, "url", "http://127.0.0.1:8080", "base URL of the running server; several nodes of a cluster comma-separated, agents and visitors spread over them in turn")
	fs.IntVar(&o.visitors, "visitors", 50, "number of visitors (chats)")
	fs.IntVar(&o.agents, "agents", 5, "number of agents")
	fs.IntVar(&o.messages, "messages", 20, "messages each visitor sends")
	fs.DurationVar(&o.interval, "interval", 20*time.Millisecond, "pause between a visitor's messages (closed loop)")
	fs.DurationVar(&o.duration, "duration", 60*time.Second, "the longest the run may take")
	fs.Float64Var(&o.rate, "rate", 0, "new chats per second (0: all visitors start at once)")
	fs.Float64Var(&o.msgRate, "msg-rate", 0, "open loop: messages per second over all visitors, sent when due whatever the answers (implies -steady)")
	fs.BoolVar(&o.steady, "steady", false, "every chat starts before any message is sent; throughput and CPU cover the messages only")
	fs.IntVar(&o.serverPID, "server-pid", 0, "the server's process id on this machine: CPU per delivered message (with its PostgreSQL backends), resident memory for -idle")
	fs.StringVar(&o.dataDir, "data", "./data", "the server's embedded database directory, to prepare the load agents")
	fs.StringVar(&o.databaseURL, "database-url", os.Getenv("DATABASE_URL"), "the server's PostgreSQL URL instead of -data (DATABASE_URL)")
	fs.StringVar(&o.connector, "connector", "", "connector hash (default: the first tenant's first connector)")
	fs.IntVar(&o.presence, "presence", 0, "loaders' presence sockets (visitors on the site, idle) to hold through the run; the result says the server heap each takes")
	fs.BoolVar(&o.storm, "storm", false, "a reconnect storm: once every chat is active, all visitors drop, their agents write -storm-writes messages each, all visitors come back and resume")
	fs.IntVar(&o.stormWrites, "storm-writes", 2, "messages each agent writes into each chat while its visitor is away in a storm")
	fs.DurationVar(&o.stormWait, "storm-wait", 30*time.Second, "how long a storm's visitor waits for its agent's messages before they count as lost")
	fs.IntVar(&o.replay, "replay", 0, "instead of the load: one chat of this many messages, resumed from its start; the time from the resume to its last event")
	fs.IntVar(&o.idle, "idle", 0, "instead of the load: this many idle visitor sockets; their connect time and the server's resident memory per socket (needs -server-pid)")
	fs.DurationVar(&o.settle, "settle", 5*time.Second, "how long -idle's sockets idle before the server's memory is read")
	fs.BoolVar(&o.lines, "lines", false, "print the figures as `name value` lines instead of JSON")
	fs.StringVar(&o.label, "label", "", "appended to every line's name as _LABEL (the database: sqlite, postgres)")
	fs.StringVar(&o.cpuProfile, "cpuprofile", "", "write a CPU profile of the tool itself to this file (go tool pprof)")
	fs.BoolVar(&o.freePort, "free-port", false, "print a free TCP port on 127.0.0.1 and exit (for starting a server)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	return o, o.check()
}

// check refuses flag combinations that cannot run or would measure nothing.
func (o *options) check() error {
	switch {
	case o.visitors <= 0 || o.agents <= 0:
		return errors.New("-visitors and -agents must be positive")
	case o.messages < 0 || o.rate < 0 || o.msgRate < 0 || o.presence < 0 || o.replay < 0 || o.idle < 0 || o.serverPID < 0:
		return errors.New("-messages, -rate, -msg-rate, -presence, -replay, -idle and -server-pid must not be negative")
	case o.duration <= 0 || o.settle < 0 || o.stormWait <= 0:
		return errors.New("-duration and -storm-wait must be positive, -settle not negative")
	case o.msgRate > 0 && o.messages == 0:
		return errors.New("-msg-rate needs -messages")
	case o.msgRate > 0 && o.storm:
		return errors.New("-msg-rate and -storm measure different things; run them apart")
	case o.storm && o.stormWrites <= 0:
		return errors.New("-storm needs -storm-writes of at least 1")
	case o.replay > 0 && o.idle > 0, (o.replay > 0 || o.idle > 0) && (o.storm || o.msgRate > 0 || o.presence > 0):
		return errors.New("-replay and -idle each run alone: not with each other, -storm, -msg-rate or -presence")
	case o.idle > 0 && o.serverPID == 0:
		return errors.New("-idle needs -server-pid to read the server's memory")
	case o.label != "" && !o.lines:
		return errors.New("-label names lines: it needs -lines")
	}
	if _, err := socketBases(o.url); err != nil {
		return err
	}
	if o.msgRate > 0 {
		o.steady = true
	}
	return nil
}
