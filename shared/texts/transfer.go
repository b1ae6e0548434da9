package texts

import "maps"

// Transferring is the neutral line a visitor sees when their chat is handed to another agent,
// just before that agent joins: it says what happens without saying why.
const Transferring = "transferring"

// transferDefaults are the shipped texts of [Transferring].
var transferDefaults = map[string]string{
	Transferring + "#en": "You are being connected to another agent.",
	Transferring + "#de": "Sie werden mit einem anderen Agenten verbunden.",
	Transferring + "#fr": "Vous êtes mis en relation avec un autre agent.",
}

func init() {
	Keys = append(Keys, Transferring)
	maps.Copy(defaults, transferDefaults)
}
