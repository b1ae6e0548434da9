package server

import (
	"io"

	"github.com/gofiber/fiber/v2"
)

// readBody is the first handler of every listener: it reads the request's body, at most limit
// bytes, before any route sees it.
//
// The listeners stream request bodies (newApp's StreamRequestBody) because fasthttp,
// reading a body whole before the handler, first allocates all of the length its header
// announces, up to the body limit: 50 connections that each announced 26 MB and sent a byte
// held 1.7 GB of the server's memory until their read timeout. Read here, a body holds about
// what has come of it. One announced or found longer than limit is answered 413 and its
// connection closed (its unread rest cannot be skipped), before a route allocates anything.
// Multipart forms are parsed from the body read here (DisablePreParseMultipartForm): fasthttp
// would otherwise read a streamed form of any length into temporary files first.
func readBody(limit int) fiber.Handler {
	return func(c *fiber.Ctx) error {
		req := c.Request()
		if !req.IsBodyStream() {
			return c.Next()
		}
		if req.Header.ContentLength() > limit {
			c.Context().SetConnectionClose()
			return fiber.ErrRequestEntityTooLarge
		}
		body, err := io.ReadAll(io.LimitReader(req.BodyStream(), int64(limit)+1))
		if err != nil {
			c.Context().SetConnectionClose()
			return fiber.NewError(fiber.StatusBadRequest, "the request's body could not be read")
		}
		if len(body) > limit {
			c.Context().SetConnectionClose()
			return fiber.ErrRequestEntityTooLarge
		}
		if n := req.Header.ContentLength(); n >= 0 && len(body) < n {
			// The client went away before the end of its announced body, which fasthttp's
			// stream tells as a plain end: the part that came is no request.
			c.Context().SetConnectionClose()
			return fiber.NewError(fiber.StatusBadRequest, "the request's body ended before its announced length")
		}
		// Kept as read: a copy into fasthttp's pooled body buffer would cost a second body's
		// memory, and leave the pool a buffer of an upload's size.
		req.SetBodyRaw(body)
		req.Header.SetContentLength(len(body))
		return c.Next()
	}
}
