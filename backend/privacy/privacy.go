// Package privacy answers a visitor's data request: an export of everything the contact
// center holds about one identity (an e-mail address, the widget's visitor id or a customer
// id), as JSON or as a ZIP archive that also holds the shared files. Visitors have a right to
// a copy of their data; an admin answers such a request from the admin pages in one step.
//
// The export is built from the store's records with no I/O of its own: the file contents
// come through a FileReader, so the package is tested with real stores and nothing else.
package privacy

import (
	"archive/zip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/parleychat/parley/backend/contact"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/filename"
)

// Identity names the visitor of a request, by one identity of package contact: an e-mail
// address (contact.KindEmail), the widget's visitor id (contact.KindVisitor) or a customer id
// (contact.KindCustomer), the kinds [Kinds] lists.
type Identity struct {
	Kind  contact.Kind `json:"kind"`
	Value string       `json:"value"`
}

// Kinds are the identity kinds a request may name, in the order forms offer them: those a
// visitor can tell about themselves. A user id is the host page's, and the host answers for it.
var Kinds = []contact.Kind{contact.KindEmail, contact.KindVisitor, contact.KindCustomer}

// maxIdentity bounds an identity's value.
const maxIdentity = 320

// Visitor turns the identity into the store's visitor keys; an unknown kind, an empty or an
// overlong value is an error that says what to enter.
func (id Identity) Visitor() (store.Visitor, error) {
	switch {
	case id.Value == "":
		return store.Visitor{}, fmt.Errorf("enter the e-mail address, visitor id or customer id to look for")
	case len(id.Value) > maxIdentity:
		return store.Visitor{}, fmt.Errorf("the value is too long (at most %d characters)", maxIdentity)
	}
	switch id.Kind {
	case contact.KindEmail:
		return store.Visitor{Email: id.Value}, nil
	case contact.KindVisitor:
		return store.Visitor{VisitorID: id.Value}, nil
	case contact.KindCustomer:
		return store.Visitor{CustomerID: id.Value}, nil
	}
	return store.Visitor{}, fmt.Errorf("choose what the value is: an e-mail address, a visitor id or a customer id")
}

// Export is the document a visitor receives.
type Export struct {
	Tenant     string    `json:"tenant"`
	Identity   Identity  `json:"identity"`
	ExportedAt time.Time `json:"exported_at"`
	Note       string    `json:"note"`
	Chats      []Chat    `json:"chats"`
}

// Chat is one chat or left message of the visitor.
type Chat struct {
	ID            string            `json:"id"`
	LeftMessage   bool              `json:"left_message"`
	State         string            `json:"state"`
	CreatedAt     time.Time         `json:"created_at"`
	ClosedAt      *time.Time        `json:"closed_at,omitempty"`
	Name          string            `json:"name,omitempty"`
	Email         string            `json:"email,omitempty"`
	Phone         string            `json:"phone,omitempty"`
	CustomerID    string            `json:"customer_id,omitempty"`
	VisitorID     string            `json:"visitor_id,omitempty"`
	Language      string            `json:"language,omitempty"`
	Page          string            `json:"page,omitempty"`
	Referrer      string            `json:"referrer,omitempty"`
	UserAgent     string            `json:"user_agent,omitempty"`
	IP            string            `json:"ip,omitempty"`
	SurveyAnswers map[string]string `json:"survey_answers,omitempty"`
	PageData      map[string]string `json:"page_data,omitempty"`
	UserData      map[string]string `json:"user_data,omitempty"`
	Messages      []Message         `json:"messages"`
	Files         []File            `json:"files"`
}

// Message is one line of a chat.
type Message struct {
	At   time.Time `json:"at"`
	From string    `json:"from"` // visitor, agent or system
	Name string    `json:"name,omitempty"`
	Text string    `json:"text"`
}

// File is a file shared in a chat; Path is where the ZIP archive holds it.
type File struct {
	Name        string    `json:"name"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	UploadedAt  time.Time `json:"uploaded_at"`
	From        string    `json:"from"`
	Path        string    `json:"path,omitempty"`
}

// Build makes the export of the records at now.
func Build(tenant string, id Identity, records []store.VisitorRecord, now time.Time) Export {
	out := Export{Tenant: tenant, Identity: id, ExportedAt: now.UTC(), Chats: make([]Chat, 0, len(records)),
		Note: "Every chat and left message recorded under this identity, with its messages, survey answers and files. Notes agents wrote for each other are not included."}
	for _, r := range records {
		c := r.Chat
		ch := Chat{ID: c.ID, LeftMessage: c.CloseCause == store.CloseCauseLeftMessage, State: c.State, CreatedAt: c.CreatedAt, ClosedAt: c.ClosedAt,
			Name: c.VisitorName, Email: c.VisitorEmail, Phone: c.VisitorPhone, CustomerID: c.CustomerID, VisitorID: c.VisitorID, Language: c.Lang,
			Page: c.Page, Referrer: c.Referrer, UserAgent: c.UserAgent, IP: c.IP, SurveyAnswers: c.Fields, PageData: c.PData, UserData: c.UData,
			Messages: make([]Message, 0, len(r.Messages)), Files: make([]File, 0, len(r.Files))}
		for _, m := range r.Messages {
			ch.Messages = append(ch.Messages, Message{At: m.At, From: m.Role, Name: m.Name, Text: m.Text})
		}
		for _, f := range r.Files {
			ch.Files = append(ch.Files, File{Name: f.Name, ContentType: f.ContentType, Size: f.Size, UploadedAt: f.CreatedAt, From: f.Role,
				Path: "files/" + c.ID + "/" + f.ID + "-" + filename.Clean(f.Name)})
		}
		out.Chats = append(out.Chats, ch)
	}
	return out
}

// WriteJSON writes the export as indented JSON.
func WriteJSON(w io.Writer, e Export) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(e)
}

// FileReader reads a file's contents; *store.Store implements it.
type FileReader interface {
	File(ctx context.Context, id string) (store.File, error)
}

// WriteZIP writes a ZIP archive with export.json and every file of the records under the
// path the export names.
func WriteZIP(ctx context.Context, w io.Writer, e Export, records []store.VisitorRecord, files FileReader) error {
	zw := zip.NewWriter(w)
	jw, err := zw.CreateHeader(&zip.FileHeader{Name: "export.json", Method: zip.Deflate, Modified: e.ExportedAt})
	if err != nil {
		return err
	}
	if err := WriteJSON(jw, e); err != nil {
		return err
	}
	for i, r := range records {
		for j, f := range r.Files {
			full, err := files.File(ctx, f.ID)
			if err != nil {
				return fmt.Errorf("privacy export: file %s: %w", f.ID, err)
			}
			fw, err := zw.CreateHeader(&zip.FileHeader{Name: e.Chats[i].Files[j].Path, Method: zip.Store, Modified: f.CreatedAt})
			if err != nil {
				return err
			}
			if _, err := fw.Write(full.Data); err != nil {
				return err
			}
		}
	}
	return zw.Close()
}
