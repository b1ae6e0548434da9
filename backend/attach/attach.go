// Package attach carries the files shared in chats (WhosOn File, MiCC attachments, OneContact
// attachments): uploads from visitors and agents, checked against the tenant's attachment
// policy, and downloads by their unguessable link. Sharing an uploaded file in the chat is the
// protocol's file.send command, which the chat service checks against what was uploaded here.
package attach

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/filename"
	"github.com/parleychat/parley/shared/protocol"
)

// Store is what uploads and downloads need from persistence.
type Store interface {
	Chat(ctx context.Context, id string) (store.Chat, error)
	SessionUser(ctx context.Context, rawToken string) (store.User, error)
	TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error)
	CreateFile(ctx context.Context, f store.File) (store.File, error)
	File(ctx context.Context, id string) (store.File, error)
}

// The headers a visitor authenticates an upload with: the chat and its resume token.
const (
	HeaderChat  = "X-Parley-Chat"
	HeaderToken = "X-Parley-Token"
)

// URLPrefix starts every download link; the chat service accepts file.send only for links
// under it.
const URLPrefix = "/files/"

// Register mounts POST /api/files and GET /files/:id/:name.
func Register(r fiber.Router, st Store, log *slog.Logger) {
	h := handlers{st: st, log: log}
	r.Post("/api/files", h.upload)
	r.Get(URLPrefix+":id/:name", h.download)
}

type handlers struct {
	st  Store
	log *slog.Logger
}

func fail(c *fiber.Ctx, status int, code protocol.Code, msg string) error {
	return c.Status(status).JSON(api.ErrorBody{Error: protocol.Error{Code: code, Message: msg}})
}

// upload stores one file for a chat the caller is in: the visitor (chat token) or the agent
// handling it (session).
func (h handlers) upload(c *fiber.Ctx) error {
	ctx := c.UserContext()
	chatID := strings.Clone(c.Get(HeaderChat))
	if chatID == "" {
		chatID = strings.Clone(c.FormValue("chat"))
	}
	if chatID == "" {
		return fail(c, fiber.StatusBadRequest, protocol.CodeInvalid, "name the chat the file is for")
	}
	rec, err := h.st.Chat(ctx, chatID)
	if errors.Is(err, store.ErrNotFound) {
		return fail(c, fiber.StatusNotFound, protocol.CodeNotFound, "no such chat")
	}
	if err != nil {
		h.log.Error("upload: chat", "err", err)
		return fail(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the file could not be stored; try again")
	}
	role, userID, status, msg := h.caller(c, rec)
	if status != 0 {
		code := protocol.CodeUnauthorized
		if status == fiber.StatusForbidden {
			code = protocol.CodeForbidden
		}
		return fail(c, status, code, msg)
	}
	if rec.State == string(protocol.StateClosed) {
		return fail(c, fiber.StatusConflict, protocol.CodeConflict, "the chat has ended")
	}
	fh, err := c.FormFile("file")
	if err != nil {
		return fail(c, fiber.StatusBadRequest, protocol.CodeInvalid, "send the file as multipart/form-data in the field \"file\"")
	}
	policy, err := h.st.TenantSettings(ctx, rec.TenantID)
	if err != nil {
		h.log.Error("upload: policy", "err", err)
		return fail(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the file could not be stored; try again")
	}
	// The name is cleaned before anything reads its type, so that "setup.exe." or
	// "invoice\u202Efdp.exe" is judged, stored and shown as the program it is.
	name := filename.Clean(fh.Filename)
	if name == "" {
		return fail(c, fiber.StatusBadRequest, protocol.CodeInvalid, "the file name cannot be used; rename the file and try again")
	}
	switch err := Check(policy, name, fh.Size); {
	case errors.Is(err, ErrFilesOff):
		return fail(c, fiber.StatusUnsupportedMediaType, protocol.CodeUnsupported, "files cannot be sent in this chat")
	case errors.Is(err, ErrTooLarge):
		return fail(c, fiber.StatusRequestEntityTooLarge, protocol.CodeTooLarge, fmt.Sprintf("the file is larger than %s", sizeText(int64(policy.MaxAttachmentKB)*1024)))
	case errors.Is(err, ErrType):
		return fail(c, fiber.StatusUnsupportedMediaType, protocol.CodeUnsupported, typeRefusal(name, policy))
	}
	f, err := fh.Open()
	if err != nil {
		return fail(c, fiber.StatusBadRequest, protocol.CodeInvalid, "the file could not be read")
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, fh.Size+1))
	if err != nil || int64(len(data)) != fh.Size {
		return fail(c, fiber.StatusBadRequest, protocol.CodeInvalid, "the file could not be read completely")
	}
	saved, err := h.st.CreateFile(ctx, store.File{TenantID: rec.TenantID, ChatID: rec.ID, Name: name, ContentType: ContentType(name, data),
		Size: fh.Size, Role: role, UserID: userID, Data: data})
	if errors.Is(err, store.ErrInvalid) {
		return fail(c, fiber.StatusBadRequest, protocol.CodeInvalid, "the file name cannot be used")
	}
	if err != nil {
		h.log.Error("upload: store", "err", err)
		return fail(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the file could not be stored; try again")
	}
	h.log.Info("file uploaded", "chat", rec.ID, "file", saved.ID, "size", saved.Size, "role", role)
	return c.Status(fiber.StatusCreated).JSON(Wire(saved))
}

// caller identifies who uploads: the chat's visitor by token, or the agent handling the chat
// by session. A non-zero status refuses the upload with msg.
func (h handlers) caller(c *fiber.Ctx, rec store.Chat) (role string, userID int64, status int, msg string) {
	if raw := c.Get(HeaderToken); raw != "" {
		if token.Matches(raw, rec.VisitorTokenHash) {
			return string(protocol.RoleVisitor), 0, 0, ""
		}
		return "", 0, fiber.StatusUnauthorized, "the chat token does not match"
	}
	u, err := h.st.SessionUser(c.UserContext(), session.Token(c))
	if err != nil || !u.Active {
		return "", 0, fiber.StatusUnauthorized, "sign in, or send the chat token"
	}
	if u.TenantID != rec.TenantID || u.ID != rec.AgentID {
		return "", 0, fiber.StatusForbidden, "only the agent handling the chat may send files in it"
	}
	return string(protocol.RoleAgent), u.ID, 0, ""
}

// download serves a file to whoever has its link.
func (h handlers) download(c *fiber.Ctx) error {
	f, err := h.st.File(c.UserContext(), strings.Clone(c.Params("id")))
	if errors.Is(err, store.ErrNotFound) {
		return c.Status(fiber.StatusNotFound).SendString("no such file")
	}
	if err != nil {
		h.log.Error("download", "err", err)
		return c.Status(fiber.StatusInternalServerError).SendString("the file could not be read; try again")
	}
	disposition := "attachment"
	if inlineImage(f.ContentType) {
		disposition = "inline"
	}
	c.Set(fiber.HeaderContentType, f.ContentType)
	c.Set(fiber.HeaderContentDisposition, mime.FormatMediaType(disposition, map[string]string{"filename": f.Name}))
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	// The file is never a page of this site: no scripts, no plugins, no forms.
	c.Set(fiber.HeaderContentSecurityPolicy, "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox")
	c.Set(fiber.HeaderCacheControl, "private, max-age=31536000, immutable")
	return c.Send(f.Data)
}

// Wire is a stored file as clients see it: its name, size, type and download link.
func Wire(f store.File) protocol.File {
	return protocol.File{Name: f.Name, URL: URLPrefix + f.ID + "/" + url.PathEscape(f.Name), Size: f.Size, ContentType: f.ContentType}
}

// IDFromURL returns the file id of a download link made by Wire, or "".
func IDFromURL(u string) string {
	rest, ok := strings.CutPrefix(u, URLPrefix)
	if !ok {
		return ""
	}
	id, _, ok := strings.Cut(rest, "/")
	if !ok || id == "" {
		return ""
	}
	return id
}

// The refusals of [Check].
var (
	ErrFilesOff = errors.New("files cannot be sent under this policy")
	ErrTooLarge = errors.New("the file is larger than the policy allows")
	ErrType     = errors.New("files of this type cannot be sent")
)

// Check judges an upload of a cleaned file name and size by the tenant's attachment policy:
// nil, or one of [ErrFilesOff], [ErrTooLarge], [ErrType]. Every way a file enters a chat
// (this package's upload, the WhosOn and MiCC adapters) is judged by it.
func Check(policy store.TenantSettings, name string, size int64) error {
	switch {
	case policy.MaxAttachmentKB <= 0:
		return ErrFilesOff
	case size > int64(policy.MaxAttachmentKB)*1024:
		return ErrTooLarge
	case !policy.AllowsAttachment(name, size):
		return ErrType
	}
	return nil
}

// ContentType decides a file's type from its bytes, never from what the client claims; the
// name only refines plain-text guesses.
func ContentType(name string, data []byte) string {
	sniffed := http.DetectContentType(data)
	if strings.HasPrefix(sniffed, "text/plain") || sniffed == "application/octet-stream" {
		if byExt := mime.TypeByExtension(path.Ext(name)); byExt != "" && !strings.Contains(byExt, "html") && !strings.Contains(byExt, "javascript") && !strings.Contains(byExt, "svg") {
			return byExt
		}
	}
	if strings.Contains(sniffed, "html") {
		return "text/plain; charset=utf-8"
	}
	return sniffed
}

// inlineImage reports whether a type is an image browsers show safely inline.
func inlineImage(ct string) bool {
	switch ct {
	case "image/png", "image/jpeg", "image/gif", "image/webp":
		return true
	}
	return false
}

// typeRefusal explains which file types may be sent.
func typeRefusal(name string, p store.TenantSettings) string {
	ext := filename.Type(name)
	if ext == "" {
		ext = "(none)"
	}
	if len(p.AllowedTypes) > 0 {
		return fmt.Sprintf("files of type %s cannot be sent here; allowed: %s", ext, strings.Join(p.AllowedTypes, ", "))
	}
	return fmt.Sprintf("files of type %s cannot be sent here", ext)
}

// sizeText writes a byte count for people.
func sizeText(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.0f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d KB", n/1024)
}
