package admin_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/gif"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
)

// upload posts one file under field to path as a browser's multipart form does, with the
// client's CSRF token unless token is "-".
func (c *client) upload(t *testing.T, path, field, name string, data []byte, token string) response {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if token != "-" {
		_ = mw.WriteField("_csrf", c.csrf)
	}
	fw, _ := mw.CreateFormFile(field, name)
	_, _ = fw.Write(data)
	_ = mw.Close()
	req, _ := http.NewRequest(http.MethodPost, c.base+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Cookie", c.cookie)
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }, Timeout: 20 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return response{status: resp.StatusCode, body: string(b), location: resp.Header.Get("Location")}
}

// A connector's WhosOn images: uploaded on the Images tab, previewed, replaced, removed;
// what is not a small PNG, JPEG or GIF is refused with a message next to the field; another
// tenant's connector and forms without the CSRF token are refused.
func TestConnectorImagesPage(t *testing.T) {
	fx := newFixture(t, false)
	ctx := context.Background()
	adm := fx.clients["admin"]
	conn := id(fx, "{conn}")
	base := "/admin/connectors/" + fx.ids["{conn}"] + "/images"
	var logo, button bytes.Buffer
	if err := png.Encode(&logo, image.NewRGBA(image.Rect(0, 0, 5, 3))); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&button, image.NewRGBA(image.Rect(0, 0, 2, 2)), nil); err != nil {
		t.Fatal(err)
	}

	page := adm.do(t, "GET", base, nil, "")
	if page.status != 200 || strings.Count(page.body, `enctype="multipart/form-data"`) != 4 || !strings.Contains(page.body, "Not set") || !strings.Contains(page.body, `/images" aria-current>Images</a>`) {
		t.Fatalf("images tab: %d\n%s", page.status, excerpt(page.body))
	}
	if r := adm.upload(t, base+"/5", "image_5", "logo.png", logo.Bytes(), ""); r.status != 303 || !strings.Contains(r.location, base+"?saved=1") {
		t.Fatalf("upload: %d %s", r.status, excerpt(r.body))
	}
	if r := adm.upload(t, base+"/1", "image_1", "button.gif", button.Bytes(), ""); r.status != 303 {
		t.Fatalf("upload gif: %d %s", r.status, excerpt(r.body))
	}
	img, err := fx.st.ConnectorImage(ctx, conn, store.ImageLogo)
	if err != nil || !bytes.Equal(img.Data, logo.Bytes()) || img.ContentType != "image/png" {
		t.Fatalf("stored logo: %+v %v", img.ContentType, err)
	}
	page = adm.do(t, "GET", base, nil, "")
	if !strings.Contains(page.body, `src="data:image/png;base64,`) || !strings.Contains(page.body, `src="data:image/gif;base64,`) || strings.Count(page.body, ">Remove</button>") != 2 {
		t.Fatalf("previews:\n%s", excerpt(page.body))
	}

	for _, tc := range []struct {
		name, path, field, file string
		data                    []byte
		token                   string
		status                  int
		want                    string
	}{
		{"svg", base + "/2", "image_2", "b.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), "", 422, "The file is not a PNG, JPEG or GIF image."},
		{"html as png", base + "/2", "image_2", "b.png", []byte("<html><script>alert(1)</script></html>"), "", 422, "The file is not a PNG, JPEG or GIF image."},
		{"too large", base + "/2", "image_2", "b.png", append(logo.Bytes(), make([]byte, store.MaxImageBytes)...), "", 422, "The image is larger than 256 KB; make it smaller."},
		{"empty", base + "/2", "image_2", "b.png", nil, "", 422, "Choose an image file."},
		{"wrong field", base + "/2", "image_5", "b.png", logo.Bytes(), "", 422, "Choose an image file."},
		{"unknown kind", base + "/3", "image_3", "b.png", logo.Bytes(), "", 404, ""},
		{"foreign connector", "/admin/connectors/" + fx.ids["{otherConn}"] + "/images/5", "image_5", "b.png", logo.Bytes(), "", 404, ""},
		{"no CSRF token", base + "/2", "image_2", "b.png", logo.Bytes(), "-", 403, ""},
	} {
		r := adm.upload(t, tc.path, tc.field, tc.file, tc.data, tc.token)
		if r.status != tc.status || !strings.Contains(r.body, tc.want) {
			t.Errorf("%s: %d, want %d with %q\n%s", tc.name, r.status, tc.status, tc.want, excerpt(r.body))
		}
	}
	if _, err := fx.st.ConnectorImage(ctx, conn, store.ImageUnavailable); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a refused upload was stored: %v", err)
	}
	if r := fx.clients["supervisor"].upload(t, base+"/2", "image_2", "b.png", logo.Bytes(), ""); r.status != 403 {
		t.Fatalf("supervisor upload: %d", r.status)
	}
	if r := fx.clients["other"].do(t, "POST", base+"/5/delete", map[string][]string{}, ""); r.status != 404 {
		t.Fatalf("another tenant's admin removes: %d", r.status)
	}

	// Removing: gone from the store and the page; removing again is harmless.
	for range 2 {
		if r := adm.do(t, "POST", base+"/5/delete", map[string][]string{}, ""); r.status != 303 {
			t.Fatalf("remove: %d %s", r.status, excerpt(r.body))
		}
	}
	if _, err := fx.st.ConnectorImage(ctx, conn, store.ImageLogo); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("after remove: %v", err)
	}
	if page = adm.do(t, "GET", base, nil, ""); strings.Count(page.body, ">Remove</button>") != 1 {
		t.Fatalf("after remove:\n%s", excerpt(page.body))
	}
}
