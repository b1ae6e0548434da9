package whoson

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/clientip"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/filename"
	"github.com/parleychat/parley/shared/protocol"
)

// WebServicesPath is where the file endpoint is served, on the main listener and on the
// dedicated one: the connected event's WebServicesURL is this path on the host the client
// connected to.
const WebServicesPath = "/whoson/ws/"

// Files keeps what clients upload to the file endpoint: the attachment store every chat file
// of Parley is kept in (package attach). *store.Store provides it.
type Files interface {
	CreateFile(ctx context.Context, f store.File) (store.File, error)
}

// The document's answer to a file of a type the site does not allow, or to any file when
// uploads are off; the upload and the File command both give it.
const typeRefused = "You cannot upload files of this type."

// RegisterFiles mounts the file endpoint (WhosOn's DocumentWriteForSite) at
// [WebServicesPath] on r: POST to the path itself or to any path under it.
func (e *Endpoint) RegisterFiles(r fiber.Router) {
	base := strings.TrimSuffix(WebServicesPath, "/")
	for _, p := range []string{base, base + "/*"} {
		r.Post(p, e.upload)
		r.Options(p, preflight)
	}
}

// preflight lets pages of any origin post uploads, as they may open the WebSocket: the
// credential is the SessionID in the body, never a cookie.
func preflight(c *fiber.Ctx) error {
	allowAnyOrigin(c)
	c.Set(fiber.HeaderAccessControlAllowMethods, "POST, OPTIONS")
	c.Set(fiber.HeaderAccessControlAllowHeaders, "Content-Type, SOAPAction, X-Requested-With")
	c.Set(fiber.HeaderAccessControlMaxAge, "600")
	return c.SendStatus(fiber.StatusNoContent)
}

func allowAnyOrigin(c *fiber.Ctx) { c.Set(fiber.HeaderAccessControlAllowOrigin, "*") }

// answerStyle is how the file endpoint answers: in the shape the request came in.
type answerStyle int

const (
	answerText   answerStyle = iota // the URL as text/plain
	answerJSON                      // {"d": URL, "URL": URL}, as an ASP.NET script service
	answerXML                       // <string>URL</string>, as an ASMX HTTP POST
	answerSOAP11                    // a SOAP 1.1 envelope with DocumentWriteForSiteResult
	answerSOAP12                    // the same in SOAP 1.2
)

// uploadRequest is what a client sent to the file endpoint.
type uploadRequest struct {
	session, domain, name string
	data                  []byte
	style                 answerStyle
	ns                    string // the namespace of a SOAP request's method element
}

// The parameter names the endpoint accepts, compared without regard to case: WhosOn's
// Web Services are not published, so every name a client may plausibly use is taken.
var (
	sessionNames = []string{"sessionid", "session", "chatsessionid", "sid"}
	domainNames  = []string{"domain", "domainname", "site", "sitedomain"}
	nameNames    = []string{"filename", "name", "documentname", "file_name"}
	dataNames    = []string{"data", "filedata", "document", "documentdata", "bytes", "base64", "content", "contents", "file", "buffer"}
)

// errUpload is a refusal of the file endpoint, with the status it is answered with.
type errUpload struct {
	status int
	msg    string
}

func (e *errUpload) Error() string { return e.msg }

func refuse(status int, format string, args ...any) error {
	return &errUpload{status: status, msg: fmt.Sprintf(format, args...)}
}

// upload takes one file for the chat of the session it names and answers the URL the File
// command then names.
func (e *Endpoint) upload(c *fiber.Ctx) error {
	allowAnyOrigin(c)
	req, err := parseUpload(c)
	if err == nil {
		var url string
		url, err = e.store(c, req)
		if err == nil {
			return answer(c, req, fiber.StatusOK, url, "")
		}
	}
	var ue *errUpload
	if !errors.As(err, &ue) {
		e.o.Logger.Error("whoson upload", "err", err)
		ue = &errUpload{status: fiber.StatusInternalServerError, msg: "The file could not be stored; please try again"}
	}
	return answer(c, req, ue.status, "", ue.msg)
}

// store keeps an upload as a file of the session's current chat and returns its link.
func (e *Endpoint) store(c *fiber.Ctx, req uploadRequest) (string, error) {
	ip := clientip.Bucket(strings.Clone(c.IP()))
	now := e.o.Now()
	if e.o.Guard.Blocked(ip, now) {
		return "", refuse(fiber.StatusForbidden, accessDenied)
	}
	cl := e.client(req.session)
	if cl == nil {
		e.o.Guard.Fail(ip, now)
		return "", refuse(fiber.StatusForbidden, "Invalid session")
	}
	cs, chatID := cl.fileTarget()
	if req.domain != "" && normalDomain(req.domain) != cs.domain {
		e.o.Guard.Fail(ip, now)
		return "", refuse(fiber.StatusForbidden, "Invalid session")
	}
	if chatID == "" {
		return "", refuse(fiber.StatusConflict, "No chat in progress")
	}
	name := filename.Clean(req.name)
	if name == "" {
		return "", refuse(fiber.StatusBadRequest, "Name the file (FileName) with its extension")
	}
	if len(req.data) == 0 {
		return "", refuse(fiber.StatusBadRequest, "The file is empty or missing")
	}
	ctx := c.UserContext()
	tenant := cs.site.connector.TenantID
	policy, err := e.o.Directory.TenantSettings(ctx, tenant)
	if err != nil {
		return "", err
	}
	switch err := attach.Check(policy, name, int64(len(req.data))); {
	case errors.Is(err, attach.ErrTooLarge):
		return "", refuse(fiber.StatusRequestEntityTooLarge, "The file is too large: at most %d KB", policy.MaxAttachmentKB)
	case err != nil:
		return "", refuse(fiber.StatusUnsupportedMediaType, typeRefused)
	}
	f, err := e.o.Files.CreateFile(ctx, store.File{TenantID: tenant, ChatID: chatID, Name: name, ContentType: attach.ContentType(name, req.data),
		Size: int64(len(req.data)), Role: string(protocol.RoleVisitor), Data: req.data})
	if err != nil {
		return "", err
	}
	e.o.Logger.Info("whoson file uploaded", "chat", chatID, "file", f.ID, "size", f.Size)
	return e.o.PublicURL(strings.Clone(c.Get(fiber.HeaderHost))) + attach.Wire(f).URL, nil
}

// parseUpload reads an upload in any of the shapes a client may send: multipart/form-data
// with the file as a file part, a form or JSON object with the bytes in base64, or a SOAP
// envelope (1.1 or 1.2) whose method element holds the same parameters. The query string
// may carry the session, domain and file name too.
func parseUpload(c *fiber.Ctx) (uploadRequest, error) {
	var req uploadRequest
	params := map[string]string{}
	c.Context().QueryArgs().VisitAll(func(k, v []byte) { params[strings.ToLower(string(k))] = string(v) })
	ct, _, _ := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	accept := strings.ToLower(c.Get(fiber.HeaderAccept))
	switch {
	case strings.Contains(accept, "json"):
		req.style = answerJSON
	case strings.Contains(accept, "xml"):
		req.style = answerXML
	}
	var data string
	switch {
	case ct == "multipart/form-data":
		form, err := c.MultipartForm()
		if err != nil {
			return req, refuse(fiber.StatusBadRequest, "The multipart form could not be read")
		}
		for k, v := range form.Value {
			if len(v) > 0 {
				params[strings.ToLower(k)] = v[0]
			}
		}
		fh := pickFile(form)
		if fh != nil {
			b, err := readPart(fh)
			if err != nil {
				return req, refuse(fiber.StatusBadRequest, "The file could not be read")
			}
			req.data = b
			if lookup(params, nameNames) == "" {
				params["filename"] = fh.Filename
			}
		} else {
			data = lookup(params, dataNames)
		}
	case ct == "application/x-www-form-urlencoded":
		c.Request().PostArgs().VisitAll(func(k, v []byte) { params[strings.ToLower(string(k))] = string(v) })
		data = lookup(params, dataNames)
	case ct == "application/json" || strings.HasSuffix(ct, "+json"):
		req.style = answerJSON
		var obj map[string]any
		if err := json.Unmarshal(c.Body(), &obj); err != nil {
			return req, refuse(fiber.StatusBadRequest, "The body is not a JSON object")
		}
		for k, v := range obj {
			if s, ok := v.(string); ok {
				params[strings.ToLower(k)] = s
			}
		}
		data = lookup(params, dataNames)
	case ct == "text/xml" || ct == "application/xml" || ct == "application/soap+xml":
		req.style = answerSOAP11
		if ct == "application/soap+xml" {
			req.style = answerSOAP12
		}
		ns, fields, err := soapParams(c.Body())
		if err != nil {
			return req, refuse(fiber.StatusBadRequest, "The body is not a SOAP request with DocumentWriteForSite")
		}
		req.ns = ns
		for k, v := range fields {
			params[k] = v
		}
		data = lookup(params, dataNames)
	default:
		return req, refuse(fiber.StatusUnsupportedMediaType, "Send the file as multipart/form-data, a form or JSON with base64 data, or a SOAP request")
	}
	if req.data == nil && data != "" {
		b, err := decodeBase64(data)
		if err != nil {
			return req, refuse(fiber.StatusBadRequest, "The file data is not base64")
		}
		req.data = b
	}
	req.session = strings.TrimSpace(lookup(params, sessionNames))
	req.domain = lookup(params, domainNames)
	req.name = lookup(params, nameNames)
	return req, nil
}

// lookup is the first of names params has a value for.
func lookup(params map[string]string, names []string) string {
	for _, n := range names {
		if v := params[n]; v != "" {
			return v
		}
	}
	return ""
}

// pickFile is the form's file: under one of the data names, else its only file part.
func pickFile(form *multipart.Form) *multipart.FileHeader {
	byName := map[string]*multipart.FileHeader{}
	var only *multipart.FileHeader
	for k, fhs := range form.File {
		if len(fhs) > 0 {
			byName[strings.ToLower(k)] = fhs[0]
			only = fhs[0]
		}
	}
	for _, n := range dataNames {
		if fh := byName[n]; fh != nil {
			return fh
		}
	}
	if len(form.File) != 1 {
		return nil
	}
	return only
}

func readPart(fh *multipart.FileHeader) ([]byte, error) {
	f, err := fh.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, fh.Size+1))
	if err != nil || int64(len(b)) != fh.Size {
		return nil, errors.New("short file part")
	}
	return b, nil
}

// decodeBase64 reads base64 with or without padding, in the standard or URL alphabet, with
// line breaks, or as a data: URL.
func decodeBase64(s string) ([]byte, error) {
	if i := strings.Index(s, ";base64,"); strings.HasPrefix(s, "data:") && i >= 0 {
		s = s[i+len(";base64,"):]
	}
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil {
			return b, nil
		}
	}
	return nil, errors.New("not base64")
}

// soapParams reads the method element of a SOAP body (the first element inside Body, or a
// bare DocumentWriteForSite element): its namespace and its child elements' texts, by
// lower-case local name.
func soapParams(body []byte) (string, map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	var (
		depth, methodDepth int
		ns, child          string
		text               strings.Builder
		inBody             bool
	)
	fields := map[string]string{}
	found := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return "", nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch {
			case !found && (inBody || strings.EqualFold(t.Name.Local, "DocumentWriteForSite")) && !strings.EqualFold(t.Name.Local, "Body"):
				found, methodDepth, ns = true, depth, t.Name.Space
			case found && depth == methodDepth+1:
				child = strings.ToLower(t.Name.Local)
				text.Reset()
			case strings.EqualFold(t.Name.Local, "Body"):
				inBody = true
			}
		case xml.CharData:
			if child != "" && text.Len() < 64<<20 {
				text.Write(t)
			}
		case xml.EndElement:
			if found && depth == methodDepth+1 && child != "" {
				fields[child] = text.String()
				child = ""
			}
			depth--
		}
	}
	if !found {
		return "", nil, errors.New("no method element")
	}
	return ns, fields, nil
}

// answer writes the file endpoint's answer in the request's style: the URL, or msg with the
// status.
func answer(c *fiber.Ctx, req uploadRequest, status int, url, msg string) error {
	ok := msg == ""
	switch req.style {
	case answerJSON:
		if ok {
			return c.Status(status).JSON(fiber.Map{"d": url, "URL": url})
		}
		return c.Status(status).JSON(fiber.Map{"Message": msg})
	case answerXML:
		c.Set(fiber.HeaderContentType, "text/xml; charset=utf-8")
		if ok {
			return c.Status(status).SendString(xml.Header + `<string xmlns="http://tempuri.org/">` + xmlText(url) + `</string>`)
		}
		return c.Status(status).SendString(xml.Header + `<error>` + xmlText(msg) + `</error>`)
	case answerSOAP11, answerSOAP12:
		return soapAnswer(c, req, status, url, msg)
	}
	c.Set(fiber.HeaderContentType, "text/plain; charset=utf-8")
	if ok {
		return c.Status(status).SendString(url)
	}
	return c.Status(status).SendString(msg)
}

// soapAnswer writes a SOAP envelope: DocumentWriteForSiteResponse in the request's namespace,
// or a Fault (with status 500, as SOAP over HTTP has it).
func soapAnswer(c *fiber.Ctx, req uploadRequest, status int, url, msg string) error {
	env, ct := "http://schemas.xmlsoap.org/soap/envelope/", "text/xml; charset=utf-8"
	if req.style == answerSOAP12 {
		env, ct = "http://www.w3.org/2003/05/soap-envelope", "application/soap+xml; charset=utf-8"
	}
	var b strings.Builder
	b.WriteString(xml.Header + `<soap:Envelope xmlns:soap="` + env + `"><soap:Body>`)
	switch {
	case msg == "":
		ns := ""
		if req.ns != "" {
			ns = ` xmlns="` + xmlText(req.ns) + `"`
		}
		b.WriteString(`<DocumentWriteForSiteResponse` + ns + `><DocumentWriteForSiteResult>` + xmlText(url) + `</DocumentWriteForSiteResult></DocumentWriteForSiteResponse>`)
	case req.style == answerSOAP12:
		status = fiber.StatusInternalServerError
		b.WriteString(`<soap:Fault><soap:Code><soap:Value>soap:Sender</soap:Value></soap:Code><soap:Reason><soap:Text xml:lang="en">` + xmlText(msg) + `</soap:Text></soap:Reason></soap:Fault>`)
	default:
		status = fiber.StatusInternalServerError
		b.WriteString(`<soap:Fault><faultcode>soap:Client</faultcode><faultstring>` + xmlText(msg) + `</faultstring></soap:Fault>`)
	}
	b.WriteString(`</soap:Body></soap:Envelope>`)
	c.Set(fiber.HeaderContentType, ct)
	return c.Status(status).SendString(b.String())
}

// xmlText escapes s for XML text and attribute values.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
