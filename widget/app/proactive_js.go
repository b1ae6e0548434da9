//go:build js && wasm

package main

import (
	"strings"

	"github.com/parleychat/parley/widget/wire"
)

// readInvite returns the chat and token of an agent's invitation, which the loader puts in the
// frame URL's fragment ("inv") when it opens the chat for one; "" when there is none.
func readInvite() (chat, token string) {
	frag := strings.TrimPrefix(global.Get("location").Get("hash").String(), "#")
	if frag == "" {
		return "", ""
	}
	v, err := wire.Parse(global.Call("decodeURIComponent", frag).String())
	if err != nil {
		return "", ""
	}
	inv := v.Get("inv")
	return inv.Get("chat").Str(), inv.Get("token").Str()
}
