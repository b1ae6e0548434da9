package micc

import (
	_ "embed"
	"html"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/micc/toolboxtext"
	"github.com/parleychat/parley/backend/origin"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// toolboxJS is the stock toolbox's script: Mitel.ChatToolbox with its Config defaults and
// hooks, which loads Parley's widget loader for the configured service group.
//
//go:embed toolbox.js
var toolboxJS []byte

// RegisterToolbox mounts the stock toolbox: GET /CustomerChat/Chat/Toolbox (the one-line
// script), /CustomerChat/Chat/Group (which connector a Config's service group names, for the
// script) and /CustomerChat/Chat (the sample page).
func (s *Service) RegisterToolbox(r fiber.Router) {
	r.Get("/CustomerChat/Chat/Toolbox", s.toolbox)
	r.Get("/CustomerChat/Chat/Group", s.group)
	r.Get("/CustomerChat/Chat", s.sample)
}

func (s *Service) toolbox(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "text/javascript; charset=utf-8")
	c.Set(fiber.HeaderCacheControl, "public, max-age=300")
	return c.Send(toolboxJS)
}

// group answers the toolbox: the connector hash of a service group, whether it is open, and
// the toolbox texts set for the page's culture (lang) as the widget's text overrides, for
// pages of the connector's allowed origins.
func (s *Service) group(c *fiber.Ctx) error {
	ctx := c.UserContext()
	c.Set(fiber.HeaderCacheControl, "no-store")
	tenant := c.QueryInt("TenantID", store.MiCCDefaultTenant)
	m, conn, err := s.service(ctx, &tenant, c.QueryInt("ServiceGroupID", 0), c.Query("ServiceGroupName"))
	site := c.Get(fiber.HeaderOrigin)
	if site != "" {
		c.Set(fiber.HeaderAccessControlAllowOrigin, site)
		c.Vary(fiber.HeaderOrigin)
	}
	if err != nil {
		f := faultOf(err)
		return c.Status(f.status).JSON(Fault{Message: f.msg, Code: string(f.code)})
	}
	if site != "" && !origin.Allowed(conn.AllowedOrigins, origin.Of(site)) {
		return c.Status(fiber.StatusForbidden).JSON(Fault{Message: "the website " + site + " may not use this service group; add it to the connector's allowed origins", Code: string(protocol.CodeForbidden)})
	}
	info := s.o.Chats.ConnectorOpen(conn)
	return c.JSON(fiber.Map{"Hash": conn.Hash, "Open": info, "Texts": toolboxtext.ForWidget(m.Texts, c.Query("lang"))})
}

// sample is MiCC's sample page: the one line, and a customizePage naming the first service
// group of the default tenant.
func (s *Service) sample(c *fiber.Ctx) error {
	svcs, err := s.o.Store.MiCCServices(c.UserContext(), store.MiCCDefaultTenant)
	if err != nil {
		return err
	}
	group := store.MiCCService{MiCCTenant: store.MiCCDefaultTenant}
	if len(svcs) > 0 {
		group = svcs[0]
	}
	c.Set(fiber.HeaderContentType, "text/html; charset=utf-8")
	return c.SendString(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Chat toolbox sample</title>
<script src="/CustomerChat/Chat/Toolbox"></script>
<script>
    Mitel.ChatToolbox.customizePage = function() {
        Mitel.ChatToolbox.Config.TenantID = ` + strconv.Itoa(group.MiCCTenant) + `;
        Mitel.ChatToolbox.Config.ServiceGroupID = ` + strconv.Itoa(group.GroupID) + `;
        Mitel.ChatToolbox.Config.ServiceGroupName = "` + html.EscapeString(group.GroupName) + `";
        Mitel.ChatToolbox.Config.ToolboxPosition = "bottom-right";
    }
</script>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42em;margin:3em auto;padding:0 1em;color:#1e293b}code{background:#f1f5f9;padding:.1em .3em}</style>
</head>
<body>
<h1>Chat toolbox sample</h1>
<p>This page integrates the chat toolbox with one line at the end of its <code>&lt;head&gt;</code>:</p>
<pre><code>&lt;script src="https://` + html.EscapeString(c.Hostname()) + `/CustomerChat/Chat/Toolbox"&gt;&lt;/script&gt;</code></pre>
<p>View the page's source for the <code>customizePage</code> function that names the service group.</p>
</body>
</html>`)
}
