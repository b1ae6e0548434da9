package store

import (
	"errors"
	"testing"
)

// A connector's MiCC face: one per connector, its group id and name unique within the MiCC
// tenant, only for a connector of the caller's tenant, and validated.
func TestMiCCServices(t *testing.T) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			s := openStore(t, b.newConfig(t))
			ten, other := newTenant(t, s, "MiCC"), newTenant(t, s, "Other")
			web := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Web"}))
			shop := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: ten.ID, Name: "Shop"}))
			foreign := must[Connector](t)(s.CreateConnector(ctx, Connector{TenantID: other.ID, Name: "Foreign"}))

			got := must[MiCCService](t)(s.SetMiCCService(ctx, MiCCService{TenantID: ten.ID, ConnectorID: web.ID, MiCCTenant: -1, GroupID: 5,
				GroupName: "Sales", RejectGroupIDs: []int{9}, FromPriority: []string{"phone", "email"}, Texts: map[string]string{"Yes#fr-BE": "Oui"}}))
			if got.GroupName != "Sales" || len(got.RejectGroupIDs) != 1 || got.From("100", "a@b.c", "555") != "555" || got.From("100", "a@b.c", "") != "a@b.c" || got.Texts["Yes#fr-BE"] != "Oui" {
				t.Fatalf("set: %+v", got)
			}
			// again, changed: replaces
			must[MiCCService](t)(s.SetMiCCService(ctx, MiCCService{TenantID: ten.ID, ConnectorID: web.ID, MiCCTenant: -1, GroupID: 6, GroupName: "Sales"}))
			for _, bad := range []MiCCService{
				{TenantID: ten.ID, ConnectorID: shop.ID, MiCCTenant: -1, GroupID: 6, GroupName: "Other"}, // id taken
				{TenantID: ten.ID, ConnectorID: shop.ID, MiCCTenant: -1, GroupID: 7, GroupName: "SALES"}, // name taken
			} {
				if _, err := s.SetMiCCService(ctx, bad); !errors.Is(err, ErrConflict) {
					t.Fatalf("%+v: %v, want a conflict", bad, err)
				}
			}
			for _, bad := range []MiCCService{
				{TenantID: ten.ID, ConnectorID: foreign.ID, MiCCTenant: -1, GroupID: 8, GroupName: "X"}, // another tenant's connector
				{TenantID: ten.ID, ConnectorID: shop.ID, MiCCTenant: -2, GroupID: 8, GroupName: "X"},
				{TenantID: ten.ID, ConnectorID: shop.ID, MiCCTenant: -1, GroupID: 0, GroupName: "X"},
				{TenantID: ten.ID, ConnectorID: shop.ID, MiCCTenant: -1, GroupID: 8, GroupName: " "},
				{TenantID: ten.ID, ConnectorID: shop.ID, MiCCTenant: -1, GroupID: 8, GroupName: "X", FromPriority: []string{"fax"}},
				{TenantID: ten.ID, ConnectorID: 0, MiCCTenant: -1, GroupID: 8, GroupName: "X"},
				{TenantID: ten.ID, ConnectorID: shop.ID, MiCCTenant: -1, GroupID: 8, GroupName: "X", Texts: map[string]string{"NamedAgentJoined": "joined"}},
			} {
				if _, err := s.SetMiCCService(ctx, bad); !errors.Is(err, ErrInvalid) {
					t.Fatalf("%+v: %v, want invalid", bad, err)
				}
			}
			// the same group under another MiCC tenant is another group
			must[MiCCService](t)(s.SetMiCCService(ctx, MiCCService{TenantID: ten.ID, ConnectorID: shop.ID, MiCCTenant: 3, GroupID: 6, GroupName: "Sales"}))
			list := must[[]MiCCService](t)(s.MiCCServices(ctx, -1))
			if len(list) != 1 || list[0].ConnectorID != web.ID {
				t.Fatalf("tenant -1: %+v", list)
			}
			if err := s.DeleteMiCCService(ctx, other.ID, web.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("delete from another tenant: %v", err)
			}
			if err := s.DeleteMiCCService(ctx, ten.ID, web.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := s.MiCCServiceOf(ctx, ten.ID, web.ID); !errors.Is(err, ErrNotFound) {
				t.Fatalf("after delete: %v", err)
			}
			if all := must[[]MiCCService](t)(s.AllMiCCServices(ctx)); len(all) != 1 || all[0].ConnectorID != shop.ID {
				t.Fatalf("all: %+v", all)
			}
		})
	}
}
