package transcript

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// TestEveryTextInEveryLanguage fails when German or French lacks a message the transcript
// says (in this package, and through Say in the e-mail that carries it), when a translation's
// placeholders differ from the English ones, when a message is not a string literal, or when
// a translation is no longer used.
func TestEveryTextInEveryLanguage(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	mail, err := filepath.Glob("../mail/*.go")
	if err != nil || len(mail) == 0 {
		t.Fatalf("the mail package's files: %v", err)
	}
	files = append(files, mail...)
	used := map[string]string{}
	fset := token.NewFileSet()
	for _, path := range files {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			i := -1
			switch fn := call.Fun.(type) {
			case *ast.Ident:
				if fn.Name == "say" {
					i = 1
				}
			case *ast.SelectorExpr:
				switch fn.Sel.Name {
				case "say": // the renderer's
					i = 0
				case "Say":
					i = 1
				}
			}
			if i < 0 || i >= len(call.Args) {
				return true
			}
			lit, ok := call.Args[i].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				if id, ok := call.Args[i].(*ast.Ident); !ok || id.Name != "msg" {
					t.Errorf("%s: the message of say is not a string literal", fset.Position(call.Args[i].Pos()))
				}
				return true
			}
			s, _ := strconv.Unquote(lit.Value)
			used[s] = fset.Position(lit.Pos()).String()
			return true
		})
	}
	if len(used) < 50 {
		t.Fatalf("found only %d messages: is the source scanned?", len(used))
	}
	ph := regexp.MustCompile(`\{[0-9]\}`)
	for _, lang := range Languages[1:] {
		for msg, where := range used {
			tr, ok := texts[lang][msg]
			switch {
			case !ok:
				t.Errorf("%s lacks %q (%s)", lang, msg, where)
			case strings.Join(sorted(ph.FindAllString(tr, -1)), "") != strings.Join(sorted(ph.FindAllString(msg, -1)), ""):
				t.Errorf("%s: %q has other placeholders than %q", lang, tr, msg)
			}
		}
		for msg := range texts[lang] {
			if _, ok := used[msg]; !ok {
				t.Errorf("%s: %q is no longer used", lang, msg)
			}
		}
	}
}

func sorted(s []string) []string { slices.Sort(s); return s }

// The system lines (joins and leaves in every part, the chat's states, the close causes, a
// transfer) and the stand-in names are written in the reader's language; what people wrote
// and the names they gave stay as they are.
func TestSystemLinesInTheReadersLanguage(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	events := []protocol.EventBody{
		&protocol.Joined{Name: "Anna", Role: protocol.RoleAgent},
		&protocol.Joined{Name: "Sören", Role: protocol.RoleAgent, As: protocol.PartObserver},
		&protocol.Left{Role: protocol.RoleVisitor},
		&protocol.ChatState{State: protocol.StateQueued, At: at},
		&protocol.ChatState{State: protocol.StateActive, At: at},
		&protocol.Transfer{State: protocol.TransferAccepted, By: protocol.Participant{Name: "Anna"}, At: at},
		&protocol.ChatState{State: protocol.StateClosed, Cause: protocol.CauseVisitor, At: at},
		&protocol.Message{Role: protocol.RoleVisitor, Text: "Hallo!", At: at},
	}
	want := map[string][]string{
		"en": {"Anna joined the chat", "Sören joined the chat as an observer", "The visitor left the chat", "The chat is waiting for an agent",
			"An agent accepted the chat", "The chat was transferred to another agent", "The visitor closed the chat", "Hallo!"},
		"de": {"Anna ist dem Chat beigetreten", "Sören ist dem Chat als Beobachter beigetreten", "Der Besucher hat den Chat verlassen",
			"Der Chat wartet auf einen Agenten", "Ein Agent hat den Chat angenommen", "Der Chat wurde an einen anderen Agenten übergeben",
			"Der Besucher hat den Chat beendet", "Hallo!"},
		"fr": {"Anna a rejoint le chat", "Sören a rejoint le chat en tant qu'observateur", "Le visiteur a quitté le chat",
			"Le chat attend un agent", "Un agent a accepté le chat", "Le chat a été transféré à un autre agent",
			"Le visiteur a fermé le chat", "Hallo!"},
	}
	for lang, w := range want {
		var got, senders []string
		for _, b := range events {
			data, _ := json.Marshal(b)
			for _, l := range lines(store.Event{Type: string(b.EventType()), Data: data, At: at}, nil, "", lang) {
				got = append(got, l.Text)
				senders = append(senders, l.Sender)
			}
		}
		if !slices.Equal(got, w) {
			t.Errorf("%s: lines %q, want %q", lang, got, w)
		}
		if s := senders[len(senders)-1]; s != say(lang, "Visitor") || (lang != "en" && s == "Visitor") {
			t.Errorf("%s: a nameless visitor is %q", lang, s)
		}
	}
}

// A transcript read in German or French has its headings, labels, parts, dates and footer in
// that language, from the title to the last page; the conversation stays as written.
func TestRenderInTheReadersLanguage(t *testing.T) {
	for _, c := range []struct {
		lang   string
		want   []string
		absent []string
	}{
		{"de", []string{"Chatprotokoll", "Besucher", "Telefon", "Sprache", "Beginn", "Dauer", "Endegrund", "Zeitzone", "Agenten",
			"Anna Example — Besitzer", "Beobachter, Teilnehmer", "Gesprächsverlauf", "Di., 4. März 2025, 10:02:03 CET",
			"Mittwoch, 5. März 2025", "intern", "Datei: Rechnung-März.pdf", "Gedruckt am", "Seite 1 von", "Grüß Gott!"},
			[]string{"Chat transcript", "Conversation", "Printed", "Page 1 of", "File: ", "Wednesday", "Tue 4 Mar"}},
		{"fr", []string{"Transcription du chat", "Visiteur", "Téléphone", "Langue", "Début", "Durée", "Motif de fin", "Fuseau horaire",
			"Anna Example — propriétaire", "observateur, participant", "Conversation", "mar. 4 mars 2025, 10:02:03 CET",
			"mercredi 5 mars 2025", "interne", "Fichier : Rechnung-März.pdf", "Imprimé le", "Page 1 sur", "Grüß Gott!"},
			[]string{"Chat transcript", "Printed", "Page 1 of", "File: ", "Wednesday", "Tue 4 Mar"}},
	} {
		tr := sample()
		tr.Reader = c.lang
		for i, a := range tr.Agents {
			for j, p := range a.Parts {
				tr.Agents[i].Parts[j] = partName(c.lang, p)
			}
		}
		_, doc, _ := render(t, tr)
		text := doc.Text()
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s: the PDF lacks %q", c.lang, w)
			}
		}
		for _, a := range c.absent {
			if strings.Contains(text, a) {
				t.Errorf("%s: the PDF still says %q", c.lang, a)
			}
		}
	}
}
