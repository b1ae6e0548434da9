//go:build !(js && wasm)

// Command app is the visitor chat widget; it only runs in a browser, compiled with
// GOOS=js GOARCH=wasm (see widget/build.mk). This stub keeps native builds of ./... working.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Fprintln(os.Stderr, "the widget runs in a browser: build it with GOOS=js GOARCH=wasm (make widget)")
	os.Exit(2)
}
