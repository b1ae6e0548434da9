package store

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"testing"
)

// pngImage encodes a w×h PNG image.
func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	img.Set(0, 0, color.RGBA{R: 200, A: 255})
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// The bytes decide an image's type; what is not a small PNG, JPEG or GIF is refused.
func TestCheckImage(t *testing.T) {
	var jp, gf bytes.Buffer
	small := image.NewRGBA(image.Rect(0, 0, 3, 2))
	if err := jpeg.Encode(&jp, small, nil); err != nil {
		t.Fatal(err)
	}
	if err := gif.Encode(&gf, small, nil); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		data []byte
		want string
	}{{pngImage(t, 3, 2), "image/png"}, {jp.Bytes(), "image/jpeg"}, {gf.Bytes(), "image/gif"}} {
		if got, err := CheckImage(c.data); err != nil || got != c.want {
			t.Errorf("%s: %q %v", c.want, got, err)
		}
	}
	// A PNG header claiming 5000 pixels: refused from its header alone.
	huge := pngImage(t, 1, 1)
	huge = append([]byte(nil), huge...)
	huge[16], huge[17], huge[18], huge[19] = 0, 0, 0x13, 0x88
	for name, bad := range map[string][]byte{
		"empty":     nil,
		"svg":       []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`),
		"html":      []byte("<html><body>hi</body></html>"),
		"truncated": pngImage(t, 3, 2)[:20],
		"NUL":       make([]byte, 64),
		"too big":   append(pngImage(t, 3, 2), make([]byte, MaxImageBytes)...),
		"too wide":  huge,
	} {
		if _, err := CheckImage(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: %v, want invalid", name, err)
		}
	}
}

// A connector's images: one per kind, replaced, removed, only for a connector of the
// caller's tenant.
func TestConnectorImages(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten, other := newTenant(t, s, "Images"), newTenant(t, s, "Other")
			web := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
			foreign := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: other.ID, Name: "Foreign"}))

			if _, err := s.ConnectorImage(ctx, web.ID, ImageLogo); !errors.Is(err, ErrNotFound) {
				t.Fatalf("no image yet: %v", err)
			}
			first := pngImage(t, 4, 4)
			got := must[ConnectorImage](t)(s.SetConnectorImage(ctx, ConnectorImage{TenantID: ten.ID, ConnectorID: web.ID, Kind: ImageLogo, ContentType: "text/html", Data: first}))
			if got.ContentType != "image/png" || got.Ext() != ".png" {
				t.Fatalf("set: %+v", got)
			}
			second := pngImage(t, 8, 2)
			must[ConnectorImage](t)(s.SetConnectorImage(ctx, ConnectorImage{TenantID: ten.ID, ConnectorID: web.ID, Kind: ImageLogo, Data: second}))
			must[ConnectorImage](t)(s.SetConnectorImage(ctx, ConnectorImage{TenantID: ten.ID, ConnectorID: web.ID, Kind: ImageAvailable, Data: first}))
			img := must[ConnectorImage](t)(s.ConnectorImage(ctx, web.ID, ImageLogo))
			if !bytes.Equal(img.Data, second) || img.TenantID != ten.ID {
				t.Fatalf("replaced image: %d bytes", len(img.Data))
			}
			all := must[map[ImageKind]ConnectorImage](t)(s.ConnectorImages(ctx, web.ID))
			if len(all) != 2 || !bytes.Equal(all[ImageAvailable].Data, first) {
				t.Fatalf("images: %d", len(all))
			}
			for _, bad := range []ConnectorImage{
				{TenantID: ten.ID, ConnectorID: foreign.ID, Kind: ImageLogo, Data: first}, // another tenant's connector
				{TenantID: ten.ID, ConnectorID: web.ID, Kind: 3, Data: first},
				{TenantID: ten.ID, ConnectorID: web.ID, Kind: ImageLogo, Data: []byte("GIF89a nope")},
				{TenantID: ten.ID, Kind: ImageLogo, Data: first},
			} {
				if _, err := s.SetConnectorImage(ctx, bad); err == nil {
					t.Errorf("%+v accepted", bad.Kind)
				}
			}
			if err := s.DeleteConnectorImage(ctx, other.ID, web.ID, ImageLogo); !errors.Is(err, ErrNotFound) {
				t.Fatalf("delete by another tenant: %v", err)
			}
			if err := s.DeleteConnectorImage(ctx, ten.ID, web.ID, ImageLogo); err != nil {
				t.Fatal(err)
			}
			if _, err := s.ConnectorImage(ctx, web.ID, ImageLogo); !errors.Is(err, ErrNotFound) {
				t.Fatalf("after delete: %v", err)
			}
		})
	}
}
