package api

// PushKeyPath is GET /api/push/key: the server's VAPID public key ([PushKey]) that the agent
// app subscribes to Web Push with; 404 when the server sends no pushes.
const PushKeyPath = "/api/push/key"

// PushKey is the answer of GET /api/push/key: the application server key, unpadded
// base64url, as PushManager.subscribe takes it.
type PushKey struct {
	PublicKey string `json:"public_key"`
}

// PushSubscriptionPath is PUT /api/push/subscription, which stores the browser's push
// subscription ([PushSubscription], the JSON of PushSubscription.toJSON()) for the signed-in
// agent, or moves it to them; and DELETE /api/push/subscription with a [PushSubscription]
// naming only the endpoint, which removes it. Both answer 204; PUT answers 400 with a message
// for a subscription that is not one.
const PushSubscriptionPath = "/api/push/subscription"

// PushSubscription is a browser's push subscription as PushSubscription.toJSON() gives it.
type PushSubscription struct {
	Endpoint string `json:"endpoint"`
	Keys     struct {
		P256dh string `json:"p256dh"`
		Auth   string `json:"auth"`
	} `json:"keys"`
}

// LogoutRequest is the optional body of POST /api/logout: the endpoint of this browser's push
// subscription, removed with the session so that a signed-out browser gets no pushes.
type LogoutRequest struct {
	PushEndpoint string `json:"push_endpoint,omitempty"`
}
