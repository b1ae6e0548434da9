package widgetsite_test

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
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/backend/attach"
	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/numfmt"
	"github.com/parleychat/parley/shared/protocol"
)

// chooseFiles puts files into the widget's file input, as the browser's file picker does when
// a visitor chooses them (the input fires its change event).
func chooseFiles(b *browsertest.Browser, files ...string) {
	b.Do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		input, err := chromedp.Evaluate[*runtime.RemoteObject](jsFrameDoc+`.querySelector('#f-file')`)(ctx, t)
		if err != nil {
			return chromedp.Void{}, err
		}
		_, err = cdp.Call(ctx, t, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: files, ObjectID: input.ObjectID})
		return chromedp.Void{}, err
	})
}

// slowUploads holds every upload's answer back by the latency (0: no more), so that the
// "sending" state stays long enough to be seen.
func slowUploads(b *browsertest.Browser, env *servertest.Env, latencyMS float64) {
	b.Do(func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		if _, err := cdp.Call(ctx, t, network.Enable, network.EnableParams{}); err != nil {
			return chromedp.Void{}, err
		}
		var rules []*network.Conditions
		if latencyMS > 0 {
			rules = append(rules, &network.Conditions{URLPattern: env.URL + "/api/files", Latency: latencyMS, DownloadThroughput: -1, UploadThroughput: -1})
		}
		_, err := cdp.Call(ctx, t, network.EmulateNetworkConditionsByRule, network.EmulateNetworkConditionsByRuleParams{MatchedNetworkConditions: rules})
		return chromedp.Void{}, err
	})
}

// testPNG writes a small picture and returns its path and bytes.
func testPNG(t *testing.T, name string) (string, []byte) {
	img := image.NewRGBA(image.Rect(0, 0, 160, 100))
	for y := 0; y < 100; y++ {
		for x := 0; x < 160; x++ {
			img.Set(x, y, color.RGBA{R: uint8(60 + x/2), G: uint8(90 + y), B: 220, A: 255})
		}
	}
	for y := 55; y < 100; y++ { // a hill
		for x := 0; x < 160; x++ {
			if (x-80)*(x-80)/40+(y-100)*(y-100) < 45*45/2 {
				img.Set(x, y, color.RGBA{R: 34, G: 140, B: 90, A: 255})
			}
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, buf.Bytes()
}

func download(t *testing.T, env *servertest.Env, url string) []byte {
	t.Helper()
	resp, err := http.Get(env.URL + url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("download %s: %s", url, resp.Status)
	}
	return data
}

// agentUpload uploads a file as the demo agent Anna (her own session) and returns it.
func agentUpload(t *testing.T, env *servertest.Env, chatID, name string, data []byte) protocol.File {
	t.Helper()
	u := env.DemoUser(t, "agent", 0)
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, env.URL+"/api/files", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set(attach.HeaderChat, chatID)
	req.Header.Set("Authorization", "Bearer "+env.Login(t, u.Login, u.Password))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("agent upload: %s %s", resp.Status, raw)
	}
	var f protocol.File
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// TestFilesInChromium attaches files in a real browser against the real server: the attach
// button appears once an agent joined, a type the connector refuses is refused in the widget
// with its reason (also behind a trailing dot and space), a picture goes up, reaches the agent with the same bytes and shows as a
// link with a thumbnail, the agent's file shows as a download link, and both replay after a
// reload.
func TestFilesInChromium(t *testing.T) {
	env := startSite(t)
	anna := agent(t, env)
	b := openChat(t, env, "I have a photo of the damage.")
	b.WaitFor("the question in the transcript", inFrame(`d.querySelector('#log').textContent.includes('photo of the damage')`))
	if hidden := browsertest.Eval[bool](b, jsFrameDoc+`.querySelector('#btn-attach').hidden`); !hidden {
		t.Error("the attach button shows before an agent joined")
	}

	_, offer := await[*protocol.Offer](t, anna, "the offer", nil)
	chatID := offer.Chat
	call(t, anna, chatID, &protocol.OfferAccept{})
	b.WaitFor("the attach button", inFrame(`!d.querySelector('#btn-attach').hidden && d.querySelector('#btn-attach').getAttribute('aria-label') === 'Attach a file'`))
	// It is reachable from the keyboard: one Shift+Tab back from the message box.
	b.WaitFor("the focus in the message box", inFrame(`d.activeElement && d.activeElement.id === 'msg'`))
	b.Do(chromedp.KeyEvent("\t", chromedp.KeyModifiers(chromedp.ModifierShift)))
	b.WaitFor("the focus on the attach button", inFrame(`d.activeElement && d.activeElement.id === 'btn-attach'`))
	b.Screenshot("file-1-attach-button")

	// A program is refused in the widget, with the reason; nothing is uploaded. A trailing dot
	// and space, which Windows ignores, do not hide its type.
	renamed := filepath.Join(t.TempDir(), "renamed.exe. ")
	if err := os.WriteFile(renamed, []byte("MZ not really a program"), 0o600); err != nil {
		t.Fatal(err)
	}
	chooseFiles(b, renamed)
	b.WaitFor("the refusal of renamed.exe. ", inFrame(`!d.querySelector('#notice').hidden && d.querySelector('#notice').textContent === "Files of type .exe can't be sent here."`))
	b.Screenshot("file-2-refused-trailing-dot")
	exe := filepath.Join(t.TempDir(), "setup.exe")
	if err := os.WriteFile(exe, []byte("MZ not really a program"), 0o600); err != nil {
		t.Fatal(err)
	}
	chooseFiles(b, exe)
	b.WaitFor("the refusal", inFrame(`!d.querySelector('#notice').hidden && d.querySelector('#notice').textContent === "Files of type .exe can't be sent here."`))
	if n := browsertest.Eval[int](b, jsFrameDoc+`.querySelectorAll('#log .bubble.file').length`); n != 0 {
		t.Errorf("%d file lines after a refused file", n)
	}
	b.Screenshot("file-2-refused-type")

	// A picture: sending, then in the chat; the agent gets it and downloads the same bytes.
	pic, picBytes := testPNG(t, "photo.png")
	slowUploads(b, env, 2500)
	chooseFiles(b, pic)
	b.WaitFor("the upload on its way", inFrame(`[...d.querySelectorAll('#log .me.uploading')].some(li => li.querySelector('.state').textContent === 'Sending photo.png…')`))
	if shown := browsertest.Eval[bool](b, jsFrameDoc+`.querySelector('#notice').hidden`); !shown {
		t.Error("the refusal still shows after a good file was chosen")
	}
	b.Screenshot("file-3-uploading")
	_, msg := await(t, anna, "the visitor's file", func(m *protocol.Message) bool { return m.File != nil && m.Role == protocol.RoleVisitor })
	slowUploads(b, env, 0)
	if msg.File.Name != "photo.png" || msg.File.Size != int64(len(picBytes)) || msg.File.ContentType != "image/png" {
		t.Errorf("the agent got %+v", msg.File)
	}
	if got := download(t, env, msg.File.URL); !bytes.Equal(got, picBytes) {
		t.Errorf("downloaded %d bytes, uploaded %d", len(got), len(picBytes))
	}
	fileLink := `[...d.querySelectorAll('#log .me .bubble.file a.fname')].find(a => a.textContent === 'photo.png')`
	b.WaitFor("the file in the transcript", inFrame(`(() => { const a = `+fileLink+`; const li = a && a.closest('li');
		return a && !li.classList.contains('pending') && !li.classList.contains('uploading') &&
			a.href === location.origin + `+jsQuote(msg.File.URL)+` && a.target === '_blank' && a.rel === 'noopener' &&
			a.getAttribute('download') === 'photo.png' && li.querySelector('.fsize').textContent === `+jsQuote(numfmt.Size("en", int64(len(picBytes))))+` &&
			li.querySelector('.thumb img') && li.querySelector('.thumb img').naturalWidth === 160; })()`))
	b.Screenshot("file-4-sent")

	// The agent shares a document: a download link without a thumbnail.
	doc := agentUpload(t, env, chatID, "Order 1234.pdf", append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 3000)...))
	call(t, anna, chatID, &protocol.FileSend{Name: doc.Name, URL: doc.URL, Size: doc.Size, ContentType: doc.ContentType})
	agentLink := `[...d.querySelectorAll('#log .them .bubble.file a.fname')].find(a => a.textContent === 'Order 1234.pdf')`
	b.WaitFor("the agent's file", inFrame(`(() => { const a = `+agentLink+`; return a && a.href === location.origin + `+jsQuote(doc.URL)+
		` && !a.closest('li').querySelector('.thumb') && a.closest('li').querySelector('.fsize').textContent === '2.9 KB'; })()`)) // 3,009 bytes
	b.Screenshot("file-5-agent-file")
	if n := browsertest.Eval[int](b, jsFrameDoc+`.querySelectorAll('#log a:not([href^="'+location.origin+'/files/"])').length`); n != 0 {
		t.Errorf("%d links in the transcript that are not the server's files", n)
	}

	// After a reload both files are there again.
	b.Do(chromedp.Reload())
	b.WaitFor("the files after reload", inFrame(`!!(`+fileLink+`) && !!(`+agentLink+`)`))
	b.Screenshot("file-6-after-reload")
	b.AssertNoConsoleErrors()
}
