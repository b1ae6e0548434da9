package chat

import (
	"context"
	"errors"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/chat/routing"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// settingChanged follows a committed settings change to whoever holds what it changed:
// routing, the live chats, the open visitor pages and the agent apps. It runs on the bus's
// goroutine for this service, in commit order, and reads the new state from the store (not
// the settings cache, which follows the same change on its own goroutine).
func (s *Service) settingChanged(c changes.Setting) {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	defer cancel()
	var err error
	switch c.Kind {
	case changes.KindConnector:
		err = s.connectorChanged(ctx, c)
	case changes.KindSurvey:
		err = errors.Join(s.reconfigureVisitors(ctx, func(v *visitorState) bool { return v.connector.ID == c.ID }),
			s.surveysChanged(ctx, c.TenantID))
	case changes.KindTenantSettings:
		err = s.reconfigureVisitors(ctx, func(v *visitorState) bool { return v.connector.TenantID == c.TenantID })
	case changes.KindTenant:
		err = errors.Join(s.tenantChanged(ctx, c.TenantID), s.surveysChanged(ctx, c.TenantID))
	case changes.KindGroup:
		if c.Deleted {
			return
		}
		var g store.ACDGroup
		if g, err = s.st.Group(ctx, c.ID); err == nil {
			s.router.Submit(routing.GroupConfig(g))
		}
	case changes.KindUser:
		err = s.userChanged(ctx, c)
	case changes.KindStatus:
		err = s.statusesChanged(ctx, c.TenantID)
	case changes.KindCanned:
		s.toAgentsOf(c.TenantID, "canned", &protocol.SettingsChanged{Kind: "canned"})
	case changes.KindIPBlocks:
		err = s.blocksChanged(ctx, c.TenantID)
	case changes.KindLabels:
		err = s.labelsChanged(ctx, c.TenantID)
	}
	if err != nil {
		s.log.Error("settings change not applied", "kind", c.Kind, "tenant", c.TenantID, "id", c.ID, "err", err)
	}
}

// connectorChanged makes a connector's new settings take effect at once: for routing (with the
// tenant's time zone), for the chats open on it (texts, reconnect window, options) and for the
// visitor pages connected to it.
func (s *Service) connectorChanged(ctx context.Context, c changes.Setting) error {
	if c.Deleted {
		return nil
	}
	conn, err := s.st.Connector(ctx, c.ID)
	if err != nil {
		return err
	}
	t, err := s.st.Tenant(ctx, conn.TenantID)
	if err != nil {
		return err
	}
	s.router.Submit(routing.ConnectorConfig(conn, routing.Location(t.TimeZone)))
	for _, ch := range s.chatList() {
		ch.mu.Lock()
		if ch.rec.ConnectorID == conn.ID {
			ch.setConnector(conn)
		}
		ch.mu.Unlock()
	}
	return s.reconfigureVisitors(ctx, func(v *visitorState) bool { return v.connector.ID == conn.ID })
}

// tenantChanged applies a tenant's time zone to its connectors' opening hours, and its
// default language to the survey texts of its visitor pages.
func (s *Service) tenantChanged(ctx context.Context, tenantID int64) error {
	t, err := s.st.Tenant(ctx, tenantID)
	if err != nil {
		return err
	}
	conns, err := s.st.Connectors(ctx, tenantID)
	if err != nil {
		return err
	}
	for _, c := range conns {
		s.router.Submit(routing.ConnectorConfig(c, routing.Location(t.TimeZone)))
	}
	return s.reconfigureVisitors(ctx, func(v *visitorState) bool { return v.connector.TenantID == tenantID })
}

// reconfigureVisitors reloads the connector, survey and policies of the visitor sessions that
// match, and sends each its new settings.
func (s *Service) reconfigureVisitors(ctx context.Context, match func(*visitorState) bool) error {
	var targets []*Session
	s.mu.Lock()
	for ss := range s.sessions {
		if ss.role == protocol.RoleVisitor {
			targets = append(targets, ss)
		}
	}
	s.mu.Unlock()
	type loaded struct {
		conn   store.Connector
		sv     surveys
		tenant store.TenantSettings
	}
	cache := map[int64]*loaded{}
	for _, ss := range targets {
		ss.mu.Lock()
		ok := ss.connected && match(&ss.visitor)
		id := ss.visitor.connector.ID
		ss.mu.Unlock()
		if !ok {
			continue
		}
		l := cache[id]
		if l == nil {
			conn, err := s.st.Connector(ctx, id)
			if err != nil {
				return err
			}
			sv, tenant, err := s.storeSettings(ctx, conn)
			if err != nil {
				return err
			}
			l = &loaded{conn, sv, tenant}
			cache[id] = l
		}
		ss.mu.Lock()
		ss.visitor.connector, ss.visitor.survey, ss.visitor.tenant = l.conn, l.sv, l.tenant
		ev := s.connectedEvent(ss)
		ss.mu.Unlock()
		frame, err := protocol.EncodeEvent(protocol.Event{Body: &protocol.Config{Connected: *ev}})
		if err == nil {
			ss.c.SendTransient("config", frame)
		}
	}
	return nil
}

// storeSettings reads a connector's survey and its tenant's policies from the store.
func (s *Service) storeSettings(ctx context.Context, conn store.Connector) (surveys, store.TenantSettings, error) {
	pre, err := s.st.SurveyFields(ctx, conn.ID, store.SurveyPreChat)
	if err != nil {
		return surveys{}, store.TenantSettings{}, err
	}
	post, err := s.st.SurveyFields(ctx, conn.ID, store.SurveyPostChat)
	if err != nil {
		return surveys{}, store.TenantSettings{}, err
	}
	tenant, err := s.st.TenantSettings(ctx, conn.TenantID)
	if err != nil {
		return surveys{}, store.TenantSettings{}, err
	}
	t, err := s.st.Tenant(ctx, conn.TenantID)
	if err != nil {
		return surveys{}, store.TenantSettings{}, err
	}
	return surveys{pre: wireFields(pre), post: wireFields(post), fallback: t.DefaultLang, transcript: s.transcriptOffered(ctx, conn.TenantID)}, tenant, nil
}

// userChanged makes an agent's new settings (capacity, groups, skills, active, status) take
// effect at once for routing; a deactivated agent's connections are closed.
func (s *Service) userChanged(ctx context.Context, c changes.Setting) error {
	s.mu.Lock()
	a := s.agents[c.ID]
	s.mu.Unlock()
	if a == nil {
		return nil // not signed in: the engine learns the settings at the next sign-in
	}
	s.userMu.Lock()
	defer s.userMu.Unlock()
	u, err := s.st.User(ctx, c.ID)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if a = s.agents[c.ID]; a == nil {
		return nil
	}
	if !u.Active || c.Deleted {
		for ss := range a.conns {
			ss.c.Close(protocol.CloseUnauthorized, "account deactivated")
		}
	}
	a.user = u
	s.router.Submit(routing.AgentState(u, a.statuses, len(a.conns) > 0))
	return nil
}

// statusesChanged makes a tenant's edited agent statuses (allows chat, settable) apply at once
// to its signed-in agents, and shows their apps the new list.
func (s *Service) statusesChanged(ctx context.Context, tenantID int64) error {
	statuses, err := s.st.Statuses(ctx, tenantID)
	if err != nil {
		return err
	}
	s.mu.Lock()
	for _, a := range s.agents {
		if a.user.TenantID == tenantID {
			a.statuses = statuses
			s.router.Submit(routing.AgentState(a.user, statuses, len(a.conns) > 0))
		}
	}
	s.mu.Unlock()
	ev := &protocol.SettingsChanged{Kind: "statuses"}
	for _, st := range statuses {
		ev.Statuses = append(ev.Statuses, wireStatus(st))
	}
	s.toAgentsOf(tenantID, "statuses", ev)
	return nil
}

// blocksChanged closes the visitor connections of a tenant whose address is now blocked.
func (s *Service) blocksChanged(ctx context.Context, tenantID int64) error {
	s.mu.Lock()
	var targets []*Session
	for ss := range s.sessions {
		if ss.role == protocol.RoleVisitor {
			targets = append(targets, ss)
		}
	}
	s.mu.Unlock()
	for _, ss := range targets {
		ss.mu.Lock()
		mine := ss.connected && ss.visitor.connector.TenantID == tenantID
		ss.mu.Unlock()
		if !mine {
			continue
		}
		blocked, err := s.st.IPBlocked(ctx, tenantID, ss.c.IP())
		if err != nil {
			return err
		}
		if blocked {
			s.log.Info("connection from a newly blocked address closed", "conn", ss.c.ID(), "ip", ss.c.IP())
			ss.c.Close(protocol.CloseForbidden, "address blocked")
		}
	}
	return nil
}

// toAgentsOf sends a transient event to every connection of a tenant's signed-in agents; only
// the latest per key waits for each.
func (s *Service) toAgentsOf(tenantID int64, key string, body protocol.EventBody) {
	frame, err := protocol.EncodeEvent(protocol.Event{Body: body})
	if err != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.agents {
		if a.user.TenantID != tenantID {
			continue
		}
		for ss := range a.conns {
			ss.c.SendTransient("settings/"+key, frame)
		}
	}
}
