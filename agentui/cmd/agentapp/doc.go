// Command agentapp is the agent app compiled to WebAssembly (GOOS=js GOARCH=wasm): it
// registers the app's routes and runs go-app in the browser. The server side of the app
// (prerendering, manifest, pre-compressed files) lives in backend/agentsite and is never
// linked into the WASM binary.
package main
