//go:build !(js && wasm)

package main

import (
	"fmt"
	"os"
)

// main explains how to build the command when it is built for the wrong target.
func main() {
	fmt.Fprintln(os.Stderr, "agentapp runs in the browser: build it with GOOS=js GOARCH=wasm (make agentui)")
	os.Exit(2)
}
