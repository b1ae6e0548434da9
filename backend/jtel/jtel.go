// Package jtel lets web pages written for jtel's chat keep their embed code: the script
// /gui//chat.js defines window.JTEL.initChat, which opens Parley's own widget (the loader
// /widget.js and its WebAssembly chat) for the connector named by the snippet's Hash. Nothing
// here is a second chat: the widget speaks Parley's visitor protocol to the native chat
// service, which already follows jtel's model in connectors (ACD group, priority, timeouts,
// skills), their message resources ("key#lang", $agent) and the snippet's pdata and udata.
//
// Choices where jtel's document leaves room, also in docs/coming-from-jtel.md:
//
//   - The script is served at /gui//chat.js, exactly as the document's snippet names it, and at
//     /gui/chat.js, since proxies and some servers fold the double slash.
//   - BaseWSURI names the server the chat's WebSocket talks to (Parley adds /ws/visitor);
//     without it, the server the script came from. BaseResourceURI, optional as in the
//     document, names the server the chat's files come from; only its origin counts, because
//     Parley serves those files itself. Without it, the script's own server.
//   - pdata and udata values reach the agent as text: numbers and booleans are written out,
//     objects as JSON; the widget fits both to the protocol's limits, cutting what is too long
//     rather than losing the chat. pdata's name is the visitor's name and its email the
//     visitor's e-mail.
//   - A snippet without Hash, or with a BaseWSURI that is not ws:// or wss://, writes the
//     reason to the browser's console ("JTEL.initChat: …"); an unknown connector or a site
//     the connector does not allow gets the widget loader's console message and no launcher.
//   - A visitor named by pdata is not asked for a name: the chat opens on the editor, which
//     shows the connector's editorPlaceholder, and the first message opens the chat, which
//     gets welcomeMessage (just before the message, in Parley's order).
//   - "No agent available" (noAgents) means that nobody who could take the chat is signed in
//     at the request: no agent of the connector's ACD group connected in a status that allows
//     chat with room for chats. Busy agents count as available, since the chat waits for them.
//     The chat waits on after noAgents; the end of the free-agent search closes it with
//     byeNoAgent (backend/chat, backend/acd).
package jtel

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	_ "embed"
	"encoding/hex"
	"net"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// script is chat.js; it must stay small, like the loader it brings in (about a kilobyte
// gzipped), because every page with the snippet loads it.
//
//go:embed chat.js
var script []byte

// Paths are where the script is served: the document's spelling first.
var Paths = []string{"/gui//chat.js", "/gui/chat.js"}

// CacheControl is the script's caching: a stable URL, so a short cache like /widget.js, after
// which an ETag revalidation costs a 304.
const CacheControl = "public, max-age=300"

// asset is the script with its gzip form and entity tag, made once at start.
type asset struct {
	plain, gz []byte
	etag      string
}

func newAsset(b []byte) asset {
	var buf bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	_, _ = zw.Write(b)
	_ = zw.Close()
	sum := sha256.Sum256(b)
	return asset{plain: b, gz: buf.Bytes(), etag: hex.EncodeToString(sum[:8])}
}

// Register serves chat.js at [Paths] on r.
func Register(r fiber.Router) {
	a := newAsset(script)
	for _, p := range Paths {
		r.Get(p, a.serve)
	}
}

// serve answers like the widget loader: JavaScript for any site to load (CORP cross-origin),
// gzip when accepted, revalidated by ETag.
func (a asset) serve(c *fiber.Ctx) error {
	body, enc := a.plain, ""
	if acceptsGzip(c.Get(fiber.HeaderAcceptEncoding)) {
		body, enc = a.gz, "gzip"
	}
	etag := `"` + a.etag + "-" + enc + `"`
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptEncoding)
	c.Set(fiber.HeaderCacheControl, CacheControl)
	c.Set(fiber.HeaderETag, etag)
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set("Cross-Origin-Resource-Policy", "cross-origin")
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	if enc != "" {
		c.Set(fiber.HeaderContentEncoding, enc)
	}
	if inm := c.Get(fiber.HeaderIfNoneMatch); inm != "" && strings.Contains(inm, etag) {
		return c.SendStatus(fiber.StatusNotModified)
	}
	c.Set(fiber.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Send(body)
}

// acceptsGzip reads an Accept-Encoding header: gzip (or *) with a non-zero quality.
func acceptsGzip(h string) bool {
	for _, part := range strings.Split(h, ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		name = strings.ToLower(strings.TrimSpace(name))
		if name != "gzip" && name != "*" {
			continue
		}
		q := strings.ReplaceAll(strings.ToLower(params), " ", "")
		if q == "q=0" || q == "q=0.0" || q == "q=0.00" || q == "q=0.000" {
			continue
		}
		return true
	}
	return false
}

// Snippet is the embed code of jtel's document for a Parley server at base (e.g.
// "https://chat.example.com") and a connector hash: what a page written for jtel keeps, with
// only the host changed. The demo start-up log prints it.
func Snippet(base, hash string) string {
	base = strings.TrimRight(base, "/")
	ws := "ws" + strings.TrimPrefix(base, "http")
	return "<script src='" + base + "/gui//chat.js'></script>\n" +
		"<script type=\"text/javascript\">\n" +
		"  JTEL.initChat({\n" +
		"    Hash: '" + hash + "',\n" +
		"    BaseWSURI: '" + ws + "',\n" +
		"    BaseResourceURI: '" + base + "/gui', //optional\n" +
		"    pdata: {name:'John Doe', email:'john.doe@example.com', sender:'John Doe', receiver:'My Chat Connector', userdata:'123456',\n" +
		"userdata2:'userdata2', userdata3:'userdata3'},\n" +
		"    udata: {anyfield1:'Any Field 1', anyfield2:'Any Field 2' }});\n" +
		"</script>"
}

// BaseURL is the address a browser on this machine reaches a server listening on addr
// (":8080" → "http://localhost:8080"), for the start-up log.
func BaseURL(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "http://localhost:8080"
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = "localhost"
	}
	return "http://" + net.JoinHostPort(host, port)
}
