// Package changes carries facts that were committed to the database to the parts of the server
// that keep something derived from them: routing state, caches, open visitor pages, agent apps.
//
// Without it, a saved setting reached the places that depend on it only where the code that
// saved it remembered to tell them. Instead, the store publishes every change after its
// transaction committed, and whoever cares subscribes. Two kinds of fact travel here:
//
//   - [Setting]: a configuration entity of a tenant changed (a connector, a group, a user, the
//     tenant's policies, ...). It carries identity, not data: subscribers reload what they
//     need from the store, so a message can never hold a stale copy.
//   - [ChatEvent]: a chat's durable event, after the group commit wrote it, in commit order.
//
// The messages are plain data (ids, no pointers, no store types) and encode to JSON, so that a
// message broker can carry them between server nodes later without changing any publisher or
// subscriber: [Local] is the in-process [Bus] a single node uses; package natsbus wraps it
// in cluster mode and carries Settings on the subject parley.settings.<tenant> and
// ChatEvents on parley.chat.<chat> between the nodes.
package changes

import (
	"encoding/json"
	"time"
)

// Kind names what sort of configuration entity a [Setting] is about.
type Kind string

// The kinds the store publishes. ID is the id of the named entity, or 0 where the kind is a
// tenant-wide set that is reloaded as a whole.
const (
	// KindTenant: the tenant's name, time zone or default language. ID is the tenant's id.
	KindTenant Kind = "tenant"
	// KindTenantSettings: the tenant's policies (attachments, chats per address). ID is 0.
	KindTenantSettings Kind = "tenant_settings"
	// KindConnector: a connector, including its texts, opening hours and widget options.
	KindConnector Kind = "connector"
	// KindSurvey: the pre-chat or post-chat survey fields of a connector. ID is the
	// connector's id: surveys are read per connector, so that is the unit to reload.
	KindSurvey Kind = "survey"
	// KindGroup: an ACD group.
	KindGroup Kind = "group"
	// KindUser: a user's profile, role, capacity, groups, skills or current status.
	KindUser Kind = "user"
	// KindStatus: the definition of an agent status (name, colours, allows chat).
	KindStatus Kind = "status"
	// KindCanned: the tenant's canned responses or their folders. ID is 0: agents load the
	// whole tree.
	KindCanned Kind = "canned"
	// KindIPBlocks: the tenant's blocked addresses. ID is 0.
	KindIPBlocks Kind = "ip_blocks"
	// KindLabels: the tenant's tag or outcome list, or whether closing a chat requires an
	// outcome. ID is 0: agents get both lists whole.
	KindLabels Kind = "labels"
	// KindMail: the tenant's SMTP settings, which decide whether visitors are offered a
	// transcript by e-mail. ID is 0.
	KindMail Kind = "mail"
)

// Setting says that one configuration entity of a tenant changed and its transaction
// committed. Consumers reload from the store what they keep of it.
type Setting struct {
	Kind Kind `json:"kind"`
	// TenantID is the tenant the entity belongs to (0 only for things outside every tenant,
	// such as a super-admin user).
	TenantID int64 `json:"tenant"`
	// ID is the entity's id, or 0 when the change concerns a tenant-wide set.
	ID int64 `json:"id,omitempty"`
	// Deleted is set when the entity no longer exists, so that consumers drop it instead of
	// reloading it.
	Deleted bool `json:"deleted,omitempty"`
}

// ChatEvent is a chat's durable event after the transaction that stored it committed.
type ChatEvent struct {
	ChatID   string `json:"chat"`
	TenantID int64  `json:"tenant"`
	// Seq is the event's number in the chat's log (1, 2, 3, ... without gaps).
	Seq uint64 `json:"seq"`
	// VisitorSeq is its number among the events the visitor sees, or 0 when the event is
	// hidden from the visitor.
	VisitorSeq uint64 `json:"visitor_seq,omitempty"`
	// Type is the protocol event type; Data its JSON body.
	Type string          `json:"type"`
	Data json.RawMessage `json:"data,omitempty"`
	At   time.Time       `json:"at"`
	// Remote is set on an event another cluster node committed (package natsbus), so that
	// this node's own counts (messages per second in /metrics) leave it out.
	Remote bool `json:"-"`
}

// Bus publishes committed facts and delivers them to subscribers.
//
// Chat events are delivered synchronously, in publish order, on the publisher's goroutine:
// the publisher is the store's single committer, which publishes in commit order, so every
// subscriber sees each chat's events in sequence. Chat subscribers must therefore be quick and
// never block (hand the event to a queue of their own).
//
// Settings are delivered to each subscriber in publish order on a goroutine of that
// subscriber's own, so a subscriber that reloads from the database never stalls the request
// that saved. While a change waits for its subscriber, an identical change published after it
// is dropped: the one delivery still happens after both commits, and a reload then sees both.
//
// Publishing never fails and never waits for subscribers; after Close it does nothing.
type Bus interface {
	// PublishSetting announces a committed settings change.
	PublishSetting(Setting)
	// SubscribeSettings calls f for every settings change published from now on, until
	// cancel is called or the bus is closed. cancel does not wait for a call of f in
	// progress, so it may be called from f, and more than once; after it returns, f gets no
	// further change other than one whose delivery had already begun.
	SubscribeSettings(f func(Setting)) (cancel func())
	// PublishChat announces a committed chat event and returns after every chat subscriber
	// has been called with it.
	PublishChat(ChatEvent)
	// SubscribeChats calls f for every chat event published from now on, until cancel is
	// called or the bus is closed. cancel does not wait for a call of f in progress, so it may
	// be called from f, and more than once; after it returns, f gets no further event other
	// than one a publisher was already handing to it.
	SubscribeChats(f func(ChatEvent)) (cancel func())
	// Close stops all deliveries, drops changes not yet delivered and waits for the
	// subscribers' goroutines to end. It must not be called from a subscriber's f.
	Close()
}
