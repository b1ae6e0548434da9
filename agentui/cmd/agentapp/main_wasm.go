//go:build js && wasm

package main

import (
	"github.com/maxence-charriere/go-app/v10/pkg/app"

	"github.com/parleychat/parley/agentui"
)

func main() {
	agentui.Routes()
	app.RunWhenOnBrowser()
}
