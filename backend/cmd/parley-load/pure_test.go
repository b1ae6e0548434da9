package main

import (
	"context"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

func TestPercentiles(t *testing.T) {
	ms := func(n ...int) []time.Duration {
		var ds []time.Duration
		for _, v := range n {
			ds = append(ds, time.Duration(v)*time.Millisecond)
		}
		return ds
	}
	hundred := make([]int, 100)
	for i := range hundred {
		hundred[i] = 100 - i // 100..1, unsorted
	}
	for _, c := range []struct {
		name     string
		in       []time.Duration
		p50, p99 float64
	}{
		{"none", nil, 0, 0},
		{"one", ms(7), 7, 7},
		{"hundred", ms(hundred...), 50, 99},
		{"outlier", append(ms(slices.Repeat([]int{2}, 199)...), 900*time.Millisecond), 2, 2},
		{"fractions", []time.Duration{1234567, 2345678}, 1.23, 1.23},
	} {
		p50, p99 := percentiles(c.in)
		if p50 != c.p50 || p99 != c.p99 {
			t.Errorf("%s: percentiles = %v, %v; want %v, %v", c.name, p50, p99, c.p50, c.p99)
		}
	}
}

func TestLines(t *testing.T) {
	r := Result{MsgsPerS: 6312.5, P99ms: 41.07, Lost: 1, Duplicated: 2, CPUUs: 150.25,
		StormResult:  StormResult{StormResumeS: 2.6, StormLost: 3, StormDuplicated: 0},
		ReplayResult: ReplayResult{ReplayMs: 812.4},
		IdleResult:   IdleResult{IdleKiBPerConn: 48.75, ConnectS: 6.5}}
	for _, c := range []struct {
		name   string
		o      options
		errors int
		want   []string
	}{
		{"storm with failed clients", options{lines: true, storm: true}, 2,
			[]string{"storm_resume_s 2.6", "storm_lost 3", "storm_duplicated 0", "errors 2"}},
		{"closed loop", options{lines: true, label: "sqlite", steady: true, serverPID: 1}, 0,
			[]string{"durable_msgs_per_s_sqlite 6312.5", "durable_p99_ms_sqlite 41.07", "durable_lost_sqlite 3", "cpu_us_per_msg_sqlite 150.25"}},
		{"closed loop without CPU", options{lines: true}, 0,
			[]string{"durable_msgs_per_s 6312.5", "durable_p99_ms 41.07", "durable_lost 3"}},
		{"open loop", options{lines: true, label: "postgres", msgRate: 1000, steady: true, serverPID: 1}, 0,
			[]string{"p99_ms_at_1000_postgres 41.07", "msgs_per_s_at_1000_postgres 6312.5", "lost_at_1000_postgres 3", "cpu_us_per_msg_at_1000_postgres 150.25"}},
		{"storm", options{lines: true, storm: true}, 0,
			[]string{"storm_resume_s 2.6", "storm_lost 3", "storm_duplicated 0"}},
		{"replay", options{lines: true, replay: 10000, serverPID: 1}, 0,
			[]string{"replay_10k_ms 812.4"}},
		{"idle", options{lines: true, idle: 10000, serverPID: 1}, 0,
			[]string{"idle_kib_per_conn 48.75", "connect_10k_s 6.5"}},
		{"idle, not thousands", options{lines: true, idle: 2500, serverPID: 1}, 0,
			[]string{"idle_kib_per_conn 48.75", "connect_2500_s 6.5"}},
	} {
		res := r
		res.Errors = c.errors
		if got := res.Lines(c.o); !slices.Equal(got, c.want) {
			t.Errorf("%s: lines\n%s\nwant\n%s", c.name, strings.Join(got, "\n"), strings.Join(c.want, "\n"))
		}
	}
}

func TestParseFlags(t *testing.T) {
	for _, c := range []struct {
		args []string
		bad  string // part of the error; "" for none
	}{
		{nil, ""},
		{[]string{"-msg-rate", "1000", "-server-pid", "42", "-lines", "-label", "sqlite"}, ""},
		{[]string{"-storm", "-storm-writes", "3"}, ""},
		{[]string{"-idle", "10000", "-server-pid", "42"}, ""},
		{[]string{"-replay", "10000"}, ""},
		{[]string{"-visitors", "0"}, "-visitors"},
		{[]string{"-msg-rate", "-5"}, "negative"},
		{[]string{"-msg-rate", "100", "-messages", "0"}, "-msg-rate needs -messages"},
		{[]string{"-msg-rate", "100", "-storm"}, "apart"},
		{[]string{"-storm", "-storm-writes", "0"}, "-storm-writes"},
		{[]string{"-idle", "100"}, "-server-pid"},
		{[]string{"-idle", "100", "-replay", "10", "-server-pid", "1"}, "alone"},
		{[]string{"-replay", "100", "-storm"}, "alone"},
		{[]string{"-label", "sqlite"}, "-lines"},
		{[]string{"-duration", "0s"}, "-duration"},
		{[]string{"stray"}, "unexpected"},
		{[]string{"-no-such-flag"}, "not defined"},
	} {
		o, err := parseFlags(c.args, io.Discard)
		switch {
		case c.bad == "" && err != nil:
			t.Errorf("%q: %v", c.args, err)
		case c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)):
			t.Errorf("%q: error %v, want one about %q", c.args, err, c.bad)
		}
		if err == nil && o.msgRate > 0 && !o.steady {
			t.Errorf("%q: an open loop is not steady", c.args)
		}
	}
}

func TestProcParsing(t *testing.T) {
	// A command name with spaces and parentheses, utime 250 and stime 50 ticks.
	stat := "4242 (parley (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 100 1000000 2000"
	if got, err := parseStatCPU(stat); err != nil || got != 3*time.Second {
		t.Errorf("parseStatCPU = %v, %v; want 3s", got, err)
	}
	if _, err := parseStatCPU("4242 parley S 1"); err == nil {
		t.Error("parseStatCPU took a line without a command name")
	}
	status := "Name:\tparley\nVmPeak:\t  900000 kB\nVmRSS:\t   51234 kB\nThreads:\t12\n"
	if got, err := parseStatusKiB(status, "VmRSS"); err != nil || got != 51234 {
		t.Errorf("VmRSS = %v, %v; want 51234", got, err)
	}
	if _, err := parseStatusKiB(status, "VmSwap"); err == nil {
		t.Error("a missing field was found")
	}
	limits := "Limit                     Soft Limit           Hard Limit           Units     \nMax processes             95000                95000                processes \nMax open files            20000                20000                files     \n"
	if got, err := parseOpenFilesLimit(limits); err != nil || got != 20000 {
		t.Errorf("open files = %v, %v; want 20000", got, err)
	}
	if got, err := parseOpenFilesLimit("Max open files            unlimited            unlimited            files\n"); err != nil || got != -1 {
		t.Errorf("unlimited open files = %v, %v; want -1", got, err)
	}
}

func TestCPUUsed(t *testing.T) {
	a := cpuSample{server: time.Second, backends: map[int]time.Duration{10: 2 * time.Second, 11: time.Second}}
	// Backend 11 ended, 12 started in between.
	b := cpuSample{server: 3 * time.Second, backends: map[int]time.Duration{10: 5 * time.Second, 12: time.Second}}
	server, db := cpuUsed(a, b)
	if server != 2*time.Second || db != 4*time.Second {
		t.Errorf("cpuUsed = %v, %v; want 2s, 4s", server, db)
	}
}

// -url lists the nodes of a cluster: clients are spread over them in turn, and a list the tool
// could not dial is refused before the run.
func TestSocketBases(t *testing.T) {
	bases, err := socketBases("http://10.0.0.1:8080, https://b.example,http://10.0.0.3:8080")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"ws://10.0.0.1:8080", "wss://b.example", "ws://10.0.0.3:8080"}
	if !slices.Equal(bases, want) {
		t.Fatalf("bases %v, want %v", bases, want)
	}
	var got []string
	for i := range 5 {
		got = append(got, bases[home(bases, i)])
	}
	if w := []string{want[0], want[1], want[2], want[0], want[1]}; !slices.Equal(got, w) {
		t.Fatalf("clients on %v, want %v", got, w)
	}
	for _, bad := range []string{"", " , ", "ftp://x", "127.0.0.1:8080", "http://", "http://a:1,%zz"} {
		if _, err := socketBases(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
		if _, err := parseFlags([]string{"-url", bad}, io.Discard); err == nil {
			t.Errorf("-url %q accepted by the flags", bad)
		}
	}
	if o, err := parseFlags([]string{"-url", "http://a:1,http://b:2"}, io.Discard); err != nil || o.url != "http://a:1,http://b:2" {
		t.Fatalf("two nodes: %+v, %v", o, err)
	}
}

// A client whose node went comes back on the next node that takes it: a node that refuses
// the connection is passed over, one that answers busy (the dead node's chat not yet free) is
// asked again, and an answer that is neither ends the search.
func TestRelocate(t *testing.T) {
	ctx := context.Background()
	var asked []string
	busy := 2
	_, at, err := relocate(ctx, []string{"a", "b", "c"}, 1, func(ctx context.Context, ws string) (*chatConn, error) {
		asked = append(asked, ws)
		switch {
		case ws == "b":
			return nil, errors.New("dial: connection refused")
		case busy > 0:
			busy--
			return nil, protocol.Errorf(protocol.CodeBusy, "another node may hold the chat")
		}
		return nil, nil
	})
	if err != nil || at != 2 || !slices.Equal(asked, []string{"b", "c", "c", "c"}) {
		t.Fatalf("relocate from b: node %d, %v, asked %v; want c after b refused and c was busy twice", at, err, asked)
	}
	_, _, err = relocate(ctx, []string{"a", "b"}, 0, func(ctx context.Context, ws string) (*chatConn, error) {
		return nil, protocol.Errorf(protocol.CodeUnauthorized, "the chat token does not match")
	})
	var pe *protocol.Error
	if !errors.As(err, &pe) || pe.Code != protocol.CodeUnauthorized {
		t.Fatalf("relocate with a refused resume: %v", err)
	}
}
