package chat

import (
	"slices"

	"github.com/parleychat/parley/shared/protocol"
)

// Translation: when the tenant translates chats, connected lists the languages a visitor may
// chat in (the widget's own first); the visitor picks one before the chat starts, and the
// agent's lines then arrive with their translation into it (protocol.Translation). The widget
// shows the translation and keeps the original behind the line's mark.

// languageNames are languages' names in themselves, for the choice of the chat's language;
// a language without one shows as its code.
var languageNames = map[string]string{
	"en": "English", "de": "Deutsch", "fr": "Français", "es": "Español", "it": "Italiano", "pt": "Português",
	"nl": "Nederlands", "pl": "Polski", "tr": "Türkçe", "ru": "Русский", "uk": "Українська", "ar": "العربية",
	"zh": "中文", "ja": "日本語",
}

// LanguageName is a language's name in itself ("Deutsch"), or its code.
func LanguageName(code string) string {
	if n, ok := languageNames[code]; ok {
		return n
	}
	return code
}

// ChatLanguages are the languages the visitor may chat in, nil when the chat is not
// translated (the widget then offers no choice).
func (m *Model) ChatLanguages() []string {
	if m.Info == nil || len(m.Info.TranslateLanguages) < 2 {
		return nil
	}
	return m.Info.TranslateLanguages
}

// SetChatLanguage picks the language the visitor chats in, among ChatLanguages; any other
// picks the widget's own.
func (m *Model) SetChatLanguage(lang string) {
	if slices.Contains(m.ChatLanguages(), lang) {
		m.ChatLang = lang
		return
	}
	m.ChatLang = ""
}

// chatLang is the language the chat is asked in: the one picked, else the widget's.
func (m *Model) chatLang() string {
	if m.ChatLang != "" {
		return m.ChatLang
	}
	return m.Texts().Lang
}

// readTranslated is what the visitor reads of an agent's line: its translation into the
// chat's language, with the original, or the line as written.
func (m *Model) readTranslated(b *protocol.Message) (text, original string) {
	if t, ok := b.Translation.For(m.chatLang(), b.Text); ok {
		return t, b.Text
	}
	return b.Text, ""
}
