package desk

import (
	"time"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// Translation of a chat, as the desk shows it: a chat translates between the visitor's
// language and the agent's while ChatSummary.Translation is "on" (the server decides which
// lines; see protocol.Translation). The agent reads each line in their language with the
// original at hand, and turns translation off, and on again, for the chat.

// CanTranslate reports whether the chat offers the translation switch: it translates or was
// turned off, and the agent writes to the visitor.
func (c *Chat) CanTranslate() bool {
	return c.Translation != "" && !c.Closed && c.Writes()
}

// Translating reports whether the chat translates now.
func (c *Chat) Translating() bool { return c.Translation == "on" }

// SetTranslation makes the command that turns the chat's translation on or off; the switch
// shows the new state at once, and the server's chat.translation event confirms it.
func (d *Desk) SetTranslation(id string, on bool) (protocol.Command, bool) {
	c := d.Chat(id)
	if c == nil || !c.CanTranslate() || c.Translating() == on {
		return protocol.Command{}, false
	}
	c.Translation = translationState(on)
	return d.command(id, &protocol.TranslateSet{On: on}), true
}

func translationState(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// translationEvent applies a chat.translation event: the switch follows it and the
// conversation says who turned it.
func (d *Desk) translationEvent(ev protocol.Event, b *protocol.ChatTranslation, now time.Time) {
	c := d.Chat(ev.Chat)
	if c == nil {
		return
	}
	text := d.Msg.T("{0} turned translation off", b.Name)
	if b.On {
		text = d.Msg.T("{0} turned translation on", b.Name)
	}
	before := c.LastSeq
	d.line(ev, Line{Kind: LineEvent, Role: protocol.RoleAgent, Name: b.Name, Text: text}, now)
	if c.LastSeq != before || ev.Seq == 0 {
		c.Translation = translationState(b.On)
	}
}

// Shown is what the agent reads of a line first, and the original when that is a
// translation: a visitor's line translated into the agent's language shows the translation.
func (l Line) Shown(agentLang string) (text, original string) {
	if l.Translation == nil || l.Role != protocol.RoleVisitor {
		return l.Text, ""
	}
	if t, ok := l.Translation.For(agentLang, l.Text); ok {
		return t, l.Text
	}
	return l.Text, ""
}

// readText is what the agent reads of a line first (Shown in the agent's language), for
// notifications.
func (d *Desk) readText(l Line) string {
	lang := d.User.Lang
	if lang == "" {
		lang = d.Msg.Lang()
	}
	text, _ := l.Shown(lang)
	return text
}

// TranslationNote is the small mark under a translated line, in the agent's language:
// "Translated from German" under a visitor's line the agent reads translated, "Sent in
// French: …" under the agent's line with what the visitor read, "Not translated" when the
// service failed. Empty for a line that was not translated.
func (l Line) TranslationNote(p catalog.Printer, agentLang string) (note, other string) {
	tr := l.Translation
	if tr == nil {
		return "", ""
	}
	if tr.Failed {
		return p.T("Not translated: the translation service did not answer"), ""
	}
	if _, ok := tr.For(agentLang, l.Text); ok && l.Role == protocol.RoleVisitor {
		return p.T("Translated from {0}", catalog.LanguageName(p, tr.From)), ""
	}
	return p.T("The visitor read it in {0}:", catalog.LanguageName(p, tr.To)), tr.Text
}
