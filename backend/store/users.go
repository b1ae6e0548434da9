package store

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"github.com/parleychat/parley/backend/changes"
	"github.com/parleychat/parley/backend/token"
	"github.com/parleychat/parley/shared/limits"
)

// NormalizeLogin is the form in which logins are stored and looked up
// (trimmed, lower-cased), so "Anna@Example.com" and "anna@example.com" are
// one account.
func NormalizeLogin(login string) string { return strings.ToLower(strings.TrimSpace(login)) }

func prepareUser(u User) (User, error) {
	u.Login = NormalizeLogin(u.Login)
	switch {
	case u.Login == "":
		return u, rule("Enter a login.")
	case strings.ContainsAny(u.Login, " \t\r\n"):
		return u, rule("A login cannot contain spaces.")
	case u.MaxChats < 0:
		return u, rule("The most chats must not be negative.")
	case u.MissedLimit < 0:
		return u, rule("The limit of missed offers must not be negative.")
	case u.MissedLimit > 0 && u.MissedStatusID == 0:
		return u, rule("Choose the status an agent gets after missing {0} offers.", strconv.Itoa(u.MissedLimit))
	case !lineText(u.Department, limits.NameRunes):
		return u, rule("A department is one line of at most {0} characters.", strconv.Itoa(limits.NameRunes))
	case !lineText(u.Phone, limits.PhoneRunes):
		return u, rule("A phone number is one line of at most {0} characters.", strconv.Itoa(limits.PhoneRunes))
	}
	switch u.Role {
	case RoleSuperAdmin:
		if u.TenantID != 0 {
			return u, invalid("a super-admin belongs to no tenant")
		}
	case RoleAdmin, RoleSupervisor, RoleAgent:
		if u.TenantID == 0 {
			return u, invalid("a %s needs a tenant", u.Role)
		}
	default:
		return u, invalid("unknown role %q", u.Role)
	}
	u.Groups = normIDs(u.Groups)
	return u, nil
}

// lineText reports whether s is valid UTF-8 of at most max characters without control
// characters (NUL, line breaks), as one-line fields shown to visitors must be.
func lineText(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	return !strings.ContainsFunc(s, unicode.IsControl)
}

// normIDs sorts and de-duplicates ids, dropping zeros; empty becomes nil.
func normIDs(ids []int64) []int64 {
	out := slices.DeleteFunc(slices.Clone(ids), func(id int64) bool { return id == 0 })
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) == 0 {
		return nil
	}
	return out
}

// CreateUser stores a new user with its group memberships and returns it
// with its ID. Login must be unique (ErrConflict otherwise).
func (s *Store) CreateUser(ctx context.Context, u User) (User, error) {
	var out User
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		out, err = createUser(tx, u)
		return err
	})
	err = s.published(err, changes.Setting{Kind: changes.KindUser, TenantID: out.TenantID, ID: out.ID})
	return out, wrap("create user", err)
}

// createUser must run inside a transaction.
func createUser(tx *gorm.DB, u User) (User, error) {
	u, err := prepareUser(u)
	if err != nil {
		return u, err
	}
	if err := sameTenant(tx, &groupRow{}, "group", u.TenantID, u.Groups...); err != nil {
		return u, err
	}
	if err := sameTenant(tx, &statusRow{}, "status", u.TenantID, u.StatusID); err != nil {
		return u, err
	}
	u.ID = 0
	u.CreatedAt = now()
	u.UpdatedAt = u.CreatedAt
	row, err := userToRow(u)
	if err != nil {
		return u, err
	}
	if err := tx.Create(&row).Error; err != nil {
		return u, err
	}
	if err := setGroups(tx, row.ID, u.Groups); err != nil {
		return u, err
	}
	out, err := row.domain()
	out.Groups = u.Groups
	return out, err
}

func setGroups(tx *gorm.DB, userID int64, groups []int64) error {
	if err := tx.Where("user_id = ?", userID).Delete(&userGroupRow{}).Error; err != nil {
		return err
	}
	if len(groups) == 0 {
		return nil
	}
	rows := make([]userGroupRow, len(groups))
	for i, g := range groups {
		rows[i] = userGroupRow{UserID: userID, GroupID: g}
	}
	return tx.Create(&rows).Error
}

// UpdateUser replaces a user's profile, role, capacity, groups and skills.
// It keeps TenantID, CreatedAt and StatusID as stored, and the stored
// password hash when PasswordHash is empty.
func (s *Store) UpdateUser(ctx context.Context, u User) (User, error) {
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var cur userRow
		if err := tx.Select("id", "tenant_id").Take(&cur, "id = ?", u.ID).Error; err != nil {
			return err
		}
		u.TenantID = idVal(cur.TenantID)
		var err error
		if u, err = prepareUser(u); err != nil {
			return err
		}
		if err := sameTenant(tx, &groupRow{}, "group", u.TenantID, u.Groups...); err != nil {
			return err
		}
		u.UpdatedAt = now()
		row, err := userToRow(u)
		if err != nil {
			return err
		}
		omit := []string{"id", "tenant_id", "created_at", "status_id"}
		if u.PasswordHash == "" {
			omit = append(omit, "password_hash")
		}
		if err := tx.Model(&userRow{}).Where("id = ?", u.ID).Select("*").Omit(omit...).Updates(&row).Error; err != nil {
			return err
		}
		return setGroups(tx, u.ID, u.Groups)
	})
	if err := s.published(err, changes.Setting{Kind: changes.KindUser, TenantID: u.TenantID, ID: u.ID}); err != nil {
		return User{}, wrap("update user", err)
	}
	return s.User(ctx, u.ID)
}

// SetUserStatus sets the agent's current status (0 clears it). The status
// must belong to the user's tenant.
func (s *Store) SetUserStatus(ctx context.Context, userID, statusID int64) error {
	var cur userRow
	err := s.w.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Select("id", "tenant_id").Take(&cur, "id = ?", userID).Error; err != nil {
			return err
		}
		if err := sameTenant(tx, &statusRow{}, "status", idVal(cur.TenantID), statusID); err != nil {
			return err
		}
		return tx.Model(&userRow{}).Where("id = ?", userID).
			Updates(map[string]any{"status_id": idPtr(statusID), "updated_at": now()}).Error
	})
	err = s.published(err, changes.Setting{Kind: changes.KindUser, TenantID: idVal(cur.TenantID), ID: userID})
	return wrap("set user status", err)
}

// User returns the user with the given id, or ErrNotFound.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	return s.userWhere(ctx, "user", "id = ?", id)
}

// UserByLogin returns the user with the given login (compared after
// NormalizeLogin), or ErrNotFound.
func (s *Store) UserByLogin(ctx context.Context, login string) (User, error) {
	return s.userWhere(ctx, "user by login", "login = ?", NormalizeLogin(login))
}

func (s *Store) userWhere(ctx context.Context, op, where string, args ...any) (User, error) {
	users, err := s.usersWhere(ctx, "", where, args...)
	if err != nil {
		return User{}, wrap(op, err)
	}
	if len(users) == 0 {
		return User{}, wrap(op, ErrNotFound)
	}
	return users[0], nil
}

// Users lists a tenant's users by id; tenantID 0 lists the super-admins.
func (s *Store) Users(ctx context.Context, tenantID int64) ([]User, error) {
	var (
		users []User
		err   error
	)
	if tenantID == 0 {
		users, err = s.usersWhere(ctx, "", "tenant_id IS NULL")
	} else {
		users, err = s.usersWhere(ctx, "", "tenant_id = ?", tenantID)
	}
	return users, wrap("users", err)
}

// AgentsOfGroup lists the active members of an ACD group by id: the people
// the ACD may offer the group's chats to.
func (s *Store) AgentsOfGroup(ctx context.Context, groupID int64) ([]User, error) {
	users, err := s.usersWhere(ctx, "JOIN user_groups ug ON ug.user_id = users.id",
		"ug.group_id = ? AND users.active = ?", groupID, true)
	return users, wrap("agents of group", err)
}

// usersWhere loads users and, with one more query, their groups.
func (s *Store) usersWhere(ctx context.Context, join, where string, args ...any) ([]User, error) {
	db := s.r.WithContext(ctx)
	q := db.Model(&userRow{})
	if join != "" {
		q = q.Joins(join)
	}
	var rows []userRow
	if err := q.Where(where, args...).Order("users.id").Find(&rows).Error; err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return []User{}, nil
	}
	users := make([]User, len(rows))
	index := make(map[int64]int, len(rows))
	ids := make([]int64, len(rows))
	for i, r := range rows {
		u, err := r.domain()
		if err != nil {
			return nil, err
		}
		users[i], index[r.ID], ids[i] = u, i, r.ID
	}
	var memberships []userGroupRow
	if err := db.Where("user_id IN ?", ids).Order("user_id, group_id").Find(&memberships).Error; err != nil {
		return nil, err
	}
	for _, m := range memberships {
		u := &users[index[m.UserID]]
		u.Groups = append(u.Groups, m.GroupID)
	}
	return users, nil
}

// ---- sessions ----

// CreateSession starts a session for the user that lasts ttl and returns the
// raw token for the cookie. Only the token's hash is stored.
func (s *Store) CreateSession(ctx context.Context, userID int64, ttl time.Duration) (string, error) {
	if ttl <= 0 {
		return "", wrap("create session", invalid("session lifetime must be positive"))
	}
	raw := token.NewSecret()
	t := now()
	row := sessionRow{TokenHash: token.Hash(raw), UserID: userID, CreatedAt: t, ExpiresAt: normTime(t.Add(ttl))}
	if err := s.w.WithContext(ctx).Create(&row).Error; err != nil {
		return "", wrap("create session", err)
	}
	return raw, nil
}

// SessionUser returns the user a session token belongs to. An unknown or
// expired token, or one of a deactivated user, is ErrNotFound.
func (s *Store) SessionUser(ctx context.Context, rawToken string) (User, error) {
	if rawToken == "" {
		return User{}, wrap("session user", ErrNotFound)
	}
	u, err := s.userWhere(ctx, "session user",
		"users.active = ? AND users.id = (SELECT user_id FROM sessions WHERE token_hash = ? AND expires_at > ?)",
		true, token.Hash(rawToken), now())
	return u, err
}

// Session returns the stored session of a raw token, so that the HTTP layer
// can see when it expires (to renew the cookie in time). An unknown or
// expired token is ErrNotFound.
func (s *Store) Session(ctx context.Context, rawToken string) (Session, error) {
	var row sessionRow
	err := s.r.WithContext(ctx).Take(&row, "token_hash = ? AND expires_at > ?", token.Hash(rawToken), now()).Error
	if err != nil {
		return Session{}, wrap("session", err)
	}
	return row.domain(), nil
}

// DeleteSession ends a session (logout). Deleting an unknown token is not an
// error, so logging out twice is harmless.
func (s *Store) DeleteSession(ctx context.Context, rawToken string) error {
	err := s.w.WithContext(ctx).Where("token_hash = ?", token.Hash(rawToken)).Delete(&sessionRow{}).Error
	return wrap("delete session", err)
}

// DeleteUserSessions signs a user out everywhere: after a password reset or deactivation.
func (s *Store) DeleteUserSessions(ctx context.Context, userID int64) error {
	err := s.w.WithContext(ctx).Where("user_id = ?", userID).Delete(&sessionRow{}).Error
	return wrap("delete user sessions", err)
}

// PurgeExpiredSessions deletes sessions past their expiry and returns how
// many; the server calls it now and then so the table does not grow.
func (s *Store) PurgeExpiredSessions(ctx context.Context) (int64, error) {
	res := s.w.WithContext(ctx).Where("expires_at <= ?", now()).Delete(&sessionRow{})
	return res.RowsAffected, wrap("purge sessions", res.Error)
}
