// Package admin is Parley's administration web interface: server-rendered pages (templ) under
// /admin/ with which administrators configure a tenant completely — tenants, users and their
// skills, agent statuses, ACD groups, connectors with every distribution setting, opening
// hours and widget options, texts, surveys, canned responses, the attachment policy, the IP
// blacklist, e-mail (SMTP settings, a test message, the delivery log) and the embed code —
// and supervisors watch the live routing state.
//
// The pages work without JavaScript (plain forms); a little script only adds copy buttons
// and updates the live overview in place, with a button to pause it (a reload would take the
// focus away every few seconds). Every request is checked in two places: the role
// (super-admin, tenant admin, supervisor, agent) and the tenant — an entity of another tenant
// is reported as not found, so nobody learns that it exists. Every POST carries a CSRF token
// tied to the session and is refused with 403 without it. Saved settings are handed to the
// routing engine at once (see [Routing]), so no change needs a restart.
package admin

import (
	"context"
	"log/slog"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/acd"
	"github.com/parleychat/parley/backend/mail"
	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/reportexport"
	"github.com/parleychat/parley/backend/session"
	"github.com/parleychat/parley/backend/signin"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/webhook"
)

// Routing is what the admin pages need from the chat service: its live state, for
// supervisors. (Saved settings reach routing through the change bus, not from here.)
// *chat.Service implements it.
type Routing interface {
	Snapshot() acd.Snapshot
	Explain(chatID string) []acd.LogEntry
}

// Options wire the admin pages to the rest of the server.
type Options struct {
	Store   *store.Store
	Routing Routing
	// SessionTTL is how long a sign-in lasts (the same sessions as the agent app).
	SessionTTL time.Duration
	// SecureCookies marks cookies Secure (serve over TLS).
	SecureCookies bool
	// SignIn checks sign-ins; pass the server's one guard so that the agent app's API shares
	// its budgets. Nil makes one for the admin pages alone.
	SignIn *signin.Guard
	Logger *slog.Logger
	// MailSender sends the E-mail page's test messages; nil means mail.SMTP with its
	// defaults. Tests pass one that trusts their server's certificate.
	MailSender mail.Sender
	// Webhooks delivers the webhooks the pages send tests and replays of (woken at once), and
	// says whether endpoints may reach private addresses; nil refuses them and leaves
	// delivery to the next poll of whichever worker runs.
	Webhooks *webhook.Worker
	// ReportExports sends the chat report exports the pages send tests and replays of (woken
	// at once), and says whether their URLs may reach private addresses; nil refuses them.
	ReportExports *reportexport.Worker
	// Translator makes the Translation page's tests, so that they go through the client
	// every chat uses and land in the call log; nil means an unlogged translate.Client.
	Translator *translate.Client
	// TranslationLog is the call log's writer, which a test waits for; nil waits for nothing.
	TranslationLog TranslationLog
	// Push sends the Web Push tests and replays of the push delivery log (woken at once); nil
	// leaves them to the next poll of whichever sender runs.
	Push PushWaker
	// WhatsApp sends the WhatsApp log's tests and lines sent again (woken at once); nil
	// leaves them to the next poll of whichever worker runs, and a test does not wait for
	// TynTec's answer.
	WhatsApp WhatsAppWaker
	// Left sends the replies to left messages (and wakes the outbox); nil writes them for
	// the outbox's next poll.
	Left *mail.Left
	// HashPassword hashes new passwords; nil means password.Hash. Tests pass a cheap one.
	HashPassword func(string) (string, error)
	// Applied waits until the changes saved so far have reached routing, the caches and open
	// clients (the server's SettingsApplied). A save answers only after it, for at most
	// appliedWait, so that what an admin sees saved is what routing does; nil skips the wait.
	Applied func(context.Context) error
}

// appliedWait bounds how long a save waits for its change to be applied everywhere.
const appliedWait = 2 * time.Second

// handlers holds what every page needs; one value serves all requests.
type handlers struct {
	st       *store.Store
	rt       Routing
	opts     Options
	log      *slog.Logger
	sessions session.Issuer
}

// Register mounts the admin pages under /admin on r.
func Register(r fiber.Router, opts Options) {
	if opts.SessionTTL <= 0 {
		opts.SessionTTL = 12 * time.Hour
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.SignIn == nil {
		opts.SignIn = signin.New(opts.Store, signin.Limits{}, opts.Logger)
	}
	if opts.HashPassword == nil {
		opts.HashPassword = password.Hash
	}
	h := &handlers{st: opts.Store, rt: opts.Routing, opts: opts, log: opts.Logger,
		sessions: session.Issuer{Store: opts.Store, TTL: opts.SessionTTL, Secure: opts.SecureCookies}}

	g := r.Group("/admin", h.securityHeaders)
	g.Get("/static/:file", serveStatic)
	g.Use(h.session, h.language, h.checkCSRF, h.auditMiddleware(), h.applied)

	g.Get("/login", h.loginPage)
	g.Post("/login", h.login)
	g.Post("/logout", h.logout)
	g.Get("/", h.home)

	agent, sup, adm, super := h.need(roleAgent), h.need(roleSupervisor), h.need(roleAdmin), h.need(roleSuperAdmin)

	g.Post("/lang", agent, h.langSave)
	g.Get("/profile", agent, h.profile)
	g.Post("/profile", agent, h.profileSave)
	g.Post("/profile/password", agent, h.profilePassword)

	g.Get("/tenants", super, h.tenants)
	g.Get("/tenants/new", super, h.tenantNew)
	g.Post("/tenants/new", super, h.tenantCreate)
	g.Get("/tenants/:id", adm, h.tenantEdit)
	g.Post("/tenants/:id", adm, h.tenantSave)
	g.Post("/switch-tenant", super, h.switchTenant)

	g.Get("/users", sup, h.users)
	g.Get("/users/new", adm, h.userNew)
	g.Post("/users/new", adm, h.userCreate)
	g.Get("/users/:id", adm, h.userEdit)
	g.Post("/users/:id", adm, h.userSave)
	g.Post("/users/:id/password", adm, h.userPassword)
	g.Post("/users/:id/active", adm, h.userActive)

	g.Get("/statuses", sup, h.statuses)
	g.Get("/statuses/new", adm, h.statusNew)
	g.Post("/statuses/new", adm, h.statusSave)
	g.Get("/statuses/:id", adm, h.statusEdit)
	g.Post("/statuses/:id", adm, h.statusSave)

	g.Get("/groups", sup, h.groups)
	g.Get("/groups/new", adm, h.groupNew)
	g.Post("/groups/new", adm, h.groupSave)
	g.Get("/groups/:id", adm, h.groupEdit)
	g.Post("/groups/:id", adm, h.groupSave)

	g.Get("/connectors", sup, h.connectors)
	g.Get("/connectors/new", adm, h.connectorNew)
	g.Post("/connectors/new", adm, h.connectorSave)
	g.Get("/connectors/:id", adm, h.connectorEdit)
	g.Post("/connectors/:id", adm, h.connectorSave)
	g.Get("/connectors/:id/transcript", adm, h.transcriptMailEdit)
	g.Post("/connectors/:id/transcript", adm, h.transcriptMailSave)
	g.Get("/connectors/:id/export", adm, h.exportEdit)
	g.Post("/connectors/:id/export", adm, h.exportSave)
	g.Post("/connectors/:id/export/test", adm, h.exportTest)
	g.Get("/exports/log", adm, h.exportLog)
	g.Post("/exports/log/:id/replay", adm, h.exportReplay)
	g.Get("/connectors/:id/texts", adm, h.textsEdit)
	g.Post("/connectors/:id/texts", adm, h.textsSave)
	g.Get("/connectors/:id/texts/export", adm, h.textsExport)
	g.Post("/connectors/:id/texts/import", adm, h.textsImport)
	g.Get("/connectors/:id/embed", adm, h.embed)
	g.Get("/connectors/:id/micc", adm, h.miccEdit)
	g.Post("/connectors/:id/micc", adm, h.miccSave)
	g.Get("/connectors/:id/images", adm, h.images)
	g.Post("/connectors/:id/images/:kind", adm, h.imageUpload)
	g.Post("/connectors/:id/images/:kind/delete", adm, h.imageDelete)
	g.Get("/connectors/:id/preview", adm, h.preview)
	g.Get("/connectors/:id/surveys", adm, h.surveys)
	g.Get("/connectors/:id/surveys/new", adm, h.surveyNew)
	g.Post("/connectors/:id/surveys/new", adm, h.surveySave)
	g.Get("/connectors/:id/surveys/:fid", adm, h.surveyEdit)
	g.Post("/connectors/:id/surveys/:fid", adm, h.surveySave)
	g.Post("/connectors/:id/surveys/:fid/delete", adm, h.surveyDelete)

	g.Get("/canned", adm, h.canned)
	g.Post("/canned/folders", adm, h.folderCreate)
	g.Get("/canned/folders/:id", adm, h.folderEdit)
	g.Post("/canned/folders/:id", adm, h.folderSave)
	g.Post("/canned/folders/:id/delete", adm, h.folderDelete)
	g.Post("/canned/responses", adm, h.responseCreate)
	g.Get("/canned/responses/:id", adm, h.responseEdit)
	g.Post("/canned/responses/:id", adm, h.responseSave)
	g.Post("/canned/responses/:id/delete", adm, h.responseDelete)

	g.Get("/attachments", adm, h.attachments)
	g.Post("/attachments", adm, h.attachmentsSave)
	g.Get("/security", adm, h.security)
	g.Post("/security", adm, h.securitySave)
	g.Post("/security/blocks", adm, h.blockCreate)
	g.Post("/security/blocks/:id/delete", adm, h.blockDelete)
	g.Get("/whoson", adm, h.whoson)
	g.Post("/whoson", adm, h.whosonSave)
	g.Get("/translation", adm, h.translation)
	g.Post("/translation", adm, h.translationSave)
	g.Post("/translation/test", adm, h.translationTest)
	g.Get("/mail", adm, h.mailSettings)
	g.Post("/mail", adm, h.mailSave)
	g.Post("/mail/test", adm, h.mailTest)
	g.Get("/mail/log", adm, h.mailLog)
	g.Get("/webhooks", adm, h.webhooks)
	g.Post("/webhooks", adm, h.webhookCreate)
	g.Get("/webhooks/log", adm, h.webhookLog)
	g.Post("/webhooks/log/:id/replay", adm, h.webhookReplay)
	g.Get("/webhooks/:id", adm, h.webhookEdit)
	g.Post("/webhooks/:id", adm, h.webhookSave)
	g.Post("/webhooks/:id/test", adm, h.webhookTest)
	g.Post("/webhooks/:id/secret", adm, h.webhookSecret)
	g.Post("/webhooks/:id/delete", adm, h.webhookDelete)
	g.Get("/push/log", adm, h.pushLog)
	g.Post("/push/test", adm, h.pushTest)
	g.Post("/push/log/:id/replay", adm, h.pushReplay)
	g.Get("/whatsapp/log", adm, h.whatsappLog)
	g.Post("/whatsapp/test", adm, h.whatsappTest)
	g.Post("/whatsapp/log/:id/again", adm, h.whatsappSendAgain)
	g.Get("/apitokens", adm, h.apiTokens)
	g.Post("/apitokens", adm, h.apiTokenCreate)
	g.Post("/apitokens/:id/revoke", adm, h.apiTokenRevoke)
	g.Get("/audit", adm, h.auditLog)
	g.Get("/privacy", adm, h.privacy)
	g.Post("/privacy/retention", adm, h.retentionSave)
	g.Post("/privacy/export", adm, h.privacyExport)
	g.Post("/privacy/erase", adm, h.privacyErase)

	g.Get("/overview", sup, h.overview)
	g.Get("/left", sup, h.leftMessages)
	g.Post("/left/:id/reply", sup, h.leftReply)
	h.registerArchive(g, sup)
	h.contactRoutes(g, sup, adm)
	g.Get("/api/chats/:id/decisions", sup, h.decisions)
	h.registerReports(g, sup, adm)

	g.Use(func(c *fiber.Ctx) error {
		return h.fail(c, fiber.StatusNotFound, "There is no such page. Use the menu on the left.")
	})
}

// applied answers a POST only once what it changed has been applied (see [Options.Applied]).
func (h *handlers) applied(c *fiber.Ctx) error {
	err := c.Next()
	if c.Method() == fiber.MethodPost && h.opts.Applied != nil {
		ctx, cancel := context.WithTimeout(c.UserContext(), appliedWait)
		defer cancel()
		if werr := h.opts.Applied(ctx); werr != nil {
			h.log.Warn("admin: a saved change was not applied everywhere in time", "path", c.Path(), "err", werr)
		}
	}
	return err
}
