package server_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/shared/protocol"
)

// A chat's translated lines land in the tenant's translation call log, a failing service's
// as failed, and the log keeps no word of the chat.
func TestChatTranslationLogged(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	lt := libretest.New()
	t.Cleanup(lt.Close)
	env.Translate(t, translate.LibreTranslate, lt.URL, "", "de", "fr")
	agent, _ := env.Agent(t, 0)
	visitor, chatID, _ := germanChat(t, ctx, env, agent, "log-")
	line(t, ctx, agent, "Guten Tag")
	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Meine Geheimzahl ist 4711"}); err != nil {
		t.Fatal(err)
	}
	line(t, ctx, agent, "Meine Geheimzahl ist 4711")
	lt.Down(true)
	if _, err := visitor.Call(ctx, chatID, &protocol.Send{Text: "Hallo?"}); err != nil {
		t.Fatal(err)
	}
	line(t, ctx, agent, "Hallo?")

	st := env.Server.Store()
	deadline := time.Now().Add(10 * time.Second)
	for {
		calls, err := st.TranslationLog(ctx, env.Demo.TenantID, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(calls) == 3 {
			if calls[0].Outcome != "failed" || !strings.Contains(calls[0].Error, "500") || calls[1].Outcome != "ok" || calls[1].Chars != len("Meine Geheimzahl ist 4711") ||
				calls[1].From != "de" || calls[1].To != "en" || calls[2].Chars != len("Guten Tag") {
				t.Fatalf("log %+v", calls)
			}
			for _, c := range calls {
				if strings.Contains(c.Error, "4711") || strings.Contains(c.Error, "Hallo") {
					t.Fatalf("the log keeps chat text: %+v", c)
				}
			}
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("log has %d calls: %+v", len(calls), calls)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
