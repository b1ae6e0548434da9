// Package agentsite serves the agent app (agentui) from the Fiber server under /agent/: the
// page go-app prerenders from the app's own components, go-app's scripts and service worker,
// the web app manifest, and the pre-compressed WebAssembly, styles and icons that `make
// agentui` built. It is server-only code, kept out of the WASM binary.
package agentsite
