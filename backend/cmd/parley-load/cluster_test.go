package main

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store/schematest"
)

func TestMain(m *testing.M) {
	if os.Getenv(servertest.ServeEnv) != "" {
		servertest.Serve() // a node of TestLoadMovesOffAKilledNode
	}
	os.Exit(m.Run())
}

// clusterNode is a server process of a test cluster: this test binary serving.
type clusterNode struct {
	addr string
	cmd  *exec.Cmd
	logs bytes.Buffer
}

// startNodes starts n server processes one after the other (the first seeds the demo data) on
// the PostgreSQL database dbURL and the NATS at natsURL, under subjects of their own.
func startNodes(t *testing.T, n int, dbURL, natsURL string) []*clusterNode {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	subject := fmt.Sprintf("parleyloadtest%d", time.Now().UnixNano())
	var nodes []*clusterNode
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		nd := &clusterNode{addr: ln.Addr().String()}
		ln.Close()
		dir := t.TempDir()
		nd.cmd = exec.Command(bin)
		nd.cmd.Env = append(os.Environ(), servertest.ServeEnv+"=1", "PARLEY_ADDR="+nd.addr, "PARLEY_DATA="+dir, "PARLEY_WEB="+filepath.Join(dir, "web"),
			"DATABASE_URL="+dbURL, "PARLEY_NATS_URL="+natsURL, "PARLEY_NATS_SUBJECT="+subject, "PARLEY_LOG_LEVEL=warn",
			"PARLEY_VISITOR_CONNECTS_PER_MINUTE=0", "PARLEY_AGENT_CONNECTS_PER_MINUTE=0", "PARLEY_COMMANDS_PER_SECOND=100000", "PARLEY_COMMAND_BURST=100000")
		nd.cmd.Stdout, nd.cmd.Stderr = &nd.logs, &nd.logs
		if err := nd.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = nd.cmd.Process.Kill(); _ = nd.cmd.Wait() })
		for deadline := time.Now().Add(90 * time.Second); ; time.Sleep(50 * time.Millisecond) {
			if resp, err := http.Get("http://" + nd.addr + "/readyz"); err == nil {
				resp.Body.Close()
				if resp.StatusCode == http.StatusOK {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("node %d did not become ready:\n%s", len(nodes), nd.logs.String())
			}
		}
		nodes = append(nodes, nd)
	}
	return nodes
}

// TestLoadMovesOffAKilledNode runs the load over three server processes in cluster mode (one
// PostgreSQL database, NATS) and kills one with SIGKILL while its visitors write: its visitors and
// its agent come back on the next node, which takes their chats over, and the run ends with
// every acknowledged message delivered once, saying how many clients moved.
func TestLoadMovesOffAKilledNode(t *testing.T) {
	natsURL := servertest.NATS(t)
	dbURL := schematest.PostgresURL(t)
	nodes := startNodes(t, 3, dbURL, natsURL)
	var urls []string
	for _, nd := range nodes {
		urls = append(urls, "http://"+nd.addr)
	}
	const visitors, messages = 9, 80
	o := options{url: strings.Join(urls, ","), dataDir: t.TempDir(), databaseURL: dbURL, visitors: visitors, agents: 3, messages: messages,
		interval: 50 * time.Millisecond, duration: 3 * time.Minute, stormWrites: 2, stormWait: time.Second}
	if err := o.check(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), o.duration)
	defer cancel()
	type outcome struct {
		r   Result
		err error
	}
	done := make(chan outcome, 1)
	go func() {
		r, err := run(ctx, o)
		done <- outcome{r, err}
	}()

	// Once a fifth of the messages are stored, node 1 (visitors 1, 4 and 7, agent 1) dies.
	db, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	for stored := 0; stored < visitors*messages/5; time.Sleep(50 * time.Millisecond) {
		if err := db.QueryRow(ctx, `SELECT count(*) FROM messages WHERE text LIKE 'load %'`).Scan(&stored); err != nil {
			t.Fatal(err)
		}
		select {
		case out := <-done:
			t.Fatalf("the run ended before the kill: %+v %v", out.r, out.err)
		default:
		}
	}
	_ = nodes[1].cmd.Process.Kill()
	_ = nodes[1].cmd.Wait()
	killed := time.Now()

	out := <-done
	if out.err != nil {
		t.Fatal(out.err)
	}
	r := out.r
	t.Logf("after the kill %s: %s", time.Since(killed).Round(time.Millisecond), r.JSON())
	if r.Errors > 0 || r.Lost > 0 || r.Duplicated > 0 || r.Sent != visitors*messages || r.Delivered != visitors*messages {
		t.Errorf("%d sent, %d delivered, %d lost, %d duplicated, %d errors (%s); want all %d sent and delivered once",
			r.Sent, r.Delivered, r.Lost, r.Duplicated, r.Errors, r.FirstError, visitors*messages)
	}
	if r.MovedVisitors != 3 || r.MovedAgents != 1 {
		t.Errorf("%d visitors and %d agents moved; want the killed node's 3 and 1", r.MovedVisitors, r.MovedAgents)
	}
	if lines := strings.Join(r.Lines(o), "\n"); !strings.Contains(lines, "clients_moved 4") {
		t.Errorf("the lines do not say how many clients moved:\n%s", lines)
	}
	if t.Failed() {
		for i, nd := range nodes {
			t.Logf("node %d's log:\n%s", i, nd.logs.String())
		}
	}
}
