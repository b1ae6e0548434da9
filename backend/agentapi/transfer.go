package agentapi

import (
	"context"
	"sort"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// targetStore reads what a chat can be transferred to; the store has it, and the route is
// mounted only when the API's store does.
type targetStore interface {
	Groups(ctx context.Context, tenantID int64) ([]store.ACDGroup, error)
	Connectors(ctx context.Context, tenantID int64) ([]store.Connector, error)
}

// transferTargets answers the signed-in agent's tenant's groups and connectors.
func (h handlers) transferTargets(ts targetStore) fiber.Handler {
	return func(c *fiber.Ctx) error {
		u, ok := h.signedIn(c)
		if !ok {
			return nil
		}
		ctx := c.UserContext()
		groups, err := ts.Groups(ctx, u.TenantID)
		if err != nil {
			h.opts.Logger.Error("transfer targets", "user", u.ID, "err", err)
			return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the groups could not be listed; try again")
		}
		conns, err := ts.Connectors(ctx, u.TenantID)
		if err != nil {
			h.opts.Logger.Error("transfer targets", "user", u.ID, "err", err)
			return apiError(c, fiber.StatusInternalServerError, protocol.CodeInternal, "the connectors could not be listed; try again")
		}
		out := api.TransferTargets{Groups: []api.TransferTarget{}, Connectors: []api.TransferTarget{}}
		for _, g := range groups {
			out.Groups = append(out.Groups, api.TransferTarget{ID: g.ID, Name: g.Name, Open: true})
		}
		for _, k := range conns {
			out.Connectors = append(out.Connectors, api.TransferTarget{ID: k.ID, Name: k.Name, Open: !k.OutOfService})
		}
		byName := func(s []api.TransferTarget) {
			sort.SliceStable(s, func(i, j int) bool { return s[i].Name < s[j].Name })
		}
		byName(out.Groups)
		byName(out.Connectors)
		c.Set(fiber.HeaderCacheControl, "no-store")
		return c.JSON(out)
	}
}
