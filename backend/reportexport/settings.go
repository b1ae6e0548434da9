package reportexport

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/parleychat/parley/backend/store"
)

// Header is one header line of a post.
type Header struct {
	Name  string
	Value string
}

// headerStart finds where a header begins: a header name and a colon at the start of the
// text or after white space, followed by white space or the end. jtel's form shows its
// headers on one line ("Cache-Control: no-cache Content-Type: application/json"), so a
// header may begin in the middle of a line as well as on a new one.
var headerStart = regexp.MustCompile(`(?:^|\s)([A-Za-z0-9][A-Za-z0-9-]*):(?:\s|$)`)

// ParseHeaders reads a header field: "Name: value" entries, one a line or several on one
// line as jtel writes them. Text before the first name is an error.
func ParseHeaders(text string) ([]Header, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	locs := headerStart.FindAllStringSubmatchIndex(text, -1)
	if len(locs) == 0 || strings.TrimSpace(text[:locs[0][2]]) != "" {
		return nil, errors.New(`write each header as "Name: value", e.g. "Content-Type: application/json"`)
	}
	out := make([]Header, 0, len(locs))
	for i, l := range locs {
		end := len(text)
		if i+1 < len(locs) {
			end = locs[i+1][0]
		}
		out = append(out, Header{Name: text[l[2]:l[3]], Value: strings.TrimSpace(text[l[1]:end])})
	}
	return out, nil
}

// contentType is the Content-Type among hs, or def when there is none.
func contentType(hs []Header, def string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Content-Type") {
			return h.Value
		}
	}
	return def
}

// The Content-Types of posts whose header names none: the token post is a form, as OAuth
// token endpoints take it, and the export is JSON, as jtel's example body is.
const (
	DefaultTokenType  = "application/x-www-form-urlencoded;charset=UTF-8"
	DefaultExportType = "application/json"
)

// Defaults are a new connector's export settings: jtel's example headers, bodies and XML
// template, without its URLs, and off.
func Defaults() store.ReportExport {
	return store.ReportExport{
		TokenHeader:  "Cache-Control: no-cache\nContent-Type: application/x-www-form-urlencoded;charset=UTF-8\nAuthorization: Basic XX",
		TokenBody:    "grant_type=client_credentials",
		ExportHeader: "Cache-Control: no-cache\nContent-Type: application/json\nAuthorization: Bearer $tokenResponse.body.JSON.access_token",
		ExportBody:   "{ \"CustomerNumber\": \"$chatConnector.id\", \"XMLCodedData\": \"$xmlTemplate.encoded.base64\" }",
		XMLTemplate:  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<chatReport>\n  <Size>$report.bytes</Size>\n  <Content>$report.encoded.base64</Content>\n</chatReport>",
	}
}

// sample is what Validate fills placeholders with: a chat with every field set, text that
// needs escaping in every kind of text, and a token response with any path asked for.
func sample(set store.ReportExport) *Values {
	v := &Values{
		Connector: Connector{ID: 1, Name: "Sample", Title: "Sample"},
		Chat: Chat{ID: "sample", Name: `A "B" <C> & D`, Email: "a@example.com", Language: "en", Agent: "Agent",
			Started: time.Unix(0, 0), Closed: time.Unix(60, 0), PData: map[string]string{}, UData: map[string]string{}},
		Report: []byte("%PDF-1.4 sample"),
	}
	// Every JSON path the export names exists in the sample token response.
	tok := map[string]any{}
	for _, text := range []string{set.ExportURL, set.ExportHeader, set.ExportBody} {
		for _, p := range parse(text) {
			if path, ok := strings.CutPrefix(p.name, jsonPrefix); ok {
				putPath(tok, strings.Split(path, "."))
			}
		}
	}
	v.TokenResponse, _ = json.Marshal(tok)
	return v
}

// putPath makes path lead to a string in m (numbers index objects too, which JSONPath
// accepts only for arrays; an object key of digits stands in for them).
func putPath(m map[string]any, path []string) {
	for i, k := range path {
		if i == len(path)-1 {
			if _, ok := m[k]; !ok {
				m[k] = "x"
			}
			return
		}
		next, ok := m[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			m[k] = next
		}
		m = next
	}
}

// MaxFieldBytes caps each text of the settings.
const MaxFieldBytes = 64 << 10

// SettingError is what is wrong with one field of the settings, told to a person: Message
// is an English sentence whose {0} is filled from Args, which the admin pages translate.
type SettingError struct {
	// Field is the name of the store.ReportExport field at fault.
	Field   string
	Message string
	Args    []string
}

func (e *SettingError) Error() string {
	msg := e.Message
	for i, a := range e.Args {
		msg = strings.ReplaceAll(msg, "{"+strconv.Itoa(i)+"}", a)
	}
	return e.Field + ": " + msg
}

func settingErr(field, msg string, args ...string) error {
	return &SettingError{Field: field, Message: msg, Args: args}
}

// Validate tidies and checks a connector's export settings as the admin pages save them:
// every placeholder known at its step, the URLs http or https with a host, the headers
// readable, the XML template well-formed and a JSON body valid JSON once filled in. A token
// response may be named only when there is a token post. The error is a *SettingError.
func Validate(set *store.ReportExport) error {
	for _, s := range []*string{&set.TokenURL, &set.TokenHeader, &set.TokenBody, &set.ExportURL, &set.ExportHeader, &set.ExportBody, &set.XMLTemplate} {
		*s = strings.TrimSpace(strings.ReplaceAll(*s, "\r\n", "\n"))
	}
	fields := []struct {
		name  string
		text  string
		stage Stage
	}{
		{"TokenURL", set.TokenURL, StageToken}, {"TokenHeader", set.TokenHeader, StageToken}, {"TokenBody", set.TokenBody, StageToken},
		{"XMLTemplate", set.XMLTemplate, StageXML},
		{"ExportURL", set.ExportURL, StageExport}, {"ExportHeader", set.ExportHeader, StageExport}, {"ExportBody", set.ExportBody, StageExport},
	}
	for _, f := range fields {
		if len(f.text) > MaxFieldBytes {
			return settingErr(f.name, "This text may be at most {0} bytes long.", strconv.Itoa(MaxFieldBytes))
		}
		if strings.ContainsRune(f.text, 0) || !utf8.ValidString(f.text) {
			return settingErr(f.name, "This text may not hold NUL characters or invalid UTF-8.")
		}
		var pe *PlaceholderError
		if err := Check(f.text, f.stage); errors.As(err, &pe) {
			if pe.Later {
				return settingErr(f.name, "{0} is not known yet at this step; the placeholders and where they may be used are listed below the form.", "$"+pe.Name)
			}
			return settingErr(f.name, "{0} is not a placeholder; the placeholders are listed below the form.", "$"+pe.Name)
		}
		if set.TokenURL == "" && Uses(f.text, "tokenResponse") {
			return settingErr(f.name, "$tokenResponse needs a token post: enter the token post's URL.")
		}
	}
	if set.Enabled && set.ExportURL == "" {
		return settingErr("ExportURL", "Enter the URL the reports are posted to.")
	}
	v := sample(*set)
	for _, u := range []struct {
		name, text string
		stage      Stage
	}{{"TokenURL", set.TokenURL, StageToken}, {"ExportURL", set.ExportURL, StageExport}} {
		if u.text == "" {
			continue
		}
		s, err := Expand(u.text, u.stage, v, URLPart)
		if err != nil {
			return settingErr(u.name, "{0}", err.Error())
		}
		if err := checkURL(u.name, s); err != nil {
			return err
		}
	}
	tokHeaders, err := ParseHeaders(set.TokenHeader)
	if err != nil {
		return settingErr("TokenHeader", "Write each header as \"Name: value\", e.g. \"Content-Type: application/json\".")
	}
	expHeaders, err := ParseHeaders(set.ExportHeader)
	if err != nil {
		return settingErr("ExportHeader", "Write each header as \"Name: value\", e.g. \"Content-Type: application/json\".")
	}
	x, err := Expand(set.XMLTemplate, StageXML, v, XMLText)
	if err == nil && x != "" {
		err = wellFormed(x)
	}
	if err != nil {
		return settingErr("XMLTemplate", "The XML template is not well-formed XML: {0}", err.Error())
	}
	v.XML = x
	for _, b := range []struct {
		name, text, ct string
		stage          Stage
	}{
		{"TokenBody", set.TokenBody, contentType(tokHeaders, DefaultTokenType), StageToken},
		{"ExportBody", set.ExportBody, contentType(expHeaders, DefaultExportType), StageExport},
	} {
		body, err := Expand(b.text, b.stage, v, BodyEscape(b.ct))
		if err != nil {
			return settingErr(b.name, "{0}", err.Error())
		}
		if strings.Contains(strings.ToLower(b.ct), "json") && body != "" && !json.Valid([]byte(body)) {
			return settingErr(b.name, "The header says JSON, but the body is not valid JSON once its placeholders are filled in.")
		}
	}
	return nil
}

// checkURL accepts an http or https URL with a host and without a user name or fragment.
func checkURL(field, s string) error {
	u, err := url.Parse(s)
	switch {
	case strings.ContainsAny(s, " \t\n"):
		return settingErr(field, "A URL is one line without spaces.")
	case err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Hostname() == "":
		return settingErr(field, "Enter a URL starting with https:// and a host name.")
	case u.User != nil || u.Fragment != "":
		return settingErr(field, "The URL may not hold a user name, a password or a #fragment.")
	}
	return nil
}

// wellFormed reports the first error of the XML document x.
func wellFormed(x string) error {
	d := xml.NewDecoder(strings.NewReader(x))
	root := 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root == 0 {
				return errors.New("it has no element")
			}
			return nil
		}
		if err != nil {
			return err
		}
		if _, ok := tok.(xml.StartElement); ok && d.InputOffset() > 0 {
			root++
		}
	}
}
