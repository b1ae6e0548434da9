// Package origin decides which websites may use a connector: the widget's frame page (its
// Content-Security-Policy frame-ancestors), the launcher's status call and the visitor
// WebSocket all apply this one rule to a site's origin.
package origin

import "strings"

// Allowed reports whether a page origin may use a connector with the given allowed
// origins: an empty list allows any; entries match exactly (scheme, host and port, case
// insensitive, default ports ignored) or, written "https://*.example.com", any subdomain.
func Allowed(allowed []string, origin string) bool {
	if len(allowed) == 0 {
		return true
	}
	o := normalize(origin)
	if o == "" {
		return false
	}
	scheme, host, _ := strings.Cut(o, "://")
	for _, a := range allowed {
		a = normalize(a)
		if a == o {
			return true
		}
		as, ah, ok := strings.Cut(a, "://")
		if ok && as == scheme && strings.HasPrefix(ah, "*.") && strings.HasSuffix(host, ah[1:]) && len(host) > len(ah)-1 {
			return true
		}
	}
	return false
}

// normalize lowercases an origin (or a URL, whose path is dropped) and removes a
// default port; it returns "" for anything without a scheme and host.
func normalize(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok || scheme == "" || rest == "" {
		return ""
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndexByte(rest, '@'); i >= 0 {
		rest = rest[i+1:]
	}
	switch {
	case scheme == "https" && strings.HasSuffix(rest, ":443"):
		rest = strings.TrimSuffix(rest, ":443")
	case scheme == "http" && strings.HasSuffix(rest, ":80"):
		rest = strings.TrimSuffix(rest, ":80")
	}
	if rest == "" {
		return ""
	}
	return scheme + "://" + rest
}

// Of returns the origin of a page URL ("https://shop.example/a?b" gives
// "https://shop.example"), or "" when it has none.
func Of(pageURL string) string { return normalize(pageURL) }
