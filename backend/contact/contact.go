// Package contact holds the rules that turn the identities a chat carries into one contact per
// customer: which identities a chat has, which of them may be trusted to find and merge
// contacts, and when two contacts are the same person. It is pure: the store feeds it what it
// read and carries out the decision in one transaction.
//
// # Identities and their strength
//
// A chat may carry, from the widget, the embedding page and the compatibility APIs:
//
//   - user: a user id signed by the host page with the connector's identity secret
//     (HMAC-SHA256, as Intercom's user_hash and Chatwoot's identifier_hash). Strong, and
//     exclusive: a contact has at most one verified user id, and two contacts with different
//     verified user ids are never merged.
//   - email: the visitor's e-mail address, compared without case. Strong.
//   - customer: the customer id the page or MiCC passes. Strong.
//   - phone and visitor (the id the widget keeps in the visitor's browser): weak. A browser or
//     a phone may be shared, so a weak identity alone never merges two contacts that are
//     known by strong identities.
//   - claimed_user: a user id the page passed without a valid signature (jtel pdata
//     "userdata", or user_id with a missing or wrong user_hash). It is kept and shown to
//     agents as unverified, and never used to find or merge contacts.
//
// # Decisions
//
// Strong identities are unique in a tenant: each belongs to at most one contact. When a chat's
// strong identities point at several contacts, they are merged into the oldest of them, unless
// two of them hold different verified user ids; then the contact with the chat's verified user
// id (or, lacking one, the oldest) keeps the chat and the others stay apart. A chat with a
// verified user id never goes to a contact with another one: it gets a contact of its own,
// without the strong identities the other contact owns.
//
// A weak identity finds a contact only when the chat has no strong identity that found one;
// among several, the contact seen last. When the chat has strong identities, contacts found only
// by a weak identity are merged into the target (or, without one, the anonymous contact seen
// last becomes the target) when they are anonymous (no strong identity of their own): that is
// the returning visitor who gave an e-mail address this time. A contact with strong identities
// of its own is left alone, and the weak identity is attached to the target as well (weak
// identities may belong to several contacts). Identities of merged contacts move to the target.
//
// No identity at all (a chat without visitor id, e-mail or anything) makes no contact.
package contact

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
	"unicode/utf8"
)

// Kind names what an identity is; the strings are stored.
type Kind string

// The kinds of identity, see the package documentation for their strength.
const (
	KindUser        Kind = "user"
	KindEmail       Kind = "email"
	KindCustomer    Kind = "customer"
	KindPhone       Kind = "phone"
	KindVisitor     Kind = "visitor"
	KindClaimedUser Kind = "claimed_user"
)

// MaxValueBytes bounds a stored identity value: anything longer is not an identity but noise,
// and is dropped rather than cut (a cut id could collide with another).
const MaxValueBytes = 320

// Strong reports whether identities of kind k find and merge contacts and are unique in a tenant.
func (k Kind) Strong() bool { return k == KindUser || k == KindEmail || k == KindCustomer }

// Matches reports whether identities of kind k are used to find contacts at all.
func (k Kind) Matches() bool { return k != KindClaimedUser }

// Identity is one key by which a customer is known. Value is normalised (see [Normalize]).
type Identity struct {
	Kind  Kind
	Value string
}

// Normalize returns the stored form of an identity value of kind k: trimmed, e-mail lower-cased,
// phone reduced to its digits and a leading "+"; "" when nothing usable remains or the value
// is not valid UTF-8, holds a NUL, or is longer than MaxValueBytes.
func Normalize(k Kind, v string) string {
	v = strings.TrimSpace(v)
	if v == "" || len(v) > MaxValueBytes || !utf8.ValidString(v) || strings.ContainsRune(v, 0) {
		return ""
	}
	switch k {
	case KindEmail:
		v = strings.ToLower(v)
		if at := strings.LastIndexByte(v, '@'); at <= 0 || at == len(v)-1 {
			return ""
		}
	case KindPhone:
		var b strings.Builder
		for i, r := range v {
			switch {
			case r >= '0' && r <= '9':
				b.WriteRune(r)
			case r == '+' && i == 0:
				b.WriteRune(r)
			}
		}
		v = b.String()
		if len(strings.TrimPrefix(v, "+")) < 4 { // fewer than 4 digits is no phone number
			return ""
		}
	}
	return v
}

// Source is what a chat says about its visitor, as the store reads it from the chat row.
type Source struct {
	VisitorID, Email, Phone, CustomerID string
	// PData is the embedding page's identity data (jtel pdata). Its "user_id" (or jtel's
	// "userdata") is the host's user id, "user_hash" the signature, "email" an e-mail address
	// used when Email is empty.
	PData map[string]string
}

// The pdata keys the loader fills from the embed snippet's userId and userHash.
const (
	PDataUserID   = "user_id"
	PDataUserHash = "user_hash"
	// PDataJtelUser is jtel's user data field: the host's user id, never signed.
	PDataJtelUser = "userdata"
)

// Identities returns the chat's identities, verified against secret (the connector's identity
// secret; "" verifies nothing), in a stable order, without duplicates.
func Identities(src Source, secret string) []Identity {
	var out []Identity
	add := func(k Kind, v string) {
		if v = Normalize(k, v); v != "" && !slices.Contains(out, Identity{k, v}) {
			out = append(out, Identity{k, v})
		}
	}
	user, hash := src.PData[PDataUserID], src.PData[PDataUserHash]
	if Verify(secret, user, hash) {
		add(KindUser, user)
	} else {
		add(KindClaimedUser, user)
	}
	add(KindClaimedUser, src.PData[PDataJtelUser])
	email := src.Email
	if strings.TrimSpace(email) == "" {
		email = src.PData["email"]
	}
	add(KindEmail, email)
	add(KindCustomer, src.CustomerID)
	add(KindPhone, src.Phone)
	add(KindVisitor, src.VisitorID)
	return out
}

// Sign returns the signature a host page passes as userHash for userID: the hex HMAC-SHA256 of
// the user id under the connector's identity secret. Host servers compute it the same way.
func Sign(secret, userID string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(userID))
	return hex.EncodeToString(m.Sum(nil))
}

// Verify reports whether hash is userID's signature under secret, in constant time. An empty
// secret, user id or hash verifies nothing.
func Verify(secret, userID, hash string) bool {
	if secret == "" || strings.TrimSpace(userID) == "" || hash == "" {
		return false
	}
	want := Sign(secret, strings.TrimSpace(userID))
	return hmac.Equal([]byte(want), []byte(strings.ToLower(strings.TrimSpace(hash))))
}

// Candidate is a contact the store found by one of the chat's identities, with all its
// identities.
type Candidate struct {
	ID         int64
	LastSeen   time.Time
	Identities []Identity
}

func (c Candidate) has(id Identity) bool { return slices.Contains(c.Identities, id) }

func (c Candidate) strong() bool {
	return slices.ContainsFunc(c.Identities, func(i Identity) bool { return i.Kind.Strong() })
}

func (c Candidate) user() string {
	for _, i := range c.Identities {
		if i.Kind == KindUser {
			return i.Value
		}
	}
	return ""
}

// Decision is what to do with a chat: link it to Target (0: create a new contact and link it),
// merge the contacts Merge into the target, and attach the identities Attach to it.
type Decision struct {
	Target int64
	Merge  []int64
	Attach []Identity
}

// Decide applies the rules of the package documentation to a chat's identities and the
// contacts found by them.
func Decide(ids []Identity, found []Candidate) Decision {
	chatUser := ""
	for _, i := range ids {
		if i.Kind == KindUser {
			chatUser = i.Value
		}
	}
	var strongHit, weakHit []Candidate
	for _, c := range found {
		if u := c.user(); chatUser != "" && u != "" && u != chatUser {
			continue // another verified person: never this chat's contact
		}
		if slices.ContainsFunc(ids, func(i Identity) bool { return i.Kind.Strong() && c.has(i) }) {
			strongHit = append(strongHit, c)
		} else if slices.ContainsFunc(ids, func(i Identity) bool { return i.Kind.Matches() && c.has(i) }) {
			weakHit = append(weakHit, c)
		}
	}
	slices.SortFunc(strongHit, func(a, b Candidate) int { return cmpID(a.ID, b.ID) })
	var d Decision
	var target *Candidate
	merged := map[int64]bool{}
	if len(strongHit) > 0 {
		target = &strongHit[0]
		for k := range strongHit {
			if chatUser != "" && strongHit[k].user() == chatUser {
				target = &strongHit[k]
				break
			}
		}
		user := target.user()
		if user == "" {
			user = chatUser
		}
		for _, c := range strongHit {
			if c.ID == target.ID {
				continue
			}
			if u := c.user(); u != "" && user != "" && u != user {
				continue // two verified people: never one contact
			}
			if u := c.user(); u != "" {
				user = u
			}
			d.Merge = append(d.Merge, c.ID)
			merged[c.ID] = true
		}
		for _, c := range weakHit {
			if !c.strong() {
				d.Merge = append(d.Merge, c.ID)
				merged[c.ID] = true
			}
		}
	} else if len(weakHit) > 0 {
		slices.SortFunc(weakHit, func(a, b Candidate) int {
			if c := b.LastSeen.Compare(a.LastSeen); c != 0 {
				return c
			}
			return cmpID(b.ID, a.ID)
		})
		if !slices.ContainsFunc(ids, func(i Identity) bool { return i.Kind.Strong() }) {
			target = &weakHit[0]
		} else {
			// New strong identities: they go to the anonymous contact seen last; a known
			// person found only through a shared browser or phone stays apart.
			for k := range weakHit {
				if !weakHit[k].strong() {
					if target == nil {
						target = &weakHit[k]
					} else {
						d.Merge = append(d.Merge, weakHit[k].ID)
						merged[weakHit[k].ID] = true
					}
				}
			}
		}
	}
	var have []Identity
	if target != nil {
		d.Target = target.ID
		have = target.Identities
	}
	for _, c := range found {
		if merged[c.ID] {
			have = append(have, c.Identities...)
		}
	}
	for _, i := range ids {
		if slices.Contains(have, i) {
			continue
		}
		if i.Kind.Strong() && ownedElsewhere(i, found, d.Target, merged) {
			continue // unique, and its contact stays apart
		}
		if i.Kind == KindUser && target != nil && target.user() != "" && target.user() != i.Value {
			continue
		}
		d.Attach = append(d.Attach, i)
	}
	return d
}

func ownedElsewhere(i Identity, found []Candidate, target int64, merged map[int64]bool) bool {
	for _, c := range found {
		if c.ID != target && !merged[c.ID] && c.has(i) {
			return true
		}
	}
	return false
}

func cmpID(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Key returns a fingerprint of a chat's identities, so that the store relinks a chat only when
// what it says about its visitor changed.
func Key(ids []Identity) string {
	var b strings.Builder
	for _, i := range ids {
		b.WriteString(string(i.Kind))
		b.WriteByte('=')
		b.WriteString(i.Value)
		b.WriteByte(0x1f)
	}
	return Sign("contact-key", b.String())
}
