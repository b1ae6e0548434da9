package desk

import (
	"math"
	"strconv"

	"github.com/parleychat/parley/shared/protocol"
)

// StatusOption is one entry of the status menu.
type StatusOption struct {
	// ID is the status (0 for "No status", the entry of an agent who has none: a new agent, or
	// one whose status was deleted; no chats come until they choose one).
	ID    int64
	Label string
	// Selected marks the agent's status; Disabled an entry the agent may not choose.
	Selected bool
	Disabled bool
	// Chats marks a status in which chats are offered.
	Chats bool
}

// StatusMenu is the status menu: the tenant's statuses with the agent's own selected, led by a
// "No status" entry while the agent has none the app knows. So the menu never shows a status the
// agent is not in, and whatever status the agent picks is a change that reaches the server (a
// browser reports no choice of the entry it already shows).
func (d *Desk) StatusMenu() []StatusOption {
	cur := d.CurrentStatus()
	out := make([]StatusOption, 0, len(d.Statuses)+1)
	if cur.ID == 0 {
		out = append(out, StatusOption{Label: d.Msg.T("No status"), Selected: true, Disabled: true})
	}
	for _, s := range d.Statuses {
		label := s.Name
		if !s.AllowsChat {
			label = d.Msg.T("{0} (no chats)", s.Name)
		}
		out = append(out, StatusOption{ID: s.ID, Label: label, Selected: s.ID == cur.ID && cur.ID != 0, Disabled: !s.Settable && s.ID != cur.ID, Chats: s.AllowsChat})
	}
	return out
}

// DotNeutral is the colour of the status dot when the status has no usable colour of its own.
const DotNeutral = "#8c959f"

// DotColor is the colour of the dot that shows status s: its background colour, the colour a
// status is known by (its font colour is for text written on that background, and is often
// white). ring reports that the colour is too faint against the app's white top bar (a
// contrast below 3:1, WCAG's least for parts of a user interface), so that the dot needs a
// border to be seen. A status without a #rgb or #rrggbb background gets [DotNeutral].
func DotColor(s protocol.Status) (color string, ring bool) {
	lum, ok := luminance(s.Background)
	if !ok {
		return DotNeutral, false
	}
	const bar = 1.0 // the bar is white
	return s.Background, (bar+0.05)/(lum+0.05) < 3
}

// luminance is the relative luminance (WCAG 2) of a #rgb or #rrggbb colour.
func luminance(hex string) (float64, bool) {
	if len(hex) == 4 && hex[0] == '#' {
		hex = "#" + string([]byte{hex[1], hex[1], hex[2], hex[2], hex[3], hex[3]})
	}
	if len(hex) != 7 || hex[0] != '#' {
		return 0, false
	}
	v, err := strconv.ParseUint(hex[1:], 16, 32)
	if err != nil {
		return 0, false
	}
	channel := func(c uint64) float64 {
		f := float64(c) / 255
		if f <= 0.04045 {
			return f / 12.92
		}
		// g^2.375 with square roots, within 2% of sRGB's g^2.4 and far smaller in the app
		// than math.Pow.
		g := (f + 0.055) / 1.055
		q := math.Sqrt(math.Sqrt(g))
		return g * g * q * math.Sqrt(q)
	}
	return 0.2126*channel(v>>16&0xff) + 0.7152*channel(v>>8&0xff) + 0.0722*channel(v&0xff), true
}
