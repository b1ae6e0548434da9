package toolboxtext

import "testing"

// The document's fallback: fr-BE, then fr, then the default.
func TestResolveFallsBackByCulture(t *testing.T) {
	custom := map[string]string{
		"StartChat": "Begin", "StartChat#fr": "Démarrer", "StartChat#fr-BE": "Commencer",
		"Send#fr": "Envoyer",
	}
	for _, tc := range []struct{ culture, name, want string }{
		{"fr-BE", "StartChat", "Commencer"}, {"fr-be", "StartChat", "Commencer"}, {"fr_BE", "StartChat", "Commencer"},
		{"fr-CA", "StartChat", "Démarrer"}, {"fr", "StartChat", "Démarrer"}, {"de", "StartChat", "Begin"},
		{"", "StartChat", "Begin"}, {"fr-BE", "Send", "Envoyer"}, {"de-AT", "Send", "Send"}, {"fr-BE", "Yes", "Yes"},
	} {
		if got := Resolve(custom, tc.culture)[tc.name]; got != tc.want {
			t.Errorf("%s %s: %q, want %q", tc.culture, tc.name, got, tc.want)
		}
	}
}

// Unknown names, odd cultures and lost placeholders are refused.
func TestCheck(t *testing.T) {
	good := map[string]string{"NamedAgentJoined#fr-BE": "{0} est là", "Yes#de": "Ja", "Title": "Hilfe"}
	if err := Check(good); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []map[string]string{
		{"Nope": "x"}, {"Yes#french": "Oui"}, {"Yes#fr-be": "Oui"}, {"Yes#FR": "Oui"},
		{"NamedAgentJoined": "An agent joined"}, {"Yes": string(make([]rune, MaxRunes+1))},
	} {
		if Check(bad) == nil {
			t.Errorf("%v accepted", bad)
		}
	}
}

// The widget gets only what was set, under its own keys and placeholders.
func TestForWidget(t *testing.T) {
	got := ForWidget(map[string]string{"NamedAgentJoined#fr": "{0} a rejoint", "EstimatedWaitTime": "Wait: {0}"}, "fr-BE")
	if got["namedAgentJoined"] != "$agent a rejoint" || got["estimatedWaitTime"] != "Wait: $time" || len(got) != 2 {
		t.Fatalf("%v", got)
	}
}

// The texts of the file, post-chat and timeout moments reach the widget under its keys.
func TestForWidgetFilesAndPostChat(t *testing.T) {
	got := ForWidget(map[string]string{
		"MaxAttachmentSizeExceeded#de": "Höchstens {0} KB.", "InvalidAttachmentType": "Not this type.",
		"UploadTheFile": "Attach", "UploadFailed": "Failed.", "PostText": "Thanks!",
		"PostUrl": "https://shop.example.com/survey", "PostUrlText": "Tell us", "SessionTimeout": "Timed out.",
	}, "de-AT")
	want := map[string]string{
		"fileTooLarge": "Höchstens $kb KB.", "fileTypeRefused": "Not this type.", "attachFile": "Attach",
		"fileFailed": "Failed.", "postText": "Thanks!", "postUrl": "https://shop.example.com/survey",
		"postUrlText": "Tell us", "sessionTimeout": "Timed out.",
	}
	if len(got) != len(want) {
		t.Fatalf("%v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
}
