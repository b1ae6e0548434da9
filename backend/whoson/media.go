package whoson

import (
	"context"
	"encoding/base64"
	"errors"
	"html"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/filename"
	"github.com/parleychat/parley/shared/protocol"
)

// fileTarget is what the file endpoint needs of a client: what Connect established and the
// chat an upload is for ("" when none is open).
func (c *client) fileTarget() (connState, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.state.closed {
		return c.conn, ""
	}
	return c.conn, c.chat
}

// fileCmd shares an uploaded file in the chat: Session ID, Domain, File Name, URL. The URL
// must be one the file endpoint returned for this chat; the chat service checks that the
// file belongs to the chat and was uploaded by its visitor.
func (c *client) fileCmd(p []string) {
	if !c.checkSession(p, 0, 1) {
		return
	}
	cs, chatID := c.fileTarget()
	if chatID == "" {
		c.sendError("No chat in progress")
		return
	}
	name := filename.Clean(param(p, 2))
	if name == "" {
		c.sendError("Name the file with its extension")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	policy, err := c.e.o.Directory.TenantSettings(ctx, cs.site.connector.TenantID)
	if err != nil {
		c.e.o.Logger.Error("whoson file: policy", "err", err)
		c.sendError("The file could not be sent; please try again")
		return
	}
	if err := attach.Check(policy, name, 0); errors.Is(err, attach.ErrFilesOff) || errors.Is(err, attach.ErrType) {
		c.sendError(typeRefused)
		return
	}
	link := fileLinkPath(param(p, 3))
	if link == "" {
		c.sendError(fileNotUploaded)
		return
	}
	c.native(chatID, &protocol.FileSend{Name: name, URL: link}, kindFile)
}

// fileNotUploaded answers a File whose URL is not one the file endpoint returned for the chat.
const fileNotUploaded = "Upload the file to the WebServicesURL during this chat first, then send File with the URL it returned"

// fileLinkPath is the download path of a file link the file endpoint returned (absolute, as
// returned, or just its path), "" for any other URL.
func fileLinkPath(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "" && u.Scheme != "http" && u.Scheme != "https") {
		return ""
	}
	p := u.EscapedPath()
	if attach.IDFromURL(p) == "" {
		return ""
	}
	return p
}

// fileLink is the HTML line of a file shared in the chat: a link to download it, opened in a
// new window. Caller holds c.mu.
func (c *client) fileLink(f *protocol.File) string {
	return fileLine(c.e.o.PublicURL(c.rc.Host()), f)
}

// fileLine is the HTML of a link to a shared file; a link without a host gets base.
func fileLine(base string, f *protocol.File) string {
	href := f.URL
	if strings.HasPrefix(href, "/") {
		href = base + href
	}
	return `<a href="` + html.EscapeString(href) + `" target="_blank" rel="noopener noreferrer">` + html.EscapeString(f.Name) + `</a>`
}

// imageData is the Data of the image event.
type imageData struct {
	Domain    string `json:"Domain"`
	ImageType int    `json:"ImageType"`
	Language  string `json:"Language"`
	Ext       string `json:"Ext"`
	Base64    string `json:"Base64"`
}

// imageCmd answers GetImage: Session ID, Domain, ImageType (1, 2, 5 or 8). An image the
// site has not set is answered with empty Ext and Base64.
func (c *client) imageCmd(p []string) {
	if !c.checkSession(p, 0, 1) {
		return
	}
	n, err := strconv.Atoi(strings.TrimSpace(param(p, 2)))
	kind := store.ImageKind(n)
	if err != nil || !kind.Valid() {
		c.sendError("Unknown image type: ask for 1, 2, 5 or 8")
		return
	}
	c.mu.Lock()
	cs := c.conn
	c.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := imageData{Domain: cs.domain, ImageType: n, Language: cs.lang}
	img, err := c.e.o.Directory.ConnectorImage(ctx, cs.site.connector.ID, kind)
	switch {
	case err == nil:
		d.Ext, d.Base64 = img.Ext(), base64.StdEncoding.EncodeToString(img.Data)
	case !errors.Is(err, store.ErrNotFound):
		c.e.o.Logger.Error("whoson image", "err", err)
		c.sendError("The image could not be read; please try again")
		return
	}
	c.mu.Lock()
	u := c.uid()
	c.mu.Unlock()
	if u == nil {
		empty := ""
		u = &empty // the document's image event has an empty ChatUid before a chat
	}
	c.rc.Send(encode("image", u, d))
}
