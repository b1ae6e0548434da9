package chat

import (
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/widget/uitext"
	"github.com/parleychat/parley/widget/wire"
)

// This file is "offline when the wait is too long": a connector may set the longest predicted
// wait it lets a visitor walk into (widget option "max_wait", seconds). When the wait predicted
// for a new chat is longer, the start screen offers to leave a message instead, before the
// visitor queues. The visitor may still choose to wait: the offer is a choice, not a refusal,
// since an estimate can be wrong and some questions cannot wait for an e-mail. The estimate is
// asked again every QueuePoll while the start screen shows (MiCC StatePollInterval), so the
// offer comes and goes with the queue.

// QueuePoll is how often the start screen asks for the queue's estimated wait.
const QueuePoll = 20 * time.Second

// MaxWait returns the connector's longest acceptable predicted wait, 0 when there is none.
func (m *Model) MaxWait() time.Duration {
	v := m.option("max_wait")
	if v.Kind() != wire.KindNumber || v.Num() <= 0 {
		return 0
	}
	return time.Duration(v.Int()) * time.Second
}

// WaitTooLong reports whether the start screen offers to leave a message because of the wait:
// the connector takes left messages, sets a limit, the predicted wait is over it, and the
// visitor has not chosen to wait anyway or opened the form already.
func (m *Model) WaitTooLong() bool {
	max := m.MaxWait()
	return max > 0 && m.Phase == PhaseForm && m.CanLeaveMessage() && !m.waitAnyway && m.Leave == LeaveNone &&
		m.Info.EstimatedWait >= 0 && time.Duration(m.Info.EstimatedWait)*time.Second > max
}

// LongWaitText says how long the wait is and what the visitor may do.
func (m *Model) LongWaitText() string {
	t := m.Texts()
	return uitext.Fill(t.Get(uitext.LongWait), "time", t.Wait(m.Info.EstimatedWait))
}

// WaitAnyway keeps the start screen: the visitor chose to queue despite the wait.
func (m *Model) WaitAnyway() { m.waitAnyway = true }

// LeaveInstead opens the leave-a-message form from the long-wait offer.
func (m *Model) LeaveInstead() {
	if m.WaitTooLong() {
		m.Leave = LeaveOpen
		m.LeaveErrs, m.LeaveError = nil, ""
	}
}

// pollQueue asks for the estimated wait while the start screen shows and a limit is set.
func (m *Model) pollQueue(now time.Time) {
	if m.MaxWait() == 0 || m.Phase != PhaseForm || m.Conn != ConnUp || !m.ready || now.Sub(m.polledAt) < QueuePoll {
		return
	}
	if m.polledAt.IsZero() {
		// The connected event just told the estimate.
		m.polledAt = now
		return
	}
	m.polledAt = now
	m.push(protocol.Command{ID: m.nextID(), Body: &protocol.QueueInfoGet{}})
}

// queueInfo takes the queue's state the start screen asked for.
func (m *Model) queueInfo(q *protocol.QueueInfo) {
	if m.Info == nil {
		return
	}
	m.Info.EstimatedWait = q.EstimatedWait
}
