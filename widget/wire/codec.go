package wire

import (
	"errors"
	"slices"
	"strconv"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/survey"
)

// ErrNotForVisitors is returned for a well-formed frame of a type a visitor never receives
// (agent events); the widget ignores it.
var ErrNotForVisitors = errors.New("wire: event type not handled by the widget")

// ErrBadFrame is returned for a frame that is not a protocol envelope of this version.
var ErrBadFrame = errors.New("wire: not a protocol envelope of this version")

// DecodeEvent parses one server frame into a typed event.
func DecodeEvent(frame string) (protocol.Event, error) {
	root, err := Parse(frame)
	if err != nil || root.Kind() != KindObject || root.Get("v").Int() != protocol.Version {
		return protocol.Event{}, ErrBadFrame
	}
	ev := protocol.Event{ID: root.Get("id").Str(), Chat: root.Get("chat").Str(), Seq: uint64(root.Get("seq").Num())}
	d := root.Get("data")
	switch protocol.Type(root.Get("type").Str()) {
	case protocol.TypeAck:
		ev.Body = &protocol.Ack{Chat: d.Get("chat").Str(), Token: d.Get("token").Str(), Seq: uint64(d.Get("seq").Num())}
	case protocol.TypeError:
		ev.Body = &protocol.Error{ID: ev.ID, Code: protocol.Code(d.Get("code").Str()), Message: d.Get("message").Str(), Field: d.Get("field").Str()}
	case protocol.TypeConnected:
		c := &protocol.Connected{
			Session: d.Get("session").Str(), Name: d.Get("name").Str(), Title: d.Get("title").Str(),
			Lang: d.Get("lang").Str(), Open: d.Get("open").Bool(), Texts: d.Get("texts").StrMap(),
			MaxMessage: d.Get("max_message").Int(), Preview: d.Get("preview").Bool(),
			EstimatedWait: d.Get("estimated_wait").Int(), MaxAttachmentKB: d.Get("max_attachment_kb").Int(),
			LeaveMessage: d.Get("leave_message").Bool(),
			Transcript:   d.Get("transcript").Bool(),
		}
		if w := d.Get("widget"); w.Kind() != KindNull {
			c.Widget = []byte(w.Raw())
		}
		c.AllowedFileTypes = strs(d.Get("allowed_file_types"))
		c.RestrictedFileTypes = strs(d.Get("restricted_file_types"))
		c.PreChat = surveyFields(d.Get("pre_chat"))
		c.PostChat = surveyFields(d.Get("post_chat"))
		c.TranslateLanguages = strs(d.Get("translate_languages"))
		ev.Body = c
	case protocol.TypeChatState:
		ev.Body = &protocol.ChatState{State: protocol.ChatStatus(d.Get("state").Str()), Cause: protocol.Cause(d.Get("cause").Str()), At: parseTime(d.Get("at"))}
	case protocol.TypeQueue:
		ev.Body = &protocol.Queue{Position: d.Get("position").Int(), Of: d.Get("of").Int(), EstimatedWait: d.Get("estimated_wait").Int()}
	case protocol.TypeMessage:
		m := &protocol.Message{
			Role: protocol.Role(d.Get("role").Str()), Name: d.Get("name").Str(), Text: d.Get("text").Str(),
			Key: d.Get("key").Str(), Class: d.Get("class").Str(), ClientID: d.Get("client_id").Str(),
			HideLocal: d.Get("hide_local").Bool(), At: parseTime(d.Get("at")),
		}
		if f := d.Get("file"); f.Kind() == KindObject {
			m.File = &protocol.File{Name: f.Get("name").Str(), URL: f.Get("url").Str(), Size: int64(f.Get("size").Num()), ContentType: f.Get("content_type").Str()}
		}
		if t := d.Get("translation"); t.Kind() == KindObject {
			m.Translation = &protocol.Translation{From: str(t, "from"), To: str(t, "to"), Text: str(t, "text"), Failed: flag(t, "failed")}
		}
		ev.Body = m
	case protocol.TypeJoined:
		ev.Body = &protocol.Joined{Role: protocol.Role(d.Get("role").Str()), Name: d.Get("name").Str(), UserID: int64(d.Get("user_id").Num()), Lang: d.Get("lang").Str()}
	case protocol.TypeLeft:
		ev.Body = &protocol.Left{Role: protocol.Role(d.Get("role").Str()), Name: d.Get("name").Str(), UserID: int64(d.Get("user_id").Num())}
	case protocol.TypeTypingEvent:
		ev.Body = &protocol.TypingEvent{Role: protocol.Role(d.Get("role").Str()), Name: d.Get("name").Str(), On: d.Get("on").Bool()}
	case protocol.TypePresence:
		ev.Body = &protocol.Presence{Role: protocol.Role(d.Get("role").Str()), Online: d.Get("online").Bool()}
	case protocol.TypeQueueInfo:
		ev.Body = &protocol.QueueInfo{Open: d.Get("open").Bool(), Waiting: d.Get("waiting").Int(), EstimatedWait: d.Get("estimated_wait").Int()}
	case protocol.TypeChatInfo:
		ev.Body = &protocol.ChatInfo{State: protocol.ChatStatus(d.Get("state").Str()), Position: d.Get("position").Int(), EstimatedWait: d.Get("estimated_wait").Int()}
	case protocol.TypeFieldSet:
		ev.Body = &protocol.FieldSet{Fields: d.Get("fields").StrMap(), Survey: d.Get("survey").Str(), Name: d.Get("name").Str()}
	case protocol.TypeFileRequest:
		ev.Body = &protocol.FileRequest{Types: strs(d.Get("types")), Name: d.Get("name").Str(), At: parseTime(d.Get("at"))}
	case protocol.TypeFieldRequest:
		ev.Body = &protocol.FieldRequest{Field: ReadSurveyField(d.Get("field"))}
	case protocol.TypeDisconnect:
		ev.Body = &protocol.Disconnect{Code: protocol.CloseCode(d.Get("code").Int()), Reason: d.Get("reason").Str(), Reconnect: d.Get("reconnect").Bool()}
	default:
		return ev, ErrNotForVisitors
	}
	return ev, nil
}

// strs reads an array of strings; none gives nil, as encoding/json does.
func strs(v *Value) []string {
	var out []string
	for i, n := 0, v.Len(); i < n; i++ {
		out = append(out, v.Index(i).Str())
	}
	return out
}

// surveyFields reads an array of survey fields; none gives nil, as encoding/json does.
func surveyFields(v *Value) []survey.Field {
	var out []survey.Field
	for i, n := 0, v.Len(); i < n; i++ {
		out = append(out, ReadSurveyField(v.Index(i)))
	}
	return out
}

// ReadSurveyField reads a field of the survey model as the protocol encodes it (and as
// [SurveyFieldJSON] stores it), member for member as encoding/json would.
func ReadSurveyField(v *Value) survey.Field {
	f := survey.Field{
		Name: str(v, "name"), Type: str(v, "type"), Enabled: flag(v, "enabled"), Prompt: str(v, "prompt"),
		Length: num(v, "length"), MultiLine: flag(v, "multi_line"), Lines: num(v, "lines"), Password: flag(v, "password"),
		ChangeCase: num(v, "change_case"), Mask: str(v, "mask"), Default: str(v, "default"),
		DefaultDateToday: flag(v, "default_date_today"), DefaultTimeToday: flag(v, "default_time_today"),
		SelectType: str(v, "select_type"), ValidateLow: num(v, "validate_low"), ValidateHigh: num(v, "validate_high"),
		Required: flag(v, "required"), HTML5Type: str(v, "html5_type"),
	}
	f.Options = strs(v.Get("options"))
	f.Labels = strs(v.Get("labels"))
	if t := v.Get("texts"); t.Kind() == KindObject {
		f.Texts = map[string]survey.Text{}
		for _, lang := range t.Keys() {
			l := t.Get(lang)
			f.Texts[lang] = survey.Text{Prompt: str(l, "prompt"), Options: l.Get("options").StrMap()}
		}
	}
	return f
}

// str, num and flag read an object's member. They are kept out of line so that a reader of
// many members stays small in the WebAssembly.
//
//go:noinline
func str(v *Value, k string) string { return v.Get(k).Str() }

//go:noinline
func num(v *Value, k string) int { return v.Get(k).Int() }

//go:noinline
func flag(v *Value, k string) bool { return v.Get(k).Bool() }

// SurveyFieldJSON writes a field of the survey model for the widget's storage, in the
// protocol's member names, so that [ReadSurveyField] reads it back.
func SurveyFieldJSON(f survey.Field) []byte {
	w := NewObject().Str("name", f.Name).Str("type", f.Type).Bool("enabled", f.Enabled).Str("prompt", f.Prompt).
		Int("length", int64(f.Length)).Bool("multi_line", f.MultiLine).Int("lines", int64(f.Lines)).
		Bool("password", f.Password).Int("change_case", int64(f.ChangeCase)).Str("mask", f.Mask).
		Str("default", f.Default).Bool("default_date_today", f.DefaultDateToday).
		Bool("default_time_today", f.DefaultTimeToday).Str("select_type", f.SelectType).
		Int("validate_low", int64(f.ValidateLow)).Int("validate_high", int64(f.ValidateHigh)).
		Bool("required", f.Required).Str("html5_type", f.HTML5Type)
	strArray(w, "options", f.Options)
	strArray(w, "labels", f.Labels)
	if len(f.Texts) > 0 {
		texts := NewObject()
		for _, lang := range survey.Languages(f) {
			t := f.Texts[lang]
			texts.Raw(lang, NewObject().Str("prompt", t.Prompt).StrMap("options", t.Options).Bytes())
		}
		w.Raw("texts", texts.Bytes())
	}
	return w.Bytes()
}

// strArray writes a non-empty list of strings as an array member.
func strArray(w *Object, k string, list []string) {
	if len(list) > 0 {
		elems := make([][]byte, len(list))
		for i, s := range list {
			elems[i] = appendString(nil, s)
		}
		w.Raw(k, Array(elems))
	}
}

// parseTime reads an RFC 3339 time; anything else is the zero time.
func parseTime(v *Value) time.Time {
	t, err := time.Parse(time.RFC3339Nano, v.Str())
	if err != nil {
		return time.Time{}
	}
	return t
}

// EncodeCommand writes a visitor command frame, field for field as protocol.EncodeCommand
// would. It returns ErrNotForVisitors for commands a visitor does not send.
func EncodeCommand(c protocol.Command) (string, error) {
	if c.Body == nil {
		return "", ErrNotForVisitors
	}
	var d obj
	d.open()
	switch b := c.Body.(type) {
	case *protocol.Ping, *protocol.Close, *protocol.QueueInfoGet, *protocol.ChatInfoGet:
	case *protocol.VisitorConnect:
		d.str("connector", b.Connector, false)
		d.str("lang", b.Lang, true)
		d.str("page", b.Page, true)
		d.str("referrer", b.Referrer, true)
		d.str("user_agent", b.UserAgent, true)
		d.str("visitor_id", b.VisitorID, true)
		d.num("tz_offset", int64(b.TZOffset), true)
	case *protocol.ChatRequest:
		d.str("name", b.Name, false)
		d.str("email", b.Email, true)
		d.str("phone", b.Phone, true)
		d.str("customer_id", b.CustomerID, true)
		d.str("department", b.Department, true)
		d.str("operator", b.Operator, true)
		d.str("lang", b.Lang, true)
		d.str("question", b.Question, true)
		d.strMap("pdata", b.PData)
		d.strMap("udata", b.UData)
		d.strMap("fields", b.Fields)
		d.boolean("translate", b.Translate, true)
		d.boolean("later", b.Later, true)
		d.boolean("preview_consent", b.PreviewConsent, true)
	case *protocol.Resume:
		d.str("token", b.Token, true)
		d.num("after", int64(b.After), false)
	case *protocol.Send:
		d.str("text", b.Text, false)
		d.boolean("hide_local", b.HideLocal, true)
	case *protocol.Typing:
		d.boolean("on", b.On, false)
	case *protocol.Preview:
		d.str("text", b.Text, false)
	case *protocol.SurveySubmit:
		switch {
		case b.Fields == nil: // written as encoding/json does: the member is not optional
			d.raw("fields", []byte("null"))
		case len(b.Fields) == 0:
			d.raw("fields", []byte("{}"))
		default:
			d.strMap("fields", b.Fields)
		}
	case *protocol.DetailsSubmit:
		d.str("name", b.Name, true)
		d.str("email", b.Email, true)
		d.strMap("fields", b.Fields)
	case *protocol.PreviewConsent:
		d.boolean("on", b.On, false)
	case *protocol.FieldSubmit:
		d.str("name", b.Name, false)
		d.str("value", b.Value, false)
	case *protocol.FileSend:
		d.str("name", b.Name, false)
		d.str("url", b.URL, false)
		d.num("size", b.Size, true)
		d.str("content_type", b.ContentType, true)
	case *protocol.TranscriptRequest:
		d.str("email", b.Email, false)
	case *protocol.LeaveMessage:
		d.str("name", b.Name, false)
		d.str("department", b.Department, true)
		d.str("email", b.Email, true)
		d.str("phone", b.Phone, true)
		d.str("text", b.Text, false)
	default:
		return "", ErrNotForVisitors
	}
	d.close()
	var e obj
	e.open()
	e.num("v", protocol.Version, false)
	e.str("type", string(c.Body.CommandType()), false)
	e.str("id", c.ID, true)
	e.str("chat", c.Chat, true)
	e.raw("data", d.b)
	e.close()
	return string(e.b), nil
}

// obj builds a JSON object member by member.
type obj struct {
	b []byte
	n int
}

func (o *obj) open() { o.b = append(o.b, '{') }

func (o *obj) close() { o.b = append(o.b, '}') }

func (o *obj) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = appendString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *obj) str(k, v string, omitEmpty bool) {
	if omitEmpty && v == "" {
		return
	}
	o.key(k)
	o.b = appendString(o.b, v)
}

func (o *obj) num(k string, v int64, omitEmpty bool) {
	if omitEmpty && v == 0 {
		return
	}
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}

func (o *obj) boolean(k string, v, omitEmpty bool) {
	if omitEmpty && !v {
		return
	}
	o.key(k)
	o.b = strconv.AppendBool(o.b, v)
}

func (o *obj) raw(k string, v []byte) {
	o.key(k)
	o.b = append(o.b, v...)
}

// strMap writes a map with sorted keys, as encoding/json does; an empty map is omitted.
func (o *obj) strMap(k string, m map[string]string) {
	if len(m) == 0 {
		return
	}
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	slices.Sort(keys)
	var in obj
	in.open()
	for _, key := range keys {
		in.str(key, m[key], false)
	}
	in.close()
	o.raw(k, in.b)
}
