package desk

import (
	"github.com/parleychat/parley/agentui/catalog"

	"encoding/json"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/filename"
	"github.com/parleychat/parley/shared/protocol"
)

// UploadPath is where the app uploads a file (multipart/form-data with the fields "chat" and
// "file"); the server answers 201 with a [protocol.File], which file.send then shares.
const UploadPath = "/api/files"

// Upload is a file the agent chose for a chat that is not yet in the chat: queued, being
// uploaded, or failed. Once uploaded it becomes a pending file line, like a sent message.
type Upload struct {
	// ID names the upload in the app (it is not a command id).
	ID          string
	Chat        string
	Name        string
	Size        int64
	ContentType string
	// Busy is set while the file travels to the server; an upload neither busy nor failed
	// waits for the one before it, so that files arrive in the order they were chosen.
	Busy bool
	// Failed is set when the server or the network refused the upload, with the reason in
	// Error; Retry says whether trying again may help (not for a refused type or size).
	Failed bool
	Error  string
	Retry  bool
}

// Attach queues a file the agent chose (picked or dropped) for chat id, under its name cleaned
// as the server will clean it (shared/filename). It fails when the chat is not open, or when
// nothing of the name is left; the server judges the file's type and size.
func (d *Desk) Attach(id, name string, size int64, contentType string) (*Upload, error) {
	c := d.Chat(id)
	if c == nil {
		return nil, protocol.Errorf(protocol.CodeNotFound, "this chat is not open")
	}
	if c.Closed {
		return nil, protocol.Errorf(protocol.CodeConflict, "this chat has ended")
	}
	if name = filename.Clean(name); name == "" {
		return nil, protocol.Errorf(protocol.CodeInvalid, "this file's name cannot be used; rename the file and try again")
	}
	u := &Upload{ID: d.nextID(), Chat: id, Name: name, Size: size, ContentType: contentType}
	c.Uploads = append(c.Uploads, u)
	return u, nil
}

// NextUpload returns the upload to start now and marks it busy, or nil while one is
// travelling or none waits. One file at a time keeps the order the agent chose.
func (d *Desk) NextUpload() *Upload {
	var next *Upload
	for _, c := range d.Chats {
		for _, u := range c.Uploads {
			switch {
			case u.Busy:
				return nil
			case u.Failed:
			case c.Closed:
				u.Failed, u.Error = true, d.Msg.T("This chat has ended.")
			case next == nil:
				next = u
			}
		}
	}
	if next != nil {
		next.Busy = true
	}
	return next
}

// upload finds the upload id of chat.
func (d *Desk) upload(chat, id string) (*Chat, int) {
	c := d.Chat(chat)
	if c == nil {
		return nil, -1
	}
	for i, u := range c.Uploads {
		if u.ID == id {
			return c, i
		}
	}
	return c, -1
}

// Uploaded takes the server's answer to upload id of chat: the upload goes and the file shows
// at once as a pending line, while the returned file.send waits for its ack. It fails when
// the upload is unknown (dismissed meanwhile) or the chat has ended.
func (d *Desk) Uploaded(chat, id string, f protocol.File, now time.Time) (protocol.Command, error) {
	c, i := d.upload(chat, id)
	if i < 0 {
		return protocol.Command{}, protocol.Errorf(protocol.CodeNotFound, "this upload is gone")
	}
	c.Uploads = append(c.Uploads[:i], c.Uploads[i+1:]...)
	if c.Closed {
		return protocol.Command{}, protocol.Errorf(protocol.CodeConflict, "this chat has ended")
	}
	return d.shareFile(c, f, now)
}

// shareFile makes the file.send for an uploaded file and its pending line.
func (d *Desk) shareFile(c *Chat, f protocol.File, now time.Time) (protocol.Command, error) {
	body := &protocol.FileSend{Name: f.Name, URL: f.URL, Size: f.Size, ContentType: f.ContentType}
	if err := body.Validate(); err != nil {
		return protocol.Command{}, err
	}
	cmd := d.command(c.ID, body)
	c.Lines = append(c.Lines, Line{Kind: LineMessage, Role: protocol.RoleAgent, Name: d.agentName(), At: now, ClientID: cmd.ID, Pending: true, File: &f})
	c.LastReply = now
	return cmd, nil
}

// UploadFailed records why upload id of chat failed; retry says whether trying again may help.
func (d *Desk) UploadFailed(chat, id, reason string, retry bool) {
	if c, i := d.upload(chat, id); i >= 0 {
		u := c.Uploads[i]
		u.Busy, u.Failed, u.Error, u.Retry = false, true, reason, retry
	}
}

// RetryUpload queues a failed upload again, reporting whether there was one to retry.
func (d *Desk) RetryUpload(chat, id string) bool {
	c, i := d.upload(chat, id)
	if i < 0 || !c.Uploads[i].Failed || c.Closed {
		return false
	}
	u := c.Uploads[i]
	u.Failed, u.Error, u.Retry = false, "", false
	return true
}

// DismissUpload forgets a failed upload (the app then drops the file it kept for it).
func (d *Desk) DismissUpload(chat, id string) bool {
	c, i := d.upload(chat, id)
	if i < 0 || c.Uploads[i].Busy {
		return false
	}
	c.Uploads = append(c.Uploads[:i], c.Uploads[i+1:]...)
	return true
}

// ResendFile shares again a file whose file.send the server refused: the failed line is
// replaced by a new pending one. The file is on the server already.
func (d *Desk) ResendFile(chat, clientID string, now time.Time) (protocol.Command, bool) {
	c := d.Chat(chat)
	if c == nil || c.Closed {
		return protocol.Command{}, false
	}
	for i, l := range c.Lines {
		if l.ClientID == clientID && l.Failed && l.File != nil {
			c.Lines = append(c.Lines[:i], c.Lines[i+1:]...)
			cmd, err := d.shareFile(c, *l.File, now)
			return cmd, err == nil
		}
	}
	return protocol.Command{}, false
}

// UploadAnswer reads the server's answer to an upload: the file on success, else the reason
// to show next to the composer and whether trying again may help. err is a network failure.
// The reason is in the agent's language: the server's own message where it gave one (it
// explains the policy at fault), else a fallback that says what to do.
func UploadAnswer(t catalog.Printer, status int, body []byte, err error) (f protocol.File, reason string, retry bool) {
	switch {
	case err != nil:
		return f, t.T("The server cannot be reached. Check your connection and try again."), true
	case status == 200 || status == 201:
		if json.Unmarshal(body, &f) != nil || f.URL == "" {
			return protocol.File{}, t.T("The server's answer could not be read."), true
		}
		return f, "", false
	}
	var e APIError
	if json.Unmarshal(body, &e) == nil && e.Error.Message != "" {
		reason = sentence(e.Error.Message)
	}
	fallback := t.T("The upload failed. Try again in a moment.")
	switch status {
	case 413:
		fallback = t.T("The file is too large.")
	case 415:
		fallback = t.T("This type of file may not be sent.")
	case 401:
		fallback = t.T("Your session has ended. Please sign in again.")
	case 403, 404:
		fallback = t.T("You may not send files in this chat.")
	case 409:
		fallback = t.T("This chat has ended.")
	default:
		retry = true
	}
	if reason == "" {
		reason = fallback
	}
	return protocol.File{}, reason, retry
}

// shownFile returns a file message as the conversation shows it: the file's name cleaned as
// the server cleans names (shared/filename), so that a name stored before that cannot hide its
// type behind bidi or control characters. The event stays as it was.
func shownFile(m *protocol.Message) *protocol.Message {
	clean := filename.Clean(m.File.Name)
	if clean == m.File.Name || clean == "" {
		return m
	}
	c, f := *m, *m.File
	if c.Text == f.Name {
		c.Text = clean
	}
	f.Name = clean
	c.File = &f
	return &c
}

// FileHref is the link of a shared file: only the server's own file paths ("/files/…")
// become links, so that a message cannot point the agent elsewhere; other URLs give "".
func FileHref(url string) string {
	if !strings.HasPrefix(url, "/files/") || strings.ContainsAny(url, "\\\x00\r\n\t ") {
		return ""
	}
	for _, seg := range strings.Split(url, "/") {
		if seg == ".." || seg == "." {
			return ""
		}
	}
	return url
}

// IsImage reports whether a file of contentType gets a thumbnail: the raster formats every
// browser shows (no SVG, which may carry script when opened on its own).
func IsImage(contentType string) bool {
	ct, _, _ := strings.Cut(strings.ToLower(strings.TrimSpace(contentType)), ";")
	switch strings.TrimSpace(ct) {
	case "image/png", "image/jpeg", "image/gif", "image/webp", "image/avif", "image/bmp":
		return true
	}
	return false
}

// FileLabel is how a file message reads where only text fits (a notification, a preview):
// "📎 photo.png", followed by the message's text when it has its own.
func FileLabel(f *protocol.File, text string) string {
	text = strings.TrimSpace(text)
	if f == nil {
		return text
	}
	label := "📎 " + f.Name
	if text != "" && text != f.Name {
		label += " " + text
	}
	return label
}

// sentence makes a server's message read as a sentence next to the file's name: a capital
// first letter and a closing full stop.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	s = string(unicode.ToUpper(r)) + s[n:]
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "!") && !strings.HasSuffix(s, "?") {
		s += "."
	}
	return s
}
