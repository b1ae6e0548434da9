package main

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Several nodes: -url may list several servers of one cluster, comma-separated. Agents and
// visitors are spread over them in turn (the k-th agent and the i-th visitor on node k mod n and
// i mod n), so that each node carries its share; everything else (the idle, replay and presence
// measurements) uses the first. A client whose node goes moves to the next (move.go).

// socketBases turns -url's list into the WebSocket bases ("ws://host:port") the clients dial,
// in the order given.
func socketBases(list string) ([]string, error) {
	var out []string
	for _, raw := range strings.Split(list, ",") {
		raw = strings.TrimSpace(raw)
		if raw == "" {
			continue
		}
		u, err := url.Parse(raw)
		if err != nil {
			return nil, fmt.Errorf("-url %q: %w", raw, err)
		}
		if u.Host == "" {
			return nil, fmt.Errorf("-url %q: want http://host:port or https://host", raw)
		}
		switch u.Scheme {
		case "http":
			out = append(out, "ws://"+u.Host)
		case "https":
			out = append(out, "wss://"+u.Host)
		default:
			return nil, fmt.Errorf("-url %q: want http:// or https://", raw)
		}
	}
	if len(out) == 0 {
		return nil, errors.New("-url names no server")
	}
	return out, nil
}

// home is the index in bases of the node the i-th client of a kind starts on.
func home(bases []string, i int) int {
	return i % len(bases)
}
