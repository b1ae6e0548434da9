package chat

import (
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/shared/filename"
	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/widget/uitext"
)

// This file is the model's side of file attachments (WhosOn File, MiCC attachments). The
// visitor picks a file; Attach checks it against the connector's rules and adds its line,
// uploading; the app posts it to the server (POST /api/files) and reports back with Uploaded
// or UploadFailed; Uploaded sends file.send, a durable command like a message, whose message
// event confirms the line. An upload on its way does not survive a reload (the browser's File
// is gone with the page); a file already sent replays like any message.

// UploadState is where a file line's upload stands.
type UploadState uint8

// The upload states.
const (
	// UploadNone: not an upload, or the upload is done (the line may still wait for file.send).
	UploadNone UploadState = iota
	// Uploading: the file is on its way to the server.
	Uploading
	// UploadFailed: the upload failed; Retry starts it again.
	UploadFailed
)

// FileProblem says why a file may not be sent.
type FileProblem uint8

// The file problems.
const (
	FileOK FileProblem = iota
	// FileOff: uploads are off on this connector, or not possible now.
	FileOff
	// FileTypeRefused: the file's type is not allowed.
	FileTypeRefused
	// FileTooLarge: the file is larger than the connector allows.
	FileTooLarge
	// FileBadName: nothing usable is left of the file's name once cleaned (shared/filename).
	FileBadName
)

// FileType returns a file name's extension in lower case without the dot ("photo.PNG" gives
// "png"), or "" when it has none. It reads the name cleaned as the server does
// (shared/filename), so "setup.exe. " is of type "exe", and ".bashrc" of type "bashrc".
func FileType(name string) string { return filename.Type(name) }

// normType reads a configured file type the ways administrators write it: "png", ".PNG",
// "*.png".
func normType(t string) string {
	return strings.ToLower(strings.TrimLeft(strings.TrimSpace(t), "*."))
}

// listed reports whether the file type is in the configured list.
func listed(list []string, typ string) bool {
	for _, t := range list {
		if normType(t) == typ && typ != "" {
			return true
		}
	}
	return false
}

// CheckFile checks a file against the connector's rules: uploads on (MaxAttachmentKB > 0), a
// name left once cleaned as the server cleans it (shared/filename), its type allowed
// (case-insensitive; a non-empty allowed list wins over the restricted list) and its size at
// most MaxAttachmentKB KiB. The server checks again.
func CheckFile(c *protocol.Connected, name string, size int64) FileProblem {
	if c == nil || c.MaxAttachmentKB <= 0 {
		return FileOff
	}
	if filename.Clean(name) == "" {
		return FileBadName
	}
	typ := FileType(name)
	if len(allowedTypes(c)) > 0 {
		if !listed(c.AllowedFileTypes, typ) {
			return FileTypeRefused
		}
	} else if listed(c.RestrictedFileTypes, typ) {
		return FileTypeRefused
	}
	if size > int64(c.MaxAttachmentKB)*1024 {
		return FileTooLarge
	}
	return FileOK
}

// allowedTypes returns the connector's allowed types normalized, without blanks.
func allowedTypes(c *protocol.Connected) []string {
	var out []string
	for _, t := range c.AllowedFileTypes {
		if t = normType(t); t != "" {
			out = append(out, t)
		}
	}
	return out
}

// CanAttach reports whether the visitor may attach a file now: the connector takes uploads
// and an agent has joined the chat.
func (m *Model) CanAttach() bool {
	return m.Info != nil && m.Info.MaxAttachmentKB > 0 && m.AgentJoined && m.Phase == PhaseActive &&
		m.Chat != "" && m.Token != ""
}

// AcceptTypes returns the file input's accept attribute (".png,.pdf"), or "" for any type.
func (m *Model) AcceptTypes() string {
	if m.Info == nil {
		return ""
	}
	types := allowedTypes(m.Info)
	for i, t := range types {
		types[i] = "." + t
	}
	return strings.Join(types, ",")
}

// FileMessage returns the sentence explaining a refused file, in the visitor's language: its
// type ("Files of type .exe can't be sent here. You can send: .png, .pdf.") or its size
// ("This file is larger than 5 MB.").
func (m *Model) FileMessage(p FileProblem, name string) string {
	t := m.Texts()
	switch p {
	case FileTypeRefused:
		msg := t.Get(uitext.FileNoType)
		if typ := FileType(name); typ != "" {
			msg = uitext.Fill(t.Get(uitext.FileTypeRefused), "type", "."+typ)
		}
		if m.Info != nil {
			if types := allowedTypes(m.Info); len(types) > 0 {
				msg += " " + uitext.Fill(t.Get(uitext.FileTypesAllowed), "types", "."+strings.Join(types, ", ."))
			}
		}
		return msg
	case FileTooLarge:
		kb := 0
		if m.Info != nil {
			kb = m.Info.MaxAttachmentKB
		}
		return uitext.Fill(t.Get(uitext.FileTooLarge), "max", t.Size(int64(kb)*1024), "kb", strconv.Itoa(kb))
	case FileBadName:
		return t.Get(uitext.FileBadName)
	case FileOff:
		return t.Get(uitext.FileFailed)
	}
	return ""
}

// Attach checks a file the visitor picked (its name, size in bytes and MIME type) and, when it
// may be sent, adds its line to the transcript, uploading, and returns the line's id, which
// names the upload to start (see [Model.Uploads]). Otherwise it returns "" and FileNotice says
// why.
func (m *Model) Attach(name string, size int64, contentType string, now time.Time) string {
	m.Notice, m.FileNotice = "", ""
	p := CheckFile(m.Info, name, size)
	if p == FileOK && !m.CanAttach() {
		p = FileOff
	}
	if p != FileOK {
		m.FileNotice = m.FileMessage(p, name)
		return ""
	}
	id := m.lineID(now)
	m.Items = append(m.Items, Item{ID: id, Kind: ItemVisitor, Name: m.Name, At: now, Pending: true, Upload: Uploading,
		File: &protocol.File{Name: filename.Clean(name), Size: size, ContentType: contentType}})
	m.uploads = append(m.uploads, id)
	m.FileAsk = nil // the file answers the agent's request, if there was one
	return id
}

// Uploads returns the ids of the uploads to start now (new ones and retried ones), and forgets
// them. The app posts each line's file with the chat id and token and reports the outcome.
func (m *Model) Uploads() []string {
	out := m.uploads
	m.uploads = nil
	return out
}

// Uploaded records the server's answer to an upload: the file is stored, and file.send shares
// it in the chat. The line stays pending until that is acknowledged.
func (m *Model) Uploaded(id string, f protocol.File, now time.Time) {
	it := m.item(id)
	if it == nil || it.Upload != Uploading {
		return
	}
	it.Upload = UploadNone
	if f.Name == "" {
		f.Name = it.File.Name
	}
	it.File = &f
	if !m.Phase.InChat() || m.Chat == "" {
		it.Pending, it.Failed = false, true
		return
	}
	m.shareFile(id, it.File)
}

// shownFile returns a file message as the transcript shows it: the file's name cleaned as the
// server cleans names (shared/filename), so that a name stored before that, or sent by another
// server, cannot hide its type behind bidi or control characters. The event stays as it was.
func shownFile(b *protocol.Message) *protocol.Message {
	clean := filename.Clean(b.File.Name)
	if clean == b.File.Name || clean == "" {
		return b
	}
	c, f := *b, *b.File
	if c.Text == f.Name {
		c.Text = clean
	}
	f.Name = clean
	c.File = &f
	return &c
}

// shareFile sends file.send for an uploaded file.
func (m *Model) shareFile(id string, f *protocol.File) {
	m.enqueue(protocol.Command{ID: id, Chat: m.Chat, Body: fileSend(f)})
}

// fileSend is the command sharing an uploaded file.
func fileSend(f *protocol.File) *protocol.FileSend {
	return &protocol.FileSend{Name: f.Name, URL: f.URL, Size: f.Size, ContentType: f.ContentType}
}

// UploadFailed records a failed upload: status is the HTTP status (0 when the request did not
// get through) and code the error code of the answer. A file the server refuses (too large, a
// type not allowed) goes from the transcript with the reason in FileNotice; after any other
// failure the line stays, failed, for a retry.
func (m *Model) UploadFailed(id string, status int, code string) {
	it := m.item(id)
	if it == nil || it.Upload != Uploading {
		return
	}
	p := FileOK
	switch {
	case status == 413 || code == string(protocol.CodeTooLarge):
		p = FileTooLarge
	case status == 415 || code == string(protocol.CodeUnsupported):
		p = FileTypeRefused
	}
	if p != FileOK {
		m.FileNotice = m.FileMessage(p, it.File.Name)
		m.removeItem(id)
		return
	}
	it.Upload, it.Pending, it.Failed = UploadFailed, false, true
}

// removeItem takes a line out of the transcript.
func (m *Model) removeItem(id string) {
	for i := range m.Items {
		if m.Items[i].ID == id {
			m.Items = append(m.Items[:i], m.Items[i+1:]...)
			return
		}
	}
}

// retryFile tries a failed file line again, in its place: the upload when that failed (same
// id, so the app finds the file again), else file.send as a new command, the line taking its
// id.
func (m *Model) retryFile(it *Item) bool {
	it.Pending, it.Failed = true, false
	if it.Upload == UploadFailed {
		it.Upload = Uploading
		m.uploads = append(m.uploads, it.ID)
		return true
	}
	it.ID = m.nextID()
	m.shareFile(it.ID, it.File)
	return true
}

// UploadText is the state line under a file being uploaded ("Sending photo.png…"), or "".
func (m *Model) UploadText(it Item) string {
	if it.Upload != Uploading || it.File == nil {
		return ""
	}
	return uitext.Fill(m.Texts().Get(uitext.Uploading), "file", it.File.Name)
}

// FilePath returns a shared file's URL when it is a path on the Parley server under /files/,
// which the app resolves against the server's origin; anything else (another scheme, another
// host, odd characters) gives "", and the file is shown without a link.
func FilePath(url string) string {
	if !strings.HasPrefix(url, "/files/") || len(url) > 2048 {
		return ""
	}
	for _, r := range url {
		if r <= ' ' || r == '\\' || r == 0x7f || r == '"' || r == '<' || r == '>' || r == '`' {
			return ""
		}
	}
	for _, seg := range strings.Split(url, "/") {
		if seg == ".." || seg == "." {
			return ""
		}
	}
	return url
}

// imageTypes are the types shown with a thumbnail.
var imageTypes = [...]string{"png", "jpg", "jpeg", "gif", "webp"}

// IsImage reports whether a shared file is a picture the widget may show small (PNG, JPEG,
// GIF, WebP, by its name or its content type).
func IsImage(f *protocol.File) bool {
	if f == nil {
		return false
	}
	typ := FileType(f.Name)
	ct := strings.ToLower(f.ContentType)
	for _, t := range imageTypes {
		if typ == t || ct == "image/"+t {
			return true
		}
	}
	return false
}
