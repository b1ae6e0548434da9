// Package retention deletes what a tenant chose not to keep: closed chats, left messages and
// audit log entries older than the periods of its policy (store.RetentionPolicy). Personal
// data kept longer than needed is a liability, and a contact center has to be able to say
// how long it keeps it.
//
// Plan is the pure part: from the policies and the time it lists what to delete. The Worker
// runs a plan on a schedule (hourly by default, jittered so that several servers do not start
// together), deleting in small batches with a pause between them, so that no batch holds the
// database's write lock for long: on SQLite the chats' group commit shares the one writer.
// Every deletion is idempotent and re-checks that a chat is still closed, so two servers
// running it at once do no harm.
//
// Contacts (package contact) live as long as their chats: once every chat of a contact is
// gone, the contact, its identities and merge records go too, when it was last seen and
// changed longer ago than the longer of the chat and left-message periods.
//
// Delivery logs (store.PurgeDeliveryLogs: Web Push, webhooks, report exports, e-mail,
// WhatsApp, translation calls) keep their finished rows for store.DeliveryLogPeriod, whatever
// the tenant's policy keeps: they are for finding what failed lately. Rows still waiting to be
// delivered stay.
//
// SQLite's search index keeps deleted messages' words until it is compacted: a round that
// deleted messages compacts it once at its end (store.CompactSearchIndex).
//
// Adding another kind of data is one more Kind: a case in Plan
// for its period and one in Worker.purge for the store call that deletes a batch of it.
package retention

import (
	"time"

	"github.com/parleychat/parley/backend/store"
)

// Kind names a kind of data a policy ages out.
type Kind string

// The kinds of data, in the order a round deletes them.
const (
	Chats        Kind = "chats"
	LeftMessages Kind = "left_messages"
	Contacts     Kind = "contacts"
	AuditEntries Kind = "audit_entries"
	DeliveryLogs Kind = "delivery_logs"
)

// Task is one kind of a tenant's data to delete: everything of it older than Before.
type Task struct {
	TenantID int64
	Kind     Kind
	Before   time.Time
}

// Plan lists the tasks the policies call for at now: one per tenant and kind whose period is
// not 0 (keep forever), and one for the delivery logs of every tenant. Periods count whole
// days back from now.
func Plan(policies []store.RetentionPolicy, now time.Time) []Task {
	var out []Task
	for _, p := range policies {
		for _, k := range []struct {
			kind Kind
			days int
		}{{Chats, p.ChatDays}, {LeftMessages, p.LeftMessageDays}, {Contacts, contactDays(p)}, {AuditEntries, p.AuditDays},
			{DeliveryLogs, store.DeliveryLogPeriod(p)}} {
			if k.days <= 0 {
				continue
			}
			days := min(k.days, store.MaxRetentionDays)
			out = append(out, Task{TenantID: p.TenantID, Kind: k.kind, Before: now.UTC().Add(-time.Duration(days) * 24 * time.Hour)})
		}
	}
	return out
}

// contactDays is how long a contact without chats is kept: the longer of the periods of the
// chats that made it, 0 (keep) when both keep.
func contactDays(p store.RetentionPolicy) int {
	if p.ChatDays <= 0 && p.LeftMessageDays <= 0 {
		return 0
	}
	return max(p.ChatDays, p.LeftMessageDays)
}
