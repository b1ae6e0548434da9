package api

import "time"

// Left messages: what visitors left when no chat could be had, for the agents of the
// connector's group, who answer them by e-mail from the agent app (threaded as from the admin
// pages).

// LeftPath lists the left messages of the signed-in agent's groups (GET, a [LeftMessages]);
// LeftPath + id + LeftReplySuffix answers one by e-mail (POST a [LeftReplyRequest]; the
// answer is the message with its replies, a [LeftMessage]).
const (
	LeftPath        = "/api/left/"
	LeftReplySuffix = "/reply"
)

// LeftMessages is the list, newest first.
type LeftMessages struct {
	Messages []LeftMessage `json:"messages"`
}

// LeftMessage is one left message and the replies sent to it.
type LeftMessage struct {
	ID        string    `json:"id"`
	Connector string    `json:"connector"`
	Name      string    `json:"name,omitempty"`
	Email     string    `json:"email,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
	// Answered is true once someone replied.
	Answered bool        `json:"answered"`
	Replies  []LeftReply `json:"replies,omitempty"`
}

// LeftReply is one e-mail answer: who wrote it, when, and how far its e-mail got (MailState
// "pending", "sent" or "failed", with MailError).
type LeftReply struct {
	Author    string    `json:"author"`
	Text      string    `json:"text"`
	At        time.Time `json:"at"`
	MailState string    `json:"mail_state"`
	MailError string    `json:"mail_error,omitempty"`
}

// LeftReplyRequest is a reply to send.
type LeftReplyRequest struct {
	Text string `json:"text"`
}

// LeftRuleError is the body of a refused reply (422): the reason as an English message with
// numbered placeholders filled by Args, which the app shows in the agent's language.
type LeftRuleError struct {
	Message string   `json:"message"`
	Args    []string `json:"args,omitempty"`
}
