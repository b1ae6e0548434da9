package agentui

import (
	"encoding/json"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/shared/api"
)

// syncPush subscribes this browser to Web Push when the agent allows notifications, and
// sends the subscription to the server, which keeps it for this agent: offers and visitor
// messages then reach the agent while the app is closed. It runs at every sign-in and start,
// so that a subscription the browser renewed, or one made with keys the server no longer
// has, is replaced.
func (a *App) syncPush(ctx app.Context) {
	if a.platform.Permission() != "granted" || a.phase != phaseDesk {
		return
	}
	t := a.desk.Msg
	ctx.Async(func() {
		fail := func(why string) {
			ctx.Dispatch(func(ctx app.Context) { a.pushErr = why })
		}
		status, body, err := a.platform.Fetch("GET", api.PushKeyPath, nil)
		var key api.PushKey
		switch {
		case err == nil && status == 404:
			return // the server sends no pushes
		case err != nil || status != 200 || json.Unmarshal(body, &key) != nil || key.PublicKey == "":
			fail(t.T("Notifications while Parley is closed could not be switched on: the server did not answer."))
			return
		}
		sub, err := a.platform.PushSubscribe(key.PublicKey)
		if err != nil {
			app.Log("parley: push subscription:", err)
			fail(t.T("Notifications while Parley is closed could not be switched on: this browser refused ({0}).", err.Error()))
			return
		}
		status, body, err = a.platform.Fetch("PUT", api.PushSubscriptionPath, sub)
		if err != nil || status != 204 {
			fail(apiMessage(body, t.T("Notifications while Parley is closed could not be switched on: the server did not answer.")))
			return
		}
		ctx.Dispatch(func(ctx app.Context) { a.pushErr = "" })
	})
}

// openPending shows the chat a clicked notification asked for, once it is in the list (after
// sign-in and the first events).
func (a *App) openPending() {
	if a.openChat == "" || a.phase != phaseDesk || a.desk.Chat(a.openChat) == nil {
		return
	}
	a.desk.Select(a.openChat)
	a.openChat = ""
}
