package agentui

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/agentui/desk"
	"github.com/parleychat/parley/shared/protocol"
)

// Render draws the app. Visitor text is always put in as text nodes, never as HTML.
func (a *App) Render() app.UI {
	switch {
	case !a.mounted:
		return a.renderBoot(a.desk.Msg.T("Starting…"))
	case a.phase == phaseBoot && a.desk.Link == desk.LinkOffline:
		return a.renderBoot(a.desk.Msg.T("Checking your session…"))
	case a.phase == phaseBoot:
		return a.renderBoot(a.desk.Msg.T("Waiting for the server… Parley retries by itself."))
	case a.phase == phaseSignIn:
		return app.Main().Class("signin-page").Body(
			&SignIn{Msg: a.desk.Msg, Error: a.signInErr, Busy: a.signingIn},
		)
	case a.solo:
		return a.renderSolo()
	}
	return app.Div().Class("shell", "state-"+a.desk.Link.String()).
		On("keydown", func(app.Context, app.Event) { a.activity() }).On("pointerdown", func(app.Context, app.Event) { a.activity() }).Body(
		a.renderTopbar(),
		a.renderBanners(),
		a.renderSupervise(),
		a.renderHistory(),
		a.renderLeft(),
		app.Div().Class("desk").Hidden(a.supervising || a.history.open || a.left.open).Body(
			a.renderSidebar(),
			a.renderPane(),
			a.renderDetails(),
		),
	)
}

// renderBoot is the shell shown while starting (and what the server prerenders).
func (a *App) renderBoot(text string) app.UI {
	return app.Main().Class("boot").Body(
		app.Div().Class("brand", "brand-large").Body(app.Span().Class("brand-mark").Aria("hidden", true), app.Text(AppName)),
		app.P().Class("boot-text").Role("status").Text(text),
	)
}

// renderTopbar shows the brand, the link state, the agent's status and the sign-out button.
func (a *App) renderTopbar() app.UI {
	d := a.desk
	t := d.Msg
	dot, ring := desk.DotColor(d.CurrentStatus())
	menu := d.StatusMenu()
	name := d.User.Nickname
	if name == "" {
		name = d.User.Name
	}
	return app.Header().Class("topbar").Body(
		app.Div().Class("brand").Body(app.Span().Class("brand-mark").Aria("hidden", true), app.Text(AppName)),
		app.Span().Class("link", "link-"+d.Link.String()).Role("status").Aria("live", "polite").Text(linkText(t, d.Link)),
		a.renderSuperviseNav(),
		a.renderHistoryNav(),
		a.renderLeftNav(),
		app.Div().Class("spacer"),
		app.Label().Class("status").For("status-select").Body(
			app.Span().Class(when(ring, "dot status-dot dot-ring", "dot status-dot")...).Style("background", dot).Aria("hidden", true),
			app.Span().Class("visually-hidden").Text(t.T("Your status")),
			app.Select().ID("status-select").Class("status-select").Disabled(d.Link != desk.LinkOnline).
				OnChange(func(ctx app.Context, e app.Event) {
					id, err := strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64)
					if err == nil {
						ctx.NewActionWithValue(ActStatus, id)
					}
				}).Body(
				app.Range(menu).Slice(func(i int) app.UI {
					o := menu[i]
					return app.Option().Value(o.ID).DataSet("chats", o.Chats).Selected(o.Selected).Disabled(o.Disabled).Text(o.Label)
				}),
			),
		),
		app.Span().Class("user").Title(t.T("Signed in as {0}", d.User.Login)).Text(name),
		app.Select().ID("lang-select").Class("lang-select").Aria("label", t.T("Language")).Title(t.T("Language")).
			OnChange(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActLang, ctx.JSSrc().Get("value").String()) }).Body(
			app.Option().Value("").Selected(a.langChoice == "").Text(t.T("Automatic")),
			app.Range(catalog.Languages).Slice(func(i int) app.UI {
				l := catalog.Languages[i]
				return app.Option().Value(l).Lang(l).Selected(a.langChoice == l).Text(catalog.Name(l))
			}),
		),
		app.Button().Class("btn", "btn-quiet").Type("button").Text(t.T("Sign out")).
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(ActLogout) }),
	)
}

// linkText names the link state for the agent.
func linkText(t catalog.Printer, l desk.Link) string {
	switch l {
	case desk.LinkOnline:
		return t.T("Connected")
	case desk.LinkReconnecting:
		return t.T("Reconnecting…")
	case desk.LinkConnecting:
		return t.T("Connecting…")
	}
	return t.T("Offline")
}

// renderBanners shows what the agent must know now: a lost link, a notice, the
// notification offer.
func (a *App) renderBanners() app.UI {
	d := a.desk
	t := d.Msg
	return app.Div().Class("banners").Body(
		app.If(d.Link == desk.LinkReconnecting, func() app.UI {
			return app.Div().Class("banner", "banner-warn").Role("status").Body(
				app.Strong().Text(t.T("Connection lost. Reconnecting…")),
				app.Text(" "+t.T("Your chats continue where they left off; nothing you send is lost.")),
			)
		}),
		app.If(a.terminal != "", func() app.UI {
			return app.Div().Class("banner", "banner-error").Role("alert").Body(
				app.Span().Text(a.terminal),
				app.Button().Class("btn", "btn-small").Type("button").Text(t.T("Use this window")).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewAction(ActReconnect) }),
			)
		}),
		app.If(d.Notice != "", func() app.UI {
			return app.Div().Class("banner", "banner-info").Role("status").Body(
				app.Span().Text(d.Notice),
				app.Button().Class("btn", "btn-small", "btn-quiet").Type("button").Aria("label", t.T("Dismiss")).Text("×").
					OnClick(func(ctx app.Context, e app.Event) { d.Notice = "" }),
			)
		}),
		app.If(a.pushErr != "", func() app.UI {
			return app.Div().Class("banner", "banner-warn").Role("status").Body(
				app.Span().Text(a.pushErr),
				app.Button().Class("btn", "btn-small", "btn-quiet").Type("button").Aria("label", t.T("Dismiss")).Text("×").
					OnClick(func(ctx app.Context, e app.Event) { a.pushErr = "" }),
			)
		}),
		app.If(a.permission == "default" && !a.askLater && !a.solo, func() app.UI { // the main window asks
			return app.Div().Class("banner", "banner-info").Body(
				app.Span().Text(t.T("Get a notification when a visitor writes while Parley is in the background?")),
				app.Button().Class("btn", "btn-small").Type("button").Text(t.T("Enable notifications")).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActNotifications, true) }),
				app.Button().Class("btn", "btn-small", "btn-quiet").Type("button").Text(t.T("Not now")).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActNotifications, false) }),
			)
		}),
	)
}

// renderSidebar shows the connector filter, the offers and the session tabs.
func (a *App) renderSidebar() app.UI {
	d := a.desk
	t := d.Msg
	offers, chats, ended := d.VisibleOffers(), d.VisibleChats(), d.VisibleEnded()
	conns := d.Connectors()
	return app.Aside().Class("sidebar").Aria("label", t.T("Offers and chats")).Body(
		app.Div().Class("filter-box").Body(app.If(len(conns) > 1 || d.Filter != 0, func() app.UI {
			return app.Label().Class("filter").Body(
				app.Span().Text(t.T("Connector")),
				app.Select().ID("connector-filter").OnChange(func(ctx app.Context, e app.Event) {
					id, _ := strconv.ParseInt(ctx.JSSrc().Get("value").String(), 10, 64)
					ctx.NewActionWithValue(ActFilter, id)
				}).Body(
					app.Option().Value(0).Selected(d.Filter == 0).Text(t.T("All connectors")),
					app.Range(conns).Slice(func(i int) app.UI {
						return app.Option().Value(conns[i].ID).Selected(conns[i].ID == d.Filter).Text(conns[i].Name)
					}),
				),
			)
		})),
		a.renderInvites(),
		app.Section().Class("offers").Aria("label", t.T("Chat requests")).Body(
			app.H2().Body(app.Text(t.T("Requests")), app.If(len(offers) > 0, func() app.UI {
				return app.Span().Class("count").Text(t.Int(int64(len(offers))))
			})),
			app.If(!d.ReceivesOffers() && d.Link == desk.LinkOnline, func() app.UI {
				return app.P().Class("hint").Text(t.T("Your status does not receive chats. Choose a status such as Available to get requests."))
			}),
			app.If(len(offers) == 0 && d.ReceivesOffers(), func() app.UI {
				return app.P().Class("empty").Text(t.T("No requests waiting."))
			}),
			app.Range(offers).Slice(func(i int) app.UI { return a.renderOffer(offers[i]) }),
			app.P().ID("offer-announce").Class("visually-hidden").Role("status").Aria("live", "assertive").Text(d.OfferAnnouncement()),
		),
		app.Nav().Class("sessions").Aria("label", t.T("My chats")).Body(
			app.H2().Body(app.Text(t.T("My chats")), app.If(len(chats) > 0, func() app.UI {
				return app.Span().Class("count").Text(t.Int(int64(len(chats))))
			})),
			app.If(len(chats) == 0, func() app.UI { return app.P().Class("empty").Text(t.T("No active chats.")) }),
			app.Ul().Class("tabs").Body(
				app.Range(chats).Slice(func(i int) app.UI { return a.renderTab(chats[i]) }),
			),
		),
		a.renderVisitors(),
		app.If(len(ended) > 0, func() app.UI {
			return app.Section().Class("ended").Aria("label", t.T("Recently ended chats")).Body(
				app.H2().Body(app.Text(t.T("Recently ended")), app.Span().Class("count").Text(t.Int(int64(len(ended))))),
				app.P().Class("ended-hint").Text(t.N("Ended chats leave this list by themselves after {0} minute.", "Ended chats leave this list by themselves after {0} minutes.", int(desk.EndedKeep/time.Minute))),
				app.Ul().Class("tabs").Body(
					app.Range(ended).Slice(func(i int) app.UI { return a.renderTab(ended[i]) }),
				),
			)
		}),
		a.renderColleagues(),
	)
}

// renderOffer shows one request with its countdown and the Accept and Decline buttons.
func (a *App) renderOffer(o *desk.Offer) app.UI {
	t := a.desk.Msg
	left := o.Remaining(a.now)
	urgent := left < 10e9
	chat := o.Chat
	return app.Article().Class("offer").ID("offer-"+chat).Aria("label", t.T("Chat request from {0}", nameOf(t, o.Visitor))).Body(
		app.Div().Class("offer-head").Body(
			app.Strong().Class("offer-name").Text(nameOf(t, o.Visitor)),
			app.Span().Class(when(urgent, "offer-time urgent", "offer-time")...).Title(t.T("Time left to answer")).Text(countdown(left)),
		),
		app.Div().Class("offer-meta").Body(
			app.Span().Text(o.Connector),
			app.If(o.Lang != "", func() app.UI { return app.Span().Class("lang").Text(strings.ToUpper(o.Lang)) }),
		),
		app.If(strings.TrimSpace(o.Question) != "", func() app.UI { return a.renderOfferQuestion(o.Offer) }),
		renderOfferTransfer(t, o),
		app.Div().Class("bar").Aria("hidden", true).Body(
			app.Div().Class("bar-fill").Style("width", "%.0f%%", o.Fraction(a.now)*100),
		),
		app.Div().Class("offer-actions").Body(
			app.Button().Class("btn", "btn-accept").Type("button").Disabled(o.Answered).Text(t.T("Accept")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActAccept, chat) }, app.EventScope(chat)),
			app.Button().Class("btn", "btn-quiet").Type("button").Disabled(o.Answered).Text(t.T("Decline")).
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActDecline, chat) }, app.EventScope(chat)),
		),
	)
}

// nameOf is a visitor's name or a stand-in.
func nameOf(t catalog.Printer, n string) string {
	if strings.TrimSpace(n) == "" {
		return t.T("Visitor")
	}
	return n
}

// renderTab shows one session tab: presence dot, name, time since the last reply, unread badge.
func (a *App) renderTab(c *desk.Chat) app.UI {
	t := a.desk.Msg
	selected := c.ID == a.desk.Selected
	id := c.ID
	classes := []string{"tab"}
	if selected {
		classes = append(classes, "selected")
	}
	if c.Unread > 0 && !selected {
		classes = append(classes, "blink")
	}
	if c.Closed {
		classes = append(classes, "closed")
	}
	label := c.Title()
	if c.Unread > 0 {
		label = t.N("{1}, {0} unread", "{1}, {0} unread", c.Unread, label)
	}
	waiting := c.WaitingForReply() && !c.Closed
	return app.Li().Class("tab-item").Body(
		// The button is named by what it shows (an aria-label would hide the rest from a
		// screen reader and differ from what a voice user says); with unread lines, the name
		// is read with the count instead of the name and the bare number.
		app.Button().ID("tab-"+id).Class(classes...).Type("button").Aria("current", selected).
			OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActSelect, id) }, app.EventScope(id)).Body(
			app.Span().Class("dot", "presence-"+c.Presence()).Title(chatPresenceText(t, c)),
			app.Span().Class("tab-text").Body(
				app.Span().Class("tab-name").Aria("hidden", c.Unread > 0).Text(c.Title()),
				app.If(c.Unread > 0, func() app.UI { return app.Span().Class("visually-hidden").Text(label) }),
				app.Span().Class("tab-meta").Text(tabMeta(t, c)),
			),
			app.If(!c.Closed, func() app.UI {
				return app.Span().Class(when(waiting, "tab-since waiting", "tab-since")...).Title(t.T("Time since your last reply")).Text(since(t, c.SinceReply(a.now)))
			}),
			app.If(c.Unread > 0, func() app.UI {
				return app.Span().Class("badge").Aria("hidden", true).Text(t.Int(int64(c.Unread)))
			}),
		),
		app.If(c.Closed, func() app.UI {
			return app.Button().Class("tab-remove").Type("button").Aria("label", t.T("Remove the chat with {0} from the list", c.Title())).Title(t.T("Remove from list")).Text("×").
				OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActDismiss, id) }, app.EventScope(id))
		}),
	)
}

// presenceText explains a presence colour.
func presenceText(t catalog.Printer, p string) string {
	switch p {
	case "active":
		return t.T("Visitor online")
	case "away":
		return t.T("Visitor away")
	case "inactive":
		return t.T("Waiting")
	}
	return t.T("Chat ended")
}

// renderPane shows the selected chat: header, conversation, typing and preview, composer.
func (a *App) renderPane() app.UI {
	c := a.desk.Current()
	t := a.desk.Msg
	if c == nil {
		return app.Section().Class("pane", "pane-empty").Body(
			app.Div().Class("empty-pane").Body(
				app.H2().Text(t.T("No chat selected")),
				app.P().Text(t.T("Accept a request or pick a chat on the left. Press Enter to send, Shift+Enter for a new line.")),
			),
		)
	}
	id := c.ID
	pane := app.Section().Class("pane").Aria("label", t.T("Chat with {0}", c.Title()))
	if !c.Closed && !c.Noting() {
		// Files dropped here are sent in this chat (the platform watches data-drop); not
		// while writing a note: a file always goes to the visitor.
		pane = pane.DataSet("drop", id).DataSet("drop-label", t.T("Drop files to send them to {0}", c.Title()))
	}
	return pane.Body(
		app.Header().Class("pane-head").Body(
			app.Span().Class("avatar").Aria("hidden", true).Text(initials(c.Title())),
			app.Div().Class("pane-title").Body(
				app.H2().Body(
					app.Span().Class("dot", "presence-"+c.Presence()).Title(chatPresenceText(t, c)),
					app.Text(c.Title()),
				),
				app.Span().Class("pane-meta").Text(tabMeta(t, c)+" · "+chatPresenceText(t, c)),
			),
			a.renderTeam(c),
			app.Div().Class("spacer"),
			app.If(!c.Closed && (c.Part() == protocol.PartOwner || c.Direct()), func() app.UI {
				return app.Button().Class("btn", "btn-danger").Type("button").Text(t.T("Close chat")).Title(t.T("End the chat; the visitor gets the goodbye text")).
					Disabled(!a.desk.Labels.CanClose(id)).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActClose, id) }, app.EventScope(id))
			}),
			app.If(c.Closed, func() app.UI {
				return app.Button().Class("btn").Type("button").Text(t.T("Remove from list")).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActDismiss, id) }, app.EventScope(id))
			}),
			a.renderChatActions(c),
		),
		app.If(a.hasLabels(c), func() app.UI { return a.renderClassify(c) }),
		app.Div().Class("pane-banners").Body(
			app.If(!c.WarningUntil.IsZero() && !c.Closed, func() app.UI {
				return app.Div().Class("banner", "banner-warn", "pane-banner").Role("status").
					Text(t.T("The visitor is away. The chat closes in {0} unless they come back.", countdown(c.WarningUntil.Sub(a.now))))
			}),
			a.renderTransferStatus(c),
		),
		app.Ol().ID("messages").Class("messages").TabIndex(0).Aria("live", "polite").Aria("label", t.T("Conversation")).Body(
			app.Range(c.Lines).Slice(func(i int) app.UI { return a.renderLine(c.Lines[i]) }),
		),
		app.Div().Class("activity").Body(
			app.If(c.VisitorTyping && c.Preview == "", func() app.UI {
				return app.P().Class("typing").Body(app.Span().Class("typing-dots").Aria("hidden", true), app.Text(t.T("{0} is typing…", c.Title())))
			}),
			app.If(c.Preview != "", func() app.UI {
				return app.Div().Class("preview").Body(
					app.Span().Class("preview-label").Body(app.Span().Class("typing-dots").Aria("hidden", true), app.Text(t.T("{0} is typing (not sent yet)", c.Title()))),
					app.P().Class("preview-text").Text(c.Preview),
				)
			}),
			renderColleaguesTyping(t, c),
			renderWaiting(t, c),
		),
		// The uploads and the "Ask for…" card come and go in slots that stay, so that the
		// composer after them keeps its place in the tree and is updated, not mounted anew.
		app.Div().Class("slot").Body(a.renderUploads(c)),
		app.Div().Class("slot").Body(a.renderAsk(c)),
		app.Div().Class("slot").Body(a.renderInvite(c)),
		app.Div().Class("slot").Body(a.renderTransfer(c)),
		app.Div().Class("slot").Body(a.renderMail(c)),
		app.Div().Class("slot").Body(a.renderTemplates(c)),
		&Composer{Msg: t, Chat: id, Draft: c.Draft, Disabled: c.Closed, Canned: a.canned, CannedState: a.cannedState, Visitor: c.Visitor.Name, Agent: agentName(a.desk.User), Asking: c.Form != nil,
			Note: c.Noting(), CanReply: c.Writes(), Direct: c.Direct()},
	)
}

// agentName is the name the agent shows to visitors.
func agentName(u protocol.User) string {
	if u.Nickname != "" {
		return u.Nickname
	}
	return u.Name
}

// renderLine shows one conversation line as a balloon (messages) or a centred notice.
func (a *App) renderLine(l desk.Line) app.UI {
	t := a.desk.Msg
	if l.Kind == desk.LineEvent {
		return app.Li().Class("line", "notice").Body(
			app.Span().Text(l.Text),
			app.Time().Class("when").Text(t.Clock(l.At, a.now)),
		)
	}
	role := string(l.Role)
	if role != string(protocol.RoleVisitor) && role != string(protocol.RoleAgent) {
		role = "system"
	}
	if a.fromColleague(l) {
		role = "colleague" // in a chat between agents, the other's lines face the agent's own
	}
	classes := []string{"line", "msg", "from-" + role}
	if l.Internal {
		classes = append(classes, "internal")
	}
	if l.Pending {
		classes = append(classes, "pending")
	}
	if l.Failed {
		classes = append(classes, "failed")
	}
	name := l.Name
	if name == "" {
		name = map[string]string{"visitor": t.T("Visitor"), "agent": t.T("Agent"), "system": AppBrand}[role]
	}
	return app.Li().Class(classes...).Body(
		app.Div().Class("balloon").Body(
			app.Div().Class("meta").Body(
				app.If(l.Internal, func() app.UI {
					return app.Span().Class("note-label").Title(t.T("Only agents see this; the visitor does not")).Text(t.T("Internal note"))
				}),
				app.Span().Class("who").Text(name),
				app.Time().Class("when").Text(t.Clock(l.At, a.now)),
				app.If(l.Delivery != "", func() app.UI { return renderDelivery(t, l.Delivery) }),
			),
			app.If(l.File == nil || strings.TrimSpace(l.Text) != "" && l.Text != l.File.Name, func() app.UI {
				return a.renderLineText(l)
			}),
			app.If(l.File != nil, func() app.UI { return renderFile(t, l.File) }),
			app.If(l.Pending, func() app.UI { return app.Div().Class("state").Text(t.T("Sending…")) }),
			app.If(l.Delivery == protocol.DeliveryFailed, func() app.UI {
				return app.Div().Class("state", "delivery-failed").Attr("role", "status").Text(deliveryFailedText(t, l.DeliveryReason))
			}),
			app.If(l.Failed, func() app.UI {
				chat, id := a.desk.Selected, l.ClientID
				return app.Div().Class("state").Body(
					app.Text(t.T("Not sent: {0}", l.Error)),
					app.If(l.File != nil, func() app.UI {
						return app.Button().Class("btn", "btn-small", "btn-link").Type("button").Text(t.T("Retry")).
							OnClick(func(ctx app.Context, e app.Event) {
								ctx.NewActionWithValue(ActResendFile, FileRef{Chat: chat, ID: id})
							}, app.EventScope(id))
					}),
				)
			}),
		),
	)
}

// renderDelivery shows what became of an agent's line on the customer's channel as ticks,
// as the customer's messenger does (one: sent, two: delivered, two coloured: read, a mark:
// failed), named for screen readers and in the tooltip.
func renderDelivery(t catalog.Printer, state string) app.UI {
	label, ticks := "", ""
	switch state {
	case protocol.DeliverySent:
		label, ticks = t.T("Sent to WhatsApp"), "✓"
	case protocol.DeliveryDelivered:
		label, ticks = t.T("Delivered on WhatsApp"), "✓✓"
	case protocol.DeliveryRead:
		label, ticks = t.T("Read on WhatsApp"), "✓✓"
	case protocol.DeliveryFailed:
		label, ticks = t.T("Not delivered on WhatsApp"), "!"
	default:
		return app.Span()
	}
	return app.Span().Class("delivery", "delivery-"+state).Attr("role", "img").Aria("label", label).Title(label).Body(
		app.Span().Aria("hidden", "true").Text(ticks))
}

// deliveryFailedText says that a line did not reach the customer, and why when the channel
// said.
func deliveryFailedText(t catalog.Printer, reason string) string {
	if strings.TrimSpace(reason) == "" {
		return t.T("Not delivered on WhatsApp: the customer did not get this message.")
	}
	return t.T("Not delivered on WhatsApp: {0}", reason)
}

// renderFile shows a shared file: an icon (a thumbnail for pictures), the name as a download
// link and the size. Only the server's own file paths become links.
func renderFile(t catalog.Printer, f *protocol.File) app.UI {
	href := desk.FileHref(f.URL)
	body := []app.UI{
		app.If(href != "" && desk.IsImage(f.ContentType), func() app.UI {
			return app.Img().Class("thumb").Src(href).Alt("").Loading("lazy")
		}).Else(func() app.UI {
			return app.Span().Class("file-icon").Body(icon(fileIcon(f.ContentType)))
		}),
		app.Span().Class("file-name").Text(f.Name),
	}
	size := app.If(t.Size(f.Size) != "", func() app.UI {
		return app.Span().Class("file-size").Text(t.Size(f.Size))
	})
	if href == "" {
		return app.Div().Class("file", "file-unlinked").Title(t.T("This file cannot be opened from here")).Body(append(body, size)...)
	}
	return app.Div().Class(when(desk.IsImage(f.ContentType), "file file-image", "file")...).Body(
		app.A().Class("file-link").Href(href).Target("_blank").Rel("noopener").Download(f.Name).
			Title(t.T("Download {0}", f.Name)).Body(body...),
		size,
	)
}

// fileIcon is the icon (path data) of a file by its type.
func fileIcon(contentType string) string {
	switch {
	case strings.HasPrefix(contentType, "image/"):
		return iconImage
	case strings.HasPrefix(contentType, "audio/"):
		return iconAudio
	case strings.HasPrefix(contentType, "video/"):
		return iconVideo
	case contentType == "application/pdf" || strings.HasPrefix(contentType, "text/"):
		return iconDocument
	}
	return iconClip
}

// renderUploads shows, next to the composer, the files on their way into the chat and those
// that failed, with the server's reason, Retry (when it may help) and Remove.
func (a *App) renderUploads(c *desk.Chat) app.UI {
	t := a.desk.Msg
	if len(c.Uploads) == 0 {
		return nil
	}
	chat := c.ID
	return app.Ul().Class("uploads").Aria("label", t.T("Files being sent")).Body(
		app.Range(c.Uploads).Slice(func(i int) app.UI {
			u := c.Uploads[i]
			ref := FileRef{Chat: chat, ID: u.ID}
			size := ""
			if s := t.Size(u.Size); s != "" {
				size = " (" + s + ")"
			}
			if !u.Failed {
				text := t.T("Waiting to send {0}{1}…", u.Name, size)
				if u.Busy {
					text = t.T("Sending {0}{1}…", u.Name, size)
				}
				return app.Li().Class(when(u.Busy, "upload busy", "upload")...).Role("status").Body(
					app.Span().Class("file-icon").Body(icon(fileIcon(u.ContentType))),
					app.Span().Class("upload-text").Text(text),
				)
			}
			return app.Li().Class("upload", "failed").Role("alert").Body(
				app.Span().Class("file-icon").Body(icon(iconWarning)),
				app.Span().Class("upload-text").Body(
					app.Strong().Text(t.T("{0} was not sent.", u.Name)),
					app.Text(" "+u.Error),
				),
				app.If(u.Retry, func() app.UI {
					return app.Button().Class("btn", "btn-small").Type("button").Text(t.T("Retry")).
						OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActRetryUpload, ref) }, app.EventScope(u.ID))
				}),
				app.Button().Class("btn", "btn-small", "btn-quiet").Type("button").Text(t.T("Remove")).Aria("label", t.T("Remove {0}", u.Name)).
					OnClick(func(ctx app.Context, e app.Event) { ctx.NewActionWithValue(ActDismissUpload, ref) }, app.EventScope(u.ID)),
			)
		}),
	)
}

// renderDetails shows the visitor's details and their earlier chats.
func (a *App) renderDetails() app.UI {
	c := a.desk.Current()
	t := a.desk.Msg
	if c == nil {
		return app.Aside().Class("details").Aria("label", t.T("Visitor details"))
	}
	if c.Direct() {
		return renderDirectDetails(t, c)
	}
	v := c.Visitor
	rows := []app.UI{
		row(t.T("Name"), v.Name), row(t.T("E-mail"), v.Email), row(t.T("Phone"), v.Phone), row(t.T("Customer"), v.CustomerID),
		row(t.T("Language"), strings.ToUpper(v.Lang)), row(t.T("Browser"), browserName(t, v.UserAgent)),
	}
	prev := a.previous[c.ID]
	return app.Aside().Class("details").Aria("label", t.T("Visitor details")).Body(
		app.H2().Text(t.T("Visitor")),
		app.Dl().Class("facts").Body(rows...),
		app.If(v.Page != "", func() app.UI {
			return app.Div().Class("fact-block").Body(
				app.H3().Text(t.T("Page")),
				app.P().Class("url").Title(v.Page).Text(v.Page),
				app.If(v.Referrer != "", func() app.UI {
					return app.P().Class("url", "muted").Title(v.Referrer).Text(t.T("from {0}", v.Referrer))
				}),
			)
		}),
		dataBlock(t.T("Identity data (pdata)"), withoutSignature(v.PData)),
		dataBlock(t.T("Extra data (udata)"), v.UData),
		renderFields(t, c),
		a.renderVisitorContact(prev),
		app.H2().Text(t.T("Earlier chats")),
		a.renderPrevious(prev),
	)
}

// row is one fact of the visitor, left out when empty.
func row(k, v string) app.UI {
	if strings.TrimSpace(v) == "" {
		return nil
	}
	return app.Div().Class("fact").Body(app.Dt().Text(k), app.Dd().Text(v))
}

// dataBlock shows a map of free data, sorted by key.
func dataBlock(title string, m map[string]string) app.UI {
	if len(m) == 0 {
		return nil
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return app.Div().Class("fact-block").Body(
		app.H3().Text(title),
		app.Dl().Class("facts").Body(
			app.Range(keys).Slice(func(i int) app.UI { return row(keys[i], m[keys[i]]) }),
		),
	)
}

// renderPrevious shows the last messages of the visitor's earlier chats.
func (a *App) renderPrevious(p *previousState) app.UI {
	t := a.desk.Msg
	switch {
	case p == nil || p.loading:
		return app.P().Class("muted").Text(t.T("Loading…"))
	case p.err != "":
		return app.P().Class("muted").Text(p.err)
	case len(p.data.Chats) == 0:
		return app.P().Class("muted").Text(t.T("No earlier chats with this visitor."))
	}
	chats := p.data.Chats
	return app.Div().Class("previous").Body(
		app.Range(chats).Slice(func(i int) app.UI {
			pc := chats[i]
			label := t.Clock(pc.CreatedAt, a.now)
			if pc.Connector != "" {
				label += " · " + pc.Connector
			}
			return app.Details().Class("prev-chat").Open(i == 0).Body(
				app.Summary().Text(label+" · "+t.N("{0} message", "{0} messages", len(pc.Messages))),
				app.Ol().Class("prev-lines").Body(
					app.Range(pc.Messages).Slice(func(j int) app.UI {
						m := pc.Messages[j]
						return app.Li().Class("prev-line", "from-"+string(m.Role)).Body(
							app.Span().Class("who").Text(nameOrRole(t, m.Name, m.Role)),
							app.Time().Class("when").Text(t.Clock(m.At, a.now)),
							app.Div().Class("text").Text(m.Text),
						)
					}),
				),
			)
		}),
	)
}

// nameOrRole names a sender of an earlier chat.
func nameOrRole(t catalog.Printer, name string, r protocol.Role) string {
	if name != "" {
		return name
	}
	switch r {
	case protocol.RoleVisitor:
		return t.T("Visitor")
	case protocol.RoleAgent:
		return t.T("Agent")
	}
	return AppBrand
}

// when returns the space-separated classes yes or no, as Class arguments.
func when(cond bool, yes, no string) []string {
	if cond {
		return strings.Fields(yes)
	}
	return strings.Fields(no)
}
