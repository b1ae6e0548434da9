package whoson

import (
	"sort"
	"strings"

	"github.com/parleychat/parley/backend/store"

	"github.com/parleychat/parley/shared/protocol"
	"github.com/parleychat/parley/shared/texts"
)

// newlineData is the Data of a newline event.
type newlineData struct {
	Classname string `json:"Classname"`
	Content   string `json:"Content"`
}

// operator is an operator as operatorjoined and operators describe one. IsBot is the string
// "True" or "False", as in the document.
type operator struct {
	Name   string   `json:"Name"`
	Email  string   `json:"Email"`
	Phone  string   `json:"Phone"`
	Dept   string   `json:"Dept"`
	Skills []string `json:"Skills"`
	IsBot  string   `json:"IsBot"`
	Status string   `json:"Status"`
	Lang   string   `json:"Lang"`
}

// The operator statuses of the document.
const (
	statusOnline = "Online"
	statusBusy   = "Busy"
	statusBRB    = "Be Right Back"
	statusAway   = "Away"
)

// operators describes the connector's agents for the operators event, with what the users'
// records add (by the name visitors see).
func operators(ops []protocol.Operator, users map[string]store.User) []operator {
	out := make([]operator, 0, len(ops))
	for _, o := range ops {
		out = append(out, describe(o.Name, Status(o.Status), o.Lang, users[o.Name]))
	}
	return out
}

// describe is an operator as WhosOn shows one: the name and status the chat service gives,
// with the user's e-mail address, phone, department, skill names and bot flag (a zero user
// adds nothing and is no bot).
func describe(name, status, lang string, u store.User) operator {
	skills := make([]string, 0, len(u.Skills))
	for s := range u.Skills {
		skills = append(skills, s)
	}
	sort.Strings(skills)
	if lang == "" {
		lang = u.Lang
	}
	bot := "False"
	if u.Bot {
		bot = "True"
	}
	return operator{Name: name, Email: u.Email, Phone: u.Phone, Dept: u.Department, Skills: skills, IsBot: bot, Status: status, Lang: lang}
}

// Status maps a Parley agent status name to one of the four WhosOn statuses by what the name
// says: offline and away-like names are Away, short breaks Be Right Back, busy-like names
// Busy, every other status (those that take chats) Online.
func Status(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(n, w) {
				return true
			}
		}
		return false
	}
	switch {
	case n == "" || has("offline", "away", "lunch", "gone", "home"):
		return statusAway
	case has("brb", "right back", "break", "pause"):
		return statusBRB
	case has("busy", "call", "meeting", "disturb", "dnd", "wrap"):
		return statusBusy
	}
	return statusOnline
}

// surveyBlock is the PreChatSurvey or PostChatSurvey of the connected event.
type surveyBlock struct {
	Enabled bool       `json:"Enabled"`
	Fields  []fieldDTO `json:"Fields"`
}

// fieldDTO is a survey field with the document's property names.
type fieldDTO struct {
	FieldName        string   `json:"FieldName"`
	FieldType        string   `json:"FieldType"`
	Enabled          bool     `json:"Enabled"`
	Prompt           string   `json:"Prompt"`
	Length           int      `json:"Length"`
	MultiLine        bool     `json:"MultiLine"`
	Lines            int      `json:"Lines"`
	Password         bool     `json:"Password"`
	ChangeCase       int      `json:"ChangeCase"`
	Mask             string   `json:"Mask"`
	DefaultValue     string   `json:"DefaultValue"`
	DefaultDateToday bool     `json:"DefaultDateToday"`
	DefaultTimeToday bool     `json:"DefaultTimeToday"`
	SelectType       string   `json:"SelectType"`
	ValidateLow      int      `json:"ValidateLow"`
	ValidateHigh     int      `json:"ValidateHigh"`
	RequiredField    bool     `json:"RequiredField"`
	SelectOptions    []string `json:"SelectOptions"`
	HTML5Type        string   `json:"HTML5Type"`
}

// surveyField gives a field in the document's shape.
func surveyField(f protocol.SurveyField) fieldDTO {
	opts := f.Options
	if opts == nil {
		opts = []string{}
	}
	h5 := f.HTML5Type
	if h5 == "" {
		h5 = html5Type(f.Type)
	}
	typ := f.Type
	if typ == "" {
		typ = "text"
	}
	return fieldDTO{
		FieldName: f.Name, FieldType: typ, Enabled: f.Enabled, Prompt: f.Prompt, Length: f.Length,
		MultiLine: f.MultiLine, Lines: f.Lines, Password: f.Password, ChangeCase: f.ChangeCase, Mask: f.Mask,
		DefaultValue: f.Default, DefaultDateToday: f.DefaultDateToday, DefaultTimeToday: f.DefaultTimeToday,
		SelectType: f.SelectType, ValidateLow: f.ValidateLow, ValidateHigh: f.ValidateHigh,
		RequiredField: f.Required, SelectOptions: opts, HTML5Type: h5,
	}
}

// html5Type is the input type a field's type suggests, where the field names none.
func html5Type(fieldType string) string {
	switch fieldType {
	case "numeric":
		return "number"
	case "date", "time", "email":
		return fieldType
	case "boolean":
		return "checkbox"
	case "rating":
		return "range"
	}
	return "text"
}

func surveyOf(fields []protocol.SurveyField) surveyBlock {
	out := surveyBlock{Fields: []fieldDTO{}}
	for _, f := range fields {
		out.Fields = append(out.Fields, surveyField(f))
		out.Enabled = out.Enabled || f.Enabled
	}
	return out
}

// translation is the connected event's Translation object: see translationOptions.
type translation struct {
	Enabled              bool       `json:"Enabled"`
	DefaultLanguage      string     `json:"DefaultLanguage"`
	Languages            []language `json:"Languages"`
	ShowLanguageSelector bool       `json:"ShowLanguageSelector"`
	ShowAsOverlay        bool       `json:"ShowAsOverlay"`
	ForceTranslation     bool       `json:"ForceTranslation"`
}

type language struct {
	ISO2      string `json:"ISO2"`
	DisplayAs string `json:"DisplayAs"`
	Selected  bool   `json:"Selected"`
}

// connectedData is the Data of the connected event, every property of the document's.
type connectedData struct {
	SessionID             string      `json:"SessionID"`
	Domain                string      `json:"Domain"`
	SiteName              string      `json:"SiteName"`
	UTCBias               int         `json:"UTCBias"`
	OpeningMessage        string      `json:"OpeningMessage"`
	ClosingMessage        string      `json:"ClosingMessage"`
	ForwardingURL         string      `json:"ForwardingURL"`
	Layout                string      `json:"Layout"`
	Color                 string      `json:"Color"`
	Lang                  string      `json:"Lang"`
	Height                int         `json:"Height"`
	Width                 int         `json:"Width"`
	OperatorPreview       bool        `json:"OperatorPreview"`
	WebServicesURL        string      `json:"WebServicesURL"`
	GeoIP                 GeoIP       `json:"GeoIP"`
	AllowedFileTypes      string      `json:"AllowedFileTypes"`
	PreChatSurvey         surveyBlock `json:"PreChatSurvey"`
	PostChatSurvey        surveyBlock `json:"PostChatSurvey"`
	Translation           translation `json:"Translation"`
	CallbackEnabled       bool        `json:"CallbackEnabled"`
	LeaveMessageEnabled   bool        `json:"LeaveMessageEnabled"`
	VisitorSingleUseFiles int         `json:"VisitorSingleUseFiles"`
	ServerBuild           string      `json:"ServerBuild"`
}

// ServerBuild is what the connected event says the server is.
const ServerBuild = "Parley"

// describeSite describes the connector a Connect found: the native connected event, in the
// document's shape.
func describeSite(b *protocol.Connected, cs connState, geo GeoIP, webServices string) connectedData {
	opening := b.Title
	if opening == "" {
		opening = b.Name
	}
	files := ""
	if b.MaxAttachmentKB > 0 {
		files = strings.Join(b.AllowedFileTypes, ", ")
	}
	return connectedData{
		SessionID: b.Session, Domain: cs.domain, SiteName: b.Name,
		OpeningMessage: systemHTML(opening), ClosingMessage: systemHTML(b.Texts[texts.Bye]),
		Layout: "standard", Color: "office", Lang: b.Lang, Height: 550, Width: 470,
		OperatorPreview: b.Preview, WebServicesURL: webServices, GeoIP: geo, AllowedFileTypes: files,
		PreChatSurvey: surveyOf(b.PreChat), PostChatSurvey: surveyOf(b.PostChat),
		Translation:         translationOptions(cs.site.translation, b.Lang),
		LeaveMessageEnabled: b.LeaveMessage, ServerBuild: ServerBuild,
	}
}
