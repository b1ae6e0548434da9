// Package browser is the agent app's window on the browser: the WebSocket, fetch, sound,
// notifications, the tab's title and focus. The app sees the [Platform] interface, so that its
// components run in go-app's test engine with a fake, and the real implementation, built only
// for GOOS=js GOARCH=wasm, talks to the browser through syscall/js instead of linking a Go
// WebSocket or HTTP client into the WASM binary.
package browser

import (
	"errors"
	"time"
)

// Sound names an alert sound.
type Sound int

// The alert sounds.
const (
	// SoundOffer rings for a chat offer.
	SoundOffer Sound = iota + 1
	// SoundMessage chimes for a visitor message.
	SoundMessage
)

// Socket is one WebSocket connection.
type Socket interface {
	// Send queues a text frame; it fails when the socket is not open.
	Send(frame []byte) error
	// Close closes the socket with a code and reason; its Close callback still runs.
	Close(code int, reason string)
}

// SocketEvents receives what happens on a socket. The callbacks run on the browser's event
// loop: they must not block and must not touch component state (the app dispatches them to
// the UI goroutine).
type SocketEvents struct {
	Open    func()
	Message func(frame []byte)
	Close   func(code int, reason string)
}

// Platform is everything the agent app needs from the browser.
type Platform interface {
	// Dial opens a WebSocket to path on the page's own origin (ws: or wss: as the page).
	Dial(path string, ev SocketEvents) (Socket, error)
	// Fetch makes a same-origin HTTP request with a JSON body (nil for none) and returns the
	// status and body. It blocks: call it from ctx.Async, never on the UI goroutine.
	Fetch(method, path string, body []byte) (status int, resp []byte, err error)
	// Play plays an alert sound (quietly does nothing while the browser forbids audio).
	Play(s Sound)
	// Notify shows a notification; one with the same tag replaces the previous one. onClick
	// runs on the browser's event loop when the agent clicks it.
	Notify(tag, title, body string, onClick func())
	// Permission is the notification permission: "granted", "denied", "default" or
	// "unsupported".
	Permission() string
	// AskPermission asks for the notification permission; done gets the answer.
	AskPermission(done func(string))
	// SetTitle sets the tab's title.
	SetTitle(title string)
	// Focused reports whether the page is visible and has the focus.
	Focused() bool
	// Now is the current time (a fake clock in tests).
	Now() time.Time
	// After calls f once after d; Every calls f every d. The callbacks run on the browser's
	// event loop.
	After(d time.Duration, f func())
	Every(d time.Duration, f func())
	// Watch calls focus when the page gains or loses the focus or visibility, and online when
	// the network comes back. The callbacks run on the browser's event loop.
	Watch(focus func(bool), online func())
}

// ErrUnavailable is returned where there is no browser, as when rendering on the server.
var ErrUnavailable = errors.New("browser: not running in a browser")
