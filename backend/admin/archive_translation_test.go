package admin_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/protocol"
)

// A translated line in the archive: the transcript page shows the translation under the
// original with its language, and a search by a word of the translation finds the line.
func TestArchiveShowsTranslations(t *testing.T) {
	fx := newFixture(t, false)
	ctx := context.Background()
	tenant, conn := id(fx, "{tenant}"), id(fx, "{conn}")
	at := time.Date(2026, 5, 4, 10, 0, 0, 0, time.UTC)
	m := protocol.Message{Role: protocol.RoleVisitor, Name: "Greta", Text: "Ich suche ein Segelbuch", At: at,
		Translation: &protocol.Translation{From: "de", To: "en", Text: "I am looking for a sailing book"}}
	data, err := json.Marshal(&m)
	if err != nil {
		t.Fatal(err)
	}
	if err := fx.st.ImportHistory(ctx, store.History{
		Chats: []store.Chat{{ID: "translated-one", TenantID: tenant, ConnectorID: conn, State: "closed", VisitorName: "Greta", Lang: "de",
			CreatedAt: at, ClosedAt: &at, LastSeq: 1, LastVisitorSeq: 1, TranslateLang: "de"}},
		Events: []store.Event{{ChatID: "translated-one", Seq: 1, VisitorSeq: 1, Type: string(protocol.TypeMessage), Data: data, At: at}},
		Messages: []store.Message{{ChatID: "translated-one", Seq: 1, Role: "visitor", Name: "Greta", Text: m.Text, At: at,
			Lang: "de", Translation: m.Translation.Text, TranslationLang: "en"}},
	}); err != nil {
		t.Fatal(err)
	}
	admin := fx.clients["admin"]
	page := admin.do(t, "GET", "/admin/chats/translated-one", nil, "")
	if page.status != 200 || !strings.Contains(page.body, "Ich suche ein Segelbuch") ||
		!strings.Contains(page.body, `<p class="text translation" lang="en"><span class="muted">Translation (en):</span> I am looking for a sailing book</p>`) {
		t.Fatalf("transcript page %d: %s", page.status, excerpt(page.body))
	}
	found := admin.do(t, "GET", "/admin/chats?q=sailing", nil, "")
	if found.status != 200 || !strings.Contains(found.body, "/admin/chats/translated-one") || !strings.Contains(found.body, "<mark>sailing</mark>") {
		t.Fatalf("search %d: %s", found.status, excerpt(found.body))
	}
}
