package store

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/token"
)

// ---- tenants ----

func prepareTenant(t Tenant) (Tenant, error) {
	t.Name = strings.TrimSpace(t.Name)
	if t.Name == "" {
		return t, rule("Enter the tenant's name.")
	}
	if t.TimeZone == "" {
		t.TimeZone = "UTC"
	}
	if _, err := time.LoadLocation(t.TimeZone); err != nil {
		return t, invalid("unknown time zone %q", t.TimeZone)
	}
	if t.DefaultLang == "" {
		t.DefaultLang = "en"
	}
	return t, nil
}

// CreateTenant stores a new tenant and returns it with its ID. Empty
// TimeZone and DefaultLang become "UTC" and "en".
func (s *Store) CreateTenant(ctx context.Context, t Tenant) (Tenant, error) {
	out, err := createTenant(s.w.WithContext(ctx), t)
	err = s.published(err, changes.Setting{Kind: changes.KindTenant, TenantID: out.ID, ID: out.ID})
	return out, wrap("create tenant", err)
}

func createTenant(db *gorm.DB, t Tenant) (Tenant, error) {
	t, err := prepareTenant(t)
	if err != nil {
		return t, err
	}
	t.ID, t.CreatedAt = 0, now()
	row := tenantToRow(t)
	if err := db.Create(&row).Error; err != nil {
		return Tenant{}, err
	}
	return row.domain(), nil
}

// UpdateTenant changes a tenant's name, time zone and default language.
func (s *Store) UpdateTenant(ctx context.Context, t Tenant) (Tenant, error) {
	t, err := prepareTenant(t)
	if err != nil {
		return Tenant{}, wrap("update tenant", err)
	}
	res := s.w.WithContext(ctx).Model(&tenantRow{}).Where("id = ?", t.ID).
		Updates(map[string]any{"name": t.Name, "time_zone": t.TimeZone, "default_lang": t.DefaultLang})
	if err := s.published(affected(res), changes.Setting{Kind: changes.KindTenant, TenantID: t.ID, ID: t.ID}); err != nil {
		return Tenant{}, wrap("update tenant", err)
	}
	return s.Tenant(ctx, t.ID)
}

// Tenant returns the tenant with the given id, or ErrNotFound.
func (s *Store) Tenant(ctx context.Context, id int64) (Tenant, error) {
	var row tenantRow
	if err := s.r.WithContext(ctx).Take(&row, "id = ?", id).Error; err != nil {
		return Tenant{}, wrap("tenant", err)
	}
	return row.domain(), nil
}

// Tenants lists all tenants by id, for the super-admin and for start-up.
func (s *Store) Tenants(ctx context.Context) ([]Tenant, error) {
	var rows []tenantRow
	if err := s.r.WithContext(ctx).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("tenants", err)
	}
	out := make([]Tenant, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// affected turns "no row matched" into ErrNotFound.
func affected(res *gorm.DB) error {
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return ErrNotFound
	}
	return nil
}

// ---- ACD groups ----

func prepareGroup(g ACDGroup) (ACDGroup, error) {
	g.Name = strings.TrimSpace(g.Name)
	if g.Name == "" {
		return g, rule("Enter the group's name.")
	}
	switch g.Strategy {
	case "":
		g.Strategy = StrategyLongestIdle
	case StrategyLongestIdle, StrategyLeastBusy, StrategyRoundRobin:
	default:
		return g, invalid("unknown distribution strategy %q", g.Strategy)
	}
	return g, nil
}

// CreateGroup stores a new ACD group and returns it with its ID.
func (s *Store) CreateGroup(ctx context.Context, g ACDGroup) (ACDGroup, error) {
	out, err := createGroup(s.w.WithContext(ctx), g)
	err = s.published(err, changes.Setting{Kind: changes.KindGroup, TenantID: out.TenantID, ID: out.ID})
	return out, wrap("create group", err)
}

func createGroup(db *gorm.DB, g ACDGroup) (ACDGroup, error) {
	g, err := prepareGroup(g)
	if err != nil {
		return g, err
	}
	g.ID = 0
	row := groupToRow(g)
	if err := db.Create(&row).Error; err != nil {
		return ACDGroup{}, err
	}
	return row.domain(), nil
}

// UpdateGroup changes a group's name and strategy (not its tenant).
func (s *Store) UpdateGroup(ctx context.Context, g ACDGroup) (ACDGroup, error) {
	g, err := prepareGroup(g)
	if err != nil {
		return ACDGroup{}, wrap("update group", err)
	}
	var cur groupRow
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Select("tenant_id").Take(&cur, "id = ?", g.ID).Error; err != nil {
			return err
		}
		return tx.Model(&groupRow{}).Where("id = ?", g.ID).
			Updates(map[string]any{"name": g.Name, "strategy": g.Strategy}).Error
	})
	if err := s.published(err, changes.Setting{Kind: changes.KindGroup, TenantID: cur.TenantID, ID: g.ID}); err != nil {
		return ACDGroup{}, wrap("update group", err)
	}
	return s.Group(ctx, g.ID)
}

// Group returns the ACD group with the given id, or ErrNotFound.
func (s *Store) Group(ctx context.Context, id int64) (ACDGroup, error) {
	var row groupRow
	if err := s.r.WithContext(ctx).Take(&row, "id = ?", id).Error; err != nil {
		return ACDGroup{}, wrap("group", err)
	}
	return row.domain(), nil
}

// Groups lists a tenant's ACD groups by id.
func (s *Store) Groups(ctx context.Context, tenantID int64) ([]ACDGroup, error) {
	var rows []groupRow
	if err := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("groups", err)
	}
	out := make([]ACDGroup, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// ---- connectors ----

func prepareConnector(c Connector) (Connector, error) {
	c.Name = strings.TrimSpace(c.Name)
	switch {
	case c.Name == "":
		return c, rule("Enter the connector's name.")
	case c.MaxChatsAll < 0:
		return c, rule("The most chats must not be negative.")
	case c.ConnectWait < 0, c.AnswerTime < 0, c.FreeAgentSearch < 0, c.IgnoreSkillsAfter < 0, c.ReconnectWindow < 0,
		c.Waiting1 < 0, c.Waiting2 < 0, c.WaitingFinal < 0:
		return c, rule("Timeouts must not be negative.")
	}
	for i, sk := range c.Skills {
		if sk.IgnoreAfter < 0 || sk.Min < 0 {
			return c, invalid("skill %d: negative minimum or timeout", i+1)
		}
	}
	if c.WhatsAppEnabled && c.WhatsAppSecret == "" {
		c.WhatsAppSecret = token.New(24)
	}
	return c, nil
}

// CreateConnector stores a new connector, assigns its public Hash and
// applies the default timeouts to zero durations.
func (s *Store) CreateConnector(ctx context.Context, c Connector) (Connector, error) {
	out, err := createConnector(s.w.WithContext(ctx), c)
	err = s.published(err, changes.Setting{Kind: changes.KindConnector, TenantID: out.TenantID, ID: out.ID})
	return out, wrap("create connector", err)
}

// connectorHashBytes gives 16-character hashes (96 bits), beyond jtel's 12.
const connectorHashBytes = 12

func createConnector(db *gorm.DB, c Connector) (Connector, error) {
	c, err := prepareConnector(c)
	if err != nil {
		return c, err
	}
	defaults := []struct {
		d   *time.Duration
		def time.Duration
	}{
		{&c.ConnectWait, DefaultConnectWait},
		{&c.AnswerTime, DefaultAnswerTime},
		{&c.FreeAgentSearch, DefaultFreeAgentSearch},
		{&c.ReconnectWindow, DefaultReconnectWindow},
	}
	for _, d := range defaults {
		if *d.d == 0 {
			*d.d = d.def
		}
	}
	if err := sameTenant(db, &groupRow{}, "group", c.TenantID, c.GroupID); err != nil {
		return c, err
	}
	c.ID, c.Hash = 0, token.New(connectorHashBytes)
	c.CreatedAt = now()
	c.UpdatedAt = c.CreatedAt
	row, err := connectorToRow(c)
	if err != nil {
		return Connector{}, err
	}
	if err := db.Create(&row).Error; err != nil {
		return Connector{}, err
	}
	return row.domain()
}

// UpdateConnector replaces a connector's settings. ID selects the row;
// TenantID, Hash and CreatedAt are kept as stored.
func (s *Store) UpdateConnector(ctx context.Context, c Connector) (Connector, error) {
	c, err := prepareConnector(c)
	if err != nil {
		return Connector{}, wrap("update connector", err)
	}
	c.UpdatedAt = now()
	row, err := connectorToRow(c)
	if err != nil {
		return Connector{}, wrap("update connector", err)
	}
	var cur connectorRow
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Select("tenant_id").Take(&cur, "id = ?", c.ID).Error; err != nil {
			return err
		}
		if err := sameTenant(tx, &groupRow{}, "group", cur.TenantID, c.GroupID); err != nil {
			return err
		}
		return tx.Model(&connectorRow{}).Where("id = ?", c.ID).
			Select("*").Omit("id", "tenant_id", "hash", "created_at").Updates(&row).Error
	})
	if err := s.published(err, changes.Setting{Kind: changes.KindConnector, TenantID: cur.TenantID, ID: c.ID}); err != nil {
		return Connector{}, wrap("update connector", err)
	}
	return s.Connector(ctx, c.ID)
}

// Connector returns the connector with the given id, or ErrNotFound.
func (s *Store) Connector(ctx context.Context, id int64) (Connector, error) {
	return s.connectorWhere(ctx, "connector", "id = ?", id)
}

// ConnectorByHash returns the connector a widget names by its public hash,
// or ErrNotFound.
func (s *Store) ConnectorByHash(ctx context.Context, hash string) (Connector, error) {
	return s.connectorWhere(ctx, "connector by hash", "hash = ?", hash)
}

func (s *Store) connectorWhere(ctx context.Context, op, where string, arg any) (Connector, error) {
	var row connectorRow
	if err := s.r.WithContext(ctx).Take(&row, where, arg).Error; err != nil {
		return Connector{}, wrap(op, err)
	}
	c, err := row.domain()
	return c, wrap(op, err)
}

// Connectors lists a tenant's connectors by id.
func (s *Store) Connectors(ctx context.Context, tenantID int64) ([]Connector, error) {
	var rows []connectorRow
	if err := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("id").Find(&rows).Error; err != nil {
		return nil, wrap("connectors", err)
	}
	out := make([]Connector, len(rows))
	for i, r := range rows {
		c, err := r.domain()
		if err != nil {
			return nil, wrap("connectors", err)
		}
		out[i] = c
	}
	return out, nil
}

// ---- agent statuses ----

func prepareStatus(a AgentStatus) (AgentStatus, error) {
	a.Name = strings.TrimSpace(a.Name)
	if a.Name == "" {
		return a, rule("Enter the status's name.")
	}
	return a, nil
}

// CreateStatus stores a new agent status and returns it with its ID.
func (s *Store) CreateStatus(ctx context.Context, a AgentStatus) (AgentStatus, error) {
	out, err := createStatus(s.w.WithContext(ctx), a)
	err = s.published(err, changes.Setting{Kind: changes.KindStatus, TenantID: out.TenantID, ID: out.ID})
	return out, wrap("create status", err)
}

func createStatus(db *gorm.DB, a AgentStatus) (AgentStatus, error) {
	a, err := prepareStatus(a)
	if err != nil {
		return a, err
	}
	a.ID = 0
	row := statusToRow(a)
	if err := db.Create(&row).Error; err != nil {
		return AgentStatus{}, err
	}
	return row.domain(), nil
}

// UpdateStatus replaces an agent status's settings (not its tenant).
func (s *Store) UpdateStatus(ctx context.Context, a AgentStatus) (AgentStatus, error) {
	a, err := prepareStatus(a)
	if err != nil {
		return AgentStatus{}, wrap("update status", err)
	}
	row := statusToRow(a)
	var cur statusRow
	err = s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Select("tenant_id").Take(&cur, "id = ?", a.ID).Error; err != nil {
			return err
		}
		return tx.Model(&statusRow{}).Where("id = ?", a.ID).Select("*").Omit("id", "tenant_id").Updates(&row).Error
	})
	if err := s.published(err, changes.Setting{Kind: changes.KindStatus, TenantID: cur.TenantID, ID: a.ID}); err != nil {
		return AgentStatus{}, wrap("update status", err)
	}
	return s.Status(ctx, a.ID)
}

// Status returns the agent status with the given id, or ErrNotFound.
func (s *Store) Status(ctx context.Context, id int64) (AgentStatus, error) {
	var row statusRow
	if err := s.r.WithContext(ctx).Take(&row, "id = ?", id).Error; err != nil {
		return AgentStatus{}, wrap("status", err)
	}
	return row.domain(), nil
}

// Statuses lists a tenant's agent statuses in display order (Sort, then id).
func (s *Store) Statuses(ctx context.Context, tenantID int64) ([]AgentStatus, error) {
	var rows []statusRow
	if err := s.r.WithContext(ctx).Where("tenant_id = ?", tenantID).Order("sort, id").Find(&rows).Error; err != nil {
		return nil, wrap("statuses", err)
	}
	out := make([]AgentStatus, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// sameTenant checks that the referenced rows (ids of model; zeros ignored)
// exist and belong to tenantID, so that no tenant can point at another's
// configuration.
func sameTenant(db *gorm.DB, model any, what string, tenantID int64, ids ...int64) error {
	uniq := make(map[int64]struct{}, len(ids))
	for _, id := range ids {
		if id != 0 {
			uniq[id] = struct{}{}
		}
	}
	if len(uniq) == 0 {
		return nil
	}
	list := make([]int64, 0, len(uniq))
	for id := range uniq {
		list = append(list, id)
	}
	var n int64
	if err := db.Model(model).Where("tenant_id = ? AND id IN ?", tenantID, list).Count(&n).Error; err != nil {
		return err
	}
	if n != int64(len(list)) {
		return invalid("%s does not exist in tenant %d", what, tenantID)
	}
	return nil
}
