package chat

import (
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/widget/uitext"
	"github.com/parleychat/parley/widget/wire"
)

// This file is "write first, details later": on a connector whose widget options say
// "write_first", the visitor starts with the message box instead of the start form. The first
// message requests the chat (protocol.ChatRequest.Later, the message as its question), so the
// wait starts at once; the name and the pre-chat fields are then asked in a card above the
// message box while the visitor waits, and stay asked until given, the required ones checked
// here and on the server. Messages written meanwhile wait in the outbox like any other and go
// out in order once the chat exists; nothing typed is lost, across reloads too.

// option returns one of the connector's widget options, nil when unset.
func (m *Model) option(key string) *wire.Value {
	if m.Info == nil || len(m.Info.Widget) == 0 {
		return nil
	}
	v, err := wire.Parse(string(m.Info.Widget))
	if err != nil {
		return nil
	}
	return v.Get(key)
}

// WriteFirst reports whether the connector lets the visitor write before giving details.
func (m *Model) WriteFirst() bool {
	v := m.option("write_first")
	return v.Kind() == wire.KindBool && v.Bool()
}

// WritingFirst reports whether the message box stands in for the start form now.
func (m *Model) WritingFirst() bool { return m.Phase == PhaseForm && m.WriteFirst() }

// DetailsShown reports whether the details card is shown: a write-first chat whose details
// are still due.
func (m *Model) DetailsShown() bool { return m.DetailsDue && m.Phase.InChat() }

// DetailsSending reports whether the details are on their way.
func (m *Model) DetailsSending() bool {
	for _, o := range m.outbox {
		if _, ok := o.cmd.Body.(*protocol.DetailsSubmit); ok {
			return true
		}
	}
	return false
}

// needsDetails reports whether a write-first chat must ask for anything: a name the page did
// not give, or pre-chat fields.
func (m *Model) needsDetails() bool { return m.AsksName() || len(m.PreChat()) > 0 }

// StartWriting requests a write-first chat with the visitor's first message. It reports
// whether the request went out; an empty or too long message does not.
func (m *Model) StartWriting(text string) bool {
	text = strings.TrimSpace(text)
	m.Notice, m.FieldError, m.Invalid = "", "", nil
	if !m.WritingFirst() || text == "" {
		return false
	}
	if utf8.RuneCountInString(text) > m.MaxMessage() {
		m.Notice = uitext.MessageTooLong
		return false
	}
	m.reset()
	name := m.PageName()
	if utf8.RuneCountInString(name) > limits.NameRunes {
		name = string([]rune(name)[:limits.NameRunes])
	}
	m.Name = name
	req := &protocol.ChatRequest{Name: name, Lang: m.chatLang(), Question: text, Later: true,
		PreviewConsent: m.PreviewOn(), UData: m.fitData("udata", m.cfg.UData)}
	if len(m.cfg.PData) > 0 {
		req.PData = m.fitData("pdata", m.cfg.PData)
		if e := req.PData["email"]; utf8.RuneCountInString(e) <= limits.EmailRunes {
			req.Email = e
		}
	}
	m.Email = req.Email
	m.DetailsDue = m.needsDetails()
	m.Phase = PhaseRequesting
	m.enqueue(protocol.Command{ID: m.nextID(), Body: req})
	return true
}

// SubmitDetails gives the name and the pre-chat answers of a write-first chat. It reports
// whether they went out; when not, FieldError and Invalid say why, as on the start form.
func (m *Model) SubmitDetails(name string, answers map[string]string) bool {
	name = strings.TrimSpace(name)
	m.FieldError, m.Invalid = "", nil
	if !m.DetailsShown() || m.DetailsSending() {
		return false
	}
	fields := m.PreChat()
	if name == "" {
		name = m.Name
	}
	if m.AsksName() && name == "" {
		m.FieldError = uitext.NameRequired
	}
	norm, err := m.checker().CheckAll(fields, answers)
	if err != nil {
		m.setInvalid(err)
	}
	if m.FieldError != "" || err != nil {
		return false
	}
	name, email := answeredIdentity(fields, norm, name, "")
	b := &protocol.DetailsSubmit{Name: name, Email: email}
	if len(norm) > 0 {
		b.Fields = norm
	}
	m.enqueue(protocol.Command{ID: m.nextID(), Chat: m.Chat, Body: b})
	return true
}

// answeredIdentity returns the visitor's name and e-mail address as a form gives them: a
// name-type field's answer stands for the name (cut to the protocol's length), and the first
// e-mail field's answer for an address not given otherwise.
func answeredIdentity(fields []protocol.SurveyField, norm map[string]string, name, email string) (string, string) {
	if i := nameField(fields); i >= 0 {
		name = norm[fields[i].Name]
	}
	if utf8.RuneCountInString(name) > limits.NameRunes {
		name = string([]rune(name)[:limits.NameRunes])
	}
	for _, f := range fields {
		if email == "" && survey.IsEmail(f) {
			email = norm[f.Name]
		}
	}
	return name, email
}

// detailsAcked takes the server's yes to the details.
func (m *Model) detailsAcked(b *protocol.DetailsSubmit) {
	m.DetailsDue = false
	m.FieldError, m.Invalid = "", nil
	if b.Name != "" {
		m.Name = b.Name
	}
	if b.Email != "" {
		m.Email = b.Email
	}
}

// detailsRefused takes the server's no: the card stays, with the reason at the field.
func (m *Model) detailsRefused(e *protocol.Error, b *protocol.DetailsSubmit) {
	switch {
	case e.Field == "name":
		m.FieldError = uitext.NameRequired
	case m.refusedByServer(e, m.PreChat(), b.Fields):
	default:
		m.Notice = uitext.ErrorOccurred
	}
}
