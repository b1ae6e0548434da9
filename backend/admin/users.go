package admin

import (
	"net/mail"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/parleychat/parley/backend/password"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/limits"
)

// minPassword is the shortest password the admin pages accept.
const minPassword = 10

var (
	skillRE = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,31}$`)
	langRE  = regexp.MustCompile(`^[a-z]{2,8}(-[A-Za-z0-9]{2,8})?$`)
	phoneRE = regexp.MustCompile(`^\+?[0-9 ()./-]*[0-9][0-9 ()./-]*$`)
)

// lineFail puts a message on a one-line text field of at most max characters (one that
// WhosOn clients show in a single line) when the text is not that, and reports whether it did.
func lineFail(f *Form, name, s string, max int) bool {
	switch {
	case !utf8.ValidString(s) || strings.ContainsFunc(s, unicode.IsControl):
		f.errorf(name, "Use plain text on one line, without control characters.")
	case utf8.RuneCountInString(s) > max:
		f.errorf(name, "At most {0} characters.", itoa(max))
	default:
		return false
	}
	return true
}

// userData is what the user pages show besides the form.
type userData struct {
	User     store.User // the saved user; ID 0 for a new one
	Groups   []store.ACDGroup
	Statuses []store.AgentStatus // the tenant's statuses, for the missed-offers rule
	Status   string              // the agent's current status name
}

// maxMissedLimit bounds the missed offers in a row before the automatic status.
const maxMissedLimit = 100

// roleOptions are the roles a tenant's user may have.
var roleOptions = []option{{store.RoleAgent, "Agent"}, {store.RoleSupervisor, "Supervisor"}, {store.RoleAdmin, "Administrator"}}

func (h *handlers) users(c *fiber.Ctx) error {
	s := current(c)
	ctx := c.UserContext()
	users, err := h.st.Users(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	groups, err := h.st.Groups(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	statuses, err := h.st.Statuses(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	return render(c, fiber.StatusOK, usersPage(h.page(c, "Users & agents", "users"), users, groupNames(groups), statusNames(statuses)))
}

func groupNames(gs []store.ACDGroup) map[int64]string {
	m := make(map[int64]string, len(gs))
	for _, g := range gs {
		m[g.ID] = g.Name
	}
	return m
}

func statusNames(ss []store.AgentStatus) map[int64]string {
	m := make(map[int64]string, len(ss))
	for _, s := range ss {
		m[s.ID] = s.Name
	}
	return m
}

// tenantUser loads a user of the current tenant; another tenant's user is not found.
func (h *handlers) tenantUser(c *fiber.Ctx) (store.User, error) {
	u, err := h.st.User(c.UserContext(), paramID(c, "id"))
	if err == nil && (u.TenantID != current(c).Tenant.ID || u.TenantID == 0) {
		err = store.ErrNotFound
	}
	return u, err
}

func userForm(u store.User) *Form {
	f := newForm(nil)
	f.Set("login", u.Login)
	f.Set("name", u.Name)
	f.Set("nickname", u.Nickname)
	f.Set("email", u.Email)
	f.Set("phone", u.Phone)
	f.Set("department", u.Department)
	f.SetBool("bot", u.Bot)
	f.Set("role", u.Role)
	f.Set("max_chats", itoa(u.MaxChats))
	f.Set("lang", u.Lang)
	f.Set("missed_limit", itoa(u.MissedLimit))
	f.Set("missed_status_id", i64(u.MissedStatusID))
	for _, g := range u.Groups {
		f.Values.Add("groups", i64(g))
	}
	names := make([]string, 0, len(u.Skills))
	for k := range u.Skills {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		f.Values.Add("skill_name", k)
		f.Values.Add("skill_level", itoa(u.Skills[k]))
	}
	return f
}

func (h *handlers) userPage(c *fiber.Ctx, status int, u store.User, f *Form) error {
	ctx := c.UserContext()
	s := current(c)
	groups, err := h.st.Groups(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	statuses, err := h.st.Statuses(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	d := userData{User: u, Groups: groups, Statuses: statuses}
	if u.StatusID != 0 {
		if st, err := h.st.Status(ctx, u.StatusID); err == nil {
			d.Status = st.Name
		}
	}
	title := msgKey("New user")
	if u.ID != 0 {
		title = u.Name
		if title == "" {
			title = u.Login
		}
	}
	p := h.page(c, title, "users")
	p.Back, p.BackLabel = "/admin/users", "Users & agents"
	return render(c, status, userPage(p, d, f))
}

func (h *handlers) userNew(c *fiber.Ctx) error {
	f := newForm(nil)
	f.Set("role", store.RoleAgent)
	f.Set("max_chats", "3")
	f.Set("lang", current(c).Tenant.DefaultLang)
	f.Set("missed_limit", "0")
	return h.userPage(c, fiber.StatusOK, store.User{}, f)
}

func (h *handlers) userEdit(c *fiber.Ctx) error {
	u, err := h.tenantUser(c)
	if err != nil {
		return h.notFound(c, err)
	}
	return h.userPage(c, fiber.StatusOK, u, userForm(u))
}

// parseUser reads the user form into u, recording every problem in f.
func parseUser(f *Form, u *store.User, groups []store.ACDGroup, statuses []store.AgentStatus) {
	u.Login = store.NormalizeLogin(f.Get("login"))
	u.Name = strings.TrimSpace(f.Get("name"))
	u.Nickname = strings.TrimSpace(f.Get("nickname"))
	u.Email = strings.TrimSpace(f.Get("email"))
	u.Lang = strings.TrimSpace(f.Get("lang"))
	u.Phone = strings.TrimSpace(f.Get("phone"))
	u.Department = strings.TrimSpace(f.Get("department"))
	u.Bot = f.Checked("bot")
	switch {
	case u.Login == "":
		f.Errors["login"] = "Enter a login (an e-mail address works well)."
	case strings.ContainsAny(u.Login, " \t"):
		f.Errors["login"] = "A login cannot contain spaces."
	case len(u.Login) > 254:
		f.Errors["login"] = "At most 254 characters."
	}
	if u.Name == "" {
		f.Errors["name"] = "Enter the person's name."
	}
	if len([]rune(u.Nickname)) > 40 {
		f.Errors["nickname"] = "At most 40 characters: visitors see it in every message."
	}
	if u.Email != "" {
		if a, err := mail.ParseAddress(u.Email); err != nil || a.Address != u.Email {
			f.Errors["email"] = "Enter an e-mail address like anna@example.com, or leave it empty."
		}
	}
	if u.Lang != "" && !langRE.MatchString(u.Lang) {
		f.Errors["lang"] = "Enter a language code like en, de or fr-BE."
	}
	if !lineFail(f, "phone", u.Phone, limits.PhoneRunes) && u.Phone != "" && !phoneRE.MatchString(u.Phone) {
		f.Errors["phone"] = "Enter a phone number of digits, spaces and + ( ) - / . like +44 1782 822577, or leave it empty."
	}
	lineFail(f, "department", u.Department, limits.NameRunes)
	role := f.Get("role")
	if !slices.ContainsFunc(roleOptions, func(o option) bool { return o.Value == role }) {
		f.Errors["role"] = "Choose a role."
	}
	u.Role = role
	u.MaxChats = f.Int("max_chats", 0, 100, 0)
	u.Groups = nil
	for _, v := range f.All("groups") {
		id, _ := strconv.ParseInt(v, 10, 64)
		if !slices.ContainsFunc(groups, func(g store.ACDGroup) bool { return g.ID == id }) {
			f.Errors["groups"] = "Choose groups from the list."
			continue
		}
		u.Groups = append(u.Groups, id)
	}
	names, levels := f.All("skill_name"), f.All("skill_level")
	u.Skills = map[string]int{}
	for i, n := range names {
		n = strings.ToLower(strings.TrimSpace(n))
		lv := ""
		if i < len(levels) {
			lv = strings.TrimSpace(levels[i])
		}
		if n == "" && lv == "" {
			continue
		}
		if !skillRE.MatchString(n) {
			f.Errors["skills"] = "Skill names are lower-case letters, digits, _ . or - (e.g. english, billing)."
			continue
		}
		level, err := strconv.Atoi(lv)
		if err != nil || level < 0 || level > 100 {
			f.Errors["skills"] = "Give every skill a level from 0 to 100."
			continue
		}
		if _, dup := u.Skills[n]; dup {
			f.errorf("skills", "The skill {0} is listed twice.", n)
		}
		u.Skills[n] = level
	}
	if len(u.Skills) == 0 {
		u.Skills = nil
	}
	parseMissed(f, u, statuses)
}

// parseMissed reads the automatic status after missed offers (jtel auto-logoff): a limit of 0
// switches it off; otherwise the status must be one of the tenant's.
func parseMissed(f *Form, u *store.User, statuses []store.AgentStatus) {
	u.MissedLimit = f.Int("missed_limit", 0, maxMissedLimit, 0)
	sid, _ := strconv.ParseInt(strings.TrimSpace(f.Get("missed_status_id")), 10, 64)
	if sid != 0 && !slices.ContainsFunc(statuses, func(s store.AgentStatus) bool { return s.ID == sid }) {
		f.Errors["missed_status_id"] = "Choose a status from the list."
		sid = 0
	} else if sid == 0 && u.MissedLimit > 0 {
		if u.MissedLimit == 1 {
			f.errorf("missed_status_id", "Choose the status the agent gets after 1 missed offer, or set the limit to 0.")
		} else {
			f.errorf("missed_status_id", "Choose the status the agent gets after {0} missed offers, or set the limit to 0.", itoa(u.MissedLimit))
		}
	}
	u.MissedStatusID = sid
}

func (h *handlers) userCreate(c *fiber.Ctx) error {
	s := current(c)
	ctx := c.UserContext()
	f := newForm(formValues(c))
	groups, err := h.st.Groups(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	statuses, err := h.st.Statuses(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	u := store.User{TenantID: s.Tenant.ID, Active: true}
	parseUser(f, &u, groups, statuses)
	pw := f.Get("password")
	f.Values.Del("password")
	if len([]rune(pw)) < minPassword {
		f.errorf("password", "Choose a password of at least {0} characters.", itoa(minPassword))
	}
	if !f.OK() {
		return h.userPage(c, fiber.StatusUnprocessableEntity, store.User{}, f)
	}
	if u.PasswordHash, err = h.opts.HashPassword(pw); err != nil {
		return err
	}
	u, err = h.st.CreateUser(ctx, u)
	if err != nil {
		if f.storeError(err) {
			if f.Message != "" && strings.Contains(f.Message, "clashes") {
				f.Message = ""
				f.Errors["login"] = "This login is taken. Choose another."
			}
			return h.userPage(c, fiber.StatusUnprocessableEntity, store.User{}, f)
		}
		return err
	}
	h.log.Info("admin created user", "by", s.User.ID, "user", u.ID, "role", u.Role)
	return saved(c, "/admin/users/"+i64(u.ID))
}

func (h *handlers) userSave(c *fiber.Ctx) error {
	s := current(c)
	ctx := c.UserContext()
	u, err := h.tenantUser(c)
	if err != nil {
		return h.notFound(c, err)
	}
	f := newForm(formValues(c))
	groups, err := h.st.Groups(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	statuses, err := h.st.Statuses(ctx, s.Tenant.ID)
	if err != nil {
		return err
	}
	before := u
	parseUser(f, &u, groups, statuses)
	if u.ID == s.User.ID && u.Role != before.Role {
		f.Errors["role"] = "You cannot change your own role; ask another administrator."
	}
	if !f.OK() {
		return h.userPage(c, fiber.StatusUnprocessableEntity, before, f)
	}
	u.PasswordHash = ""
	u, err = h.st.UpdateUser(ctx, u)
	if err != nil {
		if f.storeError(err) {
			if strings.Contains(f.Message, "clashes") {
				f.Message = ""
				f.Errors["login"] = "This login is taken. Choose another."
			}
			return h.userPage(c, fiber.StatusUnprocessableEntity, before, f)
		}
		return err
	}
	return saved(c, "/admin/users/"+i64(u.ID))
}

func (h *handlers) userPassword(c *fiber.Ctx) error {
	u, err := h.tenantUser(c)
	if err != nil {
		return h.notFound(c, err)
	}
	pw := c.FormValue("new_password")
	if len([]rune(pw)) < minPassword {
		f := userForm(u)
		f.errorf("new_password", "Choose a password of at least {0} characters.", itoa(minPassword))
		return h.userPage(c, fiber.StatusUnprocessableEntity, u, f)
	}
	if u.PasswordHash, err = h.opts.HashPassword(pw); err != nil {
		return err
	}
	if _, err := h.st.UpdateUser(c.UserContext(), u); err != nil {
		return err
	}
	// The old password's sessions end with it.
	if err := h.st.DeleteUserSessions(c.UserContext(), u.ID); err != nil {
		return err
	}
	h.log.Info("admin reset a password", "by", current(c).User.ID, "user", u.ID)
	return saved(c, "/admin/users/"+i64(u.ID))
}

func (h *handlers) userActive(c *fiber.Ctx) error {
	u, err := h.tenantUser(c)
	if err != nil {
		return h.notFound(c, err)
	}
	active := c.FormValue("active") == "1"
	if u.ID == current(c).User.ID && !active {
		f := userForm(u)
		f.Message = "You cannot deactivate yourself."
		return h.userPage(c, fiber.StatusUnprocessableEntity, u, f)
	}
	u.Active, u.PasswordHash = active, ""
	if u, err = h.st.UpdateUser(c.UserContext(), u); err != nil {
		return err
	}
	if !active {
		if err := h.st.DeleteUserSessions(c.UserContext(), u.ID); err != nil {
			return err
		}
	}
	return saved(c, "/admin/users/"+i64(u.ID))
}

// ---- your profile (every role) ----

func (h *handlers) profilePage(c *fiber.Ctx, status int, f, pf *Form) error {
	return render(c, status, profilePage(h.page(c, "Your profile", "profile"), f, pf))
}

func (h *handlers) profile(c *fiber.Ctx) error {
	u := current(c).User
	f := newForm(nil)
	f.Set("name", u.Name)
	f.Set("nickname", u.Nickname)
	f.Set("lang", u.Lang)
	return h.profilePage(c, fiber.StatusOK, f, newForm(nil))
}

func (h *handlers) profileSave(c *fiber.Ctx) error {
	u := current(c).User
	f := newForm(formValues(c))
	u.Name, u.Nickname, u.Lang = strings.TrimSpace(f.Get("name")), strings.TrimSpace(f.Get("nickname")), strings.TrimSpace(f.Get("lang"))
	if u.Name == "" {
		f.Errors["name"] = "Enter your name."
	}
	if len([]rune(u.Nickname)) > 40 {
		f.Errors["nickname"] = "At most 40 characters."
	}
	if u.Lang != "" && !langRE.MatchString(u.Lang) {
		f.Errors["lang"] = "Enter a language code like en, de or fr-BE."
	}
	if !f.OK() {
		return h.profilePage(c, fiber.StatusUnprocessableEntity, f, newForm(nil))
	}
	u.PasswordHash = ""
	u, err := h.st.UpdateUser(c.UserContext(), u)
	if err != nil {
		return err
	}
	return saved(c, "/admin/profile")
}

func (h *handlers) profilePassword(c *fiber.Ctx) error {
	u := current(c).User
	pf := newForm(nil)
	cur, pw, again := c.FormValue("current_password"), c.FormValue("new_password"), c.FormValue("confirm_password")
	if ok, _ := password.Verify(u.PasswordHash, cur); !ok {
		pf.Errors["current_password"] = "This is not your current password."
	}
	if len([]rune(pw)) < minPassword {
		pf.errorf("new_password", "Choose a password of at least {0} characters.", itoa(minPassword))
	} else if pw != again {
		pf.Errors["confirm_password"] = "The two new passwords differ."
	}
	if !pf.OK() {
		f := newForm(nil)
		f.Set("name", u.Name)
		f.Set("nickname", u.Nickname)
		f.Set("lang", u.Lang)
		return h.profilePage(c, fiber.StatusUnprocessableEntity, f, pf)
	}
	var err error
	if u.PasswordHash, err = h.opts.HashPassword(pw); err != nil {
		return err
	}
	if _, err := h.st.UpdateUser(c.UserContext(), u); err != nil {
		return err
	}
	return saved(c, "/admin/profile")
}
