package assetpack

import (
	"strconv"
	"strings"
)

// The content encodings a packed file may be served with.
const (
	EncodingBrotli   = "br"
	EncodingGzip     = "gzip"
	EncodingIdentity = ""
)

// Choose picks the file of e to send for an Accept-Encoding header and the Content-Encoding to
// send with it: brotli when accepted, else gzip, else the identity file. A coding given q=0 is
// refused, as RFC 9110 says; "*" accepts any coding not named.
func Choose(acceptEncoding string, e Entry) (file, encoding string) {
	br, gz := accepts(acceptEncoding, "br"), accepts(acceptEncoding, "gzip")
	switch {
	case br && e.Brotli != "":
		return e.Brotli, EncodingBrotli
	case gz && e.Gzip != "":
		return e.Gzip, EncodingGzip
	}
	return e.Path, EncodingIdentity
}

// accepts reports whether the Accept-Encoding header allows coding with a non-zero weight.
func accepts(header, coding string) bool {
	star := false
	for _, part := range strings.Split(header, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != coding && name != "*" {
			continue
		}
		ok := weight(params) > 0
		if name == coding {
			return ok
		}
		star = ok
	}
	return star
}

// weight parses the q parameter of an Accept-Encoding member; missing or malformed means 1.
func weight(params string) float64 {
	for _, p := range strings.Split(params, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
			q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil {
				return 1
			}
			return q
		}
	}
	return 1
}
