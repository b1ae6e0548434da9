package desk

// NoStatus is the menu entry of an agent who has no status (a new agent, or one whose status
// was deleted): no chats come until they choose one.
const NoStatus = "No status"

// StatusOption is one entry of the status menu.
type StatusOption struct {
	// ID is the status (0 for [NoStatus]).
	ID    int64
	Label string
	// Selected marks the agent's status; Disabled an entry the agent may not choose.
	Selected bool
	Disabled bool
}

// StatusMenu is the status menu: the tenant's statuses with the agent's own selected, led by a
// [NoStatus] entry while the agent has none the app knows. So the menu never shows a status the
// agent is not in, and whatever status the agent picks is a change that reaches the server (a
// browser reports no choice of the entry it already shows).
func (d *Desk) StatusMenu() []StatusOption {
	cur := d.CurrentStatus()
	out := make([]StatusOption, 0, len(d.Statuses)+1)
	if cur.ID == 0 {
		out = append(out, StatusOption{Label: NoStatus, Selected: true, Disabled: true})
	}
	for _, s := range d.Statuses {
		label := s.Name
		if !s.AllowsChat {
			label += " (no chats)"
		}
		out = append(out, StatusOption{ID: s.ID, Label: label, Selected: s.ID == cur.ID && cur.ID != 0, Disabled: !s.Settable && s.ID != cur.ID})
	}
	return out
}
