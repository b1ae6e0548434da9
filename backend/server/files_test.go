package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// upload posts a file to /api/files with the given headers and returns status and body.
func upload(t *testing.T, env *servertest.Env, name string, data []byte, header map[string]string) (int, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
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
