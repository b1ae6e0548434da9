// Package agentui is the agent app: a go-app v10 progressive web app in which an agent
// handles many chats at once (offers with a countdown, session tabs with unread counts,
// conversation, composer, canned responses, file attachments, asking the visitor for a field,
// visitor details with the pre-chat, requested and post-chat fields, alerts, automatic
// reconnection with resume), in English, German or French (see [catalog]).
//
// The components follow go-app's action style: components fire actions, the root [App]
// handles them on the UI goroutine, does the I/O through a [browser.Platform] off it
// (ctx.Async) and changes state only in ctx.Dispatch. All rules about chats live in the
// plain-Go [desk] package. The package compiles for the server too, which prerenders the app
// shell from the same components (see backend/agentsite).
package agentui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// AppName is the app's name in the tab title and the manifest.
const AppName = "Parley Agent"

// AppBrand names the lines the system writes into a conversation.
const AppBrand = "Parley"

// Routes registers the app's pages with go-app: the desk, and the window of one chat
// (window.go). The WASM main and the server that prerenders the shell both call it, so both
// know the same component tree.
func Routes() {
	app.Route("/", func() app.Composer { return New() })
	app.RouteWithRegexp("^"+chatRoute+"[^/]+$", func() app.Composer { return NewChatWindow() })
}
