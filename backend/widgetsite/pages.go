package widgetsite

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"github.com/parleychat/parley/backend/origin"
	"html/template"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/shared/texts"
	"github.com/parleychat/parley/widget/uitext"
)

//go:embed page/frame.html page/frame.css page/demo.html
var pageFS embed.FS

var (
	frameTmpl = template.Must(template.ParseFS(pageFS, "page/frame.html"))
	demoTmpl  = template.Must(template.ParseFS(pageFS, "page/demo.html"))
	frameCSS  = mustRead("page/frame.css")
	// cssHash is the CSP source for the frame's one inline style sheet.
	cssHash = cspHash(frameCSS)
)

func mustRead(name string) string {
	b, err := pageFS.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// cspHash returns the 'sha256-…' CSP source of an inline script or style.
func cspHash(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'"
}

// connector looks the query's connector up, answering the request itself when that fails.
func (s *site) connector(c *fiber.Ctx) (WidgetInfo, string, bool, error) {
	hash := strings.Clone(c.Query("c"))
	if hash == "" || len(hash) > 128 {
		return WidgetInfo{}, hash, false, c.Status(fiber.StatusBadRequest).SendString("missing connector: the embed snippet needs data-connector")
	}
	info, err := s.opts.Connectors.WidgetConnector(c.UserContext(), hash)
	if errors.Is(err, ErrUnknownConnector) {
		return info, hash, false, c.Status(fiber.StatusNotFound).SendString("unknown connector " + hash + ": check data-connector in the embed snippet")
	}
	if err != nil {
		s.opts.Logger.Error("widget connector lookup failed", "connector", hash, "err", err)
		return info, hash, false, c.Status(fiber.StatusInternalServerError).SendString("the chat is unavailable, please try again later")
	}
	return info, hash, true, nil
}

// frame serves the iframe page: minimal HTML with the critical CSS inline, the Go runtime
// support script and a bootstrap that streams the hashed WebAssembly. Its CSP allows only
// these, the WebSocket back to this server and framing by the connector's allowed origins.
func (s *site) frame(c *fiber.Ctx) error {
	execEntry, ok1 := s.files.entry(nameWasmExec)
	wasmEntry, ok2 := s.files.entry(nameWasm)
	if !ok1 || !ok2 {
		return c.Status(fiber.StatusServiceUnavailable).SendString(notBuilt)
	}
	info, _, ok, err := s.connector(c)
	if !ok {
		return err
	}
	lang := texts.Negotiate(c.Get(fiber.HeaderAcceptLanguage))
	t := uitext.Texts{Lang: lang}
	base := "/widget/"
	boot := "(function(){var g=new Go(),b=document.getElementById('boot');" +
		"WebAssembly.instantiateStreaming(fetch(" + jsString(base+wasmEntry.Path) + "),g.importObject)" +
		".then(function(r){g.run(r.instance)})" +
		".catch(function(e){b.lastChild.textContent=b.getAttribute('data-err');b.firstChild.remove();console.warn(e)})})()"

	ancestors := "*"
	if len(info.AllowedOrigins) > 0 {
		var list []string
		for _, o := range info.AllowedOrigins {
			if src := cspSource(o); src != "" {
				list = append(list, src)
			}
		}
		ancestors = strings.Join(list, " ")
		if ancestors == "" {
			ancestors = "'none'"
		}
	}
	connect := "'self' " + wsOrigin(c)
	if ws := c.Query("ws"); ws != "" {
		if src := wsSource(ws); src != "" {
			connect += " " + src
		}
	}
	csp := "default-src 'none'; script-src 'self' 'wasm-unsafe-eval' " + cspHash(boot) +
		"; style-src " + cssHash + "; connect-src " + connect + "; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors " + ancestors

	var buf bytes.Buffer
	err = frameTmpl.Execute(&buf, map[string]any{
		"Lang": lang, "Title": t.Get(uitext.Title), "Loading": t.Get(uitext.Loading), "Failed": t.Get(uitext.ErrorOccurred),
		"CSS": template.CSS(frameCSS), "WasmExec": base + execEntry.Path, "Boot": template.JS(boot),
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentSecurityPolicy, csp)
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Set(fiber.HeaderXContentTypeOptions, "nosniff")
	c.Set(fiber.HeaderReferrerPolicy, "strict-origin-when-cross-origin")
	c.Set(fiber.HeaderVary, fiber.HeaderAcceptLanguage)
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}

// jsString quotes s as a JavaScript string literal (JSON is a subset that is safe here: the
// encoder escapes <, > and &).
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// cspSource turns an allowed origin into a CSP source expression, or "" when it is not one.
func cspSource(site string) string {
	o := origin.Of(site)
	if o == "" || strings.ContainsAny(o, " ;,'\"") {
		return ""
	}
	return o
}

// wsOrigin is the WebSocket origin of this server as the browser reached it.
func wsOrigin(c *fiber.Ctx) string {
	scheme := "ws://"
	if c.Protocol() == "https" {
		scheme = "wss://"
	}
	return scheme + c.Hostname()
}

// wsSource validates a configured WebSocket base URI (jtel BaseWSURI) for the CSP.
func wsSource(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "ws" && u.Scheme != "wss") || u.Host == "" || strings.ContainsAny(u.Host, " ;,'\"") {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// status answers the launcher: whether the connector is open and what to call it. Only
// allowed origins get an answer; others get a 403 whose message the loader shows in the
// console (CORS lets it read the body).
func (s *site) status(c *fiber.Ctx) error {
	site := strings.Clone(c.Get(fiber.HeaderOrigin))
	if site == "" {
		// Same-origin requests carry no Origin header: the page is on this server.
		site = c.Protocol() + "://" + c.Hostname()
	} else {
		c.Set(fiber.HeaderAccessControlAllowOrigin, site)
		c.Set(fiber.HeaderVary, fiber.HeaderOrigin)
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	info, hash, ok, err := s.connector(c)
	if !ok {
		if c.Response().StatusCode() == fiber.StatusNotFound {
			return c.Status(fiber.StatusNotFound).JSON(fiber.Map{"error": "unknown chat connector \"" + hash + "\": check data-connector in the embed snippet"})
		}
		return err
	}
	if !origin.Allowed(info.AllowedOrigins, site) {
		return c.Status(fiber.StatusForbidden).JSON(fiber.Map{
			"error": "the website " + site + " is not allowed to use chat connector \"" + hash + "\"; add this origin to the connector's allowed origins",
		})
	}
	return c.JSON(fiber.Map{"open": info.Open, "title": info.Title, "position": info.Position, "presence": info.Presence})
}

// statusPreflight answers CORS preflights; the loader's plain GET does not need one, but a
// browser extension or proxy adding headers might.
func (s *site) statusPreflight(c *fiber.Ctx) error {
	if o := c.Get(fiber.HeaderOrigin); o != "" {
		c.Set(fiber.HeaderAccessControlAllowOrigin, o)
		c.Set(fiber.HeaderAccessControlAllowMethods, "GET")
		c.Set(fiber.HeaderVary, fiber.HeaderOrigin)
	}
	return c.SendStatus(fiber.StatusNoContent)
}

// demo serves the pretend company's pages in English (/demo, /demo/shop) and German
// (/demo/de, /demo/de/shop), embedding the widget of the connector of the page's language.
func (s *site) demo(c *fiber.Ctx) error {
	lang, page := "", c.Params("page")
	if strings.HasPrefix(c.Path(), "/demo/de") {
		lang = "de"
	}
	if page != "" && page != "shop" {
		return c.Status(fiber.StatusNotFound).SendString("no such demo page")
	}
	if s.opts.DemoConnectorHash == nil {
		return c.Status(fiber.StatusNotFound).SendString("the demo is not enabled on this server")
	}
	if _, ok := s.files.entry(nameLoader); !ok {
		return c.Status(fiber.StatusServiceUnavailable).SendString(notBuilt)
	}
	hash, err := s.opts.DemoConnectorHash(c.UserContext(), demoCopies[lang].Lang)
	if err != nil || hash == "" {
		s.opts.Logger.Error("demo connector unavailable", "lang", demoCopies[lang].Lang, "err", err)
		return c.Status(fiber.StatusServiceUnavailable).SendString("the demo connector is not set up yet: start the server with its demo data")
	}
	loader := c.BaseURL() + "/widget.js"
	words := demoCopies[lang]
	title := words.Home
	if page == "shop" {
		title = words.Shop
	}
	var buf bytes.Buffer
	err = demoTmpl.Execute(&buf, map[string]any{
		"Hash": hash, "LoaderURL": loader, "Shop": page == "shop", "PageTitle": title, "T": words,
		"Snippet": `<script src="` + loader + `" data-connector="` + hash + `" async></script>`,
	})
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-cache")
	c.Type("html", "utf-8")
	return c.Send(buf.Bytes())
}
