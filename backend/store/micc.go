package store

// This file holds a connector's MiCC Enterprise service settings: the MiCC tenant id and the
// service group (id and name) by which a MiCC ChatService client names the connector, and the
// settings of MiCC's CustomerChat web.config and CCChat service that Parley has no other place
// for. MiCC's MaxMessageLength, CustomerTimeout (the connector's widget options) and its
// attachment settings (the tenant's attachment policy) live where Parley keeps them already.

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/micc/toolboxtext"
)

// MiCCDefaultTenant is the MiCC tenant id of systems without tenants (MiCC's -1).
const MiCCDefaultTenant = -1

// MiCCFromFields are the fields MiCC's FromPriority may name, in MiCC's default order.
var MiCCFromFields = []string{"email", "phone", "id"}

// MiCCService is the MiCC face of one connector: the service group a MiCC client asks for.
type MiCCService struct {
	ConnectorID int64
	TenantID    int64
	// MiCCTenant is the TenantID a MiCC client sends (-1 for a system without tenants).
	MiCCTenant int
	// GroupID and GroupName are the service group's id and name; a client names one of them.
	GroupID   int
	GroupName string
	// IgnoreCustomerDetails drops the customer's name, e-mail address and phone number from
	// chat requests (MiCC web.config IgnoreCustomerDetails).
	IgnoreCustomerDetails bool
	// RejectGroupIDs are service group ids of the same MiCC tenant that may not request chats
	// (MiCC web.config ServiceGroupIDsToReject).
	RejectGroupIDs []int
	// FromPriority orders the fields shown as the customer's "From" (MiCC FromPriority:
	// "phone", "email", "id"); empty means MiCC's default email, phone, id.
	FromPriority []string
	// Texts are the stock toolbox's texts under Toolbox.resx's resource names, "Name" for the
	// default and "Name#fr" or "Name#fr-BE" per culture (package toolboxtext).
	Texts map[string]string
}

// Validate checks the ids, the name and the FromPriority fields; it wraps ErrInvalid.
func (m MiCCService) Validate() error {
	switch {
	case m.MiCCTenant < -1:
		return rule("The MiCC tenant id must be -1 (no tenants) or a tenant id.")
	case m.GroupID <= 0:
		return rule("The service group id must be a positive number.")
	case strings.TrimSpace(m.GroupName) == "" || len([]rune(m.GroupName)) > 100:
		return rule("The service group needs a name of at most 100 characters.")
	}
	for _, f := range m.FromPriority {
		if !slices.Contains(MiCCFromFields, f) {
			return rule("The FromPriority field \"{0}\" is not one of phone, email, id.", f)
		}
	}
	for _, id := range m.RejectGroupIDs {
		if id < 0 {
			return rule("Service group ids to reject must not be negative.")
		}
	}
	var ce *toolboxtext.CheckError
	if err := toolboxtext.Check(m.Texts); errors.As(err, &ce) {
		return rule(ce.Message, ce.Args...)
	} else if err != nil {
		return invalid("toolbox texts: %v", err)
	}
	return nil
}

// From returns the customer's "From" by FromPriority: the first of the named fields that is
// not empty.
func (m MiCCService) From(id, email, phone string) string {
	order := m.FromPriority
	if len(order) == 0 {
		order = MiCCFromFields
	}
	for _, f := range order {
		v := map[string]string{"id": id, "email": email, "phone": phone}[f]
		if v != "" {
			return v
		}
	}
	return ""
}

type miccServiceRow struct {
	ConnectorID           int64         `gorm:"primaryKey;autoIncrement:false"`
	Connector             *connectorRow `gorm:"constraint:OnDelete:CASCADE"`
	TenantID              int64         `gorm:"not null;index"`
	MiCCTenant            int           `gorm:"column:micc_tenant;not null"`
	GroupID               int           `gorm:"not null"`
	GroupName             string        `gorm:"not null"`
	IgnoreCustomerDetails bool
	RejectGroupIDs        string `gorm:"column:reject_group_ids"`
	FromPriority          string
	Texts                 string
}

func (miccServiceRow) TableName() string { return "micc_services" }

func (r miccServiceRow) domain() MiCCService {
	m := MiCCService{ConnectorID: r.ConnectorID, TenantID: r.TenantID, MiCCTenant: r.MiCCTenant, GroupID: r.GroupID,
		GroupName: r.GroupName, IgnoreCustomerDetails: r.IgnoreCustomerDetails}
	for _, s := range strings.Split(r.RejectGroupIDs, ",") {
		if n, err := strconv.Atoi(strings.TrimSpace(s)); err == nil {
			m.RejectGroupIDs = append(m.RejectGroupIDs, n)
		}
	}
	if r.Texts != "" {
		_ = json.Unmarshal([]byte(r.Texts), &m.Texts) // written by miccServiceToRow
	}
	for _, s := range strings.Split(r.FromPriority, ",") {
		if s = strings.TrimSpace(s); s != "" {
			m.FromPriority = append(m.FromPriority, s)
		}
	}
	return m
}

func miccServiceToRow(m MiCCService) miccServiceRow {
	ids := make([]string, len(m.RejectGroupIDs))
	for i, n := range m.RejectGroupIDs {
		ids[i] = strconv.Itoa(n)
	}
	texts := ""
	if len(m.Texts) > 0 {
		b, _ := json.Marshal(m.Texts) // a map of strings always encodes
		texts = string(b)
	}
	return miccServiceRow{Texts: texts, ConnectorID: m.ConnectorID, TenantID: m.TenantID, MiCCTenant: m.MiCCTenant, GroupID: m.GroupID,
		GroupName: strings.TrimSpace(m.GroupName), IgnoreCustomerDetails: m.IgnoreCustomerDetails,
		RejectGroupIDs: strings.Join(ids, ","), FromPriority: strings.Join(m.FromPriority, ",")}
}

// SetMiCCService gives a connector of m.TenantID its MiCC face, replacing an earlier one. A
// service group id or name another connector has under the same MiCC tenant is ErrConflict.
func (s *Store) SetMiCCService(ctx context.Context, m MiCCService) (MiCCService, error) {
	if err := m.Validate(); err != nil {
		return MiCCService{}, wrap("set micc service", err)
	}
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error { return setMiCCService(tx, m) })
	err = s.published(err, changes.Setting{Kind: changes.KindConnector, TenantID: m.TenantID, ID: m.ConnectorID})
	if err != nil {
		return MiCCService{}, wrap("set micc service", err)
	}
	return miccServiceToRow(m).domain(), nil
}

func setMiCCService(tx *gorm.DB, m MiCCService) error {
	if m.ConnectorID == 0 {
		return invalid("a MiCC service group needs a connector")
	}
	if err := sameTenant(tx, &connectorRow{}, "connector", m.TenantID, m.ConnectorID); err != nil {
		return err
	}
	var clash int64
	if err := tx.Model(&miccServiceRow{}).Where("connector_id <> ? AND micc_tenant = ? AND (group_id = ? OR lower(group_name) = lower(?))",
		m.ConnectorID, m.MiCCTenant, m.GroupID, strings.TrimSpace(m.GroupName)).Count(&clash).Error; err != nil {
		return err
	}
	if clash > 0 {
		return ErrConflict
	}
	row := miccServiceToRow(m)
	if err := tx.Where("connector_id = ?", m.ConnectorID).Delete(&miccServiceRow{}).Error; err != nil {
		return err
	}
	return tx.Create(&row).Error
}

// DeleteMiCCService takes a connector's MiCC face away; MiCC clients can no longer name it.
func (s *Store) DeleteMiCCService(ctx context.Context, tenantID, connectorID int64) error {
	res := s.w.WithContext(ctx).Where("tenant_id = ? AND connector_id = ?", tenantID, connectorID).Delete(&miccServiceRow{})
	err := res.Error
	if err == nil && res.RowsAffected == 0 {
		err = ErrNotFound
	}
	return wrap("delete micc service", s.published(err, changes.Setting{Kind: changes.KindConnector, TenantID: tenantID, ID: connectorID}))
}

// MiCCServices lists the connectors MiCC clients can name under a MiCC tenant id, by group id.
func (s *Store) MiCCServices(ctx context.Context, miccTenant int) ([]MiCCService, error) {
	var rows []miccServiceRow
	if err := s.r.WithContext(ctx).Where("micc_tenant = ?", miccTenant).Order("group_id").Find(&rows).Error; err != nil {
		return nil, wrap("micc services", err)
	}
	out := make([]MiCCService, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}

// MiCCServiceOf returns a connector's MiCC face (ErrNotFound when it has none).
func (s *Store) MiCCServiceOf(ctx context.Context, tenantID, connectorID int64) (MiCCService, error) {
	var row miccServiceRow
	err := s.r.WithContext(ctx).Where("tenant_id = ? AND connector_id = ?", tenantID, connectorID).Take(&row).Error
	if err != nil {
		return MiCCService{}, wrap("micc service", err)
	}
	return row.domain(), nil
}

// AllMiCCServices lists every connector's MiCC face, of every tenant (for the ChatService's
// CORS answer, which comes before any request names a tenant).
func (s *Store) AllMiCCServices(ctx context.Context) ([]MiCCService, error) {
	var rows []miccServiceRow
	if err := s.r.WithContext(ctx).Order("connector_id").Find(&rows).Error; err != nil {
		return nil, wrap("micc services", err)
	}
	out := make([]MiCCService, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out, nil
}
