package chat

import (
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/parleychat/parley/shared/limits"
)

// PageName is the visitor's name as the embedding page gave it (jtel pdata "name"), trimmed
// and cut to the protocol's length; "" when the page gave none. A page that names its visitor
// is not asked to name them again: the start form hides its own name field, and the first
// message opens the chat, as on jtel's pages.
func (m *Model) PageName() string {
	name := strings.TrimSpace(strings.ToValidUTF8(strings.ReplaceAll(m.cfg.PData["name"], "\x00", ""), ""))
	if r := []rune(name); len(r) > limits.NameRunes {
		name = string(r[:limits.NameRunes])
	}
	return name
}

// fitData makes a page's free data (jtel pdata and udata) fit the protocol's limits, so that a
// page's oversized or broken value costs that value, not the whole chat, which the server
// would refuse: NUL characters and invalid UTF-8 are dropped, values cut to
// limits.DataValueRunes, entries with an empty or overlong key left out, and at most
// limits.DataEntries entries kept, the first by key. Each change is logged for the console.
func (m *Model) fitData(field string, in map[string]string) map[string]string {
	if len(in) == 0 {
		return nil
	}
	keys := make([]string, 0, len(in))
	for k := range in {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make(map[string]string, min(len(in), limits.DataEntries))
	for _, k := range keys {
		ck := strings.ToValidUTF8(strings.ReplaceAll(k, "\x00", ""), "")
		if ck == "" || utf8.RuneCountInString(ck) > limits.DataKeyRunes {
			m.logs = append(m.logs, field+": the entry "+strconv.Quote(k)+" is left out: keys have 1 to "+strconv.Itoa(limits.DataKeyRunes)+" characters")
			continue
		}
		if _, dup := out[ck]; dup {
			continue
		}
		if len(out) == limits.DataEntries {
			m.logs = append(m.logs, field+": only the first "+strconv.Itoa(limits.DataEntries)+" entries are sent")
			break
		}
		v := strings.ToValidUTF8(strings.ReplaceAll(in[k], "\x00", ""), "")
		if r := []rune(v); len(r) > limits.DataValueRunes {
			v = string(r[:limits.DataValueRunes])
			m.logs = append(m.logs, field+"."+ck+" is cut to "+strconv.Itoa(limits.DataValueRunes)+" characters")
		}
		out[ck] = v
	}
	return out
}
