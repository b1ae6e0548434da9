package agentui

import (
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/limits"
)

// Emojis offered by the composer's picker: the ones agents use most in service chats.
var Emojis = []string{
	"🙂", "😊", "😀", "😉", "🙏", "👍", "👋", "👌", "🎉", "✅", "❤️", "⭐",
	"😅", "🤔", "😔", "😮", "🙌", "💡", "📦", "📞", "✉️", "⏳", "🔒", "🚚",
}

// Composer is where the agent writes: Enter sends, Shift+Enter makes a new line; emoji and
// canned responses are inserted at the cursor; the paper clip attaches files; "Ask for…" opens
// the card that asks the visitor for a field (see [App.renderAsk]). It keeps its own text
// while the agent types and reports it as a draft, so the text survives switching chats.
//
// It writes either a reply to the visitor or an internal note, which only agents see: two
// buttons above the text and Alt+N switch between them, and a note turns the whole composer
// yellow with a label, so that nobody takes one for the other. Files and field requests
// always reach the visitor, so they wait while a note is written.
type Composer struct {
	app.Compo

	// Msg speaks the agent's language.
	Msg catalog.Printer

	// Chat is the chat written in; Draft is its kept text, taken when the chat changes.
	Chat  string
	Draft string
	// Disabled is set when the chat has ended.
	Disabled bool
	// Canned are the tenant's canned responses; CannedState is "ready", "loading" or why
	// they are missing.
	Canned      []desk.Canned
	CannedState string
	// Visitor and Agent fill the placeholders of canned responses.
	Visitor string
	Agent   string
	// Asking is set while the chat's "Ask for…" card is open.
	Asking bool
	// Note is set while the composer writes an internal note, which only agents see; CanReply
	// says whether the agent may write to the visitor at all (an observer may not).
	Note     bool
	CanReply bool
	// Direct is set in a chat with a colleague: no visitor to reply to, ask or send files to.
	Direct bool

	text   string
	shown  string // the chat whose draft text holds
	panel  string // "", "emoji" or "canned"
	query  string
	errMsg string
}

// OnInit takes the draft of the first chat.
func (c *Composer) OnInit() { c.take() }

// OnUpdate takes the draft when the parent shows another chat.
func (c *Composer) OnUpdate(ctx app.Context) { c.take() }

// take loads the draft of a newly shown chat.
func (c *Composer) take() {
	if c.shown != c.Chat {
		c.shown, c.text, c.panel, c.query, c.errMsg = c.Chat, c.Draft, "", "", ""
	}
}

// Render draws the composer.
func (c *Composer) Render() app.UI {
	t := c.Msg
	canned := desk.SearchCanned(c.Canned, c.query)
	toVisitor := c.Disabled || c.Note // what goes only to the visitor waits
	placeholder := t.T("Write a message. Enter sends, Shift+Enter adds a line.")
	switch {
	case c.Disabled:
		placeholder = t.T("This chat has ended.")
	case c.Note:
		placeholder = t.T("Write an internal note: only agents see it. Enter adds it.")
	}
	return app.Div().Class(append(when(c.Note, "composer composer-note", "composer"), when(c.Direct, "composer-direct", "")...)...).Body(
		app.Div().Class("composer-mode").Role("group").Aria("label", t.T("Write")).Body(
			app.Button().ID("mode-reply").Class(when(!c.Note, "mode mode-reply selected", "mode mode-reply")...).Type("button").
				Disabled(c.Disabled || !c.CanReply).Aria("pressed", strconv.FormatBool(!c.Note)).Aria("keyshortcuts", "Alt+N").
				Title(map[bool]string{true: t.T("Write to the visitor (Alt+N switches)"), false: t.T("You read along: switch to participant to write to the visitor")}[c.CanReply]).
				Text(t.T("Reply to visitor")).
				OnClick(func(ctx app.Context, e app.Event) { c.setNote(ctx, false) }),
			app.Button().ID("mode-note").Class(when(c.Note, "mode mode-note selected", "mode mode-note")...).Type("button").
				Disabled(c.Disabled).Aria("pressed", strconv.FormatBool(c.Note)).Aria("keyshortcuts", "Alt+N").
				Title(t.T("Write a note only agents see (Alt+N switches)")).
				Text(t.T("Internal note")).
				OnClick(func(ctx app.Context, e app.Event) { c.setNote(ctx, true) }),
			app.If(c.Note, func() app.UI {
				return app.Span().ID("note-hint").Class("note-hint").Text(t.T("Only agents see notes; the visitor does not."))
			}),
		),
		app.Div().Class("composer-row").Body(
			app.Div().Class("composer-tools").Body(
				app.Button().ID("emoji-button").Class("btn", "btn-icon").Type("button").Disabled(c.Disabled).
					Aria("label", t.T("Insert emoji")).Aria("expanded", c.panel == "emoji").Title(t.T("Emoji")).Body(icon(iconEmoji)).
					OnClick(func(ctx app.Context, e app.Event) { c.toggle(ctx, "emoji") }),
				app.Button().ID("canned-button").Class("btn", "btn-icon").Type("button").Disabled(c.Disabled).
					Aria("label", t.T("Insert canned response")).Aria("expanded", c.panel == "canned").Title(t.T("Canned responses")).Body(icon(iconCanned)).
					OnClick(func(ctx app.Context, e app.Event) {
						c.toggle(ctx, "canned")
						if c.panel == "canned" {
							ctx.Defer(func(app.Context) { focusElement("canned-search") })
						}
					}),
				// The file input itself takes the keyboard focus (Enter or Space opens the
				// browser's file chooser); its label is the button the mouse sees. The platform
				// reads the chosen files from the input marked data-attach.
				app.Input().ID("file-input").Class("visually-hidden", "file-input").Type("file").Multiple(true).
					Disabled(toVisitor).DataSet("attach", c.Chat).Aria("label", t.T("Attach files")),
				app.Label().ID("attach-button").For("file-input").Class(when(toVisitor, "btn btn-icon attach disabled", "btn btn-icon attach")...).
					Title(t.T("Attach files (or drop them on the chat)")).Aria("hidden", true).Body(icon(iconClip)),
				app.Button().ID("ask-button").Class("btn", "btn-tool").Type("button").Disabled(toVisitor).
					Aria("expanded", strconv.FormatBool(c.Asking)).Aria("controls", "ask-card").Title(t.T("Ask the visitor for an order number, an e-mail address or any other field")).
					Text(t.T("Ask for…")).
					OnClick(func(ctx app.Context, e app.Event) {
						c.panel = ""
						ctx.NewActionWithValue(ActAskForm, c.Chat)
					}),
			),
			app.Textarea().ID("composer-text").Class("composer-text").Rows(2).Disabled(c.Disabled).
				Aria("label", map[bool]string{true: t.T("Internal note"), false: t.T("Message to the visitor")}[c.Note]).
				Aria("describedby", map[bool]string{true: "note-hint", false: ""}[c.Note]).
				Placeholder(placeholder).
				Text(c.text).DataSet("enter-sends", true).
				OnInput(c.onInput).
				OnKeyDown(c.onKey),
			app.Button().ID("send-button").Class(when(c.Note, "btn btn-note", "btn btn-primary")...).Type("button").Disabled(c.Disabled).
				Text(map[bool]string{true: t.T("Add note"), false: t.T("Send")}[c.Note]).
				OnClick(func(ctx app.Context, e app.Event) { c.send(ctx) }),
		),
		app.If(c.panel == "emoji", func() app.UI {
			return app.Div().Class("popover", "emoji-panel").Role("dialog").Aria("label", t.T("Emoji")).Body(
				app.Range(Emojis).Slice(func(i int) app.UI {
					e := Emojis[i]
					return app.Button().Class("emoji").Type("button").Title(t.T("Insert {0}", e)).Text(e).
						OnClick(func(ctx app.Context, ev app.Event) { c.insert(ctx, e, true) }, app.EventScope(e))
				}),
			)
		}),
		app.If(c.panel == "canned", func() app.UI {
			return app.Div().Class("popover", "canned-panel").Role("dialog").Aria("label", t.T("Canned responses")).Body(
				app.Input().ID("canned-search").Class("canned-search").Type("search").Placeholder(t.T("Search canned responses")).
					Aria("label", t.T("Search canned responses")).Value(c.query).AutoFocus(true).
					OnInput(func(ctx app.Context, e app.Event) { c.query = ctx.JSSrc().Get("value").String() }).
					OnKeyDown(c.onPanelKey),
				app.If(c.CannedState != "ready" && c.CannedState != "", func() app.UI {
					return app.P().Class("muted").Text(map[bool]string{true: c.Msg.T("Loading…"), false: c.CannedState}[c.CannedState == "loading"])
				}),
				app.If(c.CannedState == "ready" && len(canned) == 0, func() app.UI {
					return app.P().Class("muted").Text(t.T("No canned response matches."))
				}),
				app.Ul().Class("canned-list").Body(
					app.Range(canned).Slice(func(i int) app.UI {
						r := canned[i]
						return app.Li().Body(
							app.Button().Class("canned").Type("button").
								OnClick(func(ctx app.Context, e app.Event) {
									c.insert(ctx, desk.Fill(r.Text, c.Visitor, c.Agent), false)
								}, app.EventScope(r.ID)).Body(
								app.Span().Class("canned-title").Body(
									app.If(r.Folder != "", func() app.UI { return app.Span().Class("folder").Text(r.Folder) }),
									app.Text(r.Title),
								),
								app.Span().Class("canned-text").Text(r.Text),
							),
						)
					}),
				),
			)
		}),
		app.If(c.errMsg != "", func() app.UI { return app.P().Class("composer-error").Role("alert").Text(c.errMsg) }),
	)
}

// toggle opens a panel, or closes it when it is open. An open "Ask for…" card closes, so
// that the panel does not cover it.
func (c *Composer) toggle(ctx app.Context, panel string) {
	if c.panel == panel {
		c.panel = ""
		return
	}
	c.panel, c.query = panel, ""
	if c.Asking {
		ctx.NewActionWithValue(ActAskClose, c.Chat)
	}
}

// onInput keeps the text and reports it as the chat's draft (which also drives the typing
// notice to the visitor). The textarea already shows it, so nothing is redrawn.
func (c *Composer) onInput(ctx app.Context, e app.Event) {
	c.text = ctx.JSSrc().Get("value").String()
	c.errMsg = ""
	ctx.NewActionWithValue(ActDraft, Draft{Chat: c.Chat, Text: c.text})
	ctx.PreventUpdate()
}

// onKey sends on Enter; Shift+Enter (and Enter while an input method composes) makes a new
// line; Escape closes an open panel; Alt+N switches between reply and note (by the key's
// place, so that a keyboard on which Alt+N types a letter switches too).
func (c *Composer) onKey(ctx app.Context, e app.Event) {
	if e.Get("code").String() == "KeyN" && e.Get("altKey").Bool() && !e.Get("ctrlKey").Bool() && !e.Get("metaKey").Bool() {
		e.PreventDefault()
		c.setNote(ctx, !c.Note)
		return
	}
	switch e.Get("key").String() {
	case "Enter":
		if e.Get("shiftKey").Bool() || e.Get("isComposing").Bool() {
			return
		}
		e.PreventDefault()
		c.send(ctx)
	case "Escape":
		c.panel = ""
	}
}

// onPanelKey closes the canned panel on Escape and inserts the only match on Enter.
func (c *Composer) onPanelKey(ctx app.Context, e app.Event) {
	switch e.Get("key").String() {
	case "Escape":
		c.panel = ""
		ctx.Defer(func(app.Context) { focusElement("composer-text") })
	case "Enter":
		e.PreventDefault()
		if m := desk.SearchCanned(c.Canned, c.query); len(m) > 0 {
			c.insert(ctx, desk.Fill(m[0].Text, c.Visitor, c.Agent), false)
		}
	}
}

// send fires the message and empties the composer.
func (c *Composer) send(ctx app.Context) {
	text := strings.TrimRight(c.text, " \t\r\n")
	if c.Disabled || strings.TrimSpace(text) == "" {
		return
	}
	if n := len([]rune(text)); n > limits.MessageRunes {
		c.errMsg = c.Msg.T("The message is too long: {0} characters, at most {1}.", c.Msg.Int(int64(n)), c.Msg.Int(int64(limits.MessageRunes)))
		return
	}
	ctx.NewActionWithValue(ActSend, Draft{Chat: c.Chat, Text: text})
	c.text, c.panel = "", ""
	if el := app.Window().GetElementByID("composer-text"); el.Truthy() {
		el.Set("value", "")
	}
}

// insert puts s at the cursor of the textarea (at the end when there is none), with a space
// before an emoji that would stick to a word (see [desk.Insert]), closes the panel and gives
// the focus back to the text. The text field is changed at once, not after the update: the
// button or search field that called goes away with the panel, and go-app drops what an
// element that is gone deferred.
func (c *Composer) insert(ctx app.Context, s string, emoji bool) {
	text, pos := c.text, -1
	el := app.Window().GetElementByID("composer-text")
	if el.Truthy() {
		text = el.Get("value").String()
		if p := el.Get("selectionStart"); p.Type() == app.TypeNumber {
			pos = p.Int()
		}
	}
	var cursor int
	c.text, cursor = desk.Insert(text, pos, s, emoji)
	c.panel = ""
	ctx.NewActionWithValue(ActDraft, Draft{Chat: c.Chat, Text: c.text})
	if el.Truthy() {
		el.Set("value", c.text)
		el.Call("focus")
		el.Call("setSelectionRange", cursor, cursor)
	}
}

// setNote switches between reply and note, keeping the text; an agent who may not write to the
// visitor stays on notes.
func (c *Composer) setNote(ctx app.Context, note bool) {
	if c.Disabled || (!note && !c.CanReply) || note == c.Note {
		return
	}
	text := c.text
	if el := app.Window().GetElementByID("composer-text"); el.Truthy() {
		text = el.Get("value").String()
	}
	ctx.NewActionWithValue(ActNote, NoteSwitch{Chat: c.Chat, On: note, Draft: text})
}
