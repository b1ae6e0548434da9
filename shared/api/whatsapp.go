package api

// WhatsApp chats: past the 24-hour window only an approved template reaches the customer, so
// the agent app offers the connector's templates with their parameters to fill.

// TemplatesSuffix follows "/api/chats/" and a chat's id: GET answers the chat's
// [WhatsAppTemplates] (404 for a chat that is not on WhatsApp).
const TemplatesSuffix = "/templates"

// WhatsAppTemplates are the approved templates of a WhatsApp chat's connector, and whether
// free text still reaches the customer (WindowOpen).
type WhatsAppTemplates struct {
	WindowOpen bool               `json:"window_open"`
	Templates  []WhatsAppTemplate `json:"templates"`
}

// WhatsAppTemplate is one template: its name, its language and the names of its body's
// parameters, in order.
type WhatsAppTemplate struct {
	Name     string   `json:"name"`
	Language string   `json:"language"`
	Params   []string `json:"params,omitempty"`
}
