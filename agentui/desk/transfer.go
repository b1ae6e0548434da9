package desk

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// An owner hands a chat on to a colleague, a group or another connector (Znuny "transfer"):
// a card like the invitation card picks the target and takes an optional note for the agent who
// receives it; while the transfer is under way the chat says so and stays the owner's; the
// outcome comes as the chat's transfer events, so a reloaded app shows the same.

// TargetsPath is the agent API's list of the tenant's groups and connectors.
const TargetsPath = api.TransferTargetsPath

// TransferKind is what a chat is handed to.
type TransferKind string

// The kinds of transfer targets.
const (
	ToAgent     TransferKind = "agent"
	ToGroup     TransferKind = "group"
	ToConnector TransferKind = "connector"
)

// TransferForm is the open "Transfer" card of a chat.
type TransferForm struct {
	Kind   TransferKind
	Target int64
	Note   string
	// Error says why the transfer cannot go (nobody chosen, or the server's reason).
	Error string
}

// Transferring is a transfer of the chat under way: to whom, with which note, who asked.
type Transferring struct {
	ToName string
	Note   string
	By     string
	// Acked is set once the server took the command; cmd is its id until then.
	Acked bool
	cmd   string
}

// MayTransfer reports whether the agent may hand chat c on: its owner, or a supervisor, while
// it is open and no transfer is under way.
func (d *Desk) MayTransfer(c *Chat) bool {
	return c != nil && !c.Closed && (c.Part() == protocol.PartOwner || d.supervises())
}

// OpenTransfer opens the chat's transfer card, or closes it when it is open, and reports
// whether it is open now. It opens on a colleague: the most common target.
func (d *Desk) OpenTransfer(id string) bool {
	c := d.Chat(id)
	if c == nil || !d.MayTransfer(c) || c.Transfer != nil {
		return false
	}
	if c.TransferForm != nil {
		c.TransferForm = nil
		return false
	}
	c.TransferForm = &TransferForm{Kind: ToAgent}
	return true
}

// CloseTransfer closes the chat's transfer card.
func (d *Desk) CloseTransfer(id string) {
	if c := d.Chat(id); c != nil {
		c.TransferForm = nil
	}
}

// EditTransfer keeps what the agent chose in the chat's transfer card; another kind starts
// with no target chosen.
func (d *Desk) EditTransfer(id string, kind TransferKind, target int64, note string) {
	c := d.Chat(id)
	if c == nil || c.TransferForm == nil {
		return
	}
	f := c.TransferForm
	if f.Kind != kind {
		target = 0
	}
	f.Kind, f.Target, f.Note, f.Error = kind, target, note, ""
}

// TransferChoice is a target in the transfer card's picker, with why it cannot be picked.
type TransferChoice struct {
	ID   int64
	Name string
	// Detail is the colleague's status and free capacity.
	Detail string
	// Why is set when the target cannot be picked: offline, no chats in this status, full,
	// out of service.
	Why string
}

// Label is the choice as the picker shows it.
func (c TransferChoice) Label() string {
	switch {
	case c.Why != "":
		return c.Name + " — " + c.Why
	case c.Detail != "":
		return c.Name + " — " + c.Detail
	}
	return c.Name
}

// TransferChoices lists the targets of a kind for chat id's picker, those that can be picked
// first, by name: colleagues who are signed in, in a status that takes chats and with a free
// slot (the owner of the chat is not listed); the tenant's groups; its connectors.
func (d *Desk) TransferChoices(id string, kind TransferKind) []TransferChoice {
	c := d.Chat(id)
	var out []TransferChoice
	switch kind {
	case ToGroup:
		for _, g := range d.Targets.Groups {
			out = append(out, TransferChoice{ID: g.ID, Name: g.Name})
		}
	case ToConnector:
		for _, k := range d.Targets.Connectors {
			ch := TransferChoice{ID: k.ID, Name: k.Name}
			if !k.Open {
				ch.Why = d.Msg.T("out of service")
			}
			out = append(out, ch)
		}
	default:
		for _, col := range d.Colleagues {
			if col.ID == d.User.ID || (c != nil && c.owner() == col.ID) {
				continue
			}
			ch := TransferChoice{ID: col.ID, Name: col.Name}
			free := col.MaxChats - col.Chats
			switch {
			case !col.Online:
				ch.Why = d.Msg.T("offline")
			case !col.AllowsChat:
				ch.Why = d.Msg.T("{0}, takes no chats", col.Status)
			case col.MaxChats <= 0:
				ch.Why = d.Msg.T("takes no chats")
			case free <= 0:
				ch.Why = d.Msg.T("no free capacity ({0}/{1} chats)", strconv.Itoa(col.Chats), strconv.Itoa(col.MaxChats))
			default:
				ch.Detail = d.Msg.T("{0}, {1} of {2} free", col.Status, strconv.Itoa(free), strconv.Itoa(col.MaxChats))
			}
			out = append(out, ch)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Why == "") != (out[j].Why == "") {
			return out[i].Why == ""
		}
		return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name)
	})
	return out
}

// owner is the user id of the chat's owner, 0 if none is known.
func (c *Chat) owner() int64 {
	for _, p := range c.Agents {
		if p.As == protocol.PartOwner {
			return p.UserID
		}
	}
	return 0
}

// Transfer hands chat id to target of kind with note; the card closes and the chat shows the
// transfer as under way. With no target that can be picked the card says so.
func (d *Desk) Transfer(id string, kind TransferKind, target int64, note string) (protocol.Command, bool) {
	c := d.Chat(id)
	if c == nil || !d.MayTransfer(c) || c.Transfer != nil {
		return protocol.Command{}, false
	}
	var pick *TransferChoice
	for _, ch := range d.TransferChoices(id, kind) {
		if ch.ID == target {
			pick = &ch
			break
		}
	}
	if pick == nil || pick.Why != "" {
		if c.TransferForm == nil {
			c.TransferForm = &TransferForm{}
		}
		c.TransferForm.Kind, c.TransferForm.Target, c.TransferForm.Note = kind, target, note
		c.TransferForm.Error = map[TransferKind]string{ToAgent: d.Msg.T("Choose a colleague who can take the chat."),
			ToGroup: d.Msg.T("Choose a group."), ToConnector: d.Msg.T("Choose a connector that is in service.")}[kind]
		if c.TransferForm.Error == "" {
			c.TransferForm.Error = d.Msg.T("Choose where to transfer the chat.")
		}
		return protocol.Command{}, false
	}
	body := &protocol.ChatTransfer{Note: strings.TrimSpace(note)}
	switch kind {
	case ToGroup:
		body.GroupID = target
	case ToConnector:
		body.ConnectorID = target
	default:
		body.UserID = target
	}
	cmd := d.command(id, body)
	c.Transfer = &Transferring{ToName: pick.Name, Note: body.Note, By: d.agentName(), cmd: cmd.ID}
	c.TransferForm, c.TransferNotice = nil, ""
	return cmd, true
}

// CancelTransfer withdraws the chat's transfer under way.
func (d *Desk) CancelTransfer(id string) (protocol.Command, bool) {
	c := d.Chat(id)
	if c == nil || c.Transfer == nil || !c.Transfer.Acked {
		return protocol.Command{}, false
	}
	return d.command(id, &protocol.TransferCancel{}), true
}

// DismissTransferNotice hides the outcome of the chat's last transfer.
func (d *Desk) DismissTransferNotice(id string) {
	if c := d.Chat(id); c != nil {
		c.TransferNotice = ""
	}
}

// SetTargets takes the tenant's groups and connectors (a message instead when they could not
// be had).
func (d *Desk) SetTargets(t api.TransferTargets, problem string) {
	if problem != "" {
		d.TargetsState = problem
		return
	}
	d.Targets, d.TargetsState = t, "ready"
}

// transferAcked settles the ack of a transfer command.
func (d *Desk) transferAcked(cmd protocol.Command) {
	c := d.Chat(cmd.Chat)
	if c == nil {
		return
	}
	switch cmd.Body.(type) {
	case *protocol.ChatTransfer:
		if c.Transfer != nil && c.Transfer.cmd == cmd.ID {
			c.Transfer.Acked = true
		}
	case *protocol.TransferCancel:
		// The server has no transfer of the chat under way (any more): its failed event, if
		// one was under way, has come first; after a restart of the server none comes.
		c.Transfer = nil
	}
}

// transferRefused settles a refused transfer command: the card opens again with the server's
// reason, and what the agent chose.
func (d *Desk) transferRefused(cmd protocol.Command, e *protocol.Error) {
	c := d.Chat(cmd.Chat)
	b, ok := cmd.Body.(*protocol.ChatTransfer)
	if c == nil || !ok {
		return
	}
	if c.Transfer != nil && c.Transfer.cmd == cmd.ID {
		c.Transfer = nil
	}
	f := &TransferForm{Kind: ToAgent, Target: b.UserID, Note: b.Note, Error: e.Message}
	switch {
	case b.GroupID != 0:
		f.Kind, f.Target = ToGroup, b.GroupID
	case b.ConnectorID != 0:
		f.Kind, f.Target = ToConnector, b.ConnectorID
	}
	if !c.Closed {
		c.TransferForm = f
	}
}

// transferEvent takes the chat's transfer event: a line for the agents (with the note, marked
// as internal), the transfer under way or over, and for the owner the outcome of a failed
// transfer. The former owner's chat ends here when another agent took it.
func (d *Desk) transferEvent(ev protocol.Event, b *protocol.Transfer, now time.Time) {
	c := d.Chat(ev.Chat)
	if c == nil {
		return
	}
	fresh := ev.Seq == 0 || ev.Seq > c.LastSeq
	live := ev.Seq == 0 || ev.Seq > c.HistoryUntil
	to := b.ToName
	if to == "" {
		to = d.Msg.T("another agent")
	}
	var text string
	switch {
	case b.State == protocol.TransferPending && b.By.UserID == d.User.ID && d.User.ID != 0:
		text = d.Msg.T("You asked to transfer the chat to {0}", to)
	case b.State == protocol.TransferPending:
		text = d.Msg.T("{0} asked to transfer the chat to {1}", b.By.Name, to)
	case b.State == protocol.TransferAccepted:
		text = d.Msg.T("The chat was transferred to {0}", to)
	default:
		text = d.Msg.T("The transfer to {0} failed: {1}", to, failReason(d.Msg, b.Reason))
	}
	at := b.At
	if at.IsZero() {
		at = now
	}
	d.line(ev, Line{Kind: LineEvent, Text: text, At: at}, now)
	if !fresh {
		return
	}
	if b.State == protocol.TransferPending && b.Note != "" {
		c.Lines = append(c.Lines, Line{Kind: LineMessage, Seq: ev.Seq, Role: protocol.RoleAgent, Name: b.By.Name,
			Text: d.Msg.T("Note for {0}: {1}", to, b.Note), At: at, Internal: true})
	}
	switch b.State {
	case protocol.TransferPending:
		t := &Transferring{ToName: b.ToName, Note: b.Note, By: b.By.Name, Acked: true}
		if c.Transfer != nil && !c.Transfer.Acked {
			t.cmd = c.Transfer.cmd // the ack is still to come
			t.Acked = false
		}
		c.Transfer = t
		c.TransferForm = nil
	case protocol.TransferAccepted:
		c.Transfer = nil
		c.TransferForm = nil
		if b.ToUserID != d.User.ID && c.Part() == protocol.PartOwner {
			// Handed on: the chat is over here and waits among the recently ended ones.
			c.Closed, c.EndedAt = true, now
			c.As = ""
			c.Form, c.InviteForm = nil, nil
		}
	default:
		c.Transfer = nil
		if live && c.Part() == protocol.PartOwner {
			c.TransferNotice = failNotice(d.Msg, b.Reason, to)
		}
	}
}

// failReason says in words why a transfer failed.
func failReason(t catalog.Printer, r string) string {
	switch r {
	case "timeout":
		return t.T("nobody accepted in time")
	case "declined":
		return t.T("declined")
	case "canceled":
		return t.T("withdrawn")
	case "closed":
		return t.T("the chat ended")
	case "requeued":
		return t.T("the chat went back to the queue")
	case "taken_over":
		return t.T("a supervisor took the chat over")
	}
	return r
}

// failNotice tells the owner how a transfer ended, and that the chat is still theirs.
func failNotice(t catalog.Printer, r, to string) string {
	switch r {
	case "timeout":
		return t.T("Nobody accepted the transfer in time; the chat stays with you.")
	case "declined":
		return t.T("{0} declined the transfer; the chat stays with you.", to)
	case "canceled":
		return t.T("The transfer was withdrawn; the chat stays with you.")
	}
	return t.T("The transfer failed ({0}); the chat stays with you.", failReason(t, r))
}
