package servertest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store/schematest"
)

// Cluster is what the nodes of one test cluster share: a PostgreSQL database of its own,
// already at the schema (schematest), the test NATS ([NATS]) and subjects of their own on it,
// so that the clusters of tests running at once never meet.
type Cluster struct {
	DatabaseURL string
	NATSURL     string
	Subject     string
}

// Env is the environment that makes a server process a node of the cluster, beside its
// DATABASE_URL (the cluster's, or a way to it such as a proxy).
func (c Cluster) Env() []string {
	return []string{"PARLEY_NATS_URL=" + c.NATSURL, "PARLEY_NATS_SUBJECT=" + c.Subject}
}

// StartCluster makes a new test cluster and starts n nodes of it one after the other (the
// first seeds the database): start runs one node (a server process, see
// [ServeEnv]) and returns it once it serves. It returns the cluster, its nodes, and a context
// that ends after within or with the test, for the test's steps. Without NATS the test is
// skipped ([NATS]).
func StartCluster[N any](t testing.TB, n int, within time.Duration, start func(Cluster) N) (Cluster, []N, context.Context) {
	t.Helper()
	c := Cluster{NATSURL: NATS(t), DatabaseURL: schematest.PostgresURL(t), Subject: fmt.Sprintf("parleytest%d", time.Now().UnixNano())}
	nodes := make([]N, 0, n)
	for range n {
		nodes = append(nodes, start(c))
	}
	ctx, cancel := context.WithTimeout(context.Background(), within)
	t.Cleanup(cancel)
	return c, nodes, ctx
}
