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

// retranslationEvent applies a chat.retranslation event: the visitor's earlier lines it names
// get their translation into its language, which an agent of that language reads in place of
// the first.
func (d *Desk) retranslationEvent(ev protocol.Event, b *protocol.ChatRetranslation) {
	c := d.Chat(ev.Chat)
	if c == nil {
		return
	}
	by := make(map[uint64]protocol.Translation, len(b.Lines))
	for _, l := range b.Lines {
		by[l.Seq] = l.Translation
	}
	for i := range c.Lines {
		l := &c.Lines[i]
		if tr, ok := by[l.Seq]; ok && l.Seq != 0 && l.Role == protocol.RoleVisitor && l.Kind == LineMessage {
			l.Retranslation = &tr
		}
	}
}

// translationFor is the translation of a line an agent of language lang reads: its
// retranslation into lang when there is one, else its first translation.
func (l Line) translationFor(lang string) *protocol.Translation {
	if r := l.Retranslation; r != nil && protocol.BaseLang(r.To) == protocol.BaseLang(lang) {
		return r
	}
	return l.Translation
}

// Shown is what the agent reads of a line first, and the original when that is a
// translation: a visitor's line translated into the agent's language shows the translation.
func (l Line) Shown(agentLang string) (text, original string) {
	tr := l.translationFor(agentLang)
	if tr == nil || l.Role != protocol.RoleVisitor {
		return l.Text, ""
	}
	if t, ok := tr.For(agentLang, l.Text); ok {
		return t, l.Text
	}
	return l.Text, ""
}

// QuestionShown is what the agent reads of an offer's first question, in their language when
// the offer carries its translation, with the language it was written in ("" when it shows as
// written).
func QuestionShown(o protocol.Offer, agentLang string) (text, from string) {
	if t, ok := o.Translation.For(agentLang, o.Question); ok {
		return t, o.Translation.From
	}
	return o.Question, ""
}

// readText is what the agent reads of a line first (Shown in the agent's language), for
// notifications.
func (d *Desk) readText(l Line) string {
	text, _ := l.Shown(d.readLang())
	return text
}

// readLang is the language the agent reads translations in: their setting on the server,
// else the app's.
func (d *Desk) readLang() string {
	if d.User.Lang != "" {
		return d.User.Lang
	}
	return d.Msg.Lang()
}

// TranslationNote is the small mark under a translated line, in the agent's language:
// "Translated from German" under a visitor's line the agent reads translated, "Sent in
// French: …" under the agent's line with what the visitor read, "Not translated" when the
// service failed. Empty for a line that was not translated.
func (l Line) TranslationNote(p catalog.Printer, agentLang string) (note, other string) {
	tr := l.Translation
	if l.Role == protocol.RoleVisitor {
		tr = l.translationFor(agentLang)
	}
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
