package desk

import (
	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/shared/protocol"
)

// PresetPrompt is a preset's question in a language: the agent's on its button, the visitor's
// in the request, so that neither reads English they did not choose. A field that is not a
// preset keeps its prompt.
func PresetPrompt(t catalog.Printer, f *protocol.SurveyField) string {
	switch f.Name {
	case "OrderNumber":
		return t.T("Order number")
	case "Email":
		return t.T("E-mail address")
	case "Phone":
		return t.T("Phone number")
	case "CustomerNumber":
		return t.T("Customer number")
	}
	return f.Prompt
}

// PresetFor is a preset as it is asked in chat id: its question in the visitor's language
// (English when the app does not speak it).
func (d *Desk) PresetFor(id string, p protocol.SurveyField) protocol.SurveyField {
	lang := ""
	if c := d.Chat(id); c != nil {
		lang = c.Visitor.Lang
	}
	p.Prompt = PresetPrompt(catalog.For(lang), &p)
	return p
}
