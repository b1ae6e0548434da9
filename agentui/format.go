package agentui

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui/catalog"
)

// since formats the time since the agent's last reply for a session tab: "now", "4m",
// "1h 05m" in English.
func since(t catalog.Printer, d time.Duration) string {
	switch {
	case d < time.Minute:
		return t.T("now")
	case d < time.Hour:
		return t.T("{0}m", strconv.Itoa(int(d/time.Minute)))
	}
	return t.T("{0}h {1}m", strconv.Itoa(int(d/time.Hour)), fmt.Sprintf("%02d", int(d%time.Hour/time.Minute)))
}

// countdown formats the time left to answer an offer: "0:23".
func countdown(d time.Duration) string {
	s := int((d + time.Second - 1) / time.Second)
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// initials are the one or two letters of a name's avatar.
func initials(name string) string {
	var out []rune
	for _, w := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }) {
		if len(w) == 1 && len(out) > 0 {
			continue // a lone "b" of "<b>" is no initial
		}
		out = append(out, []rune(strings.ToUpper(w))[0])
		if len(out) == 2 {
			break
		}
	}
	if len(out) == 0 {
		return "?"
	}
	return string(out)
}

// scrollToEnd scrolls an element to its bottom (the conversation after a new line).
func scrollToEnd(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Set("scrollTop", el.Get("scrollHeight"))
	}
}

// showValue makes a select show the option of value. go-app sets an option's selected
// property only when its attribute changes, while a person's choice moves the browser's
// selection without one; after the options change, the two can differ, and the menu would show
// a status the agent is not in.
func showValue(id, value string) {
	if el := app.Window().GetElementByID(id); el.Truthy() && el.Get("value").String() != value {
		el.Set("value", value)
	}
}

// focusElement moves the keyboard focus to an element.
func focusElement(id string) {
	if el := app.Window().GetElementByID(id); el.Truthy() {
		el.Call("focus")
	}
}

// browserName shortens a user agent to the browser and system a person recognises.
func browserName(t catalog.Printer, ua string) string {
	if ua == "" {
		return ""
	}
	var b, sys string
	switch {
	case strings.Contains(ua, "Edg/"):
		b = "Edge"
	case strings.Contains(ua, "OPR/"):
		b = "Opera"
	case strings.Contains(ua, "Firefox/"):
		b = "Firefox"
	case strings.Contains(ua, "Chrome/") || strings.Contains(ua, "Chromium/"):
		b = "Chrome"
	case strings.Contains(ua, "Safari/"):
		b = "Safari"
	}
	switch {
	case strings.Contains(ua, "Android"):
		sys = "Android"
	case strings.Contains(ua, "iPhone") || strings.Contains(ua, "iPad"):
		sys = "iOS"
	case strings.Contains(ua, "Windows"):
		sys = "Windows"
	case strings.Contains(ua, "Mac OS X"):
		sys = "macOS"
	case strings.Contains(ua, "Linux"):
		sys = "Linux"
	}
	switch {
	case b != "" && sys != "":
		return t.T("{0} on {1}", b, sys)
	case b != "":
		return b
	case sys != "":
		return sys
	}
	if len(ua) > 60 {
		return ua[:60] + "…"
	}
	return ua
}
