package admin

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"github.com/parleychat/parley/backend/store"
	"github.com/parleychat/parley/shared/texts"
)

// TestTextGroupsCoverEveryKey: every text of package texts is in the form exactly once, with a
// name and a description, so that a new key cannot be forgotten.
func TestTextGroupsCoverEveryKey(t *testing.T) {
	var seen []string
	for _, g := range textGroups {
		for _, r := range g.Rows {
			if slices.Contains(seen, r.Key) {
				t.Errorf("%s twice", r.Key)
			}
			if r.Label == "" || r.Where == "" {
				t.Errorf("%s lacks a name or a description", r.Key)
			}
			seen = append(seen, r.Key)
		}
	}
	for _, k := range texts.Keys {
		if !slices.Contains(seen, k) {
			t.Errorf("%s is not in the form", k)
		}
	}
	if len(seen) != len(texts.Keys) {
		t.Errorf("the form has %d texts, package texts %d", len(seen), len(texts.Keys))
	}
}

// TestTextRulesForTheScript: the rules the page's script checks with are those of package
// texts, messages included.
func TestTextRulesForTheScript(t *testing.T) {
	var rules struct {
		Pattern  string
		Keys     map[string]keyRule
		Messages map[string]string
		Title    string
	}
	if err := json.Unmarshal([]byte(textRules(context.Background(), store.Connector{Title: "Support"})), &rules); err != nil {
		t.Fatal(err)
	}
	if rules.Pattern != texts.PlaceholderPattern || rules.Title != "Support" || len(rules.Keys) != len(texts.Keys) {
		t.Fatalf("rules %+v", rules)
	}
	at := rules.Keys[texts.AgentTyping]
	if !slices.Equal(at.Allowed, []string{"$agent"}) || !slices.Equal(at.Required["de"], []string{"$agent"}) || at.Max != texts.MaxRunes(texts.AgentTyping) ||
		at.Unknown != "{p} is not filled in here; use $agent." || at.Defaults["fr"] != texts.Resolve(nil, texts.AgentTyping, "fr") {
		t.Errorf("agentTyping %+v", at)
	}
	if tr := rules.Keys[texts.Title]; !tr.Single || tr.TooLong != "At most 200 characters." || tr.Unknown != "{p} is not filled in here; this text takes no placeholders." {
		t.Errorf("title %+v", tr)
	}
	if rules.Messages["missing"] != "Keep the placeholder {p}: it is where the value goes." || rules.Messages["nul"] == "" {
		t.Errorf("messages %v", rules.Messages)
	}
}
