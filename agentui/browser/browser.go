// Package browser is the agent app's window on the browser: the WebSocket, fetch, file
// uploads, sound, notifications, the tab's title and focus. The app sees the [Platform] interface, so that its
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
	// Upload posts a file as multipart/form-data to path on the page's own origin, with the
	// text fields first and the file as the field "file", and returns the status and body. It
	// blocks like Fetch.
	Upload(path string, fields map[string]string, f File) (status int, resp []byte, err error)
	// WatchFiles calls chosen with the files the agent picks in a file input marked
	// data-attach, or drops on an element marked data-drop; the attribute's value names the
	// chat. The callback runs on the browser's event loop. Files dragged anywhere else are
	// refused, so that a stray drop does not open the file in place of the app.
	WatchFiles(chosen func(chat string, files []File))
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
	// PushSubscribe subscribes this browser to Web Push through the app's service worker with
	// the server's VAPID public key (unpadded base64url) and returns the subscription as
	// PushSubscription.toJSON() gives it. A subscription made with another key is replaced. It
	// blocks like Fetch.
	PushSubscribe(key string) ([]byte, error)
	// PushUnsubscribe ends this browser's push subscription and returns its endpoint ("" when
	// there was none). It blocks like Fetch.
	PushUnsubscribe() string
	// WatchOpen calls open with the chat a clicked push notification asks to show: once at
	// start for the page's ?chat= address, and for every click while the app is open. The
	// callback runs on the browser's event loop.
	WatchOpen(open func(chat string))
	// SetTitle sets the tab's title.
	SetTitle(title string)
	// Languages are the browser's preferred languages, most wanted first (BCP 47 tags).
	Languages() []string
	// SetLang sets the page's language (the lang attribute of <html>), so that screen readers
	// and hyphenation follow the app's.
	SetLang(lang string)
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

// File is a file the agent picked or dropped: its name, size in bytes and MIME type as the
// browser reports them (the type may be empty), and the browser's own File object, which
// [Platform.Upload] sends.
type File struct {
	Name string
	Size int64
	Type string
	blob any
}

// ErrUnavailable is returned where there is no browser, as when rendering on the server.
var ErrUnavailable = errors.New("browser: not running in a browser")
