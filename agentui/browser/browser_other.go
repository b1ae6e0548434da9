//go:build !(js && wasm)

package browser

import "time"

// New returns the platform for where the app runs. Outside a browser (server-side
// prerendering) it is inert: nothing connects and nothing rings.
func New() Platform { return inert{} }

// IsInert reports whether p is the platform outside a browser, where the app renders a
// static shell and starts nothing.
func IsInert(p Platform) bool {
	_, ok := p.(inert)
	return ok
}

// inert is the platform outside a browser.
type inert struct{}

func (inert) Dial(string, SocketEvents) (Socket, error)         { return nil, ErrUnavailable }
func (inert) Fetch(string, string, []byte) (int, []byte, error) { return 0, nil, ErrUnavailable }
func (inert) Upload(string, map[string]string, File) (int, []byte, error) {
	return 0, nil, ErrUnavailable
}
func (inert) WatchFiles(func(string, []File))       {}
func (inert) Play(Sound)                            {}
func (inert) Notify(string, string, string, func()) {}
func (inert) Permission() string                    { return "unsupported" }
func (inert) AskPermission(done func(string))       { done("unsupported") }
func (inert) PushSubscribe(string) ([]byte, error)  { return nil, ErrUnavailable }
func (inert) PushUnsubscribe() string               { return "" }
func (inert) WatchOpen(func(string))                {}
func (inert) SetTitle(string)                       {}
func (inert) Languages() []string                   { return nil }
func (inert) SetLang(string)                        {}
func (inert) Focused() bool                         { return true }
func (inert) Watch(func(bool), func())              {}
func (inert) Now() time.Time                        { return time.Now() }
func (inert) After(time.Duration, func())           {}
func (inert) Every(time.Duration, func())           {}
