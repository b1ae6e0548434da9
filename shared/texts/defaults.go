package texts

// defaults are Parley's texts for every key in every shipped language ("key#lang"). The English
// and German connector texts are jtel's documented examples.
var defaults = map[string]string{
	NoAgents + "#en":          "Sorry, currently there are no agents available. Please try again later.",
	NoAgents + "#de":          "Es tut uns leid, aber derzeit sind keine Agenten verfügbar. Bitte probieren Sie es etwas später noch einmal.",
	NoAgents + "#fr":          "Désolé, aucun agent n'est disponible pour le moment. Veuillez réessayer plus tard.",
	OutOfService + "#en":      "Sorry, but the service is not available at the moment.",
	OutOfService + "#de":      "Es tut uns leid, aber der Service steht derzeit nicht zur Verfügung.",
	OutOfService + "#fr":      "Désolé, le service n'est pas disponible pour le moment.",
	AgentTyping + "#en":       "Agent $agent is typing...",
	AgentTyping + "#de":       "Agent $agent schreibt ...",
	AgentTyping + "#fr":       "L'agent $agent écrit...",
	Bye + "#en":               "Thank you for using our service. Goodbye.",
	Bye + "#de":               "Danke, dass Sie unseren Service genutzt haben. Auf Wiedersehen.",
	Bye + "#fr":               "Merci d'avoir utilisé notre service. Au revoir.",
	ByeNoAgent + "#en":        "Sorry, currently there are no agents available. Please try again later.",
	ByeNoAgent + "#de":        "Es tut uns leid, aber derzeit sind keine Agenten verfügbar. Bitte probieren Sie es etwas später noch einmal.",
	ByeNoAgent + "#fr":        "Désolé, aucun agent n'est disponible pour le moment. Veuillez réessayer plus tard.",
	WelcomeMessage + "#en":    "Welcome!",
	WelcomeMessage + "#de":    "Herzlich willkommen!",
	WelcomeMessage + "#fr":    "Bienvenue !",
	EditorPlaceholder + "#en": "Enter your message here.",
	EditorPlaceholder + "#de": "Geben Sie Ihre Nachricht hier ein.",
	EditorPlaceholder + "#fr": "Saisissez votre message ici.",
}
