package adminmsg

// frWhatsApp are the French messages of the WhatsApp delivery log; init adds them to the
// French table.
var frWhatsApp = map[string]string{
	"Customer":                 "Client",
	"Direction":                "Sens",
	"Media":                    "Média",
	"No WhatsApp lines match.": "Aucun message WhatsApp ne correspond.",
	"Outbound":                 "Sortant",
	"Read":                     "Lu",
	"The newest lines the agents of this tenant wrote to WhatsApp customers through TynTec, and what became of them. A line TynTec does not accept is retried; one it refuses, or one to a customer who last wrote more than 24 hours ago and that is no template, fails. The customer's number shows only its last four digits.": "Les derniers messages que les agents de ce locataire ont écrits à des clients WhatsApp via TynTec, et ce qu'ils sont devenus. Un message que TynTec n'accepte pas est retenté ; un message que TynTec refuse, ou un message qui n'est pas un modèle adressé à un client dont le dernier message date de plus de 24 heures, échoue. Le numéro du client n'affiche que ses quatre derniers chiffres.",
	"TynTec message id":            "Identifiant du message TynTec",
	"WhatsApp delivery log":        "Journal de distribution WhatsApp",
	"WhatsApp lines, newest first": "Messages WhatsApp, les plus récents d'abord",
}

func init() {
	for k, v := range frWhatsApp {
		fr[k] = v
	}
}
