package protocol

import "fmt"

// Classification: agents put the tenant's tags on a chat, during or after it, and pick one of
// the tenant's outcomes when they close it ([Close.Outcome]); reports count chats by both. The
// lists, and whether closing needs an outcome, come with [AgentReady].
const (
	TypeChatTags Type = "chat.tags"
)

// MaxChatTags bounds the tags one chat carries, as the tenant's list is bounded.
const MaxChatTags = 200

func init() {
	commandTypes[TypeChatTags] = commandSpec{func() CommandBody { return new(ChatTags) }, false, true}
}

// Label is one entry of the tenant's tag or outcome list.
type Label struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

// ChatTags makes Tags the chat's tags (an empty list removes them all). Only an agent who
// handles or handled the chat may tag it; a tag that is not the tenant's is refused with
// not_found.
type ChatTags struct {
	inChat
	Tags []int64 `json:"tags"`
}

// CommandType implements [CommandBody].
func (*ChatTags) CommandType() Type { return TypeChatTags }

// Validate implements [CommandBody].
func (c *ChatTags) Validate() error {
	if len(c.Tags) > MaxChatTags {
		return &Error{Code: CodeTooLarge, Field: "tags", Message: fmt.Sprintf("at most %d tags", MaxChatTags)}
	}
	for _, t := range c.Tags {
		if t <= 0 {
			return &Error{Code: CodeInvalid, Field: "tags", Message: "a tag is a positive id"}
		}
		if err := checkSafe("tags", uint64(t)); err != nil {
			return err
		}
	}
	return nil
}

// validOutcome checks a close's outcome: 0 (none) or an id.
func validOutcome(id int64) error {
	if id < 0 {
		return &Error{Code: CodeInvalid, Field: "outcome", Message: "outcome is an id, or 0 for none"}
	}
	return checkSafe("outcome", uint64(id))
}
