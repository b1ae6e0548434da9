package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/contact"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/api"
	"github.com/parleychat/parley/shared/protocol"
)

// Chats through the real server become contacts: the same e-mail on two browsers is one contact,
// a returning anonymous visitor finds that contact's chats by browser, and a signed user id is
// verified while a forged, replayed or unsigned one is not. Agents edit the contact.
func TestContactsEndToEnd(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		st := env.Server.Store()
		secret, err := st.RegenerateIdentitySecret(ctx, env.Demo.TenantID, env.Demo.ConnectorID)
		if err != nil {
			t.Fatal(err)
		}
		u := env.DemoUser(t, "agent", 0)
		token := env.Login(t, u.Login, u.Password)
		chatFrom := func(visitorID string, req protocol.ChatRequest) string {
			_, id := env.VisitorChat(t, visitorID, req, true)
			return id
		}
		linkOf := func(chatID string) store.ChatContact { return env.ChatContact(t, chatID) }
		do := func(method, path string, body []byte, contentType string) (int, []byte) {
			t.Helper()
			req, _ := http.NewRequestWithContext(ctx, method, env.URL+path, bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+token)
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp.StatusCode, b
		}
		previous := func(chatID string) api.Previous {
			t.Helper()
			linkOf(chatID)
			status, body := do("GET", "/api/chats/"+chatID+"/previous", nil, "")
			var p api.Previous
			if err := json.Unmarshal(body, &p); status != 200 || err != nil {
				t.Fatalf("previous %d %s: %v", status, body, err)
			}
			return p
		}

		a := chatFrom("browser-1", protocol.ChatRequest{Name: "Ann", Email: "ann@example.com", Question: "one"})
		b := chatFrom("browser-2", protocol.ChatRequest{Name: "Ann", Email: "ANN@example.com", Question: "two"})
		if la, lb := linkOf(a), linkOf(b); la.ContactID != lb.ContactID {
			t.Fatalf("two chats with the same e-mail: contacts %d and %d", la.ContactID, lb.ContactID)
		}
		// Back on the first browser, without an e-mail address: the contact's chats are found.
		c := chatFrom("browser-1", protocol.ChatRequest{Name: "Anonymous", Question: "three"})
		p := previous(c)
		if p.Contact == nil || p.Contact.Email != "ann@example.com" || len(p.Chats) != 2 || p.Chats[0].ID != b || p.Chats[1].ID != a {
			t.Fatalf("returning visitor by browser: %+v", p)
		}

		signed := func(user, hash string) map[string]string {
			return map[string]string{contact.PDataUserID: user, contact.PDataUserHash: hash}
		}
		good := chatFrom("browser-3", protocol.ChatRequest{Name: "Vera", Question: "v", PData: signed("u-7", contact.Sign(secret, "u-7"))})
		if p := previous(good); p.Contact == nil || p.Contact.UserID != "u-7" || !p.Contact.UserVerified {
			t.Fatalf("signed user id: %+v", p.Contact)
		}
		for name, pd := range map[string]map[string]string{
			"forged":              signed("u-7", contact.Sign("guessed", "u-7")),
			"replayed for u-8":    signed("u-8", contact.Sign(secret, "u-7")),
			"unsigned":            {contact.PDataUserID: "u-7"},
			"jtel userdata":       {contact.PDataJtelUser: "u-7"},
			"another connector's": signed("u-7", contact.Sign(secret+"x", "u-7")),
		} {
			id := chatFrom("browser-4-"+name, protocol.ChatRequest{Name: "Mallory", Question: name, PData: pd})
			p := previous(id)
			if p.Contact == nil || p.Contact.UserVerified || p.Contact.UserID == "" || len(p.Chats) != 0 {
				t.Errorf("%s: contact %+v with %d earlier chats", name, p.Contact, len(p.Chats))
			}
		}

		// An agent edits the contact; a form post (no JSON) and a foreign id are refused.
		edit, _ := json.Marshal(api.ContactEdit{Name: "Ann Smith", Email: "ann@example.com", Company: "ACME", Notes: "Prefers e-mail."})
		cid := linkOf(a).ContactID
		if status, body := do("POST", "/api/contacts/"+i64s(cid), edit, "application/json"); status != 200 {
			t.Fatalf("edit: %d %s", status, body)
		}
		if status, _ := do("POST", "/api/contacts/"+i64s(cid), []byte("name=x"), "application/x-www-form-urlencoded"); status != http.StatusUnsupportedMediaType {
			t.Fatalf("form post: %d", status)
		}
		if status, _ := do("POST", "/api/contacts/999999", edit, "application/json"); status != 404 {
			t.Fatalf("unknown contact: %d", status)
		}
		bad, _ := json.Marshal(api.ContactEdit{Name: "a\x00b"})
		if status, _ := do("POST", "/api/contacts/"+i64s(cid), bad, "application/json"); status != 422 {
			t.Fatalf("NUL in a name: %d", status)
		}
		// A broken rule of the store comes in the agent's language, as the app shows it.
		me, err := st.UserByLogin(ctx, u.Login)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.SetUserLang(ctx, me.ID, "de"); err != nil {
			t.Fatal(err)
		}
		long, _ := json.Marshal(api.ContactEdit{Name: "Ann Smith", Notes: strings.Repeat("n", store.ContactNotesRunes+1)})
		var refusal api.ErrorBody
		if status, body := do("POST", "/api/contacts/"+i64s(cid), long, "application/json"); status != 422 || json.Unmarshal(body, &refusal) != nil ||
			refusal.Error.Message != "Die Notizen sind länger als "+strconv.Itoa(store.ContactNotesRunes)+" Zeichen." {
			t.Fatalf("notes too long: %d %s", status, body)
		}
		if err := st.SetUserLang(ctx, me.ID, ""); err != nil {
			t.Fatal(err)
		}
		if p := previous(c); p.Contact.Name != "Ann Smith" || p.Contact.Company != "ACME" {
			t.Fatalf("after edit: %+v", p.Contact)
		}
	})
}

func i64s(n int64) string { return strconv.FormatInt(n, 10) }
