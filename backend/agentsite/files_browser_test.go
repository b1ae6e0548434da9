//go:build !wasm

package agentsite_test

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// signIn signs the agent in and makes them available, so that offers come.
func signIn(t *testing.T, env *servertest.Env, agent *browsertest.Browser, n int) {
	t.Helper()
	signInReading(t, env, agent, n, "Connected")
}

// signInReading is signIn for an agent whose app speaks another language, in which the
// connection's mark reads connected.
func signInReading(t *testing.T, env *servertest.Env, agent *browsertest.Browser, n int, connected string) {
	t.Helper()
	u := env.DemoUser(t, "agent", n)
	agent.Do(chromedp.Navigate(env.URL + "/agent/"))
	agent.WaitFor("the sign-in form", `!!document.querySelector('#signin-login')`)
	agent.Click(`document.querySelector('#signin-login')`)
	agent.Do(chromedp.KeyEvent(u.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(u.Password), chromedp.KeyEvent("\r"))
	agent.WaitFor("the desk", `!!document.querySelector('.topbar') && document.querySelector('.link').textContent === `+browsertest.JSQuote(connected))
	agent.TakeChats()
}

// awaitFile waits for a message event with a file from role in the visitor's chat.
func awaitFile(t *testing.T, ctx context.Context, c *protoclient.Client, role protocol.Role, name string) *protocol.File {
	t.Helper()
	ev, err := c.Await(ctx, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Role == role && m.File != nil && m.File.Name == name
	})
	if err != nil {
		t.Fatalf("no message with %s: %v", name, err)
	}
	return ev.Body.(*protocol.Message).File
}

// download fetches a shared file as the other side would.
func download(t *testing.T, env *servertest.Env, url string) []byte {
	t.Helper()
	resp, err := http.Get(env.URL + url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("download %s: %d %s", url, resp.StatusCode, body)
	}
	return body
}

// picture is a PNG of w×h pixels: a soft gradient, like a small photo.
func picture(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: uint8(60 + x), G: uint8(120 + y), B: 200, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestAgentFilesInChromium: the agent attaches files with the paper clip (one the server
// refuses with its reason next to the composer, one it takes, which the visitor receives and
// downloads with the same bytes), drops one on the chat, and sees the visitor's picture as a
// link with a thumbnail.
func TestAgentFilesInChromium(t *testing.T) {
	env := startSite(t)
	agent := newBrowser(t, "agent-file", 1280, 860)
	signIn(t, env, agent, 0)

	visitor, _ := env.Visitor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ack, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera Files", Question: "Can I send you the invoice?"})
	if err != nil {
		t.Fatal(err)
	}
	chat, token := ack.Body.(*protocol.Ack).Chat, ack.Body.(*protocol.Ack).Token
	agent.WaitFor("the offer", `!!document.querySelector('.offer .btn-accept')`)
	agent.Click(`document.querySelector('.offer .btn-accept')`)
	agent.WaitFor("the conversation", agentHas("Can I send you the invoice?"))

	// The paper clip is in the tab order after the canned responses: the file input takes
	// the focus and its label, the visible button, shows the focus ring.
	browsertest.Eval[bool](agent, `(() => { document.querySelector('#canned-button').focus(); return true; })()`)
	agent.Do(chromedp.KeyEvent("\t"))
	if !browsertest.Eval[bool](agent, `document.activeElement.id === 'file-input' && document.activeElement.getAttribute('aria-label') === 'Attach files' &&
		getComputedStyle(document.querySelector('#attach-button')).outlineStyle === 'solid'`) {
		t.Fatal("the paper clip cannot be reached with Tab")
	}

	// A type the tenant refuses: the server's reason shows next to the composer.
	dir := t.TempDir()
	exe := filepath.Join(dir, "setup.exe")
	if err := os.WriteFile(exe, []byte("MZ not really a program"), 0o644); err != nil {
		t.Fatal(err)
	}
	agent.Do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{exe}))
	agent.WaitFor("the refusal", `(() => { const u = document.querySelector('.upload.failed'); return !!u && u.textContent.includes('setup.exe was not sent') && u.textContent.includes('exe'); })()`)
	agent.Screenshot("1-refused")
	agent.Click(`[...document.querySelectorAll('.upload.failed button')].find(b => b.textContent === 'Remove')`)
	agent.WaitFor("the refusal removed", `!document.querySelector('.upload')`)

	// A file the tenant allows: it shows in the chat as a download link, and the visitor gets
	// it with the same bytes.
	content := []byte("Invoice 2025-031\nTotal: 42.00 EUR\n")
	txt := filepath.Join(dir, "invoice 2025-031.txt")
	if err := os.WriteFile(txt, content, 0o644); err != nil {
		t.Fatal(err)
	}
	// The upload is held back a moment, to see it on its way.
	browsertest.Eval[bool](agent, `(() => { const f = window.fetch; window.fetch = (u, o) => u === '/api/files'
		? new Promise(r => setTimeout(r, 1500)).then(() => f(u, o)) : f(u, o); window.__fetch = f; return true; })()`)
	agent.Do(chromedp.SetUploadFiles(chromedp.ID("file-input"), []string{txt}))
	agent.WaitFor("the upload on its way", `(() => { const u = document.querySelector('.upload.busy'); return !!u && u.textContent.includes('Sending invoice 2025-031.txt (34 B)…'); })()`)
	agent.Screenshot("2-sending")
	browsertest.Eval[bool](agent, `(() => { window.fetch = window.__fetch; return true; })()`)
	got := awaitFile(t, ctx, visitor, protocol.RoleAgent, "invoice 2025-031.txt")
	if !strings.HasPrefix(got.URL, attach.URLPrefix) || got.Size != int64(len(content)) {
		t.Fatalf("the visitor got %+v", got)
	}
	if data := download(t, env, got.URL); !bytes.Equal(data, content) {
		t.Fatalf("downloaded %q, want %q", data, content)
	}
	agent.WaitFor("the file in the chat", `(() => { const a = document.querySelector('#messages .from-agent a.file-link');
		return !!a && !document.querySelector('.line.pending') && a.textContent.includes('invoice 2025-031.txt') &&
			a.getAttribute('href') === `+browsertest.JSQuote(got.URL)+` && a.hasAttribute('download') && a.rel === 'noopener' && a.target === '_blank'; })()`)
	if size := browsertest.Eval[string](agent, `document.querySelector('#messages .from-agent .file-size').textContent`); size != "34 B" {
		t.Errorf("size shown = %q", size)
	}

	// The visitor sends a picture: a link with a thumbnail; it counts like a text message.
	pic := picture(t, 160, 100)
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("file", "photo.png")
	_, _ = fw.Write(pic)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/files", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set(attach.HeaderChat, chat)
	req.Header.Set(attach.HeaderToken, token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var photo protocol.File
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || json.Unmarshal(body, &photo) != nil {
		t.Fatalf("visitor upload: %d %s", resp.StatusCode, body)
	}
	if _, err := visitor.Call(ctx, chat, &protocol.FileSend{Name: photo.Name, URL: photo.URL, Size: photo.Size, ContentType: photo.ContentType}); err != nil {
		t.Fatal(err)
	}
	agent.WaitFor("the visitor's picture", `(() => { const a = document.querySelector('#messages .from-visitor a.file-link');
		return !!a && a.getAttribute('href') === `+browsertest.JSQuote(photo.URL)+` && a.textContent.includes('photo.png') &&
			!!a.querySelector('img.thumb') && a.querySelector('img.thumb').complete && a.querySelector('img.thumb').naturalWidth === 160; })()`)
	agent.Screenshot("3-files")

	// Dropping a file on the chat sends it too; while it is dragged the pane says so.
	browsertest.Eval[bool](agent, `(() => {
		const dt = new DataTransfer();
		dt.items.add(new File(['dropped notes'], 'notes.txt', {type: 'text/plain'}));
		const pane = document.querySelector('#messages');
		window.__drag = setInterval(() => pane.dispatchEvent(new DragEvent('dragover', {dataTransfer: dt, bubbles: true, cancelable: true})), 50);
		window.__dt = dt;
		return true; })()`)
	agent.WaitFor("the drop highlight", `document.querySelector('.pane').hasAttribute('data-dropping')`)
	agent.Screenshot("4-drop")
	browsertest.Eval[bool](agent, `(() => { clearInterval(window.__drag);
		document.querySelector('#messages').dispatchEvent(new DragEvent('drop', {dataTransfer: window.__dt, bubbles: true, cancelable: true}));
		return true; })()`)
	dropped := awaitFile(t, ctx, visitor, protocol.RoleAgent, "notes.txt")
	if data := download(t, env, dropped.URL); string(data) != "dropped notes" {
		t.Fatalf("dropped file downloaded as %q", data)
	}
	agent.WaitFor("the dropped file in the chat", `[...document.querySelectorAll('#messages a.file-link')].some(a => a.textContent.includes('notes.txt')) && !document.querySelector('.pane[data-dropping]')`)
	agent.Screenshot("5-dropped")

	agent.AssertNoConsoleErrors("/api/me", "/api/files")
}
