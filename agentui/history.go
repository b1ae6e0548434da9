package agentui

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// historyState is the History view: the agent's past and open chats as the server lets them
// see them (their own; a supervisor's also their groups'), filtered or searched, a page at a
// time, and one transcript opened read-only.
type historyState struct {
	open    bool
	form    url.Values // the filters and search as the agent set them
	loading bool
	err     string
	page    api.Archive
	// pages are the "after" values of the pages shown before this one, to go back.
	pages []string
	after string
	// chat is the transcript opened, nil while the list is shown.
	chat     *api.ArchiveTranscript
	chatErr  string
	chatLoad bool
	// labels is the form changing the opened chat's tags and outcome.
	labels labelsForm
}

// labelsForm is what the agent picked in the opened chat's tags and outcome form, and how
// its last save went.
type labelsForm struct {
	tags    []int64 // the tags ticked
	outcome int64   // the outcome chosen, 0 none
	saving  bool
	saved   bool   // the last save was taken
	err     string // why the last save failed
}

// labelsFormOf is the form for a transcript as the server sent it.
func labelsFormOf(tr *api.ArchiveTranscript) labelsForm {
	return labelsForm{tags: slices.Clone(tr.Tags), outcome: tr.Outcome}
}

// The History view's actions, handled with the app's context: the element that asked (a
// list entry, the paging buttons) is replaced while the answer loads, and its own context
// would end with it.
const (
	// ActHistoryLoad loads the page after the view's current cursor.
	ActHistoryLoad = "agent/history-load"
	// ActHistoryChat opens a chat's transcript; value string, the chat id.
	ActHistoryChat = "agent/history-chat"
)

// handleHistory registers the History view's actions.
func (a *App) handleHistory(ctx app.Context) {
	ctx.Handle(ActHistoryLoad, func(ctx app.Context, _ app.Action) { a.loadHistory(ctx) })
	ctx.Handle(ActHistoryChat, func(ctx app.Context, act app.Action) {
		if id, ok := act.Value.(string); ok {
			a.openHistoryChat(ctx, id)
		}
	})
}

// historyFields are the filters the view offers, in the order of the form.
var historyFields = []string{"q", "from", "to", "state", "tag", "outcome", "rating_max"}

// showHistory opens or closes the History view; opening it loads the first page.
func (a *App) showHistory(ctx app.Context, open bool) {
	h := &a.history
	h.open = open
	if open {
		a.leaveSupervise()
		a.left.open = false
		if h.form == nil {
			h.form = url.Values{}
		}
		h.chat, h.pages, h.after = nil, nil, ""
		a.loadHistory(ctx)
		ctx.Defer(func(app.Context) { focusElement("history-title") })
	}
	a.changed(ctx)
}

// loadHistory asks for the page after h.after with the form's filters.
func (a *App) loadHistory(ctx app.Context) {
	h := &a.history
	t := a.desk.Msg
	q := url.Values{}
	for _, k := range historyFields {
		if v := h.form.Get(k); v != "" {
			q.Set(k, v)
		}
	}
	if h.after != "" {
		q.Set("after", h.after)
	}
	h.loading, h.err = true, ""
	path := api.ArchivePath + "?" + q.Encode()
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", path, nil)
		ctx.Dispatch(func(app.Context) {
			h.loading = false
			var page api.Archive
			switch {
			case err != nil:
				h.err = t.T("The history could not be loaded. Check your connection and try again.")
			case status != 200:
				h.err = apiMessage(body, t.T("The history could not be loaded. Check your connection and try again."))
			case json.Unmarshal(body, &page) != nil:
				h.err = t.T("The history could not be loaded. Check your connection and try again.")
			default:
				h.page = page
			}
		})
	})
}

// openHistoryChat loads one chat's transcript into the view.
func (a *App) openHistoryChat(ctx app.Context, id string) {
	h := &a.history
	t := a.desk.Msg
	h.chat, h.chatErr, h.chatLoad = nil, "", true
	ctx.Async(func() {
		status, body, err := a.platform.Fetch("GET", api.ArchiveChatPath+url.PathEscape(id), nil)
		ctx.Dispatch(func(ctx app.Context) {
			h.chatLoad = false
			var tr api.ArchiveTranscript
			switch {
			case err != nil || status != 200 || json.Unmarshal(body, &tr) != nil:
				h.chatErr = apiMessage(body, t.T("This chat could not be opened."))
			default:
				h.chat = &tr
				h.labels = labelsFormOf(&tr)
			}
			ctx.Defer(func(app.Context) { focusElement("history-chat-title") })
		})
	})
}

// relabelBody is the form the server reads a relabelling from: tag repeated, for the tags
// still on the tenant's list, and outcome, sent only for a closed chat (the server leaves an
// open chat's outcome to the agent who closes it).
func relabelBody(f labelsForm, tags []protocol.Label, closed bool) []byte {
	v := url.Values{}
	for _, id := range f.tags {
		if slices.ContainsFunc(tags, func(l protocol.Label) bool { return l.ID == id }) {
			v.Add("tag", strconv.FormatInt(id, 10))
		}
	}
	if closed {
		v.Set("outcome", strconv.FormatInt(f.outcome, 10))
	}
	return []byte(v.Encode())
}

// saveHistoryLabels sends the opened chat's tags and outcome as the form has them.
func (a *App) saveHistoryLabels(ctx app.Context) {
	h := &a.history
	if h.chat == nil || h.labels.saving {
		return
	}
	t := a.desk.Msg
	tr := h.chat
	body := relabelBody(h.labels, a.desk.Labels.Tags, tr.Chat.State == "closed")
	h.labels.saving, h.labels.saved, h.labels.err = true, false, ""
	ctx.Async(func() {
		status, _, err := a.platform.Fetch("POST", api.ArchiveChatPath+url.PathEscape(tr.Chat.ID)+api.ArchiveLabelsSuffix, body)
		ctx.Dispatch(func(app.Context) {
			f := &h.labels
			f.saving = false
			if h.chat != tr {
				return // another chat was opened meanwhile
			}
			switch {
			case err != nil:
				f.err = t.T("The tags and outcome could not be saved. Check your connection and try again.")
			case status == 403:
				f.err = t.T("Only an administrator or an agent who handled this chat may change its tags and outcome.")
			case status == 400:
				// The lists changed under the form (a tag or outcome was deleted): the form
				// shows the new lists already.
				f.err = t.T("Choose the tags and outcome from the lists as they are now, then save again.")
			case status == 404:
				f.err = t.T("This chat could not be opened.")
			case status != 204 && status != 200:
				f.err = t.T("The tags and outcome could not be saved. Check your connection and try again.")
			default:
				sent, _ := url.ParseQuery(string(body))
				tr.Tags = tr.Tags[:0]
				for _, v := range sent["tag"] {
					if id, err := strconv.ParseInt(v, 10, 64); err == nil {
						tr.Tags = append(tr.Tags, id)
					}
				}
				if _, ok := sent["outcome"]; ok {
					tr.Outcome = f.outcome
				}
				f.saved = true
			}
		})
	})
}

// renderHistoryNav is the top bar's button to the History view and back.
func (a *App) renderHistoryNav() app.UI {
	t := a.desk.Msg
	return viewTab("nav-history", a.history.open, t.T("Your past and open chats"), t.T("History"),
		func(ctx app.Context) { a.showHistory(ctx, !a.history.open) })
}

// viewTab is a top bar button that opens a view and, pressed again, goes back to the desk.
func viewTab(id string, open bool, title, text string, toggle func(app.Context)) app.UI {
	return app.Button().ID(id).Class(when(open, "btn btn-small view-tab view-current", "btn btn-small view-tab")...).Type("button").
		Aria("pressed", strconv.FormatBool(open)).Title(title).Text(text).
		OnClick(func(ctx app.Context, e app.Event) { toggle(ctx) })
}

// renderHistory is the History view: nil while it is closed.
func (a *App) renderHistory() app.UI {
	h := &a.history
	if !h.open {
		return nil
	}
	t := a.desk.Msg
	body := []app.UI{app.H1().ID("history-title").TabIndex(-1).Text(t.T("History"))}
	if h.chat != nil || h.chatErr != "" || h.chatLoad {
		body = append(body, a.renderHistoryChat())
	} else {
		body = append(body, a.renderHistoryForm(), a.renderHistoryList())
	}
	return app.Main().ID("history").Class("history").Aria("labelledby", "history-title").
		OnKeyDown(func(ctx app.Context, e app.Event) {
			if e.Get("key").String() == "Escape" && (h.chat != nil || h.chatErr != "") {
				h.chat, h.chatErr = nil, ""
				a.changed(ctx)
			}
		}).Body(body...)
}

// renderHistoryForm is the search and the filters.
func (a *App) renderHistoryForm() app.UI {
	h := &a.history
	t := a.desk.Msg
	d := a.desk
	input := func(name, label, typ string) app.UI {
		id := "history-" + name
		return app.Div().Class("history-field").Body(
			app.Label().For(id).Text(label),
			app.Input().ID(id).Type(typ).Value(h.form.Get(name)).MaxLength(500).
				OnChange(func(ctx app.Context, _ app.Event) { h.form.Set(name, ctx.JSSrc().Get("value").String()) }),
		)
	}
	choice := func(name, label string, opts [][2]string) app.UI {
		id := "history-" + name
		options := []app.UI{app.Option().Value("").Text(t.T("All"))}
		for _, o := range opts {
			options = append(options, app.Option().Value(o[0]).Selected(h.form.Get(name) == o[0]).Text(o[1]))
		}
		return app.Div().Class("history-field").Body(
			app.Label().For(id).Text(label),
			app.Select().ID(id).OnChange(func(ctx app.Context, _ app.Event) { h.form.Set(name, ctx.JSSrc().Get("value").String()) }).Body(options...),
		)
	}
	var tags, outcomes [][2]string
	for _, l := range d.Labels.Tags {
		tags = append(tags, [2]string{strconv.FormatInt(l.ID, 10), l.Name})
	}
	for _, l := range d.Labels.Outcomes {
		outcomes = append(outcomes, [2]string{strconv.FormatInt(l.ID, 10), l.Name})
	}
	var ratings [][2]string
	for r := 1; r <= 5; r++ {
		ratings = append(ratings, [2]string{strconv.Itoa(r), t.T("{0} or lower", strconv.Itoa(r))})
	}
	return app.Form().ID("history-form").Class("history-form").Role("search").NoValidate(true).
		OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			h.pages, h.after = nil, ""
			a.loadHistory(ctx)
		}).Body(
		input("q", t.T("Search messages"), "search"),
		input("from", t.T("First day"), "date"),
		input("to", t.T("Last day"), "date"),
		choice("state", t.T("State"), [][2]string{{"queued", t.T("Waiting")}, {"active", t.T("Active")}, {"closed", t.T("Closed")}}),
		app.If(len(tags) > 0, func() app.UI { return choice("tag", t.T("Tag"), tags) }),
		app.If(len(outcomes) > 0, func() app.UI { return choice("outcome", t.T("Outcome"), outcomes) }),
		choice("rating_max", t.T("Rating"), ratings),
		app.Button().ID("history-find").Class("btn", "btn-primary").Type("submit").Text(t.T("Find")),
	)
}

// renderHistoryList is the page of chats or search hits, with paging.
func (a *App) renderHistoryList() app.UI {
	h := &a.history
	t := a.desk.Msg
	switch {
	case h.loading:
		return app.P().Class("muted").Role("status").Text(t.T("Loading…"))
	case h.err != "":
		return app.P().Class("error").Role("alert").Text(h.err)
	case len(h.page.Chats) == 0 && len(h.page.Hits) == 0:
		return app.P().Class("muted").Role("status").Text(t.T("No chats match."))
	}
	open := func(id string) app.EventHandler {
		return func(ctx app.Context, _ app.Event) { ctx.NewActionWithValue(ActHistoryChat, id) }
	}
	var items []app.UI
	for _, c := range h.page.Chats {
		items = append(items, app.Li().Class("history-item").Body(
			app.Button().Class("history-open").Type("button").OnClick(open(c.ID)).Body(
				app.Span().Class("history-visitor").Text(historyVisitor(a, c)),
				app.Span().Class("muted").Text(" · "+a.desk.Msg.Clock(c.CreatedAt.Local(), a.now)+" · "+stateWords(a, c.State)),
			),
		))
	}
	for _, hit := range h.page.Hits {
		items = append(items, app.Li().Class("history-item", "history-hit").Body(
			app.Button().Class("history-open").Type("button").OnClick(open(hit.Chat.ID)).Body(
				app.Span().Class("history-visitor").Text(historyVisitor(a, hit.Chat)),
				app.Span().Class("muted").Text(" · "+a.desk.Msg.Clock(hit.At.Local(), a.now)+" · "+hit.Name),
			),
			// The snippet is the server's: escaped text with the matches in <mark>.
			app.Raw(`<p class="snippet">`+hit.Snippet+`</p>`),
		))
	}
	pager := app.Div().Class("history-pager").Body(
		app.If(len(h.pages) > 0, func() app.UI {
			return app.Button().ID("history-newer").Class("btn", "btn-quiet").Type("button").Text(t.T("Newer")).
				OnClick(func(ctx app.Context, _ app.Event) {
					h.after, h.pages = h.pages[len(h.pages)-1], h.pages[:len(h.pages)-1]
					ctx.NewAction(ActHistoryLoad)
				})
		}),
		app.If(h.page.Next != "", func() app.UI {
			return app.Button().ID("history-older").Class("btn", "btn-quiet").Type("button").Text(t.T("Older")).
				OnClick(func(ctx app.Context, _ app.Event) {
					h.pages = append(h.pages, h.after)
					h.after = h.page.Next
					ctx.NewAction(ActHistoryLoad)
				})
		}),
	)
	return app.Div().Body(app.Ol().ID("history-list").Class("history-list").Body(items...), pager)
}

// renderHistoryChat is one transcript, read-only, with the way back to the list.
func (a *App) renderHistoryChat() app.UI {
	h := &a.history
	t := a.desk.Msg
	back := app.Button().ID("history-back").Class("btn", "btn-quiet").Type("button").Text(t.T("Back to the list")).
		OnClick(func(ctx app.Context, _ app.Event) { h.chat, h.chatErr = nil, "" })
	switch {
	case h.chatLoad:
		return app.P().Class("muted").Role("status").Text(t.T("Loading…"))
	case h.chatErr != "":
		return app.Section().Body(back, app.P().Class("error").Role("alert").Text(h.chatErr))
	}
	c := h.chat
	var lines []app.UI
	for _, l := range c.Lines {
		cls := []string{"history-line", "line-" + l.Role}
		if l.System {
			cls = append(cls, "line-system")
		}
		if l.Internal {
			cls = append(cls, "line-internal")
		}
		text := l.Text
		if l.File != "" {
			text = t.T("File: {0}", l.File)
		}
		lines = append(lines, app.Li().Class(cls...).Body(
			app.Span().Class("history-sender").Text(l.Sender),
			app.Span().Class("muted").Text(" "+a.desk.Msg.Time(l.At.Local())),
			app.If(l.Internal, func() app.UI { return app.Span().Class("muted").Text(" · " + t.T("internal")) }),
			app.P().Text(text),
			app.If(l.Translation != "", func() app.UI {
				return app.P().Class("muted", "translation").Text(t.T("Translation ({0}):", catalog.LanguageName(t, l.TranslationLang)) + " " + l.Translation)
			}),
		))
	}
	var tags []string
	for _, id := range c.Tags {
		for _, l := range a.desk.Labels.Tags {
			if l.ID == id {
				tags = append(tags, l.Name)
			}
		}
	}
	outcome := ""
	for _, l := range a.desk.Labels.Outcomes {
		if l.ID == c.Outcome {
			outcome = l.Name
		}
	}
	answers := a.desk.Surveys.Answers(t, c.ConnectorID, c.Fields)
	return app.Section().ID("history-chat").Class("history-chat").Aria("labelledby", "history-chat-title").Body(
		back,
		app.H2().ID("history-chat-title").TabIndex(-1).Text(t.T("Chat with {0}", historyVisitor(a, c.Chat))),
		app.Dl().Class("facts").Body(
			row(t.T("Started"), a.desk.Msg.Clock(c.Chat.CreatedAt.Local(), a.now)),
			row(t.T("Agent"), c.Chat.Agent),
			row(t.T("Tags"), joinNames(tags)),
			row(t.T("Outcome"), outcome),
			app.Range(answers).Slice(func(i int) app.UI { return row(answers[i].Label, answers[i].Value) }),
		),
		a.renderHistoryLabels(),
		app.If(c.Chat.State == "closed", func() app.UI {
			return app.Div().Class("history-mail").Body(a.mailButton("history-transcript-mail-button", c.Chat.ID), a.renderMailCard(c.Chat.ID))
		}),
		app.Ol().Class("history-transcript").Body(lines...),
	)
}

// renderHistoryLabels is the form changing the opened chat's tags and (once it is closed)
// its outcome, from the tenant's lists as they are now: nil when the server says the agent
// may not change them (only an administrator or an agent who handled the chat may) or the
// tenant has no lists.
func (a *App) renderHistoryLabels() app.UI {
	h := &a.history
	c, f := h.chat, &h.labels
	t := a.desk.Msg
	lists := a.desk.Labels
	closed := c.Chat.State == "closed"
	if !c.MayRelabel || (len(lists.Tags) == 0 && (!closed || len(lists.Outcomes) == 0)) {
		return nil
	}
	edited := func(ctx app.Context) { f.saved, f.err = false, "" }
	var checks []app.UI
	for _, l := range lists.Tags {
		id := l.ID
		box := "history-tag-" + strconv.FormatInt(id, 10)
		checks = append(checks, app.Label().For(box).Class("check").Body(
			app.Input().ID(box).Type("checkbox").Name("tag").Value(strconv.FormatInt(id, 10)).Checked(slices.Contains(f.tags, id)).
				OnChange(func(ctx app.Context, _ app.Event) {
					f.tags = slices.DeleteFunc(f.tags, func(x int64) bool { return x == id })
					if ctx.JSSrc().Get("checked").Bool() {
						f.tags = append(f.tags, id)
					}
					edited(ctx)
				}),
			app.Text(" "+l.Name),
		))
	}
	var outcome app.UI
	if closed && len(lists.Outcomes) > 0 {
		options := []app.UI{app.Option().Value("0").Selected(f.outcome == 0).Text(t.T("No outcome"))}
		if f.outcome != 0 && !slices.ContainsFunc(lists.Outcomes, func(o protocol.Label) bool { return o.ID == f.outcome }) {
			options = append(options, app.Option().Value(strconv.FormatInt(f.outcome, 10)).Selected(true).Text(t.T("Deleted outcome")))
		}
		for _, o := range lists.Outcomes {
			options = append(options, app.Option().Value(strconv.FormatInt(o.ID, 10)).Selected(f.outcome == o.ID).Text(o.Name))
		}
		outcome = app.Div().Class("history-field").Body(
			app.Label().For("history-outcome-edit").Text(t.T("Outcome")),
			app.Select().ID("history-outcome-edit").Name("outcome").OnChange(func(ctx app.Context, _ app.Event) {
				if id, err := strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64); err == nil {
					f.outcome = id
				}
				edited(ctx)
			}).Body(options...),
		)
	}
	var feedback app.UI
	switch {
	case f.err != "":
		feedback = app.P().ID("history-labels-status").Class("error").Role("alert").Text(f.err)
	case f.saving:
		feedback = app.P().ID("history-labels-status").Class("muted").Role("status").Text(t.T("Saving…"))
	case f.saved:
		feedback = app.P().ID("history-labels-status").Class("ok").Role("status").Text(t.T("The tags and outcome are saved."))
	default:
		feedback = app.P().ID("history-labels-status").Role("status")
	}
	return app.Form().ID("history-labels").Class("history-labels").Aria("labelledby", "history-labels-title").NoValidate(true).
		OnSubmit(func(ctx app.Context, e app.Event) {
			e.PreventDefault()
			a.saveHistoryLabels(ctx)
		}).Body(
		app.H3().ID("history-labels-title").Text(t.T("Tags and outcome")),
		app.If(len(checks) > 0, func() app.UI {
			return app.FieldSet().Class("checks").Body(append([]app.UI{app.Legend().Text(t.T("Tags"))}, checks...)...)
		}),
		outcome,
		app.Button().ID("history-labels-save").Class("btn", "btn-primary").Type("submit").Aria("busy", strconv.FormatBool(f.saving)).Text(t.T("Save")),
		feedback,
	)
}

// historyVisitor names a listed chat's visitor.
func historyVisitor(a *App, c api.ArchiveChat) string {
	if c.Visitor != "" {
		return c.Visitor
	}
	return a.desk.Msg.T("Visitor")
}

// stateWords is a chat state in words.
func stateWords(a *App, s string) string {
	t := a.desk.Msg
	switch s {
	case "queued", "offered":
		return t.T("Waiting")
	case "active":
		return t.T("Active")
	case "closed":
		return t.T("Closed")
	}
	return s
}

// joinNames lists names with commas.
func joinNames(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += n
	}
	return out
}
