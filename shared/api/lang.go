package api

// LangPath is PUT /api/me/lang: the signed-in person's language setting (User.Lang), which
// the agent app and the admin pages both follow, so that a choice made in one is kept by the
// other. The body is a [LangRequest] sent as application/json (a cross-site form cannot send
// that without the browser asking first); the answer is 204, or 400 for a tag that is not one.
const LangPath = "/api/me/lang"

// LangRequest is the body of PUT /api/me/lang: a language tag such as "de" or "fr-BE", or ""
// to follow the browser again.
type LangRequest struct {
	Lang string `json:"lang"`
}
