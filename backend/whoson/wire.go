package whoson

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"strings"
)

// command is a frame a WhosOn client sends. Parameters are strings, in the order the
// document gives per command; null when there are none.
type command struct {
	Command    string   `json:"Command"`
	Parameters []string `json:"Parameters"`
}

// event is a frame sent to a WhosOn client. ChatUid is null before a chat exists.
type event struct {
	EventName string  `json:"EventName"`
	ChatUid   *string `json:"ChatUid"`
	Data      any     `json:"Data"`
}

// errBadFrame is a frame that is not a WhosOn command.
var errBadFrame = errors.New("not a WhosOn command")

// parseCommand decodes a frame; the command's name comes back lower case, since WhosOn
// command names are not case sensitive.
func parseCommand(frame []byte) (string, []string, error) {
	var c command
	if err := json.Unmarshal(frame, &c); err != nil || strings.TrimSpace(c.Command) == "" {
		return "", nil, errBadFrame
	}
	return strings.ToLower(strings.TrimSpace(c.Command)), c.Parameters, nil
}

// encode writes an event; uid "" with null is the document's null ChatUid.
func encode(name string, uid *string, data any) []byte {
	b, err := json.Marshal(event{EventName: name, ChatUid: uid, Data: data})
	if err != nil {
		// Every Data is built here from strings, numbers and slices of them.
		panic("whoson: encode " + name + ": " + err.Error())
	}
	return b
}

// surveyXML is the document's survey block: <Fields><Field><Name/><Value/></Field>…</Fields>.
type surveyXML struct {
	XMLName xml.Name `xml:"Fields"`
	Fields  []struct {
		Name  string `xml:"Name"`
		Value string `xml:"Value"`
	} `xml:"Field"`
}

// maxFields bounds the fields one survey block may carry.
const maxFields = 100

// parseFields reads a survey block; blank is no fields. Names are trimmed; a later field of the
// same name wins.
func parseFields(s string) (map[string]string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	var x surveyXML
	if err := xml.Unmarshal([]byte(s), &x); err != nil {
		return nil, errors.New("the survey is not a <Fields> XML block")
	}
	if len(x.Fields) > maxFields {
		return nil, errors.New("the survey has too many fields")
	}
	out := map[string]string{}
	for _, f := range x.Fields {
		if name := strings.TrimSpace(f.Name); name != "" {
			out[name] = f.Value
		}
	}
	return out, nil
}

// splitOriginal separates a visitor line from the untranslated original a client may append in
// <original></original> tags (any letter case).
func splitOriginal(text string) (line, original string) {
	lower := strings.ToLower(text)
	i := strings.Index(lower, "<original>")
	if i < 0 {
		return text, ""
	}
	rest := text[i+len("<original>"):]
	if j := strings.Index(strings.ToLower(rest), "</original>"); j >= 0 {
		return text[:i], rest[:j]
	}
	return text[:i], rest
}
