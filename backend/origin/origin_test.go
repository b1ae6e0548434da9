package origin_test

import (
	"testing"

	"github.com/parleychat/parley/backend/origin"
)

func TestAllowed(t *testing.T) {
	allowed := []string{"https://shop.example", "http://localhost:8080", "https://*.example.org"}
	cases := map[string]bool{
		"https://shop.example":           true,
		"https://SHOP.example:443":       true,
		"https://shop.example/some/page": true,
		"http://shop.example":            false,
		"https://shop.example:8443":      false,
		"http://localhost:8080":          true,
		"http://localhost":               false,
		"https://a.example.org":          true,
		"https://a.b.example.org":        true,
		"https://example.org":            false,
		"https://evilexample.org":        false,
		"":                               false,
		"null":                           false,
	}
	for site, want := range cases {
		if got := origin.Allowed(allowed, site); got != want {
			t.Errorf("Allowed(%q) = %v, want %v", site, got, want)
		}
	}
	if !origin.Allowed(nil, "https://any.example") {
		t.Error("an empty list must allow any origin")
	}
}
