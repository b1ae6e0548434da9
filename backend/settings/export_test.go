package settings

// TextLangs is how many languages' resolved texts the cache keeps for a connector.
func (c *Cache) TextLangs(connectorID int64) int {
	c.texts.mu.RLock()
	defer c.texts.mu.RUnlock()
	return len(c.texts.m[connectorID])
}
