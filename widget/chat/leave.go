package chat

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/widget/uitext"
)

// This file is "leave a message" (WhosOn LeaveMessage, LeaveMessageEnabled): when no chat can
// be had, a visitor of a connector that takes left messages (connected.leave_message) may
// leave their name, e-mail or phone and a message, which agents answer later. The form is
// offered when the connector is closed (instead of the start form, under the outOfService
// text), when a chat request is refused as out of service, and, behind a button, after a chat
// that ended because no agent took it. Nothing of it is kept across reloads.

// LeaveState is where the visitor is with leaving a message.
type LeaveState uint8

// The leave-a-message states.
const (
	// LeaveNone: nothing started. The form shows by itself on a closed connector; after a
	// chat no agent took, a button offers it.
	LeaveNone LeaveState = iota
	// LeaveOpen: the visitor opened the form from the button.
	LeaveOpen
	// LeaveSending: leave.message is on its way.
	LeaveSending
	// LeaveSent: the server stored the message; the thank-you is shown.
	LeaveSent
)

// The fields of the leave-a-message form, as the protocol (and its errors) names them, in the
// order the form shows them.
const (
	LeaveName  = "name"
	LeaveEmail = "email"
	LeavePhone = "phone"
	LeaveText  = "text"
)

// LeaveFields lists the form's fields in order, the first refused one to get the focus.
var LeaveFields = [...]string{LeaveName, LeaveEmail, LeavePhone, LeaveText}

// CanLeaveMessage reports whether the connector takes left messages.
func (m *Model) CanLeaveMessage() bool { return m.Info != nil && m.Info.LeaveMessage }

// noChatHad reports whether the ended chat found no one to take it (no agent in time, or the
// connector closed while it waited).
func (m *Model) noChatHad() bool {
	return m.Phase == PhaseClosed && (m.Cause == protocol.CauseNoAgent || m.Cause == protocol.CauseOutOfService)
}

// LeaveOffered reports whether the "Leave a message" button is shown: under an ended chat
// that no agent took, before the form was opened or the message sent.
func (m *Model) LeaveOffered() bool {
	return m.CanLeaveMessage() && m.noChatHad() && m.Leave == LeaveNone
}

// LeaveShown reports whether the leave-a-message form is shown: on a closed connector until
// the message is stored, and after a chat no agent took once the visitor asked for it.
func (m *Model) LeaveShown() bool {
	if !m.CanLeaveMessage() {
		return false
	}
	switch m.Phase {
	case PhaseForm:
		// Opened from the long-wait offer (longwait.go).
		return m.Leave == LeaveOpen || m.Leave == LeaveSending
	case PhaseOffline:
		return m.Leave != LeaveSent
	case PhaseClosed:
		return m.noChatHad() && (m.Leave == LeaveOpen || m.Leave == LeaveSending)
	}
	return false
}

// LeaveThanks returns the thank-you for a stored message, or "" while there is none.
func (m *Model) LeaveThanks() string {
	if m.Leave != LeaveSent {
		return ""
	}
	return m.Texts().Get(uitext.LeaveThanks)
}

// OpenLeave opens the form from the "Leave a message" button.
func (m *Model) OpenLeave() {
	if m.LeaveOffered() {
		m.Leave = LeaveOpen
		m.LeaveErrs, m.LeaveError = nil, ""
	}
}

// CancelLeave closes a form opened from the button, back to the transcript.
func (m *Model) CancelLeave() {
	if m.Leave == LeaveOpen && (m.Phase == PhaseClosed || m.Phase == PhaseForm) {
		m.Leave = LeaveNone
		m.LeaveErrs, m.LeaveError = nil, ""
		if m.Phase == PhaseForm {
			m.waitAnyway = true // back from the long-wait offer: the visitor chose to wait
		}
	}
}

// LeavePrefill returns what the form starts with: the name and e-mail address the visitor
// gave for the chat, else the page's (pdata name, email), and the page's phone number.
func (m *Model) LeavePrefill() (name, email, phone string) {
	name, email, phone = m.Name, m.Email, m.cfg.PData["phone"]
	if name == "" {
		name = m.cfg.PData["name"]
	}
	if email == "" {
		email = m.cfg.PData["email"]
	}
	return name, email, phone
}

// leaveEmail is the e-mail field the address is checked as, by the rules of survey answers.
var leaveEmail = protocol.SurveyField{Name: LeaveEmail, Type: survey.TypeEmail, Length: limits.EmailRunes, ValidateLow: -1, ValidateHigh: -1}

// SubmitLeave leaves the message. It reports whether it went out; when not, LeaveErrs says
// why, field by field, all at once: the name and the message are required, the message at
// most MaxMessage characters, and an e-mail address (of a valid shape) or a phone number is
// needed to answer by.
func (m *Model) SubmitLeave(name, email, phone, text string) bool {
	if !m.LeaveShown() || m.Leave == LeaveSending {
		return false
	}
	name, email, phone, text = strings.TrimSpace(name), strings.TrimSpace(email), strings.TrimSpace(phone), strings.TrimSpace(text)
	t := m.Texts()
	errs := map[string]string{}
	tooLong := func(field, v string, max int) {
		if utf8.RuneCountInString(v) > max {
			errs[field] = uitext.Fill(t.Get(uitext.SurveyTooLong), "max", strconv.Itoa(max))
		}
	}
	if name == "" {
		errs[LeaveName] = t.Get(uitext.NameRequired)
	}
	tooLong(LeaveName, name, limits.NameRunes)
	switch {
	case email == "" && phone == "":
		errs[LeaveEmail] = t.Get(uitext.LeaveContactRequired)
		errs[LeavePhone] = "" // marked, explained by the e-mail's message
	case email != "" && m.checker().Check(leaveEmail, email) != nil:
		errs[LeaveEmail] = t.Get(uitext.SurveyEmail)
	}
	tooLong(LeavePhone, phone, limits.PhoneRunes)
	if n := utf8.RuneCountInString(text); text == "" {
		errs[LeaveText] = t.Get(uitext.LeaveTextRequired)
	} else if n > m.MaxMessage() {
		errs[LeaveText] = uitext.Fill(t.Get(uitext.MessageTooLong), "n", strconv.Itoa(n), "max", strconv.Itoa(m.MaxMessage()))
	}
	m.LeaveErrs, m.LeaveError = nil, ""
	if len(errs) > 0 {
		m.LeaveErrs = errs
		m.LeaveError = t.Get(uitext.CheckTheFields)
		return false
	}
	cmd := protocol.Command{ID: m.nextID(), Body: &protocol.LeaveMessage{Name: name, Department: m.cfg.PData["department"], Email: email, Phone: phone, Text: text}}
	if m.Phase == PhaseClosed {
		cmd.Chat = m.Chat // the chat that found no agent
	}
	m.Leave = LeaveSending
	m.leaveCmd, m.leaveSent = &cmd, false
	m.flush()
	return true
}

// LeaveEdited is called when the visitor changes a field of the form: its refusal is taken
// back (for the e-mail or the phone, the want of both).
func (m *Model) LeaveEdited(field string) {
	if msg, marked := m.LeaveErrs[LeavePhone]; marked && msg == "" && (field == LeaveEmail || field == LeavePhone) {
		delete(m.LeaveErrs, LeaveEmail)
		delete(m.LeaveErrs, LeavePhone)
	}
	delete(m.LeaveErrs, field)
	if len(m.LeaveErrs) == 0 {
		m.LeaveErrs = nil
		if m.Leave != LeaveSending {
			m.LeaveError = ""
		}
	}
}

// flushLeave sends the left message on a ready connection, once per connection.
func (m *Model) flushLeave() {
	if m.leaveCmd != nil && !m.leaveSent {
		m.leaveSent = true
		m.out = append(m.out, *m.leaveCmd)
	}
}

// leaveAnswered takes the server's answer to leave.message (err nil: stored). It reports
// whether the answer was for it.
func (m *Model) leaveAnswered(id string, e *protocol.Error, now time.Time) bool {
	if m.leaveCmd == nil || id != m.leaveCmd.ID {
		return false
	}
	sent, _ := m.leaveCmd.Body.(*protocol.LeaveMessage)
	m.leaveCmd, m.leaveSent = nil, false
	if e == nil {
		m.Leave = LeaveSent
		m.LeaveErrs, m.LeaveError = nil, ""
		if m.Phase == PhaseClosed {
			m.noticeCounter++
			m.Items = append(m.Items, Item{ID: "n" + strconv.Itoa(m.noticeCounter) + "-" + m.cfg.IDPrefix, Kind: ItemSystem,
				Key: uitext.LeaveThanks, Text: m.Texts().Get(uitext.LeaveThanks), At: now})
		}
		return true
	}
	// Refused: the form again, with the server's words next to the field it names, or at the
	// top.
	m.Leave = LeaveOpen
	msg := e.Message
	if msg == "" {
		msg = m.Texts().Get(uitext.ErrorOccurred)
	}
	m.LeaveErrs, m.LeaveError = nil, ""
	for _, f := range LeaveFields {
		if e.Field == f {
			m.LeaveErrs = map[string]string{f: msg}
			if f == LeaveEmail && sent != nil && sent.Email == "" {
				m.LeaveErrs[LeavePhone] = "" // neither an e-mail nor a phone: both are concerned
			}
			m.LeaveError = m.Texts().Get(uitext.CheckTheFields)
			return true
		}
	}
	m.LeaveError = msg
	return true
}
