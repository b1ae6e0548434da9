package survey

import (
	"regexp"
	"sync"
)

// maskCacheSize bounds the compiled masks kept; connectors have a handful each.
const maskCacheSize = 256

// maskCache holds compiled masks; its map is made on first use, so that a program that never
// matches a mask (the browser apps) carries no initialization for it.
var maskCache struct {
	sync.Mutex
	m map[string]*regexp.Regexp // nil value: the pattern does not compile
}

// MatchMask is the server's [MaskFunc]: Go's RE2 engine, which runs in time linear in the
// input whatever the pattern, so an administrator's mask cannot stall the server. The whole
// value must match, as with HTML's pattern attribute: the pattern is compiled on its own
// first (so that "a)|(b" cannot escape the anchors) and then as ^(?:pattern)$. Compiled
// patterns are cached.
func MatchMask(pattern, value string) (match, valid bool) {
	maskCache.Lock()
	re, ok := maskCache.m[pattern]
	maskCache.Unlock()
	if !ok {
		if _, err := regexp.Compile(pattern); err == nil {
			re, _ = regexp.Compile(`^(?:` + pattern + `)$`)
		}
		maskCache.Lock()
		if maskCache.m == nil || len(maskCache.m) >= maskCacheSize {
			maskCache.m = make(map[string]*regexp.Regexp)
		}
		maskCache.m[pattern] = re
		maskCache.Unlock()
	}
	if re == nil {
		return false, false
	}
	return re.MatchString(value), true
}
