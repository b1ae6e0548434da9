package whoson_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"image"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// setPolicy changes the demo tenant's attachment policy as the admin pages do.
func setPolicy(t *testing.T, env *servertest.Env, maxKB int, allowed ...string) {
	t.Helper()
	ctx := ctxT(t)
	st := env.Server.Store()
	ts, err := st.TenantSettings(ctx, env.Demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	ts.MaxAttachmentKB, ts.AllowedTypes = maxKB, allowed
	if _, err := st.SaveTenantSettings(ctx, ts); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)
}

// httpAnswer is an answer of the file endpoint.
type httpAnswer struct {
	status int
	ctype  string
	body   string
}

func post(t *testing.T, url, ctype string, body []byte, header map[string]string) httpAnswer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ctype)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return httpAnswer{resp.StatusCode, resp.Header.Get("Content-Type"), string(b)}
}

// multipartUpload posts the file as a file part with the SessionID and FileName fields.
func multipartUpload(t *testing.T, url, session, name string, data []byte) httpAnswer {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("SessionID", session)
	_ = mw.WriteField("FileName", name)
	fw, _ := mw.CreateFormFile("File", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	return post(t, url, mw.FormDataContentType(), buf.Bytes(), nil)
}

// download fetches a file link as anyone who has it.
func download(t *testing.T, url string) []byte {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("download %s: %d %s", url, resp.StatusCode, b)
	}
	return b
}

// acceptChat says Hello and lets the agent take the chat; it returns the chat uid.
func acceptChat(t *testing.T, ctx context.Context, env *servertest.Env, c *wclient, agent *protoclient.Client, session string) string {
	t.Helper()
	w := env.Demo.WhosOn
	c.send("Hello", "Thomas", w.Domain, "", "", session, "", "287-3882882", "en", "false", "")
	return pickUp(t, ctx, c, agent)
}

var hrefRE = regexp.MustCompile(`^<a href="([^"]+)" target="_blank" rel="noopener noreferrer">([^<]+)</a>$`)

// A WhosOn client uploads to the WebServicesURL of connected in the shapes an unchanged
// client may use, shares the upload with File, and the agent sees and downloads it; the
// agent's files reach the client as links. Foreign sessions, foreign chats' files, refused
// types and sizes are refused with the document's error.
func TestWhosOnFiles(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		w := env.Demo.WhosOn
		setPolicy(t, env, 64, "pdf", "png", "txt")
		agent, _ := env.Agent(t, 0)
		c := dialWhosOn(t, env.WS+"/whoson", nil)
		d := connect(t, ctx, env, c)
		if !strings.HasPrefix(d.WebServicesURL, env.URL) || !strings.HasSuffix(d.WebServicesURL, "/whoson/ws/") || d.AllowedFileTypes != "pdf, png, txt" {
			t.Fatalf("connected: WebServicesURL %q AllowedFileTypes %q", d.WebServicesURL, d.AllowedFileTypes)
		}
		ws := d.WebServicesURL + "DocumentWriteForSite"
		pdf := []byte("%PDF-1.4\n1 0 obj\n<<>>\nendobj\n\x00\xff trailer")

		// Before Hello there is no chat to upload for.
		if a := multipartUpload(t, ws, d.SessionID, "early.pdf", pdf); a.status != 409 || a.body != "No chat in progress" {
			t.Fatalf("upload before Hello: %+v", a)
		}
		uid := acceptChat(t, ctx, env, c, agent, d.SessionID)

		// multipart/form-data: the URL as text.
		a := multipartUpload(t, ws, d.SessionID, "invoice.pdf", pdf)
		if a.status != 200 || !strings.HasPrefix(a.body, env.URL+attach.URLPrefix) || !strings.HasSuffix(a.body, "/invoice.pdf") {
			t.Fatalf("multipart upload: %+v", a)
		}
		pdfURL := a.body
		// A form with base64 data, asking for JSON; JSON with base64; a SOAP 1.1 envelope.
		note := []byte("order 1234\r\nshipped")
		form := "SessionID=" + d.SessionID + "&Domain=" + w.Domain + "&FileName=note.txt&Data=" + strings.ReplaceAll(base64.StdEncoding.EncodeToString(note), "+", "%2B")
		if a := post(t, d.WebServicesURL, "application/x-www-form-urlencoded", []byte(form), map[string]string{"Accept": "application/json"}); a.status != 200 || !strings.Contains(a.body, `"d":"`+env.URL+attach.URLPrefix) {
			t.Fatalf("form upload: %+v", a)
		}
		js, _ := json.Marshal(map[string]string{"sessionId": d.SessionID, "fileName": "note.txt", "fileData": base64.RawStdEncoding.EncodeToString(note)})
		a = post(t, ws, "application/json; charset=utf-8", js, nil)
		var jsAnswer struct{ D, URL string }
		if err := json.Unmarshal([]byte(a.body), &jsAnswer); a.status != 200 || err != nil || jsAnswer.D == "" || jsAnswer.D != jsAnswer.URL {
			t.Fatalf("JSON upload: %+v", a)
		}
		if !bytes.Equal(download(t, jsAnswer.D), note) {
			t.Fatal("the JSON upload downloads other bytes")
		}
		soap := `<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
			`<DocumentWriteForSite xmlns="http://www.whoson.com/"><SessionID>` + d.SessionID + `</SessionID><Domain>` + w.Domain +
			`</Domain><FileName>scan.png</FileName><Data>` + base64.StdEncoding.EncodeToString(pngBytes(t, 2, 2)) + `</Data></DocumentWriteForSite></soap:Body></soap:Envelope>`
		a = post(t, d.WebServicesURL+"whoson.asmx", "text/xml; charset=utf-8", []byte(soap), map[string]string{"SOAPAction": `"http://www.whoson.com/DocumentWriteForSite"`})
		m := regexp.MustCompile(`<DocumentWriteForSiteResponse xmlns="http://www.whoson.com/"><DocumentWriteForSiteResult>([^<]+)</DocumentWriteForSiteResult>`).FindStringSubmatch(a.body)
		if a.status != 200 || m == nil || !strings.HasSuffix(m[1], "/scan.png") {
			t.Fatalf("SOAP upload: %+v", a)
		}

		// Refusals: the document's error for a type not allowed; the size limit; a foreign
		// session; a broken body.
		for _, tc := range []struct {
			name, session, file string
			data                []byte
			status              int
			body                string
		}{
			{"type", d.SessionID, "setup.exe", pdf, 415, "You cannot upload files of this type."},
			{"hidden type", d.SessionID, "invoice.pdf.exe.", pdf, 415, "You cannot upload files of this type."},
			{"size", d.SessionID, "big.pdf", make([]byte, 64*1024+1), 413, "The file is too large: at most 64 KB"},
			{"session", "someone-elses-session", "a.pdf", pdf, 403, "Invalid session"},
			{"empty", d.SessionID, "a.pdf", nil, 400, "The file is empty or missing"},
		} {
			if a := multipartUpload(t, ws, tc.session, tc.file, tc.data); a.status != tc.status || a.body != tc.body {
				t.Errorf("%s: %+v", tc.name, a)
			}
		}
		// SOAP refusals are faults, with status 500 as SOAP over HTTP has them.
		if a := post(t, ws, "text/xml", []byte("<soap:Envelope><unclosed"), nil); a.status != 500 || !strings.Contains(a.body, "<faultstring>") {
			t.Errorf("broken SOAP: %+v", a)
		}
		if a := post(t, ws, "application/soap+xml", []byte(strings.Replace(soap, "scan.png", "scan.exe", 1)), nil); a.status != 500 || !strings.Contains(a.body, "<soap:Text xml:lang=\"en\">You cannot upload files of this type.</soap:Text>") {
			t.Errorf("SOAP 1.2 upload of a refused type: %+v", a)
		}

		// File shares the upload: echoed as a line with a link, seen and downloaded by the agent.
		c.send("File", d.SessionID, w.Domain, "invoice.pdf", pdfURL)
		c.awaitMatch(ctx, "newline", func(e wevent) bool { return e.line(t).Classname == "linesays" })
		l := c.next(ctx).line(t)
		if m := hrefRE.FindStringSubmatch(l.Content); l.Classname != "linev" || m == nil || m[1] != pdfURL || m[2] != "invoice.pdf" {
			t.Fatalf("the visitor's file line: %+v", l)
		}
		ev, err := agent.Await(ctx, func(ev protocol.Event) bool {
			m, ok := ev.Body.(*protocol.Message)
			return ok && m.File != nil && ev.Chat == uid
		})
		if err != nil {
			t.Fatal(err)
		}
		f := ev.Body.(*protocol.Message).File
		if f.Name != "invoice.pdf" || f.Size != int64(len(pdf)) || !strings.HasPrefix(f.URL, attach.URLPrefix) {
			t.Fatalf("the agent's file: %+v", f)
		}
		if !bytes.Equal(download(t, env.URL+f.URL), pdf) {
			t.Fatal("the agent downloads other bytes")
		}

		// File refusals: a type not allowed; a URL not from the file endpoint; the file of
		// another visitor's chat.
		c.send("File", d.SessionID, w.Domain, "setup.exe", pdfURL)
		if e := c.await(ctx, "error"); e.text(t) != "You cannot upload files of this type." || e.uid() != uid {
			t.Fatalf("File of a refused type: %s (%s)", e.Data, e.uid())
		}
		c.send("File", d.SessionID, w.Domain, "invoice.pdf", "https://evil.example/document.aspx?f=1.pdf")
		if e := c.await(ctx, "error"); !strings.HasPrefix(e.text(t), "Upload the file to the WebServicesURL") {
			t.Fatalf("File of a foreign URL: %s", e.Data)
		}
		c.send("File", d.SessionID, w.Domain, "invoice.pdf", env.URL+attach.URLPrefix+"guessed0123456789abcdef/invoice.pdf")
		if e := c.await(ctx, "error"); !strings.HasPrefix(e.text(t), "Upload the file to the WebServicesURL") {
			t.Fatalf("File of a guessed URL: %s", e.Data)
		}
		other := dialWhosOn(t, env.WS+"/whoson", nil)
		od := connect(t, ctx, env, other)
		acceptChat(t, ctx, env, other, agent, od.SessionID)
		theirs := multipartUpload(t, ws, od.SessionID, "theirs.pdf", pdf)
		if theirs.status != 200 {
			t.Fatalf("the other visitor's upload: %+v", theirs)
		}
		c.send("File", d.SessionID, w.Domain, "theirs.pdf", theirs.body)
		if e := c.await(ctx, "error"); !strings.HasPrefix(e.text(t), "Upload the file to the WebServicesURL") {
			t.Fatalf("File of another chat's upload: %s", e.Data)
		}

		// The agent sends a file: a lineo with the link to it.
		anna := env.DemoUser(t, "agent", 0)
		status, body := agentUpload(t, env, uid, env.Login(t, anna.Login, anna.Password), "manual.txt", []byte("step 1"))
		var sent protocol.File
		if err := json.Unmarshal(body, &sent); status != 201 || err != nil {
			t.Fatalf("agent upload: %d %s", status, body)
		}
		if _, err := agent.Call(ctx, uid, &protocol.FileSend{Name: sent.Name, URL: sent.URL}); err != nil {
			t.Fatal(err)
		}
		c.awaitMatch(ctx, "newline", func(e wevent) bool { return e.line(t).Content == "Anna says:" })
		l = c.next(ctx).line(t)
		m = hrefRE.FindStringSubmatch(l.Content)
		if l.Classname != "lineo" || m == nil || m[2] != "manual.txt" || !strings.HasPrefix(m[1], env.URL+attach.URLPrefix) {
			t.Fatalf("the operator's file line: %+v", l)
		}
		if string(download(t, strings.ReplaceAll(m[1], "&amp;", "&"))) != "step 1" {
			t.Fatal("the visitor downloads other bytes")
		}

		// Uploads off: connected lists no types; uploads and File get the document's error.
		setPolicy(t, env, 0)
		if a := multipartUpload(t, ws, d.SessionID, "invoice.pdf", pdf); a.status != 415 || a.body != "You cannot upload files of this type." {
			t.Fatalf("upload while uploads are off: %+v", a)
		}
		c.send("File", d.SessionID, w.Domain, "invoice.pdf", pdfURL)
		if e := c.await(ctx, "error"); e.text(t) != "You cannot upload files of this type." {
			t.Fatalf("File while uploads are off: %s", e.Data)
		}
		late := dialWhosOn(t, env.WS+"/whoson", nil)
		if ld := connect(t, ctx, env, late); ld.AllowedFileTypes != "" {
			t.Fatalf("AllowedFileTypes while uploads are off: %q", ld.AllowedFileTypes)
		}
	})
}

// agentUpload uploads a file for a chat as the agent handling it.
func agentUpload(t *testing.T, env *servertest.Env, chatID, token, name string, data []byte) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	a := post(t, env.URL+"/api/files", mw.FormDataContentType(), buf.Bytes(), map[string]string{attach.HeaderChat: chatID, "Authorization": "Bearer " + token})
	return a.status, []byte(a.body)
}

// The file endpoint lets pages of any origin upload (the SessionID is the credential), on
// the main listener.
func TestWhosOnFilesPreflight(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	req, _ := http.NewRequest(http.MethodOptions, env.URL+"/whoson/ws/DocumentWriteForSite", nil)
	req.Header.Set("Origin", "https://www.example.com")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 204 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") {
		t.Fatalf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
}

func pngBytes(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// GetImage answers the site's images of types 1, 2, 5 and 8 in the document's shape; an
// image not set has an empty Base64; other types are an error.
func TestWhosOnGetImage(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		w := env.Demo.WhosOn
		logo := pngBytes(t, 3, 3)
		if _, err := env.Server.Store().SetConnectorImage(ctx, store.ConnectorImage{TenantID: env.Demo.TenantID, ConnectorID: w.ConnectorID, Kind: store.ImageLogo, Data: logo}); err != nil {
			t.Fatal(err)
		}
		c := dialWhosOn(t, env.WS+"/whoson", nil)
		d := connect(t, ctx, env, c)

		type imageEvent struct {
			Domain, Language, Ext, Base64 string
			ImageType                     int
		}
		get := func(kind string) (wevent, imageEvent) {
			t.Helper()
			c.send("GetImage", d.SessionID, w.Domain, kind)
			e := c.next(ctx)
			var im imageEvent
			if e.EventName == "image" {
				if err := json.Unmarshal(e.Data, &im); err != nil {
					t.Fatal(err)
				}
			}
			return e, im
		}
		e, im := get("5")
		if e.EventName != "image" || e.ChatUid == nil || *e.ChatUid != "" || im.Domain != w.Domain || im.ImageType != 5 || im.Ext != ".png" || im.Language != d.Lang {
			t.Fatalf("logo: %s %s (%s)", e.EventName, e.Data, e.uid())
		}
		if b, err := base64.StdEncoding.DecodeString(im.Base64); err != nil || !bytes.Equal(b, logo) {
			t.Fatalf("logo bytes: %v", err)
		}
		for _, k := range []string{"1", "2", "8"} {
			if e, im := get(k); e.EventName != "image" || im.Base64 != "" || im.Ext != "" || im.ImageType == 0 {
				t.Fatalf("image %s not set: %s %s", k, e.EventName, e.Data)
			}
		}
		for _, k := range []string{"3", "x", "", "99999999999999999999"} {
			if e, _ := get(k); e.EventName != "error" {
				t.Fatalf("image type %q: %s %s", k, e.EventName, e.Data)
			}
		}
		c.send("GetImage", "someone-elses-session", w.Domain, "5")
		if e := c.next(ctx); e.EventName != "error" {
			t.Fatalf("GetImage of a foreign session: %s", e.EventName)
		}
		// In a chat, the image event carries the chat's uid.
		c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "1", "en", "false", "")
		uid := c.await(ctx, "accepted").uid()
		c.send("GetImage", d.SessionID, w.Domain, "5")
		if e := c.await(ctx, "image"); e.uid() != uid {
			t.Fatalf("image during a chat: ChatUid %s, want %s", e.uid(), uid)
		}
	})
}

// The file endpoint refuses what is not an upload it can take, whatever the shape.
func TestWhosOnUploadBadInput(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	agent, _ := env.Agent(t, 0)
	c := dialWhosOn(t, env.WS+"/whoson", nil)
	d := connect(t, ctx, env, c)
	acceptChat(t, ctx, env, c, agent, d.SessionID)
	ws := d.WebServicesURL + "DocumentWriteForSite"
	jsonBody := func(v map[string]any) []byte { b, _ := json.Marshal(v); return b }

	for _, tc := range []struct {
		name, ctype string
		body        []byte
		status      int
		want        string
	}{
		{"not base64", "application/json", jsonBody(map[string]any{"SessionID": d.SessionID, "FileName": "a.txt", "Data": "***"}), 400, "The file data is not base64"},
		{"not an object", "application/json", []byte(`["a"]`), 400, "The body is not a JSON object"},
		{"data not a string", "application/json", jsonBody(map[string]any{"SessionID": d.SessionID, "FileName": "a.txt", "Data": 12}), 400, "The file is empty or missing"},
		{"no name", "application/json", jsonBody(map[string]any{"SessionID": d.SessionID, "Data": "aGk="}), 400, "Name the file (FileName) with its extension"},
		{"NUL name", "application/json", jsonBody(map[string]any{"SessionID": d.SessionID, "FileName": "\x00\x00", "Data": "aGk="}), 400, "Name the file (FileName) with its extension"},
		{"huge session", "application/json", jsonBody(map[string]any{"SessionID": strings.Repeat("s", 1<<20), "FileName": "a.txt", "Data": "aGk="}), 403, "Invalid session"},
		{"plain text", "text/plain", []byte("hello"), 415, "Send the file as multipart/form-data"},
		{"no content type", "", []byte("hello"), 415, "Send the file as multipart/form-data"},
	} {
		a := post(t, ws, tc.ctype, tc.body, nil)
		if a.status != tc.status || !strings.Contains(a.body, tc.want) {
			t.Errorf("%s: %d %s", tc.name, a.status, a.body)
		}
	}
	// A name with NUL and control characters inside is stored cleaned, never as given.
	a := post(t, ws, "application/json", jsonBody(map[string]any{"SessionID": d.SessionID, "FileName": "in\x00voice\u202e.txt", "Data": "aGk="}), nil)
	var got struct{ D string }
	if err := json.Unmarshal([]byte(a.body), &got); a.status != 200 || err != nil || strings.Contains(got.D, "%00") || strings.Contains(got.D, "%E2%80%AE") {
		t.Fatalf("a name with NUL: %+v", a)
	}
	// Two file parts under names that say nothing: which one is meant is not guessed.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("SessionID", d.SessionID)
	_ = mw.WriteField("FileName", "a.txt")
	for _, n := range []string{"one", "two"} {
		fw, _ := mw.CreateFormFile(n, "a.txt")
		_, _ = fw.Write([]byte("x"))
	}
	_ = mw.Close()
	if a := post(t, ws, mw.FormDataContentType(), buf.Bytes(), nil); a.status != 400 || a.body != "The file is empty or missing" {
		t.Errorf("two file parts: %+v", a)
	}
	// A form that accepts XML gets the answer of an ASMX HTTP POST.
	form := "SessionID=" + d.SessionID + "&FileName=a.txt&Data=aGk%3D"
	a = post(t, ws, "application/x-www-form-urlencoded", []byte(form), map[string]string{"Accept": "text/xml"})
	if a.status != 200 || !strings.HasPrefix(a.ctype, "text/xml") || !regexp.MustCompile(`<string xmlns="http://tempuri.org/">http://[^<]+/files/[^<]+/a\.txt</string>$`).MatchString(a.body) {
		t.Errorf("XML answer: %+v", a)
	}
}
