package chat

import (
	"strings"

	"github.com/parleychat/parley/shared/limits"
)

// PageName is the visitor's name as the embedding page gave it (jtel pdata "name"), trimmed
// and cut to the protocol's length; "" when the page gave none. A page that names its visitor
// is not asked to name them again: the start form hides its own name field, and the first
// message opens the chat, as on jtel's pages.
func (m *Model) PageName() string {
	name := strings.TrimSpace(m.cfg.PData["name"])
	if r := []rune(name); len(r) > limits.NameRunes {
		name = string(r[:limits.NameRunes])
	}
	return name
}
