// Package settings keeps in memory the configuration that visitor connections need when they
// connect and while they chat: connectors by hash and by id, each connector's survey fields, a
// tenant and its policies, its blocked addresses and its SMTP settings; and what every connect
// derives from them, a connector's texts resolved for a language.
//
// Reading these from the database on every connect cost five queries per connection; under a
// burst of connects on SQLite that took long enough to fail connects. The [Cache] reads each
// value once, on first use, with one load per key at a time however many connections ask, and
// forgets a value when the store publishes its change on the change bus (backend/changes), so
// the next read loads it fresh.
package settings

import (
	"context"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/texts"
)

// Store is what the cache reads from the database; *store.Store is one.
type Store interface {
	ConnectorByHash(ctx context.Context, hash string) (store.Connector, error)
	Connector(ctx context.Context, id int64) (store.Connector, error)
	SurveyFields(ctx context.Context, connectorID int64, kind string) ([]store.SurveyField, error)
	Tenant(ctx context.Context, id int64) (store.Tenant, error)
	TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error)
	IPBlocks(ctx context.Context, tenantID int64) ([]store.IPBlock, error)
	MailSettings(ctx context.Context, tenantID int64) (store.MailSettings, error)
}

// Changes is where the cache learns that a setting changed; a changes.Bus is one.
type Changes interface {
	SubscribeSettings(f func(changes.Setting)) (cancel func())
}

// ErrClosed is returned by every read after [Cache.Close].
var ErrClosed = errors.New("settings: cache closed")

// loadTimeout bounds one load from the store. Loads run apart from the readers that wait for
// them, so that one reader giving up does not fail the others.
const loadTimeout = 15 * time.Second

// Survey is a connector's pre-chat and post-chat survey fields in display order.
type Survey struct {
	Pre, Post []store.SurveyField
}

// Cache holds settings in memory, loaded on first use and dropped when they change. It is safe
// for concurrent use. Values it returns are shared with other readers: do not modify them
// (their slices and maps included).
type Cache struct {
	st     Store
	cancel func() // ends the subscription to changes

	byHash      *table[string, store.Connector]
	connectors  *table[int64, store.Connector]
	surveys     *table[int64, Survey]
	tenants     *table[int64, store.Tenant]
	tenantSets  *table[int64, store.TenantSettings]
	blockedNets *table[int64, []netip.Prefix]
	mail        *table[int64, store.MailSettings]
	texts       resolvedTexts

	closed atomic.Bool
	base   context.Context // parent of every load; cancelled by Close
	stop   context.CancelFunc
	mu     sync.Mutex // orders starting a load against Close
	loads  sync.WaitGroup
}

// New returns an empty cache that reads from st and follows the settings changes published on
// ch. Close it when done.
func New(st Store, ch Changes) *Cache {
	c := &Cache{st: st}
	c.base, c.stop = context.WithCancel(context.Background())
	c.byHash = newTable(c, st.ConnectorByHash)
	c.connectors = newTable(c, st.Connector)
	c.surveys = newTable(c, c.loadSurvey)
	c.tenants = newTable(c, st.Tenant)
	c.tenantSets = newTable(c, st.TenantSettings)
	c.blockedNets = newTable(c, c.loadBlocked)
	c.mail = newTable(c, st.MailSettings)
	c.texts.m = make(map[int64]map[string]resolved)
	c.cancel = ch.SubscribeSettings(c.apply)
	return c
}

// Close stops following changes, cancels the loads in flight and waits for them. Reads after
// Close return ErrClosed.
func (c *Cache) Close() {
	c.mu.Lock()
	if c.closed.Swap(true) {
		c.mu.Unlock()
		return
	}
	c.mu.Unlock()
	c.cancel()
	c.stop()
	c.loads.Wait()
}

// ConnectorByHash returns the connector a widget names by its public hash; an unknown hash is
// store.ErrNotFound (not remembered, so a connector created later is found).
func (c *Cache) ConnectorByHash(ctx context.Context, hash string) (store.Connector, error) {
	return c.byHash.get(ctx, hash)
}

// Connector returns the connector with the given id.
func (c *Cache) Connector(ctx context.Context, id int64) (store.Connector, error) {
	return c.connectors.get(ctx, id)
}

// Survey returns a connector's survey fields, pre-chat and post-chat.
func (c *Cache) Survey(ctx context.Context, connectorID int64) (Survey, error) {
	return c.surveys.get(ctx, connectorID)
}

// Tenant returns the tenant with the given id (its time zone and default language).
func (c *Cache) Tenant(ctx context.Context, id int64) (store.Tenant, error) {
	return c.tenants.get(ctx, id)
}

// TenantSettings returns the tenant's policies, or the defaults when it saved none.
func (c *Cache) TenantSettings(ctx context.Context, tenantID int64) (store.TenantSettings, error) {
	return c.tenantSets.get(ctx, tenantID)
}

// IPBlocked reports whether a visitor address is on the tenant's blacklist, as
// store.Store.IPBlocked does: an address that does not parse is not blocked.
func (c *Cache) IPBlocked(ctx context.Context, tenantID int64, ip string) (bool, error) {
	addr, err := netip.ParseAddr(strings.TrimSpace(ip))
	if err != nil {
		return false, nil
	}
	addr = addr.Unmap()
	nets, err := c.blockedNets.get(ctx, tenantID)
	if err != nil {
		return false, err
	}
	for _, p := range nets {
		if p.Contains(addr) {
			return true, nil
		}
	}
	return false, nil
}

// MailSettings returns the tenant's SMTP settings (the defaults when it saved none). Every
// visitor connect asks whether a transcript can be mailed; under a burst of connects that read
// queued behind the others on SQLite's few read connections.
func (c *Cache) MailSettings(ctx context.Context, tenantID int64) (store.MailSettings, error) {
	return c.mail.get(ctx, tenantID)
}

// Texts returns a connector's texts resolved for a visitor language (texts.ResolveAll), as
// every visitor connect sends them. They are resolved once per connector and language and kept
// until the connector changes; the map is shared, do not modify it.
func (c *Cache) Texts(conn store.Connector, lang string) map[string]string {
	return c.texts.get(conn, lang)
}

func (c *Cache) loadSurvey(ctx context.Context, connectorID int64) (Survey, error) {
	fields, err := c.st.SurveyFields(ctx, connectorID, "")
	if err != nil {
		return Survey{}, err
	}
	var s Survey
	for _, f := range fields {
		if f.Kind == store.SurveyPostChat {
			s.Post = append(s.Post, f)
		} else {
			s.Pre = append(s.Pre, f)
		}
	}
	return s, nil
}

// loadBlocked reads the tenant's blacklist as prefixes; a single address is a prefix of its
// full length. Entries that do not parse (the store writes none) are skipped, as the store's
// own check skips them.
func (c *Cache) loadBlocked(ctx context.Context, tenantID int64) ([]netip.Prefix, error) {
	blocks, err := c.st.IPBlocks(ctx, tenantID)
	if err != nil {
		return nil, err
	}
	out := make([]netip.Prefix, 0, len(blocks))
	for _, b := range blocks {
		if strings.Contains(b.Prefix, "/") {
			if p, err := netip.ParsePrefix(b.Prefix); err == nil {
				out = append(out, p)
			}
		} else if a, err := netip.ParseAddr(b.Prefix); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
		}
	}
	return out, nil
}

// apply forgets what a committed change made stale. It runs on the cache's own subscriber
// goroutine.
func (c *Cache) apply(ch changes.Setting) {
	switch ch.Kind {
	case changes.KindConnector:
		c.connectors.forget(ch.ID)
		c.texts.forget(ch.ID)
		// A load by hash does not know its connector's id until it ends: forget every one in
		// flight along with those of this connector.
		c.byHash.forgetIf(func(e *entry[store.Connector]) bool { return !e.loaded || e.val.ID == ch.ID })
		if ch.Deleted {
			c.surveys.forget(ch.ID)
		}
	case changes.KindSurvey:
		c.surveys.forget(ch.ID)
	case changes.KindTenant:
		c.tenants.forget(ch.TenantID)
		if ch.Deleted {
			c.tenantSets.forget(ch.TenantID)
			c.blockedNets.forget(ch.TenantID)
			c.mail.forget(ch.TenantID)
		}
	case changes.KindTenantSettings:
		c.tenantSets.forget(ch.TenantID)
	case changes.KindIPBlocks:
		c.blockedNets.forget(ch.TenantID)
	case changes.KindMail:
		c.mail.forget(ch.TenantID)
	}
}

// startLoad runs load on a goroutine of its own unless the cache is closed.
func (c *Cache) startLoad(load func()) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed.Load() {
		return false
	}
	c.loads.Add(1)
	go func() {
		defer c.loads.Done()
		load()
	}()
	return true
}

// table is the cache of one kind of value by key.
//
// Each entry is one load: readers that find it wait for that load, and a change removes the
// entry from the map. A load that was in flight when its key changed therefore fills only its
// own, forgotten entry (its waiters, who asked before the change, get its value) and is never
// cached; the next reader starts a fresh load. The entry is the key's generation.
type table[K comparable, V any] struct {
	c    *Cache
	load func(context.Context, K) (V, error)

	mu sync.RWMutex
	m  map[K]*entry[V]
}

type entry[V any] struct {
	done   chan struct{} // closed when the load ended
	loaded bool          // set, under the table's lock, when the load succeeded
	val    V
	err    error
}

func newTable[K comparable, V any](c *Cache, load func(context.Context, K) (V, error)) *table[K, V] {
	return &table[K, V]{c: c, load: load, m: make(map[K]*entry[V])}
}

func (t *table[K, V]) get(ctx context.Context, k K) (V, error) {
	var zero V
	if t.c.closed.Load() {
		return zero, ErrClosed
	}
	t.mu.RLock()
	e := t.m[k]
	t.mu.RUnlock()
	if e == nil {
		t.mu.Lock()
		if e = t.m[k]; e == nil {
			e = &entry[V]{done: make(chan struct{})}
			if !t.c.startLoad(func() { t.fill(k, e) }) {
				t.mu.Unlock()
				return zero, ErrClosed
			}
			t.m[k] = e
		}
		t.mu.Unlock()
	}
	select {
	case <-e.done:
		return e.val, e.err
	default:
	}
	select {
	case <-e.done:
		return e.val, e.err
	case <-ctx.Done():
		return zero, ctx.Err()
	}
}

// fill loads k into e; a failed load is not kept, so the next reader tries again.
func (t *table[K, V]) fill(k K, e *entry[V]) {
	ctx, cancel := context.WithTimeout(t.c.base, loadTimeout)
	v, err := t.load(ctx, k)
	cancel()
	t.mu.Lock()
	e.val, e.err, e.loaded = v, err, err == nil
	if err != nil && t.m[k] == e {
		delete(t.m, k)
	}
	t.mu.Unlock()
	close(e.done)
}

func (t *table[K, V]) forget(k K) {
	t.mu.Lock()
	delete(t.m, k)
	t.mu.Unlock()
}

func (t *table[K, V]) forgetIf(stale func(*entry[V]) bool) {
	t.mu.Lock()
	for k, e := range t.m {
		if stale(e) {
			delete(t.m, k)
		}
	}
	t.mu.Unlock()
}

// resolvedTexts keeps connectors' resolved texts by connector id and language.
//
// Each is kept with the resources it was resolved from, and serves only a connector value
// with those same resources: a connect that read its connector before a change and resolves
// after the change has dropped the old texts stores texts that the connector's next reader,
// holding the reloaded connector, does not take. Visitors choose the language, so a connector
// keeps at most maxTextLangs of them; texts in further languages are resolved on every read.
type resolvedTexts struct {
	mu sync.RWMutex
	m  map[int64]map[string]resolved
}

type resolved struct {
	from map[string]string // the connector's resources
	out  map[string]string
}

// maxTextLangs is how many languages' texts a connector keeps.
const maxTextLangs = 16

func (r *resolvedTexts) get(conn store.Connector, lang string) map[string]string {
	r.mu.RLock()
	e, ok := r.m[conn.ID][lang]
	r.mu.RUnlock()
	if ok && sameMap(e.from, conn.Texts) {
		return e.out
	}
	out := texts.ResolveAll(conn.Texts, lang)
	r.mu.Lock()
	langs := r.m[conn.ID]
	if langs == nil {
		langs = make(map[string]resolved)
		r.m[conn.ID] = langs
	}
	if _, ok := langs[lang]; ok || len(langs) < maxTextLangs {
		langs[lang] = resolved{from: conn.Texts, out: out}
	}
	r.mu.Unlock()
	return out
}

func (r *resolvedTexts) forget(connectorID int64) {
	r.mu.Lock()
	delete(r.m, connectorID)
	r.mu.Unlock()
}

// sameMap reports whether a and b are the same map (not merely equal ones); nil maps are the
// same, as they resolve alike.
func sameMap(a, b map[string]string) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
