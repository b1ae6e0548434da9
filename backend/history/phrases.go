package history

// languages are the chat languages the history uses.
var languages = []string{"en", "de", "fr"}

// bank is what visitors, agents and agents' internal notes say in one language.
type bank struct {
	visitor, agent, note []string
}

// phrases are the lines of the generated conversations, by language.
var phrases = map[string]bank{
	"en": {
		visitor: []string{
			"Hello, I have a question about my order.", "My parcel has not arrived yet, can you check the delivery?",
			"I was charged twice for the same invoice.", "How do I return a damaged item?",
			"The password reset email never arrives.", "Can I change the delivery address after ordering?",
			"Do you ship to Switzerland and Austria?", "The discount code SPRING20 does not work at checkout.",
			"I would like to cancel my subscription.", "Is the blue jacket available in size medium?",
			"The app crashes when I open my account settings.", "When will the refund reach my credit card?",
			"Thanks, that solved it!", "Can I pay by bank transfer or only by card?",
			"My warranty expired last week, can you still repair the printer?", "Where can I download the invoice as PDF?",
			"The tracking number shows no updates since Monday.", "I received the wrong colour, I ordered green.",
		},
		agent: []string{
			"Thank you for contacting us, let me look into that for you.", "Could you give me your order number, please?",
			"I can see the parcel left our warehouse yesterday.", "I have issued a refund, it takes three to five business days.",
			"I have sent a new password reset link to your email address.", "The delivery address has been updated.",
			"Yes, we ship to Switzerland and Austria within four days.", "I have applied the discount manually to your order.",
			"Your subscription is cancelled at the end of the billing period.", "The jacket is back in stock next Tuesday.",
			"Please update the app to the latest version and try again.", "You can download every invoice under My account, Orders.",
			"I will create a return label for the damaged item.", "Is there anything else I can help you with?",
			"I am sorry for the inconvenience, we will send a replacement today.", "The repair is covered by our goodwill policy.",
		},
		note: []string{
			"Customer is upset, second contact about the same delivery.", "Escalate to billing if the double charge is confirmed.",
			"VIP customer, offer free express shipping.", "Possible fraud, check the payment before refunding.",
		},
	},
	"de": {
		visitor: []string{
			"Hallo, ich habe eine Frage zu meiner Bestellung.", "Mein Paket ist noch nicht angekommen, können Sie die Lieferung prüfen?",
			"Mir wurde die Rechnung doppelt abgebucht.", "Wie kann ich einen beschädigten Artikel zurückschicken?",
			"Die E-Mail zum Zurücksetzen des Passworts kommt nicht an.", "Kann ich die Lieferadresse nach der Bestellung ändern?",
			"Liefern Sie auch in die Schweiz und nach Österreich?", "Der Gutscheincode funktioniert an der Kasse nicht.",
			"Ich möchte mein Abonnement kündigen.", "Gibt es die blaue Jacke in Größe M?",
			"Die App stürzt ab, wenn ich die Kontoeinstellungen öffne.", "Wann kommt die Erstattung auf meiner Kreditkarte an?",
			"Danke, damit ist alles geklärt!", "Kann ich per Überweisung bezahlen?",
			"Die Sendungsverfolgung zeigt seit Montag nichts Neues.", "Ich habe die falsche Farbe bekommen, bestellt war grün.",
		},
		agent: []string{
			"Vielen Dank für Ihre Nachricht, ich schaue mir das gleich an.", "Können Sie mir bitte Ihre Bestellnummer nennen?",
			"Das Paket hat unser Lager gestern verlassen.", "Ich habe die Erstattung veranlasst, sie dauert drei bis fünf Werktage.",
			"Ich habe Ihnen einen neuen Link zum Zurücksetzen des Passworts geschickt.", "Die Lieferadresse ist geändert.",
			"Ja, wir liefern in die Schweiz und nach Österreich.", "Ich habe den Rabatt manuell auf Ihre Bestellung gebucht.",
			"Ihr Abonnement endet zum Ende des Abrechnungszeitraums.", "Die Jacke ist ab nächstem Dienstag wieder lieferbar.",
			"Bitte aktualisieren Sie die App und versuchen Sie es noch einmal.", "Alle Rechnungen finden Sie unter Mein Konto, Bestellungen.",
			"Ich erstelle Ihnen ein Rücksendeetikett für den beschädigten Artikel.", "Kann ich sonst noch etwas für Sie tun?",
		},
		note: []string{
			"Kunde verärgert, zweiter Kontakt wegen derselben Lieferung.", "Bei bestätigter Doppelbuchung an die Buchhaltung geben.",
			"Stammkunde, kostenlosen Expressversand anbieten.",
		},
	},
	"fr": {
		visitor: []string{
			"Bonjour, j'ai une question sur ma commande.", "Mon colis n'est pas encore arrivé, pouvez-vous vérifier la livraison ?",
			"La facture a été débitée deux fois.", "Comment renvoyer un article endommagé ?",
			"Je ne reçois pas l'e-mail de réinitialisation du mot de passe.", "Puis-je changer l'adresse de livraison après la commande ?",
			"Livrez-vous en Suisse et en Belgique ?", "Le code de réduction ne fonctionne pas.",
			"Je voudrais résilier mon abonnement.", "La veste bleue existe-t-elle en taille M ?",
			"L'application plante quand j'ouvre les paramètres du compte.", "Quand le remboursement arrivera-t-il sur ma carte ?",
			"Merci, c'est réglé !", "Puis-je payer par virement bancaire ?",
			"Le suivi du colis ne bouge plus depuis lundi.", "J'ai reçu la mauvaise couleur, j'avais commandé du vert.",
		},
		agent: []string{
			"Merci de nous avoir contactés, je regarde cela tout de suite.", "Pouvez-vous me donner votre numéro de commande ?",
			"Le colis a quitté notre entrepôt hier.", "J'ai lancé le remboursement, comptez trois à cinq jours ouvrés.",
			"Je vous ai envoyé un nouveau lien de réinitialisation.", "L'adresse de livraison a été modifiée.",
			"Oui, nous livrons en Suisse et en Belgique.", "J'ai appliqué la réduction manuellement sur votre commande.",
			"Votre abonnement prendra fin à la fin de la période de facturation.", "La veste sera de nouveau en stock mardi prochain.",
			"Veuillez mettre à jour l'application et réessayer.", "Toutes vos factures sont dans Mon compte, Commandes.",
			"Je crée une étiquette de retour pour l'article endommagé.", "Puis-je vous aider pour autre chose ?",
		},
		note: []string{
			"Client mécontent, deuxième contact pour la même livraison.", "Transmettre à la comptabilité si le double débit est confirmé.",
		},
	},
}

// Visitors' names and the pages they chat from.
var (
	firstNames = []string{"Anna", "Ben", "Chloé", "David", "Emma", "Felix", "Giulia", "Hannah", "Ivan", "Julia",
		"Karim", "Lena", "Marc", "Noah", "Olivia", "Paul", "Quentin", "Rosa", "Sofia", "Tom", "Ursula", "Victor", "Wiebke", "Yusuf", "Zoé"}
	lastNames = []string{"Müller", "Schmidt", "Dubois", "Martin", "Smith", "Jones", "Becker", "Bernard", "Taylor", "Wagner",
		"Lefèvre", "Brown", "Hoffmann", "Moreau", "Wilson", "Schulz", "Laurent", "Evans", "Koch", "Roux"}
	pages = []string{"", "checkout", "account", "orders", "returns", "help/shipping", "products/jacket", "products/printer", "cart"}
)

// RatingField is the name of the post-chat rating field of every generated connector; the
// plan's ratings are its answers.
const RatingField = "rating"

// tagNames and outcomeNames are the tenants' tag and outcome lists, in the tenant's language.
var (
	tagNames = map[string][]string{
		"en": {"Billing", "Delivery", "Returns", "Bug", "Complaint"},
		"de": {"Rechnung", "Lieferung", "Retoure", "Fehler", "Beschwerde"},
		"fr": {"Facturation", "Livraison", "Retour", "Bogue", "Réclamation"},
	}
	outcomeNames = map[string][]string{
		"en": {"Solved", "Sold", "Escalated", "No solution"},
		"de": {"Gelöst", "Verkauft", "Weitergeleitet", "Keine Lösung"},
		"fr": {"Résolu", "Vendu", "Transmis", "Sans solution"},
	}
)
