package desk

import "github.com/parleychat/parley/shared/protocol"

// deliveryRank orders a line's states on the customer's channel: a report never moves a line
// back (reports may arrive out of order), and failed is final.
func deliveryRank(s string) int {
	switch s {
	case protocol.DeliverySent:
		return 1
	case protocol.DeliveryDelivered:
		return 2
	case protocol.DeliveryRead:
		return 3
	case protocol.DeliveryFailed:
		return 4
	}
	return 0
}

// lineStatus marks the agent's line the report names with its state on the customer's channel.
func (c *Chat) lineStatus(b *protocol.LineStatus) {
	for i := len(c.Lines) - 1; i >= 0; i-- {
		l := &c.Lines[i]
		if l.Seq != b.Line {
			continue
		}
		if deliveryRank(b.Status) > deliveryRank(l.Delivery) {
			l.Delivery, l.DeliveryReason = b.Status, b.Reason
		}
		return
	}
}
