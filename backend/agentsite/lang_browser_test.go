//go:build !wasm

package agentsite_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/parleychat/parley/agentui/catalog"
	"github.com/parleychat/parley/backend/browsertest"
	"github.com/parleychat/parley/backend/servertest"
	"github.com/parleychat/parley/shared/protocol"
)

// setLang sets a demo agent's language setting, as an admin does on the agent's page.
func setLang(t *testing.T, env *servertest.Env, login, lang string) {
	t.Helper()
	ctx := context.Background()
	u, err := env.Server.Store().UserByLogin(ctx, login)
	if err != nil {
		t.Fatal(err)
	}
	u.Lang = lang
	if _, err := env.Server.Store().UpdateUser(ctx, u); err != nil {
		t.Fatal(err)
	}
}

// noEnglish is a script that lists the English messages the page shows in its text, titles,
// labels and placeholders where the language has a translation of its own: each is a string
// that missed the catalogue. Messages with placeholders are matched by their fixed parts.
func noEnglish(t *testing.T, lang string) string {
	t.Helper()
	var english []string
	for en, tr := range catalog.Translations(lang) {
		fixed := en
		if i := strings.IndexByte(fixed, '{'); i >= 0 {
			fixed = fixed[:i]
		}
		fixed = strings.TrimSpace(fixed)
		// Short words ("Chat", "Name") are the same or part of other words in German and French.
		if en == tr || len(fixed) < 12 || strings.Contains(tr, fixed) {
			continue
		}
		english = append(english, fixed)
	}
	list, err := json.Marshal(english)
	if err != nil {
		t.Fatal(err)
	}
	return `(() => { const english = ` + string(list) + `;
		const seen = [];
		const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
		for (let n = walk.nextNode(); n; n = walk.nextNode()) {
			if (n.parentElement && n.parentElement.closest('#messages .msg .text, .preview-text')) continue; // what people wrote
			seen.push(n.textContent);
		}
		for (const el of document.querySelectorAll('[title], [aria-label], [placeholder]')) {
			seen.push(el.getAttribute('title') || '', el.getAttribute('aria-label') || '', el.getAttribute('placeholder') || '');
		}
		return english.filter(e => seen.some(s => s.includes(e)));
	})()`
}

// checkNoEnglish fails when the page shows an English message the language translates.
func checkNoEnglish(t *testing.T, b *browsertest.Browser, lang string) {
	t.Helper()
	if left := browsertest.Eval[[]string](b, noEnglish(t, lang)); len(left) > 0 {
		t.Errorf("the %s page still shows English: %q", lang, left)
	}
}

// TestAgentAppInGermanAndFrenchInChromium: an agent whose language setting is German works a
// chat in a German app (in an English browser), and an agent without a setting gets the app in
// the French of their browser, from the sign-in form on, and switches it to German and back
// without a reload; neither page shows a message the language translates in English.
func TestAgentAppInGermanAndFrenchInChromium(t *testing.T) {
	env := startSite(t)
	anna, ben := env.DemoUser(t, "agent", 0), env.DemoUser(t, "agent", 1)
	setLang(t, env, anna.Login, "de")
	setLang(t, env, ben.Login, "")

	// German by the agent's setting, in an English browser.
	de := newBrowser(t, "agent-de", 1440, 900)
	de.Do(chromedp.Navigate(env.URL + "/agent/"))
	de.WaitFor("the sign-in form in the browser's English", `!!document.querySelector('#signin-submit') && document.querySelector('#signin-submit').textContent === 'Sign in'`)
	de.Click(`document.querySelector('#signin-login')`)
	de.Do(chromedp.KeyEvent(anna.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(anna.Password), chromedp.KeyEvent("\r"))
	de.WaitFor("the desk in German", `document.querySelector('.link') && document.querySelector('.link').textContent === 'Verbunden' && document.documentElement.lang === 'de'`)
	de.WaitFor("the status menu", `!document.querySelector('#status-select').disabled`)
	// Choose the first status that takes chats, again while the menu still shows none (a
	// choice made while the desk redraws in the agent's language can be drawn over).
	de.WaitFor("the available status", `(() => { const s = document.querySelector('#status-select');
		if (s.value === '0') { const o = [...s.options].find(o => !o.textContent.includes('(keine Chats)') && !o.disabled);
			s.value = o.value; s.dispatchEvent(new Event('change', {bubbles: true})); }
		return !document.querySelector('.hint') && document.querySelector('.offers .empty') !== null &&
			document.querySelector('.offers .empty').textContent === 'Keine wartenden Anfragen.'; })()`)

	visitor, _ := env.Visitor(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := visitor.Call(ctx, "", &protocol.ChatRequest{Name: "Vera", Question: "Wo ist meine Bestellung?"}); err != nil {
		t.Fatal(err)
	}
	de.WaitFor("the offer in German", `!!document.querySelector('.offer .btn-accept') && document.querySelector('.offer .btn-accept').textContent === 'Annehmen' &&
		document.querySelector('.offer').getAttribute('aria-label') === 'Chat-Anfrage von Vera'`)
	de.Screenshot("de-1-offer")
	checkNoEnglish(t, de, "de")
	de.Click(`document.querySelector('.offer .btn-accept')`)
	de.WaitFor("the conversation", agentHas("Wo ist meine Bestellung?"))
	de.WaitFor("the details in German", `document.querySelector('.details h2').textContent === 'Besucher' &&
		document.querySelector('#composer-text').placeholder.startsWith('Nachricht schreiben')`)
	de.Click(`document.querySelector('#composer-text')`)
	de.Do(chromedp.KeyEvent("Ich sehe nach.\r"))
	de.WaitFor("the reply confirmed", agentHas("Ich sehe nach.")+` && !document.querySelector('.line.pending')`)
	de.Screenshot("de-2-chat")
	checkNoEnglish(t, de, "de")
	de.Click(`document.querySelector('.pane-head .btn-danger')`)
	de.WaitFor("the closing line in German", agentHas("Der Chat wurde vom Agenten beendet"))
	de.WaitFor("the ended list in German", `!!document.querySelector('.ended h2') && document.querySelector('.ended h2').textContent.startsWith('Kürzlich beendet')`)
	de.Screenshot("de-3-closed")
	checkNoEnglish(t, de, "de")

	// French by the browser, from the sign-in form on.
	fr := browsertest.New(t, browsertest.Options{Name: "agent-fr", Width: 1280, Height: 860, Lang: "fr-FR", AcceptLanguage: "fr-FR,fr",
		WaitTimeout: 35 * time.Second, ClickScroll: "nearest"})
	fr.Do(chromedp.Navigate(env.URL + "/agent/"))
	fr.WaitFor("the sign-in form in French", `!!document.querySelector('#signin-submit') && document.querySelector('#signin-submit').textContent === 'Se connecter' &&
		document.querySelector('label[for=signin-password]').textContent === 'Mot de passe'`)
	fr.Screenshot("fr-1-signin")
	checkNoEnglish(t, fr, "fr")
	fr.Click(`document.querySelector('#signin-login')`)
	fr.Do(chromedp.KeyEvent(ben.Login), chromedp.KeyEvent("\t"), chromedp.KeyEvent(ben.Password), chromedp.KeyEvent("\r"))
	fr.WaitFor("the desk in French", `document.querySelector('.link') && document.querySelector('.link').textContent === 'Connecté' && document.documentElement.lang === 'fr' &&
		[...document.querySelectorAll('.topbar button')].some(b => b.textContent === 'Se déconnecter')`)
	fr.Screenshot("fr-2-desk")
	checkNoEnglish(t, fr, "fr")

	// The language menu switches at once, without a reload, and "Automatic" goes back to French.
	choose := func(lang string) {
		browsertest.Eval[bool](fr, `(() => { const s = document.querySelector('#lang-select'); s.value = `+browsertest.JSQuote(lang)+`;
			s.dispatchEvent(new Event('change', {bubbles: true})); return true; })()`)
	}
	browsertest.Eval[bool](fr, `(window.parleyNotReloaded = true)`)
	choose("de")
	fr.WaitFor("the desk switched to German", `document.querySelector('.link').textContent === 'Verbunden' && document.documentElement.lang === 'de' && window.parleyNotReloaded === true`)
	fr.Screenshot("fr-3-switched-to-german")
	checkNoEnglish(t, fr, "de")
	fr.Do(chromedp.Reload())
	fr.WaitFor("the choice kept after a reload", `document.querySelector('.link') && document.querySelector('.link').textContent === 'Verbunden'`)
	choose("")
	fr.WaitFor("back to the browser's French", `document.querySelector('.link').textContent === 'Connecté' && document.documentElement.lang === 'fr'`)
}
