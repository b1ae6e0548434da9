package chat

import (
	"strings"
	"time"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/widget/wire"
)

// MaxSavedItems bounds the transcript kept in browser storage; older lines are dropped and
// the next page asks the server for the whole history instead.
const MaxSavedItems = 300

// ClosedMaxAge is how long an ended chat's transcript is still shown on the site's next pages.
const ClosedMaxAge = 30 * time.Minute

// snapshotVersion changes when the stored format does; an older record is ignored.
const snapshotVersion = 1

// Snapshot returns the session as JSON for browser storage, or nil when there is no chat to
// keep. It holds the chat id, the resume token, the last sequence number, the transcript, the
// unanswered commands, the fields the agent asked for and where the post-chat survey stands,
// so that the next page shows the chat at once and loses nothing.
func (m *Model) Snapshot(now time.Time) []byte {
	if m.Chat == "" && len(m.outbox) == 0 {
		return nil
	}
	w := wire.NewObject().Int("v", snapshotVersion).Int("saved", now.UnixMilli()).
		Str("chat", m.Chat).Str("token", m.Token).Str("name", m.Name).Str("email", m.Email).
		Str("phase", m.Phase.String()).Str("cause", string(m.Cause)).
		Str("agent", m.Agent).Bool("joined", m.AgentJoined).Str("post", m.Post.String()).
		Bool("details", m.DetailsDue).Bool("nopeek", m.PreviewOff).Str("clang", m.ChatLang)
	if len(m.Asks) > 0 {
		asks := make([][]byte, len(m.Asks))
		for i, f := range m.Asks {
			asks[i] = wire.SurveyFieldJSON(f)
		}
		w.Raw("asks", wire.Array(asks))
	}
	if m.FileAsk != nil {
		// Types are extensions of letters and digits: a comma never occurs in one.
		w.Bool("file_asked", true).Str("file_types", strings.Join(m.FileAsk.Types, ","))
	}
	items := m.Items
	seq := m.LastSeq
	if len(items) > MaxSavedItems {
		// Without the whole transcript, the next page replays everything from the server.
		items, seq = nil, 0
	}
	w.Int("seq", int64(seq))
	elems := make([][]byte, 0, len(items))
	for _, it := range items {
		if it.Upload != UploadNone {
			continue // an upload does not outlive the page that holds the file
		}
		e := wire.NewObject().Str("id", it.ID).Int("seq", int64(it.Seq)).
			Int("k", int64(it.Kind)).Str("n", it.Name).Str("t", it.Text).Str("key", it.Key).
			Int("at", it.At.UnixMilli()).Bool("p", it.Pending).Bool("f", it.Failed)
		if it.File != nil {
			e.Raw("file", fileJSON(*it.File))
		}
		if it.Original != "" {
			e.Str("o", it.Original)
		}
		elems = append(elems, e.Bytes())
	}
	w.Raw("items", wire.Array(elems))
	outs := make([][]byte, 0, len(m.outbox))
	for _, o := range m.outbox {
		e := wire.NewObject().Str("id", o.cmd.ID)
		switch b := o.cmd.Body.(type) {
		case *protocol.Send:
			e.Str("type", "send").Str("text", b.Text).Bool("hide", b.HideLocal)
		case *protocol.Close:
			e.Str("type", "close")
		case *protocol.ChatRequest:
			e.Str("type", "request").Str("name", b.Name).Str("email", b.Email).Str("lang", b.Lang).Str("q", b.Question).StrMap("fields", b.Fields).
				Bool("later", b.Later).Bool("peek", b.PreviewConsent)
		case *protocol.DetailsSubmit:
			e.Str("type", "details").Str("name", b.Name).Str("email", b.Email).StrMap("fields", b.Fields)
		case *protocol.SurveySubmit:
			e.Str("type", "survey").StrMap("fields", b.Fields)
		case *protocol.FieldSubmit:
			e.Str("type", "field").Str("name", b.Name).Str("value", b.Value)
		case *protocol.FileSend:
			e.Str("type", "file").Raw("file", fileJSON(protocol.File{Name: b.Name, URL: b.URL, Size: b.Size, ContentType: b.ContentType}))
		default:
			continue
		}
		outs = append(outs, e.Bytes())
	}
	w.Raw("out", wire.Array(outs))
	return w.Bytes()
}

// Restore makes a model for a new page from a stored snapshot (nil or unreadable: a fresh
// model). A snapshot older than maxAge is ignored: the server will have closed that chat.
func Restore(cfg Config, data []byte, now time.Time, maxAge time.Duration) *Model {
	m := New(cfg)
	if len(data) == 0 {
		return m
	}
	v, err := wire.Parse(string(data))
	if err != nil || v.Get("v").Int() != snapshotVersion {
		return m
	}
	saved := time.UnixMilli(int64(v.Get("saved").Num()))
	if maxAge > 0 && now.Sub(saved) > maxAge {
		return m
	}
	if v.Get("phase").Str() == PhaseClosed.String() && now.Sub(saved) > ClosedMaxAge {
		return m
	}
	m.Chat, m.Token, m.Name, m.Email = v.Get("chat").Str(), v.Get("token").Str(), v.Get("name").Str(), v.Get("email").Str()
	m.LastSeq = uint64(v.Get("seq").Num())
	m.Agent, m.AgentJoined = v.Get("agent").Str(), v.Get("joined").Bool()
	m.Cause = protocol.Cause(v.Get("cause").Str())
	m.Post = parsePost(v.Get("post").Str())
	m.DetailsDue, m.PreviewOff = v.Get("details").Bool(), v.Get("nopeek").Bool()
	m.ChatLang = v.Get("clang").Str() // the language the chat was asked in, when one was picked
	for i, asks := 0, v.Get("asks"); i < asks.Len(); i++ {
		m.Asks = append(m.Asks, wire.ReadSurveyField(asks.Index(i)))
	}
	if v.Get("file_asked").Bool() {
		m.FileAsk = &protocol.FileRequest{}
		if ts := v.Get("file_types").Str(); ts != "" {
			m.FileAsk.Types = strings.Split(ts, ",")
		}
	}
	switch v.Get("phase").Str() {
	case PhaseRequesting.String():
		m.Phase = PhaseRequesting
	case PhaseQueued.String():
		m.Phase = PhaseQueued
	case PhaseActive.String():
		m.Phase = PhaseActive
	case PhaseClosed.String():
		m.Phase = PhaseClosed
	}
	items := v.Get("items")
	if m.LastSeq > 0 {
		for i := 0; i < items.Len(); i++ {
			e := items.Index(i)
			m.Items = append(m.Items, Item{
				ID: e.Get("id").Str(), Seq: uint64(e.Get("seq").Num()), Kind: ItemKind(e.Get("k").Int()),
				Name: e.Get("n").Str(), Text: e.Get("t").Str(), Key: e.Get("key").Str(),
				At: time.UnixMilli(int64(e.Get("at").Num())), Pending: e.Get("p").Bool(), Failed: e.Get("f").Bool(),
				File: readFile(e.Get("file")), Original: e.Get("o").Str(),
			})
		}
	}
	out := v.Get("out")
	for i := 0; i < out.Len(); i++ {
		e := out.Index(i)
		id := e.Get("id").Str()
		var body protocol.CommandBody
		switch e.Get("type").Str() {
		case "send":
			body = &protocol.Send{Text: e.Get("text").Str(), HideLocal: e.Get("hide").Bool()}
			if m.LastSeq == 0 && !e.Get("hide").Bool() {
				// The transcript was not kept; show the unsent line again.
				m.Items = append(m.Items, Item{ID: id, Kind: ItemVisitor, Name: m.Name, Text: e.Get("text").Str(), At: now, Pending: true})
			}
		case "close":
			body = &protocol.Close{}
		case "request":
			body = &protocol.ChatRequest{Name: e.Get("name").Str(), Email: e.Get("email").Str(), Lang: e.Get("lang").Str(),
				Question: e.Get("q").Str(), PData: cfg.PData, UData: cfg.UData, Fields: e.Get("fields").StrMap(),
				Later: e.Get("later").Bool(), PreviewConsent: e.Get("peek").Bool()}
		case "details":
			body = &protocol.DetailsSubmit{Name: e.Get("name").Str(), Email: e.Get("email").Str(), Fields: e.Get("fields").StrMap()}
		case "survey":
			fields := e.Get("fields").StrMap()
			if fields == nil {
				fields = map[string]string{}
			}
			body = &protocol.SurveySubmit{Fields: fields}
		case "field":
			body = &protocol.FieldSubmit{Name: e.Get("name").Str(), Value: e.Get("value").Str()}
			m.askSending = id
		case "file":
			f := readFile(e.Get("file"))
			if f == nil {
				continue
			}
			body = fileSend(f)
			if m.LastSeq == 0 {
				m.Items = append(m.Items, Item{ID: id, Kind: ItemVisitor, Name: m.Name, File: f, At: now, Pending: true})
			}
		default:
			continue
		}
		m.outbox = append(m.outbox, outCmd{cmd: protocol.Command{ID: id, Chat: m.Chat, Body: body}})
	}
	if m.Chat == "" && m.Phase != PhaseRequesting {
		m.outbox = nil
		m.askSending = ""
	}
	// Later ids must not collide with restored ones even if the prefix repeats.
	m.seqCounter = len(m.outbox) + int(m.LastSeq)
	return m
}

// fileJSON writes a shared file for storage, in the protocol's member names.
func fileJSON(f protocol.File) []byte {
	return wire.NewObject().Str("name", f.Name).Str("url", f.URL).Int("size", f.Size).Str("content_type", f.ContentType).Bytes()
}

// readFile reads what fileJSON wrote; nil when there is no file.
func readFile(v *wire.Value) *protocol.File {
	if v.Kind() != wire.KindObject {
		return nil
	}
	return &protocol.File{Name: v.Get("name").Str(), URL: v.Get("url").Str(), Size: int64(v.Get("size").Num()), ContentType: v.Get("content_type").Str()}
}
