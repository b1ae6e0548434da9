package transcript

import (
	"strings"
	"time"

	"github.com/parleychat/parley/shared/protocol"
)

// sample is a chat with everything a transcript shows: umlauts and accents, Greek and
// Cyrillic, an emoji, a whisper and a note, a file, system lines, a long text that wraps and
// enough lines to fill several pages.
func sample() Transcript {
	berlin, _ := time.LoadLocation("Europe/Berlin")
	start := time.Date(2025, 3, 4, 9, 2, 3, 0, time.UTC)
	at := func(s int) time.Time { return start.Add(time.Duration(s) * time.Second) }
	t := Transcript{
		ChatID: "c_7f3a9b2e", Tenant: "Demo Company", Connector: "Website chat",
		Visitor: Visitor{Name: "Jürgen Größe", Email: "jurgen@example.de", Phone: "+49 30 1234567"},
		Lang:    "de", Page: "https://shop.example.de/bestellung/übersicht?id=4711&ref=newsletter-märz-2025",
		Started: start, Ended: at(1930), CloseCause: CauseText("en", protocol.CauseAgent),
		Agents: []Agent{
			{Name: "Anna Example", Parts: []string{"owner"}, Joined: at(20), Left: at(1930)},
			{Name: "Sören Supervisor", Parts: []string{"observer", "participant"}, Joined: at(300), Left: at(900)},
		},
		Fields: []Field{
			{Survey: "Pre-chat", Label: "Your question", Value: "Wo ist meine Bestellung?"},
			{Survey: "Post-chat", Label: "How did we do?", Value: "5"},
		},
		Location: berlin, Printed: at(4000),
	}
	t.Lines = []Line{
		{Kind: LineSystem, Sender: "Parley", At: at(0), Text: "The chat is waiting for an agent"},
		{Kind: LineMessage, Role: protocol.RoleVisitor, Sender: "Jürgen Größe", At: at(1), Text: "Grüß Gott! Wo ist meine Bestellung? Ich habe am Montag bestellt."},
		{Kind: LineSystem, Sender: "Parley", At: at(20), Text: "Anna joined the chat"},
		{Kind: LineMessage, Role: protocol.RoleAgent, Sender: "Anna", At: at(35), Text: "Bonjour ! Je regarde ça tout de suite — ça ne prendra qu'une minute. Ελληνικά, Русский текст."},
		{Kind: LineSystem, Sender: "Parley", At: at(300), Text: "Sören joined the chat as an observer", Internal: true},
		{Kind: LineMessage, Role: protocol.RoleAgent, Sender: "Sören", At: at(320), Text: "Whisper: check the warehouse system first, the parcel was split.", Internal: true},
		{Kind: LineMessage, Role: protocol.RoleVisitor, Sender: "Jürgen Größe", At: at(400), Text: "Hier ist die Rechnung 🙂", File: "Rechnung-März.pdf"},
		{Kind: LineMessage, Role: protocol.RoleAgent, Sender: "Anna", At: at(450), Text: strings.Repeat("Die Sendung wurde in zwei Pakete aufgeteilt; das zweite kommt morgen. ", 12)},
	}
	for i := range 60 {
		role, name := protocol.RoleVisitor, "Jürgen Größe"
		if i%2 == 1 {
			role, name = protocol.RoleAgent, "Anna"
		}
		t.Lines = append(t.Lines, Line{Kind: LineMessage, Role: role, Sender: name, At: at(500 + 20*i), Text: "Zeile " + string(rune('A'+i%26)) + ": äöü ÄÖÜ ß é è ê"})
	}
	t.Lines = append(t.Lines,
		Line{Kind: LineMessage, Role: protocol.RoleAgent, Sender: "Anna", At: at(1800), Text: "Der Link: https://shop.example.de/sendungsverfolgung/" + strings.Repeat("0123456789", 14) + "\n\n" + strings.Repeat("Über die Sendungsverfolgung sehen Sie jederzeit, wo Ihr Paket ist. ", 70)},
		Line{Kind: LineMessage, Role: protocol.RoleAgent, Sender: "Anna Example with a name far too long for its column", At: at(1850), Text: "Internal note: customer is a VIP.", Internal: true},
		Line{Kind: LineSystem, Sender: "Parley", At: at(1930), Text: CauseText("en", protocol.CauseAgent)},
		Line{Kind: LineMessage, Role: protocol.RoleVisitor, Sender: "Jürgen Größe", At: start.Add(26 * time.Hour), Text: "Danke, das Paket ist da!"},
	)
	return t
}
