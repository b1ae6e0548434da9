// Package api holds the JSON shapes of the agent app's HTTP API (sign-in, canned responses,
// earlier chats), shared by the server that produces them and the app that reads them, so that
// the two cannot drift apart. The WebSocket protocol is in package protocol.
package api

import (
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// LoginRequest is the body of POST /api/login.
type LoginRequest struct {
	Login    string `json:"login"`
	Password string `json:"password"`
}

// LoginResponse is the answer of POST /api/login (200). The server also sets the session
// cookie, which the WebSocket handshake and later requests carry.
type LoginResponse struct {
	Token string        `json:"token"`
	User  protocol.User `json:"user"`
}

// ErrorBody is the body of every HTTP error answer: a stable code and a message for people.
type ErrorBody struct {
	Error protocol.Error `json:"error"`
}

// Canned is a canned response ("template"): GET /api/canned answers a JSON array of them.
type Canned struct {
	ID     int64  `json:"id"`
	Folder string `json:"folder,omitempty"`
	Title  string `json:"title"`
	Text   string `json:"text"`
}

// Previous is the answer of GET /api/chats/{id}/previous: the visitor's contact and earlier
// chats (its timeline; without a contact yet, found by e-mail, customer id or visitor id),
// newest first, holding together at most the last PreviousLimit messages.
type Previous struct {
	Contact *ContactInfo   `json:"contact,omitempty"`
	Chats   []PreviousChat `json:"chats"`
}

// PreviousChat is one earlier chat of the same visitor.
type PreviousChat struct {
	ID        string            `json:"id"`
	Connector string            `json:"connector,omitempty"`
	Agent     string            `json:"agent,omitempty"`
	CreatedAt time.Time         `json:"created_at"`
	ClosedAt  time.Time         `json:"closed_at,omitempty"`
	Messages  []PreviousMessage `json:"messages"`
}

// PreviousMessage is one message of an earlier chat, oldest first within its chat.
type PreviousMessage struct {
	Role protocol.Role `json:"role"`
	Name string        `json:"name,omitempty"`
	Text string        `json:"text"`
	At   time.Time     `json:"at"`
}

// PreviousLimit is how many messages of earlier chats an agent sees (OneContact's history).
const PreviousLimit = 50

// ColleaguesPath is GET /api/agents: the signed-in agent's colleagues (the tenant's other
// active agents, supervisors and administrators) with their presence and load, a JSON array of
// [Colleague] sorted by name. The invitation and transfer pickers read it when they open, so
// that whom they offer is current.
const ColleaguesPath = "/api/agents"

// Colleague is another agent of the tenant as the pickers list them. Online says whether they
// have the agent app connected: only they can be invited or handed a chat. Status is the name
// of their status and AllowsChat whether it receives chats; Chats is how many chats they own
// now and MaxChats how many they take at once (0: no limit set).
type Colleague struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Role       string `json:"role,omitempty"`
	Online     bool   `json:"online"`
	Status     string `json:"status,omitempty"`
	AllowsChat bool   `json:"allows_chat,omitempty"`
	Chats      int    `json:"chats"`
	MaxChats   int    `json:"max_chats,omitempty"`
	// Availability is the colleague's availability as the colleagues panel shows it.
	Availability protocol.Availability `json:"availability,omitempty"`
}
