package admin

import (
	"context"
	"strconv"

	"github.com/gofiber/fiber/v2"
)

// auditOutcome says in words of the request's language how a recorded request ended.
func auditOutcome(ctx context.Context, code int) string {
	switch {
	case code == 0:
		return tr(ctx, "Did not finish")
	case code < 400:
		return tr(ctx, "Done")
	case code == fiber.StatusForbidden:
		return tr(ctx, "Refused (not allowed)")
	case code == fiber.StatusNotFound:
		return tr(ctx, "Not found")
	case code < 500:
		return tr(ctx, "Rejected ({0})", strconv.Itoa(code))
	}
	return tr(ctx, "Failed ({0})", strconv.Itoa(code))
}
