package main

import (
	"strconv"
)

// Lines renders the figures of the run o describes as `name value` lines, the names that
// `make bench` prints: the closed loop's durable_msgs_per_s, durable_p99_ms and durable_lost;
// the open loop's p99_ms_at_RATE, msgs_per_s_at_RATE and lost_at_RATE; cpu_us_per_msg (or
// cpu_us_per_msg_at_RATE) when the server's CPU was read and
// load_cpu_us_per_msg (_at_RATE) for the tool's own CPU in the same window; a storm's storm_resume_s, storm_lost
// and storm_duplicated; replay_Nk_ms; idle_kib_per_conn and connect_Nk_s; clients_moved and
// reconnects when clients came back after their node or connection went; errors when clients
// failed. With o.label every name ends in _label.
func (r Result) Lines(o options) []string {
	type figure struct {
		name  string
		value float64
	}
	var fs []figure
	at := ""
	switch {
	case o.idle > 0:
		fs = append(fs, figure{"idle_kib_per_conn", r.IdleKiBPerConn}, figure{"connect_" + count(o.idle) + "_s", r.ConnectS})
	case o.replay > 0:
		fs = append(fs, figure{"replay_" + count(o.replay) + "_ms", r.ReplayMs})
	case o.storm:
		fs = append(fs, figure{"storm_resume_s", r.StormResumeS}, figure{"storm_lost", float64(r.StormLost)},
			figure{"storm_duplicated", float64(r.StormDuplicated)})
	case o.msgRate > 0:
		at = "_at_" + strconv.FormatFloat(o.msgRate, 'f', -1, 64)
		fs = append(fs, figure{"p99_ms" + at, r.P99ms}, figure{"msgs_per_s" + at, r.MsgsPerS},
			figure{"lost" + at, float64(r.Lost + r.Duplicated)})
	default:
		fs = append(fs, figure{"durable_msgs_per_s", r.MsgsPerS}, figure{"durable_p99_ms", r.P99ms},
			figure{"durable_lost", float64(r.Lost + r.Duplicated)})
	}
	if o.serverPID > 0 && o.steady && o.idle == 0 && o.replay == 0 {
		fs = append(fs, figure{"cpu_us_per_msg" + at, r.CPUUs})
	}
	if r.CPULoadUs > 0 { // the load tool's own share of the machine
		fs = append(fs, figure{"load_cpu_us_per_msg" + at, r.CPULoadUs})
	}
	if moved := r.MovedVisitors + r.MovedAgents; moved > 0 || r.Reconnects > 0 {
		// Clients came back after their connection or their node went (move.go).
		fs = append(fs, figure{"clients_moved", float64(moved)}, figure{"reconnects", float64(r.Reconnects)})
	}
	if r.Errors > 0 { // a run whose clients failed says so beside its figures
		fs = append(fs, figure{"errors", float64(r.Errors)})
	}
	out := make([]string, len(fs))
	for i, f := range fs {
		name := f.name
		if o.label != "" {
			name += "_" + o.label
		}
		out[i] = name + " " + strconv.FormatFloat(f.value, 'f', -1, 64)
	}
	return out
}

// count writes a count as names carry it: 10000 as 10k.
func count(n int) string {
	if n >= 1000 && n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}
