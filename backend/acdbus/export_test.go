package acdbus

import (
	"encoding/json"

	"github.com/parleychat/parley/backend/acd"
)

// WireDecisions is the message a leader of term sends with decisions ds, for the tests of
// package acdbus_test that play a leader.
func WireDecisions(term int64, ds ...acd.Decision) []byte {
	data, _ := json.Marshal(wireDecisions{Term: term, Seq: 1, Ds: encodeDecisions(ds)})
	return data
}
