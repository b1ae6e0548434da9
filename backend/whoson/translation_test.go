package whoson_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/parleychat/parley/backend/protoclient"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/backend/translate"
	"github.com/parleychat/parley/backend/translate/deepltest"
	"github.com/parleychat/parley/backend/translate/libretest"
	"github.com/parleychat/parley/shared/protocol"
)

// A tenant with translation on translates WhosOn chats through a LibreTranslate service (a
// real local one: public services cannot be reached from the tests): connected carries the
// options, operator lines are followed by linet, visitor lines reach the agent translated
// with their original, <original> lines are not translated again, and a service that is
// down loses no line.
func TestWhosOnTranslation(t *testing.T) {
	each(t, func(t *testing.T, opts servertest.Options) {
		env := servertest.Start(t, opts)
		ctx := ctxT(t)
		w := env.Demo.WhosOn
		lt := libretest.New()
		t.Cleanup(lt.Close)
		lt.APIKey = "tenant-key"
		lt.Phrase("fr", "How can I help?", "Comment puis-je aider ?")
		lt.Phrase("en", "Je cherche un livre", "I am looking for a book")

		// Translation off: connected says so, and a visitor asking for it gets none.
		agent, _ := env.Agent(t, 0)
		c := dialWhosOn(t, env.WS+"/whoson", nil)
		if d := connect(t, ctx, env, c); d.Translation.Enabled || len(d.Translation.Languages) != 0 {
			t.Fatalf("translation off: %+v", d.Translation)
		}

		st := env.Server.Store()
		ts, err := st.TenantSettings(ctx, env.Demo.TenantID)
		if err != nil {
			t.Fatal(err)
		}
		ts.TranslateEnabled, ts.TranslateURL, ts.TranslateAPIKey, ts.TranslateLanguages = true, lt.URL, "tenant-key", []string{"fr", "de"}
		if _, err := st.SaveTenantSettings(ctx, ts); err != nil {
			t.Fatal(err)
		}
		env.Settled(t)

		c = dialWhosOn(t, env.WS+"/whoson", nil)
		d := connect(t, ctx, env, c)
		if got := fmt.Sprint(d.Translation); got != "{true en [{en English} {fr French} {de German}]}" {
			t.Fatalf("connected Translation %s", got)
		}
		c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "287-3882882", "fr-FR", "true", "")
		uid := pickUp(t, ctx, c, agent)

		// An operator line is followed by its translation.
		say(t, ctx, agent, uid, "How can I help?")
		wantLines(t, ctx, c, "linesays:Anna says:", "lineo:How can I help?", "linet:Comment puis-je aider ?")

		// A visitor line reaches the agent translated, with its original; the visitor sees
		// what they wrote.
		c.send("Message", d.SessionID, w.Domain, "Je cherche un livre")
		agentGets(t, ctx, agent, "I am looking for a book\n\nOriginal: Je cherche un livre")
		wantLines(t, ctx, c, "linesays:Thomas says:", "linev:Je cherche un livre")

		// A line that brings its own translation is not translated again.
		calls := len(lt.Calls())
		c.send("Message", d.SessionID, w.Domain, "A novel<ORIGINAL>Un roman</original>")
		agentGets(t, ctx, agent, "A novel\n\nOriginal: Un roman")
		wantLines(t, ctx, c, "linesays:Thomas says:", "linev:Un roman")
		if n := len(lt.Calls()); n != calls {
			t.Fatalf("%d calls for a line with its original", n-calls)
		}

		// The service down: every line still flows, untranslated, and the operator line
		// has no linet (the visitor's next line follows it directly).
		lt.Down(true)
		say(t, ctx, agent, uid, "One moment")
		c.send("Message", d.SessionID, w.Domain, "Merci")
		agentGets(t, ctx, agent, "Merci")
		wantLines(t, ctx, c, "linesays:Anna says:", "lineo:One moment", "linesays:Thomas says:", "linev:Merci")

		// Back up: translation resumes.
		lt.Down(false)
		say(t, ctx, agent, uid, "Here it is")
		wantLines(t, ctx, c, "linesays:Anna says:", "lineo:Here it is", "linet:[fr] Here it is")
		// Lines wait for the translation of an earlier operator line: a linet always
		// follows its line.
		release := lt.Hold()
		t.Cleanup(release)
		say(t, ctx, agent, uid, "First")
		wantLines(t, ctx, c, "linesays:Anna says:", "lineo:First")
		c.send("Message", d.SessionID, w.Domain, "Thanks<original>Merci</original>")
		agentGets(t, ctx, agent, "Thanks\n\nOriginal: Merci")
		say(t, ctx, agent, uid, "Second")
		release()
		wantLines(t, ctx, c, "linet:[fr] First", "linesays:Thomas says:", "linev:Merci", "linesays:Anna says:", "lineo:Second", "linet:[fr] Second")
		for _, r := range lt.Calls() {
			if r.APIKey != "tenant-key" || r.Format != "text" {
				t.Fatalf("request %+v", r)
			}
		}

		// A visitor in the agent's language, or one that asked for no translation, gets none.
		for _, hello := range [][2]string{{"en", "true"}, {"fr", "false"}} {
			v := dialWhosOn(t, env.WS+"/whoson", nil)
			dv := connect(t, ctx, env, v)
			v.send("Hello", "Vera", w.Domain, "", "", dv.SessionID, "", "1", hello[0], hello[1], "")
			vuid := pickUp(t, ctx, v, agent)
			say(t, ctx, agent, vuid, "How can I help?")
			v.send("Message", dv.SessionID, w.Domain, "Je cherche un livre")
			agentGets(t, ctx, agent, "Je cherche un livre")
			wantLines(t, ctx, v, "linesays:Anna says:", "lineo:How can I help?", "linesays:Vera says:", "linev:Je cherche un livre")
		}

		// The failures are counted where operators watch.
		resp, err := http.Get(env.URL + "/metrics")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		// The calls the service refused while down never reached its record.
		for _, want := range []string{fmt.Sprintf("parley_translations_total %d\n", len(lt.Calls())+2), "parley_translation_failures_total 2\n"} {
			if !strings.Contains(string(body), want) {
				t.Fatalf("metrics lack %q", want)
			}
		}
	})
}

// pickUp has the agent accept the chat the client asked for.
func pickUp(t *testing.T, ctx context.Context, c *wclient, agent *protoclient.Client) string {
	t.Helper()
	uid := c.await(ctx, "accepted").uid()
	if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
		_, ok := ev.Body.(*protocol.Offer)
		return ok && ev.Chat == uid
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := agent.Call(ctx, uid, &protocol.OfferAccept{}); err != nil {
		t.Fatal(err)
	}
	c.await(ctx, "operatorjoined")
	return uid
}

func say(t *testing.T, ctx context.Context, agent *protoclient.Client, uid, text string) {
	t.Helper()
	if _, err := agent.Call(ctx, uid, &protocol.Send{Text: text}); err != nil {
		t.Fatal(err)
	}
}

func agentGets(t *testing.T, ctx context.Context, agent *protoclient.Client, text string) {
	t.Helper()
	if _, err := agent.Await(ctx, func(ev protocol.Event) bool {
		m, ok := ev.Body.(*protocol.Message)
		return ok && m.Role == protocol.RoleVisitor && m.Text == text
	}); err != nil {
		t.Fatalf("the agent never got %q: %v", text, err)
	}
}

// wantLines reads the next newline events (skipping typing) and compares them as
// "class:content".
func wantLines(t *testing.T, ctx context.Context, c *wclient, want ...string) {
	t.Helper()
	var got []string
	for len(got) < len(want) {
		e := c.next(ctx)
		if e.EventName == "typing" || e.EventName == "typingstop" {
			continue
		}
		if e.EventName != "newline" {
			got = append(got, e.EventName+":"+string(e.Data))
			continue
		}
		l := e.line(t)
		got = append(got, l.Classname+":"+l.Content)
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// A tenant whose service is DeepL's API translates the same way: the operator's line goes to
// DeepL with the key in its header and DeepL's spelling of the languages, and the visitor's
// line reaches the agent translated into English (DeepL's British English), with the original.
func TestWhosOnTranslationDeepL(t *testing.T) {
	env := servertest.Start(t, servertest.Options{})
	ctx := ctxT(t)
	w := env.Demo.WhosOn
	dl := deepltest.New("deepl-key:fx")
	t.Cleanup(dl.Close)
	dl.Phrase("FR", "How can I help?", "Comment puis-je vous aider ?")
	dl.Phrase("EN-GB", "Je cherche un livre", "I am looking for a book")
	st := env.Server.Store()
	ts, err := st.TenantSettings(ctx, env.Demo.TenantID)
	if err != nil {
		t.Fatal(err)
	}
	ts.TranslateEnabled, ts.TranslateProvider, ts.TranslateURL, ts.TranslateAPIKey = true, translate.DeepL, dl.URL, "deepl-key:fx"
	if _, err := st.SaveTenantSettings(ctx, ts); err != nil {
		t.Fatal(err)
	}
	env.Settled(t)

	agent, _ := env.Agent(t, 0)
	c := dialWhosOn(t, env.WS+"/whoson", nil)
	d := connect(t, ctx, env, c)
	if !d.Translation.Enabled {
		t.Fatalf("connected Translation %+v", d.Translation)
	}
	c.send("Hello", "Thomas", w.Domain, "", "", d.SessionID, "", "287-3882882", "fr-FR", "true", "")
	uid := pickUp(t, ctx, c, agent)
	say(t, ctx, agent, uid, "How can I help?")
	wantLines(t, ctx, c, "linesays:Anna says:", "lineo:How can I help?", "linet:Comment puis-je vous aider ?")
	c.send("Message", d.SessionID, w.Domain, "Je cherche un livre")
	agentGets(t, ctx, agent, "I am looking for a book\n\nOriginal: Je cherche un livre")
	calls := dl.Calls()
	if len(calls) != 2 || calls[0].TargetLang != "FR" || calls[1].TargetLang != "EN-GB" {
		t.Fatalf("DeepL requests %+v", calls)
	}
}
