package agentui

import (
	"encoding/json"

	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/shared/api"
)

// saveLang keeps a language chosen in the menu as the agent's setting (User.Lang), which the
// admin pages follow too and the app reads at the next sign-in on any device; "Automatic"
// ("") clears it. prev is the setting before the choice: nothing is sent when it is
// unchanged. A failed save changes nothing on this device, where the choice is kept anyway.
func (a *App) saveLang(ctx app.Context, lang, prev string) {
	if a.phase != phaseDesk || lang == prev {
		return
	}
	body, _ := json.Marshal(api.LangRequest{Lang: lang})
	ctx.Async(func() {
		status, _, err := a.platform.Fetch("PUT", api.LangPath, body)
		if err != nil || status != 204 {
			return
		}
		ctx.Dispatch(func(ctx app.Context) { a.desk.User.Lang = lang })
	})
}
