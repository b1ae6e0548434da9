package contact

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNormalize(t *testing.T) {
	for _, tc := range []struct {
		k        Kind
		in, want string
	}{
		{KindEmail, "  Alice@Example.COM ", "alice@example.com"},
		{KindEmail, "no-at-sign", ""},
		{KindEmail, "@example.com", ""},
		{KindEmail, "a@", ""},
		{KindEmail, "a\x00b@example.com", ""},
		{KindEmail, "\xff@example.com", ""},
		{KindEmail, strings.Repeat("a", MaxValueBytes) + "@x.de", ""},
		{KindPhone, "+49 (30) 123-456", "+4930123456"},
		{KindPhone, "12", ""},
		{KindPhone, "call me +49 30", "4930"},
		{KindVisitor, " v-1 ", "v-1"},
		{KindCustomer, "", ""},
		{KindCustomer, "' OR 1=1 --", "' OR 1=1 --"},
	} {
		if got := Normalize(tc.k, tc.in); got != tc.want {
			t.Errorf("Normalize(%s, %q) = %q, want %q", tc.k, tc.in, got, tc.want)
		}
	}
}

func TestVerify(t *testing.T) {
	const secret = "s3cret"
	good := Sign(secret, "user-42")
	for _, tc := range []struct {
		name, secret, user, hash string
		want                     bool
	}{
		{"signed", secret, "user-42", good, true},
		{"upper-case hex", secret, "user-42", strings.ToUpper(good), true},
		{"forged", secret, "user-42", strings.Repeat("0", 64), false},
		{"another user's hash", secret, "user-43", good, false},
		{"another connector's secret", "other", "user-42", good, false},
		{"no secret configured", "", "user-42", Sign("", "user-42"), false},
		{"no hash", secret, "user-42", "", false},
		{"no user", secret, "", Sign(secret, ""), false},
		{"truncated hash", secret, "user-42", good[:32], false},
		{"hash with NUL", secret, "user-42", good + "\x00", false},
	} {
		if got := Verify(tc.secret, tc.user, tc.hash); got != tc.want {
			t.Errorf("%s: Verify = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestIdentities(t *testing.T) {
	const secret = "k"
	for _, tc := range []struct {
		name   string
		src    Source
		secret string
		want   []Identity
	}{
		{"nothing", Source{}, secret, nil},
		{"visitor only", Source{VisitorID: "v1"}, secret, []Identity{{KindVisitor, "v1"}}},
		{"all", Source{VisitorID: "v1", Email: "A@x.de", Phone: "+49 30 1234", CustomerID: "C7",
			PData: map[string]string{PDataUserID: "u1", PDataUserHash: Sign(secret, "u1")}}, secret,
			[]Identity{{KindUser, "u1"}, {KindEmail, "a@x.de"}, {KindCustomer, "C7"}, {KindPhone, "+49301234"}, {KindVisitor, "v1"}}},
		{"bad hash: claimed", Source{PData: map[string]string{PDataUserID: "u1", PDataUserHash: "beef"}}, secret,
			[]Identity{{KindClaimedUser, "u1"}}},
		{"signed but connector has no secret: claimed", Source{PData: map[string]string{PDataUserID: "u1", PDataUserHash: Sign("", "u1")}}, "",
			[]Identity{{KindClaimedUser, "u1"}}},
		{"jtel userdata is claimed, pdata email used", Source{PData: map[string]string{PDataJtelUser: "123456", "email": "J@x.de"}}, secret,
			[]Identity{{KindClaimedUser, "123456"}, {KindEmail, "j@x.de"}}},
		{"same value twice once", Source{PData: map[string]string{PDataUserID: "9", PDataJtelUser: "9"}}, secret,
			[]Identity{{KindClaimedUser, "9"}}},
	} {
		if got := Identities(tc.src, tc.secret); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	v1, v2 := Identity{KindVisitor, "v1"}, Identity{KindVisitor, "v2"}
	alice, bob := Identity{KindEmail, "alice@x.de"}, Identity{KindEmail, "bob@x.de"}
	u1, u2 := Identity{KindUser, "u1"}, Identity{KindUser, "u2"}
	claimed := Identity{KindClaimedUser, "u1"}
	for _, tc := range []struct {
		name  string
		ids   []Identity
		found []Candidate
		want  Decision
	}{
		{"new visitor: create", []Identity{v1}, nil, Decision{Attach: []Identity{v1}}},
		{"returning visitor by visitor id", []Identity{v1}, []Candidate{{ID: 3, Identities: []Identity{v1}}},
			Decision{Target: 3}},
		{"same e-mail, another visitor id: link and attach", []Identity{alice, v2},
			[]Candidate{{ID: 1, Identities: []Identity{alice, v1}}}, Decision{Target: 1, Attach: []Identity{v2}}},
		{"anonymous visitor gives a known e-mail: merged", []Identity{alice, v1},
			[]Candidate{{ID: 5, Identities: []Identity{v1}}, {ID: 2, Identities: []Identity{alice, v2}}},
			Decision{Target: 2, Merge: []int64{5}}},
		{"shared browser, another e-mail: not merged, visitor id attached", []Identity{bob, v1},
			[]Candidate{{ID: 1, Identities: []Identity{alice, v1}}}, Decision{Attach: []Identity{bob, v1}}},
		{"shared browser, weak only: the one seen last", []Identity{v1},
			[]Candidate{{ID: 1, LastSeen: t0.Add(time.Hour), Identities: []Identity{alice, v1}}, {ID: 2, LastSeen: t0, Identities: []Identity{bob, v1}}},
			Decision{Target: 1}},
		{"two strong contacts meet: merged into the oldest", []Identity{alice, {KindCustomer, "C1"}},
			[]Candidate{{ID: 9, Identities: []Identity{{KindCustomer, "C1"}}}, {ID: 4, Identities: []Identity{alice}}},
			Decision{Target: 4, Merge: []int64{9}}},
		{"anonymous visitor gives a new e-mail: it is theirs", []Identity{alice, v1},
			[]Candidate{{ID: 5, Identities: []Identity{v1}}}, Decision{Target: 5, Attach: []Identity{alice}}},
		{"two verified users never merge", []Identity{u2, alice},
			[]Candidate{{ID: 1, Identities: []Identity{u1, alice}}, {ID: 2, Identities: []Identity{u2}}},
			Decision{Target: 2}},
		{"verified user meets another verified user's e-mail: a contact of its own", []Identity{u2, alice},
			[]Candidate{{ID: 1, Identities: []Identity{u1, alice}}}, Decision{Attach: []Identity{u2}}},
		{"claimed user id finds nothing", []Identity{claimed},
			[]Candidate{{ID: 1, Identities: []Identity{u1}}}, Decision{Attach: []Identity{claimed}}},
	} {
		if got := Decide(tc.ids, tc.found); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tc.name, got, tc.want)
		}
	}
}
