// Package metrics exposes Parley's operating figures to Prometheus: open connections, open and
// waiting chats, messages, and the group commit's batches and latency. It reads them from the
// parts that own them when scraped, so the hot paths only bump counters they keep anyway.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parleychat/parley/backend/chat"
	"github.com/parleychat/parley/backend/retention"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
)

// Sources are the functions the collector reads at each scrape.
type Sources struct {
	Connections func() int64
	Chats       func() chat.Stats
	Commit      func() store.CommitStats
	// Translations are the chat translator's calls and failures (none reported when nil).
	Translations func() translate.Stats
	// Retention is what the retention worker deleted (none reported when nil).
	Retention func() retention.Stats
	// Cluster is this node's part in a cluster (none reported when nil: a single node).
	Cluster func() ClusterStats
}

// ClusterStats are a cluster node's figures.
type ClusterStats struct {
	// Leader is whether this node leads routing now, under Term (0 when it does not).
	Leader bool
	Term   int64
	// Elections counts the times this node took the leadership.
	Elections uint64
	// NATSRTT is a round trip to the NATS server measured at the scrape, 0 when it failed.
	NATSRTT time.Duration
	// Sent and Received count the committed facts (chat events, settings changes) this node
	// sent to the others over NATS and received from them; SendFailed those it could not send.
	Sent, Received, SendFailed uint64
	// RoutingSent counts the routing events this node sent the leader's engine, RoutingApplied
	// the engine's decisions it carried out, RoutingRefused those of a deposed leader it
	// refused, RoutingDropped the events it dropped while no leader took them. RoutingFenced
	// counts the decisions of a deposed leader that this node had not refused (it had not
	// heard of the new leader yet) and that the database's leader term kept from being written.
	RoutingSent, RoutingApplied, RoutingRefused, RoutingDropped, RoutingFenced uint64
}

// Handler returns the /metrics handler with Parley's collector and Go's runtime collectors.
func Handler(src Sources) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), collector{src})
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{})
}

var (
	descConnections       = prometheus.NewDesc("parley_connections", "Open WebSocket connections of visitors and agents.", nil, nil)
	descChatsOpen         = prometheus.NewDesc("parley_chats_open", "Chats that are not closed.", nil, nil)
	descChatsQueued       = prometheus.NewDesc("parley_chats_waiting", "Chats waiting for an agent.", nil, nil)
	descAgents            = prometheus.NewDesc("parley_agents_connected", "Agents with at least one connection.", nil, nil)
	descMessages          = prometheus.NewDesc("parley_messages_total", "Chat messages committed, from visitors, agents and the system.", nil, nil)
	descBatches           = prometheus.NewDesc("parley_commit_batches_total", "Group-commit transactions.", nil, nil)
	descSingle            = prometheus.NewDesc("parley_commit_single_statement_total", "Group-commit transactions written as one statement (PostgreSQL: chats' messages and events with nothing else to write).", nil, nil)
	descWrites            = prometheus.NewDesc("parley_commit_writes_total", "Writes committed by the group commit.", nil, nil)
	descFailed            = prometheus.NewDesc("parley_commit_failed_total", "Writes the group commit could not store.", nil, nil)
	descCommitTime        = prometheus.NewDesc("parley_commit_seconds_total", "Time spent in group-commit transactions; divide by batches for the mean latency.", nil, nil)
	descQueued            = prometheus.NewDesc("parley_commit_queued", "Writes waiting for the group commit.", nil, nil)
	descTranslations      = prometheus.NewDesc("parley_translations_total", "Calls to translation services.", nil, nil)
	descTranslationErrors = prometheus.NewDesc("parley_translation_failures_total", "Calls to translation services that failed: the line went untranslated.", nil, nil)
	descRetentionDeleted  = prometheus.NewDesc("parley_retention_deleted_total", "Rows the retention worker deleted because the tenant's policy expired them, by kind.", []string{"kind"}, nil)
	descRetentionBytes    = prometheus.NewDesc("parley_retention_file_bytes_total", "Bytes of chat files the retention worker deleted.", nil, nil)
	descRetentionRounds   = prometheus.NewDesc("parley_retention_rounds_total", "Rounds of the retention worker.", nil, nil)
	descRetentionFailures = prometheus.NewDesc("parley_retention_failures_total", "Retention tasks that failed (tried again in the next round).", nil, nil)
	descClusterLeader     = prometheus.NewDesc("parley_cluster_leader", "1 while this node leads routing in the cluster, else 0.", nil, nil)
	descClusterTerm       = prometheus.NewDesc("parley_cluster_term", "The leader term this node leads under, 0 when it does not lead.", nil, nil)
	descClusterElections  = prometheus.NewDesc("parley_cluster_elections_total", "Times this node took the routing leadership.", nil, nil)
	descClusterRTT        = prometheus.NewDesc("parley_cluster_nats_rtt_seconds", "A round trip to the NATS server, measured at the scrape (0: it failed).", nil, nil)
	descClusterRouting    = prometheus.NewDesc("parley_cluster_routing_total", "Routing between this node and the leader's engine, by kind (events_sent, decisions_applied, decisions_refused, decisions_fenced, events_dropped).", []string{"kind"}, nil)
	descClusterForwarded  = prometheus.NewDesc("parley_cluster_forwarded_events_total", "Committed chat events and settings changes carried over NATS, by direction (sent, received, failed).", []string{"direction"}, nil)
)

// collector reads the sources at scrape time.
type collector struct{ src Sources }

// Describe implements prometheus.Collector.
func (collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{descConnections, descChatsOpen, descChatsQueued, descAgents, descMessages, descBatches, descSingle, descWrites, descFailed, descCommitTime, descQueued, descTranslations, descTranslationErrors,
		descRetentionDeleted, descRetentionBytes, descRetentionRounds, descRetentionFailures,
		descClusterLeader, descClusterTerm, descClusterElections, descClusterRTT, descClusterForwarded, descClusterRouting} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	gauge := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	counter := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	gauge(descConnections, float64(c.src.Connections()))
	st := c.src.Chats()
	gauge(descChatsOpen, float64(st.Open))
	gauge(descChatsQueued, float64(st.Waiting))
	gauge(descAgents, float64(st.AgentsConnected))
	counter(descMessages, float64(st.Messages))
	cs := c.src.Commit()
	counter(descBatches, float64(cs.Batches))
	counter(descSingle, float64(cs.Single))
	counter(descWrites, float64(cs.Writes))
	counter(descFailed, float64(cs.Failed))
	counter(descCommitTime, cs.CommitTime.Seconds())
	gauge(descQueued, float64(cs.Queued))
	if c.src.Translations != nil {
		ts := c.src.Translations()
		counter(descTranslations, float64(ts.Calls))
		counter(descTranslationErrors, float64(ts.Failures))
	}
	if c.src.Retention != nil {
		rs := c.src.Retention()
		for kind, n := range map[string]int64{"chats": rs.Chats, "left_messages": rs.LeftMessages, "messages": rs.Messages,
			"files": rs.Files, "outbox": rs.Outbox, "audit_entries": rs.AuditEntries, "deliveries": rs.Deliveries, "delivery_logs": rs.DeliveryLogs} {
			ch <- prometheus.MustNewConstMetric(descRetentionDeleted, prometheus.CounterValue, float64(n), kind)
		}
		counter(descRetentionBytes, float64(rs.FileBytes))
		counter(descRetentionRounds, float64(rs.Rounds))
		counter(descRetentionFailures, float64(rs.Failures))
	}
	if c.src.Cluster != nil {
		cl := c.src.Cluster()
		leader := 0.0
		if cl.Leader {
			leader = 1
		}
		gauge(descClusterLeader, leader)
		gauge(descClusterTerm, float64(cl.Term))
		counter(descClusterElections, float64(cl.Elections))
		gauge(descClusterRTT, cl.NATSRTT.Seconds())
		for kind, n := range map[string]uint64{"events_sent": cl.RoutingSent, "decisions_applied": cl.RoutingApplied, "decisions_refused": cl.RoutingRefused, "decisions_fenced": cl.RoutingFenced, "events_dropped": cl.RoutingDropped} {
			ch <- prometheus.MustNewConstMetric(descClusterRouting, prometheus.CounterValue, float64(n), kind)
		}
		for dir, n := range map[string]uint64{"sent": cl.Sent, "received": cl.Received, "failed": cl.SendFailed} {
			ch <- prometheus.MustNewConstMetric(descClusterForwarded, prometheus.CounterValue, float64(n), dir)
		}
	}
}
