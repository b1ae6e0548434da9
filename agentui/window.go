package agentui

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/browser"
	"github.com/parleychat/parley/agentui/desk"
)

// A chat can be opened in a window of its own, to keep it beside the main window (a second
// screen, a long conversation). That window is the same app on its own route, chatRoute+id,
// with its own connection: the server lets an agent connect several times, and both windows
// get every event of the chat. It shows just that chat with its composer, rings for nothing
// else and names the visitor in its title.

// chatRoute is the route of a chat's own window under the app's root (/agent/chat/ID).
const chatRoute = "/chat/"

// NewChatWindow returns the app for the window of one chat, the one its URL names.
func NewChatWindow() *App { return NewChatWindowWith(browser.New(), "") }

// NewChatWindowWith returns the window of chat on a given platform; tests pass a fake and the
// chat, the browser leaves chat empty and the window reads it from its URL.
func NewChatWindowWith(p browser.Platform, chat string) *App {
	a := NewWith(p)
	a.solo, a.only = true, chat
	return a
}

// chatOfPath returns the chat named by a chat window's path, or "".
func chatOfPath(path string) string {
	i := strings.LastIndex(path, chatRoute)
	if i < 0 {
		return ""
	}
	raw := path[i+len(chatRoute):]
	if strings.Contains(raw, "/") {
		return ""
	}
	id, err := url.PathUnescape(raw)
	if err != nil {
		return ""
	}
	return id
}

// appRoot is the path the app is served under ("/agent"), as go-app tells the page.
func appRoot() string { return strings.TrimSuffix(app.Getenv("GOAPP_ROOT_PREFIX"), "/") }

// ChatWindowPath is the path of chat id's own window.
func ChatWindowPath(id string) string { return appRoot() + chatRoute + escapePath(id) }

// TranscriptPath is the agent API's path of chat id's transcript as PDF.
func TranscriptPath(id string) string { return "/api/chats/" + escapePath(id) + "/transcript.pdf" }

// startSolo reads a chat window's chat from its URL when it was not given.
func (a *App) startSolo(ctx app.Context) {
	if a.solo && a.only == "" {
		a.only = chatOfPath(ctx.Page().URL().Path)
	}
}

// keepSolo keeps a chat window on its chat, whatever the events select.
func (a *App) keepSolo() {
	if a.solo && a.desk.Selected != a.only && a.desk.Chat(a.only) != nil {
		a.desk.Select(a.only)
	}
}

// soloAlerts leaves a chat window only the alerts of its own chat: offers and other chats
// ring in the main window.
func (a *App) soloAlerts(alerts []desk.Alert) []desk.Alert {
	if !a.solo {
		return alerts
	}
	var out []desk.Alert
	for _, al := range alerts {
		if al.Chat == a.only && al.Kind != desk.AlertOfferSound && !strings.HasPrefix(al.Tag, "offer-") {
			out = append(out, al)
		}
	}
	return out
}

// title is the window's title: the desk's (unread messages and offers) in the main window,
// the visitor's name with the chat's unread count in a chat window.
func (a *App) title() string {
	if !a.solo {
		return a.desk.Title(AppName)
	}
	c := a.desk.Chat(a.only)
	if c == nil {
		return AppName
	}
	t := c.Title() + " · " + AppName
	if c.Unread > 0 {
		t = "* (" + strconv.Itoa(c.Unread) + ") " + t
	}
	return t
}

// renderSolo draws a chat window: a slim top bar, the banners and the chat's pane.
func (a *App) renderSolo() app.UI {
	t := a.desk.Msg
	d := a.desk
	var pane app.UI
	switch c := d.Chat(a.only); {
	case c != nil:
		pane = a.renderPane()
	case d.Link == desk.LinkOnline:
		pane = app.Section().Class("pane", "pane-empty").Body(app.Div().Class("empty-pane").Body(
			app.H2().Text(t.T("This chat is not open for you")),
			app.P().Text(t.T("It may have ended or gone to another agent. You can close this window.")),
		))
	default:
		pane = app.Section().Class("pane", "pane-empty").Body(app.Div().Class("empty-pane").Body(
			app.P().Role("status").Text(t.T("Loading the chat…")),
		))
	}
	return app.Div().Class("shell", "shell-solo", "state-"+d.Link.String()).Body(
		app.Header().Class("topbar").Body(
			app.Div().Class("brand").Body(app.Span().Class("brand-mark").Aria("hidden", true), app.Text(AppName)),
			app.Span().Class("link", "link-"+d.Link.String()).Role("status").Aria("live", "polite").Text(linkText(t, d.Link)),
			app.Div().Class("spacer"),
			app.Span().Class("user").Title(t.T("Signed in as {0}", d.User.Login)).Text(agentName(d.User)),
		),
		a.renderBanners(),
		app.Div().Class("desk", "desk-solo").Body(pane),
	)
}

// renderChatActions are the chat's actions in its header: those of working together (see
// [App.renderTeamActions]), download its transcript as PDF
// (a plain link: the browser sends the session cookie and saves the file under the name the
// server gives; the download attribute, which must not be empty for go-app to keep it, also
// keeps go-app's router from taking the click), and, in the main window, open the chat in a
// window of its own.
func (a *App) renderChatActions(c *desk.Chat) app.UI {
	t := a.desk.Msg
	id := c.ID
	team := a.renderTeamActions(c)
	return app.Div().Class("chat-actions").Body(
		a.renderTranslateSwitch(c),
		a.renderTakeOver(c),
		app.Range(team).Slice(func(i int) app.UI { return team[i] }),
		a.renderMonitor(c),
		a.renderTransferAction(c),
		a.renderMailAction(c),
		app.A().ID("transcript-link").Class("btn", "btn-small").Href(TranscriptPath(id)).Download("chat-"+id+".pdf").
			Title(t.T("Download the transcript of this chat as a PDF file")).Aria("label", t.T("Download transcript (PDF)")).
			Text(t.T("Transcript (PDF)")),
		app.If(!a.solo && !c.Closed, func() app.UI {
			return app.Button().ID("chat-window-button").Class("btn", "btn-small").Type("button").
				Title(t.T("Open this chat in its own window, to keep it beside this one")).Aria("label", t.T("Open in its own window")).
				Text(t.T("Own window")).
				OnClick(func(ctx app.Context, e app.Event) { openChatWindow(id) }, app.EventScope(id))
		}),
	)
}

// openChatWindow opens chat id's own window, named after the chat so that the browser may
// reuse it when it is open already. Without an opener it shares nothing with this window but
// the session cookie and what the agent has read (local storage).
func openChatWindow(id string) {
	app.Window().Call("open", ChatWindowPath(id), "parley-chat-"+id, "popup,noopener,width=620,height=780")
}
