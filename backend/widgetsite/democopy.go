package widgetsite

// This file holds the words of the demo company's pages in English and German: the demo has
// an English connector and a German one (with its pre-chat survey and rating), and each page
// embeds the widget of its language, so a newcomer tries either by following the language
// link in the page's header.

// demoCopy is one language's text of the demo pages.
type demoCopy struct {
	Lang, Base                       string // the page's language and its path ("/demo", "/demo/de")
	Home, Shop, Visit                string // navigation
	OtherLang, OtherLangName         string // the other language's path and name
	HomeTitle, HomeLead              string
	Cards                            [3][2]string // heading, text
	ShopTitle, ShopLead              string
	Beans                            [3][3]string // name, description, price
	VisitUs, Address                 string
	SnippetIntro, Footer, FooterLink string
	ConnectorNote                    string
}

// demoCopies are the demo pages' languages, by the path segment after /demo ("" for English).
var demoCopies = map[string]demoCopy{
	"": {
		Lang: "en", Base: "/demo", Home: "Home", Shop: "Shop", Visit: "Visit us",
		OtherLang: "/demo/de", OtherLangName: "Deutsch",
		HomeTitle: "Small-batch coffee, roasted with care.",
		HomeLead:  "Fresh beans from family farms, delivered to your door. Questions about your order? Chat with our baristas, bottom right.",
		Cards: [3][2]string{
			{"Fresh every week", "We roast on Tuesdays and ship within 24 hours."},
			{"Direct trade", "We know every farmer by name and pay above fair-trade prices."},
			{"Free shipping", "On every order over €30, across the EU."},
		},
		ShopTitle: "Our beans",
		ShopLead:  "Roasted every Tuesday and shipped the same day. Ask us anything about grind, roast or brewing: we are one click away.",
		Beans: [3][3]string{
			{"Sumatra Mandheling", "Earthy, full-bodied, low acidity.", "€14.50 / 250 g"},
			{"Ethiopia Yirgacheffe", "Floral and bright with notes of lemon.", "€16.00 / 250 g"},
			{"House Espresso", "Chocolate, hazelnut, a long sweet finish.", "€12.90 / 250 g"},
		},
		VisitUs: "Visit us:", Address: "12 Harbour Lane, open Monday to Saturday, 8:00 to 18:00.",
		SnippetIntro:  "This page embeds the Parley chat widget with one line of HTML:",
		ConnectorNote: "This is the English connector. The German page uses the German connector, which asks a few questions before the chat and for a rating after it.",
		Footer:        "Northwind Coffee Roasters is a pretend company for the Parley demo.",
		FooterLink:    "See the shop to check that the chat follows you from page to page.",
	},
	"de": {
		Lang: "de", Base: "/demo/de", Home: "Start", Shop: "Shop", Visit: "Besuchen Sie uns",
		OtherLang: "/demo", OtherLangName: "English",
		HomeTitle: "Kaffee in kleinen Chargen, mit Sorgfalt geröstet.",
		HomeLead:  "Frische Bohnen von Familienbetrieben, direkt zu Ihnen nach Hause. Fragen zu Ihrer Bestellung? Chatten Sie mit unseren Baristas, unten rechts.",
		Cards: [3][2]string{
			{"Jede Woche frisch", "Wir rösten dienstags und versenden innerhalb von 24 Stunden."},
			{"Direkter Handel", "Wir kennen jeden Bauern beim Namen und zahlen mehr als Fairtrade-Preise."},
			{"Kostenloser Versand", "Für jede Bestellung über 30 €, in der ganzen EU."},
		},
		ShopTitle: "Unsere Bohnen",
		ShopLead:  "Jeden Dienstag geröstet und am selben Tag verschickt. Fragen Sie uns alles zu Mahlgrad, Röstung und Zubereitung: Wir sind nur einen Klick entfernt.",
		Beans: [3][3]string{
			{"Sumatra Mandheling", "Erdig, vollmundig, wenig Säure.", "14,50 € / 250 g"},
			{"Äthiopien Yirgacheffe", "Blumig und lebhaft mit Noten von Zitrone.", "16,00 € / 250 g"},
			{"Haus-Espresso", "Schokolade, Haselnuss, ein langer süßer Abgang.", "12,90 € / 250 g"},
		},
		VisitUs: "Besuchen Sie uns:", Address: "Hafengasse 12, Montag bis Samstag von 8:00 bis 18:00 Uhr geöffnet.",
		SnippetIntro:  "Diese Seite bindet das Parley-Chat-Widget mit einer Zeile HTML ein:",
		ConnectorNote: "Dies ist der deutsche Connector: Er fragt vor dem Chat nach Name, E-Mail und Thema und bittet danach um eine Bewertung.",
		Footer:        "Northwind Kaffeerösterei ist eine erfundene Firma für die Parley-Demo.",
		FooterLink:    "Sehen Sie sich den Shop an: Der Chat folgt Ihnen von Seite zu Seite.",
	},
}
