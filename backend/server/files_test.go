package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// upload posts a file to /api/files with the given headers and returns status and body.
func upload(t *testing.T, env *servertest.Env, name string, data []byte, header map[string]string) (int, []byte) {
	t.Helper()
	return uploadTo(t, env.URL, name, data, header)
}

// uploadTo posts a file to the /api/files of the server at base (its http:// address).
func uploadTo(t *testing.T, base, name string, data []byte, header map[string]string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, base+"/api/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// Files shared in a chat: uploaded under the tenant's policy, announced with file.send, and
// downloaded by the other side with the same bytes.
func TestFiles(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		visitor, connected := env.Visitor(t)
		if connected.MaxAttachmentKB != 5120 || !strings.Contains(strings.Join(connected.RestrictedFileTypes, ","), "exe") {
			t.Fatalf("policy in connected: %d %v", connected.MaxAttachmentKB, connected.RestrictedFileTypes)
		}
		chatID, token := startChat(t, ctx, visitor, agent, "Fritz")
		asVisitor := map[string]string{attach.HeaderChat: chatID, attach.HeaderToken: token}
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)

		for _, tc := range []struct {
			name   string
			file   string
			data   []byte
			header map[string]string
			status int
			code   string
		}{
			{"no chat", "a.png", png, nil, 400, "invalid"},
			{"wrong token", "a.png", png, map[string]string{attach.HeaderChat: chatID, attach.HeaderToken: "forged"}, 401, "unauthorized"},
			{"restricted type", "setup.exe", png, asVisitor, 415, "unsupported"},
			{"too large", "big.png", make([]byte, 5120*1024+1), asVisitor, 413, "too_large"},
		} {
			status, body := upload(t, env, tc.file, tc.data, tc.header)
			if status != tc.status || !strings.Contains(string(body), `"`+tc.code+`"`) {
				t.Errorf("%s: %d %s", tc.name, status, body)
			}
		}
		status, body := upload(t, env, "photo.png", png, asVisitor)
		if status != 201 {
			t.Fatalf("upload: %d %s", status, body)
		}
		var f protocol.File
		if err := json.Unmarshal(body, &f); err != nil || f.ContentType != "image/png" || f.Size != int64(len(png)) || !strings.HasPrefix(f.URL, "/files/") {
			t.Fatalf("uploaded %s: %v", body, err)
		}
		// A link that is not this visitor's upload for this chat is refused.
		if _, err := visitor.Call(ctx, chatID, &protocol.FileSend{Name: "x.png", URL: "/files/someone-else/x.png"}); !isCode(err, protocol.CodeInvalid) {
			t.Fatalf("foreign link: %v", err)
		}
		if _, err := visitor.Call(ctx, chatID, &protocol.FileSend{Name: f.Name, URL: f.URL, Size: f.Size, ContentType: f.ContentType}); err != nil {
			t.Fatal(err)
		}
		ev, err := agent.Await(ctx, func(ev protocol.Event) bool { m, ok := ev.Body.(*protocol.Message); return ok && m.File != nil })
		if err != nil {
			t.Fatal(err)
		}
		got := ev.Body.(*protocol.Message)
		if got.Role != protocol.RoleVisitor || got.File.URL != f.URL || got.Text != "photo.png" {
			t.Fatalf("agent got %+v", got)
		}
		resp, err := http.Get(env.URL + got.File.URL)
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !bytes.Equal(data, png) || resp.Header.Get("Content-Type") != "image/png" || resp.Header.Get("X-Content-Type-Options") != "nosniff" ||
			!strings.Contains(resp.Header.Get("Content-Security-Policy"), "sandbox") {
			t.Fatalf("download: %d bytes, headers %v", len(data), resp.Header)
		}
		// The agent handling the chat may upload; another agent may not.
		anna := env.DemoUser(t, "agent", 0)
		if status, body := upload(t, env, "notes.txt", []byte("order 1234 shipped"), map[string]string{attach.HeaderChat: chatID, "Authorization": "Bearer " + env.Login(t, anna.Login, anna.Password)}); status != 201 {
			t.Fatalf("agent upload: %d %s", status, body)
		}
		ben := env.DemoUser(t, "agent", 1)
		if status, _ := upload(t, env, "notes.txt", []byte("x"), map[string]string{attach.HeaderChat: chatID, "Authorization": "Bearer " + env.Login(t, ben.Login, ben.Password)}); status != 403 {
			t.Fatalf("other agent's upload: %d", status)
		}
		// HTML is never served as a page of this site.
		_, body = upload(t, env, "page.txt", []byte("<html><script>alert(1)</script></html>"), asVisitor)
		var h protocol.File
		_ = json.Unmarshal(body, &h)
		resp, err = http.Get(env.URL + h.URL)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); strings.Contains(ct, "html") || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("html upload served as %q, %q", ct, resp.Header.Get("Content-Disposition"))
		}
	})
}

// uploadAs posts a file to /api/files whose part names it with a Content-Disposition written
// by hand, so that a test can send what a browser would not (RFC 2231 filename*, with any
// bytes percent-encoded).
func uploadAs(t *testing.T, env *servertest.Env, disposition string, data []byte, header map[string]string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	pw, err := mw.CreatePart(textproto.MIMEHeader{"Content-Disposition": {disposition}, "Content-Type": {"application/octet-stream"}})
	if err != nil {
		t.Fatal(err)
	}
	_, _ = pw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, body
}

// File names that hide a blocked type, behind the trailing dots and spaces Windows ignores,
// bidi controls or NUL, are judged by the type they really have; a file that passes is stored,
// shared and downloaded under its clean name.
func TestFileNameTricks(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		agent, _ := env.Agent(t, 0)
		visitor, _ := env.Visitor(t)
		chatID, token := startChat(t, ctx, visitor, agent, "Mallory")
		asVisitor := map[string]string{attach.HeaderChat: chatID, attach.HeaderToken: token}
		program := []byte("MZ\x90\x00\x03 this stands for a Windows program")

		for _, tc := range []struct {
			name, file string
		}{
			{"trailing space", "renamed.exe "},
			{"trailing dot", "renamed.exe."},
			{"exe. and spaces", "renamed.exe.   "},
			{"dots and spaces", "renamed.exe. . ."},
			{"trailing tab", "renamed.exe\t"},
			{"upper case", "RENAMED.EXE."},
			{"right-to-left override", "invoice\u202efdp.exe"},
			{"override in isolates", "invoice\u2067\u202egnp.\u2069exe"},
			{"zero-width and byte order mark", "renamed.e\u200bx\ufeffe"},
			{"another restricted type", "run.bat ."},
			{"a Windows path", `C:\Users\m\..\renamed.exe.`},
		} {
			status, body := upload(t, env, tc.file, program, asVisitor)
			if status != 415 || !strings.Contains(string(body), `"unsupported"`) {
				t.Errorf("%s (%q): %d %s", tc.name, tc.file, status, body)
			}
		}
		// NUL and other control characters can only come percent-encoded (RFC 2231), since
		// the multipart headers themselves refuse them.
		for _, tc := range []struct {
			name, disposition string
			status            int
		}{
			{"NUL before the real extension", `form-data; name="file"; filename*=UTF-8''invoice.pdf%00.exe`, 415},
			{"NUL and a trailing dot", `form-data; name="file"; filename*=UTF-8''renamed.exe%00.`, 415},
			{"control characters", `form-data; name="file"; filename*=UTF-8''renamed.exe%07%1B%7F`, 415},
			{"encoded override", `form-data; name="file"; filename*=UTF-8''invoice%E2%80%AEfdp.exe`, 415},
			{"raw NUL in the header", "form-data; name=\"file\"; filename=\"renamed.exe\x00.pdf\"", 400},
			{"nothing left", `form-data; name="file"; filename*=UTF-8''%E2%80%AE%00.%20.`, 400},
		} {
			status, body := uploadAs(t, env, tc.disposition, program, asVisitor)
			if status != tc.status {
				t.Errorf("%s: %d %s, want %d", tc.name, status, body, tc.status)
			}
		}

		// What passes is stored under its clean name, and shared and downloaded so.
		png := append([]byte("\x89PNG\r\n\x1a\n"), bytes.Repeat([]byte{7}, 100)...)
		for _, tc := range []struct {
			name, file, want string
			data             []byte
		}{
			{"override in a picture's name", "photo\u202eexe.png", "photoexe.png", png},
			{"trailing dot and space", "notes.txt. ", "notes.txt", []byte("order 1234")},
			{"NUL and an allowed type", "", "report.exe.png", png},
			{"a long name", strings.Repeat("a", 300) + ".pdf", strings.Repeat("a", 251) + ".pdf", []byte("%PDF-1.4")},
		} {
			var status int
			var body []byte
			if tc.file == "" {
				status, body = uploadAs(t, env, `form-data; name="file"; filename*=UTF-8''report.exe%00.png`, tc.data, asVisitor)
			} else {
				status, body = upload(t, env, tc.file, tc.data, asVisitor)
			}
			var f protocol.File
			if err := json.Unmarshal(body, &f); status != 201 || err != nil || f.Name != tc.want {
				t.Errorf("%s: %d %s, want the name %q", tc.name, status, body, tc.want)
				continue
			}
			// The name file.send claims does not count: the stored one is shared.
			if _, err := visitor.Call(ctx, chatID, &protocol.FileSend{Name: "claimed.txt", URL: f.URL, Size: f.Size, ContentType: f.ContentType}); err != nil {
				t.Fatalf("%s: file.send: %v", tc.name, err)
			}
			ev, err := agent.Await(ctx, func(ev protocol.Event) bool {
				m, ok := ev.Body.(*protocol.Message)
				return ok && m.File != nil && m.File.URL == f.URL
			})
			if err != nil {
				t.Fatalf("%s: the agent got no file: %v", tc.name, err)
			}
			if m := ev.Body.(*protocol.Message); m.File.Name != tc.want || m.Text != tc.want {
				t.Errorf("%s: shared as %q (%q)", tc.name, m.File.Name, m.Text)
			}
			resp, err := http.Get(env.URL + f.URL)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			_, params, err := mime.ParseMediaType(resp.Header.Get("Content-Disposition"))
			if err != nil || params["filename"] != tc.want {
				t.Errorf("%s: downloaded as %q (%v)", tc.name, resp.Header.Get("Content-Disposition"), err)
			}
		}
	})
}
