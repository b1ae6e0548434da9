package api

// ContactInfo is the contact a chat's visitor is, as agents see and edit it in the chat's
// side panel (answered with [Previous]); its earlier chats are the contact's timeline.
type ContactInfo struct {
	ID      int64  `json:"id"`
	Name    string `json:"name,omitempty"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Company string `json:"company,omitempty"`
	Notes   string `json:"notes,omitempty"`
	// UserID is the user id the embedding page passed for this chat, UserVerified whether its
	// signature was valid (identity verification). An unverified id must not be trusted.
	UserID       string `json:"user_id,omitempty"`
	UserVerified bool   `json:"user_verified,omitempty"`
}

// ContactEdit is the body of POST /api/contacts/{id}: the fields an agent edits.
type ContactEdit struct {
	Name    string `json:"name"`
	Email   string `json:"email"`
	Phone   string `json:"phone"`
	Company string `json:"company"`
	Notes   string `json:"notes"`
}
