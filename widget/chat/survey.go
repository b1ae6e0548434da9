package chat

import (
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
	"github.com/parleychat/parley/widget/uitext"
)

// This file holds the surveys (WhosOn's pre-chat survey, post-chat survey and the fields an
// agent asks for during the chat): which fields a form shows, checking and sending the
// answers, and the words for refused answers. The server checks the same rules with the same
// package (shared/survey), so what the widget lets through is accepted.

// PostState is where the visitor is with the post-chat survey of an ended chat.
type PostState uint8

// The post-chat survey states.
const (
	// PostNone: no survey to show (none configured, the chat is not over, or no agent
	// took part in it).
	PostNone PostState = iota
	// PostOpen: the survey is shown.
	PostOpen
	// PostSending: the answers are on their way.
	PostSending
	// PostDone: the server took the answers; the thank-you line is shown.
	PostDone
	// PostSkipped: the visitor skipped the survey, or it could not be delivered.
	PostSkipped
)

var postNames = [...]string{"", "open", "sending", "done", "skipped"}

// String names the state as the snapshot stores it.
func (p PostState) String() string {
	if int(p) < len(postNames) {
		return postNames[p]
	}
	return ""
}

func parsePost(s string) PostState {
	for i, n := range postNames {
		if n == s && s != "" {
			return PostState(i)
		}
	}
	return PostNone
}

// maxAsks bounds the fields an agent may have asked for at once; older ones are dropped.
const maxAsks = 10

// codeServer marks an answer the server refused although the widget's own check passed (a
// mask the browser's engine reads differently, a rule newer than this widget).
const codeServer survey.Code = "server"

// checker is the survey checker with the page's mask engine.
func (m *Model) checker() survey.Checker { return survey.Checker{Mask: m.cfg.Mask} }

// enabledFields returns a copy of the enabled fields, in order.
func enabledFields(fields []protocol.SurveyField) []protocol.SurveyField {
	var out []protocol.SurveyField
	for _, f := range fields {
		if f.Enabled && f.Name != "" {
			out = append(out, f)
		}
	}
	return out
}

// PreChat returns the survey fields the start form shows below the name and the question:
// the connector's enabled pre-chat fields, in order. The first name-type field stands in for
// the form's own name field (see [Model.AsksName]); it is always required, since a chat needs
// a name.
func (m *Model) PreChat() []protocol.SurveyField {
	if m.Info == nil {
		return nil
	}
	out := enabledFields(m.Info.PreChat)
	if i := nameField(out); i >= 0 {
		out[i].Required = true
	}
	return out
}

// nameField returns the index of the first name-type field, or -1.
func nameField(fields []protocol.SurveyField) int {
	for i, f := range fields {
		if f.Type == survey.TypeName {
			return i
		}
	}
	return -1
}

// AsksName reports whether the start form shows its own name field: not when the pre-chat
// survey asks for the name itself, or the page named the visitor ([Model.PageName]), so that
// the visitor is not asked twice.
func (m *Model) AsksName() bool { return nameField(m.PreChat()) < 0 && m.PageName() == "" }

// PostChat returns the connector's enabled post-chat survey fields, in order.
func (m *Model) PostChat() []protocol.SurveyField {
	if m.Info == nil {
		return nil
	}
	return enabledFields(m.Info.PostChat)
}

// Asked returns the field the agent asked for that is shown now, or nil.
func (m *Model) Asked() *protocol.SurveyField {
	if len(m.Asks) == 0 {
		return nil
	}
	return &m.Asks[0]
}

// AnswerSending reports whether the answer to the shown field is on its way.
func (m *Model) AnswerSending() bool { return m.askSending != "" }

// setInvalid records the refusals of a form's answers. It switches on the error's type
// rather than calling errors.As, which would link reflection into the widget.
func (m *Model) setInvalid(err error) {
	m.Invalid = map[string]survey.Code{}
	switch e := err.(type) {
	case survey.Errors:
		for _, fe := range e {
			m.Invalid[fe.Field] = fe.Code
		}
	case *survey.FieldError:
		m.Invalid[e.Field] = e.Code
	}
}

// refusedByServer maps an error the server gave to a form's answers onto the field it names
// ("fields.<name>"): the widget's own check says why, or, when it finds nothing wrong, a
// general "check this answer". It reports whether the error named one of the fields.
func (m *Model) refusedByServer(e *protocol.Error, fields []protocol.SurveyField, answers map[string]string) bool {
	name, ok := strings.CutPrefix(e.Field, "fields.")
	if !ok {
		return false
	}
	for _, f := range fields {
		if f.Name != name {
			continue
		}
		code := codeServer
		if fe, ok := m.checker().Check(f, answers[name]).(*survey.FieldError); ok {
			code = fe.Code
		}
		if m.Invalid == nil {
			m.Invalid = map[string]survey.Code{}
		}
		m.Invalid[name] = code
		return true
	}
	return false
}

// FieldMessage returns the localized reason why the form's answer to f was refused, or ""
// when it was not. Limits in the message come from the field (at most $max characters, a
// number from $low to $high).
func (m *Model) FieldMessage(f protocol.SurveyField) string {
	code, ok := m.Invalid[f.Name]
	if !ok {
		return ""
	}
	t := m.Texts()
	choice := f.Type == survey.TypeSelect || f.Type == survey.TypeRating
	low, high := survey.Range(f)
	key := uitext.SurveyInvalid
	switch code {
	case survey.CodeRequired:
		key = uitext.SurveyRequired
		if f.Type == survey.TypeBoolean {
			key = uitext.SurveyTick
		} else if choice {
			key = uitext.SurveyChoose
		}
	case survey.CodeTooLong:
		return uitext.Fill(t.Get(uitext.SurveyTooLong), "max", strconv.Itoa(survey.MaxRunes(f)))
	case survey.CodeBadNumber, survey.CodeOutOfRange:
		switch {
		case choice:
			key = uitext.SurveyChoose
		case code == survey.CodeBadNumber:
			key = uitext.SurveyNumber
		case low >= 0 && high >= 0:
			key = uitext.SurveyRange
		case low >= 0:
			key = uitext.SurveyMin
		default:
			key = uitext.SurveyMax
		}
	case survey.CodeBadDate:
		key = uitext.SurveyDate
	case survey.CodeBadTime:
		key = uitext.SurveyTime
	case survey.CodeBadEmail:
		key = uitext.SurveyEmail
	case survey.CodeNotAnOption:
		key = uitext.SurveyNotOption
	case survey.CodeMask:
		key = uitext.SurveyFormat
	}
	return uitext.Fill(t.Get(key), "low", strconv.Itoa(low), "high", strconv.Itoa(high))
}

// FormError returns the line shown above a form's button: the problem with the name or the
// question, a notice, or a summary pointing at the marked fields; "" when all is well.
func (m *Model) FormError() string {
	t := m.Texts()
	switch {
	case m.FieldError != "":
		return uitext.Fill(t.Get(m.FieldError), "n", "", "max", strconv.Itoa(m.MaxMessage()))
	case m.Notice != "":
		return t.Get(m.Notice)
	case len(m.Invalid) > 0:
		return t.Get(uitext.CheckTheFields)
	}
	return ""
}

// Edited is called when the visitor changes an answer: its refusal is taken back, so the
// message does not linger over a corrected answer.
func (m *Model) Edited(name string) {
	if _, ok := m.Invalid[name]; ok {
		delete(m.Invalid, name)
		if len(m.Invalid) == 0 {
			m.Invalid = nil
		}
	}
}

// SubmitSurvey sends the post-chat survey's answers (by field name; extra names are kept, as
// WhosOn allows). It reports whether they went out; when an answer is refused, Invalid says
// why and nothing is sent.
func (m *Model) SubmitSurvey(answers map[string]string) bool {
	m.Notice = ""
	if m.Post != PostOpen || m.Chat == "" {
		return false
	}
	norm, err := m.checker().CheckAll(m.PostChat(), answers)
	if err != nil {
		m.setInvalid(err)
		return false
	}
	m.Invalid = nil
	m.Post = PostSending
	m.enqueue(protocol.Command{ID: m.nextID(), Chat: m.Chat, Body: &protocol.SurveySubmit{Fields: norm}})
	return true
}

// SkipSurvey closes the post-chat survey unanswered.
func (m *Model) SkipSurvey() {
	if m.Post == PostOpen {
		m.Post = PostSkipped
		m.Invalid, m.Notice = nil, ""
	}
}

// ask shows a field the agent asked for (a repeated request for the same name replaces the
// waiting one).
func (m *Model) ask(f protocol.SurveyField) {
	f.Enabled = true
	for i := range m.Asks {
		if m.Asks[i].Name == f.Name {
			if i > 0 || m.askSending == "" {
				m.Asks[i] = f
			}
			return
		}
	}
	m.Asks = append(m.Asks, f)
	if len(m.Asks) > maxAsks {
		m.Asks = append(m.Asks[:1], m.Asks[len(m.Asks)-maxAsks+1:]...)
	}
}

// SubmitAnswer answers the field the agent asked for. It reports whether the answer went out;
// a refused one is explained by Invalid.
func (m *Model) SubmitAnswer(value string) bool {
	f := m.Asked()
	if f == nil || m.askSending != "" || !m.Phase.InChat() {
		return false
	}
	v := survey.Normalize(*f, value)
	if err := m.checker().Check(*f, v); err != nil {
		m.setInvalid(err)
		return false
	}
	delete(m.Invalid, f.Name)
	m.askSending = m.nextID()
	m.enqueue(protocol.Command{ID: m.askSending, Chat: m.Chat, Body: &protocol.FieldSubmit{Name: f.Name, Value: v}})
	return true
}

// DismissAsk puts the asked field away unanswered.
func (m *Model) DismissAsk() {
	if len(m.Asks) > 0 && m.askSending == "" {
		delete(m.Invalid, m.Asks[0].Name)
		m.Asks = m.Asks[1:]
	}
}

// answered is called when the server took an answer to an asked field.
func (m *Model) answered(name string, now time.Time) {
	m.askSending = ""
	for i, f := range m.Asks {
		if f.Name == name {
			label := f.Prompt
			if label == "" {
				label = f.Name
			}
			m.Asks = append(m.Asks[:i], m.Asks[i+1:]...)
			m.notice(uitext.Fill(m.Texts().Get(uitext.FieldSent), "field", label), now)
			return
		}
	}
}

// openPostChat shows the post-chat survey when an ended chat has one and an agent took part.
func (m *Model) openPostChat() {
	if m.Post == PostNone && m.AgentJoined && m.Chat != "" && len(m.PostChat()) > 0 {
		m.Post = PostOpen
		m.Invalid = nil
	}
}

// surveyAcked is called when the server took the post-chat survey.
func (m *Model) surveyAcked(now time.Time) {
	m.Post = PostDone
	m.noticeCounter++
	m.Items = append(m.Items, Item{ID: "n" + strconv.Itoa(m.noticeCounter) + "-" + m.cfg.IDPrefix, Kind: ItemSystem,
		Key: uitext.SurveyThanks, Text: m.Texts().Get(uitext.SurveyThanks), At: now})
}
