package agentui

import "github.com/maxence-charriere/go-app/v10/pkg/app"

// The app's icons are drawn, as the widget's are, not written as emoji: a computer without an
// emoji font (a headless browser, many Linux desktops) shows emoji as empty boxes. Each is the
// path data of a 24-unit SVG filled with the text colour.
const (
	iconEmoji     = "M12 2a10 10 0 1 0 0 20 10 10 0 0 0 0-20zm0 2a8 8 0 1 1 0 16 8 8 0 0 1 0-16zM8.5 8.5a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm7 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zM7.5 14h9a4.5 4.5 0 0 1-9 0z"
	iconCanned    = "M6 17h3l2-4V7H5v6h3zm8 0h3l2-4V7h-6v6h3z"
	iconClip      = "M16.5 6v11.5a4 4 0 0 1-8 0V5a2.5 2.5 0 0 1 5 0v10.5a1 1 0 0 1-2 0V6H10v9.5a2.5 2.5 0 0 0 5 0V5a4 4 0 0 0-8 0v12.5a5.5 5.5 0 0 0 11 0V6z"
	iconImage     = "M19 3H5a2 2 0 0 0-2 2v14a2 2 0 0 0 2 2h14a2 2 0 0 0 2-2V5a2 2 0 0 0-2-2zm0 16H5V5h14zM6 17l3.5-4.5 2.5 3 3.5-4.5L18 17z"
	iconAudio     = "M12 3v10.55A4 4 0 1 0 14 17V7h4V3z"
	iconVideo     = "M17 10.5V7a1 1 0 0 0-1-1H4a1 1 0 0 0-1 1v10a1 1 0 0 0 1 1h12a1 1 0 0 0 1-1v-3.5l4 4v-11z"
	iconDocument  = "M14 2H6a2 2 0 0 0-2 2v16a2 2 0 0 0 2 2h12a2 2 0 0 0 2-2V8zm2 16H8v-2h8zm0-4H8v-2h8zm-3-5V3.5L18.5 9z"
	iconWarning   = "M1 21h22L12 2zm12-3h-2v-2h2zm0-4h-2v-4h2z"
	iconHourglass = "M6 2v6l4 4-4 4v6h12v-6l-4-4 4-4V2zm10 14.5V20H8v-3.5l4-4zm-4-5-4-4V4h8v3.5z"
)

// icon draws path data d as a decorative icon, hidden from screen readers (the control it
// sits in has a label). d must be one of the constants above: it goes into the page as HTML,
// which costs the app far less than go-app's generic element for SVG.
func icon(d string) app.UI {
	return app.Raw(`<svg class="icon" viewBox="0 0 24 24" aria-hidden="true" focusable="false"><path d="` + d + `"/></svg>`)
}
