# widget/build.mk: builds the visitor widget. Included by the top-level Makefile:
#
#   include widget/build.mk
#   build: widget
#   size: widget-size
#   test: widget-test        (or run its two go test lines in the main test target)
#
# Variables it uses (all optional): BUILD, the output directory (default "build"); GO, the go
# command (default "go"). Run make from the repository root.
#
# Outputs, under $(BUILD)/widget/: app.<hash>.wasm, wasm_exec.<hash>.js and widget.<hash>.js,
# each with .br and .gz beside it, and manifest.json mapping the logical names to them (read by
# backend/widgetsite). Intermediate files go to $(BUILD)/widget-src/, the precompress tool to
# $(BUILD)/bin/. Nothing is rebuilt when no input changed.

BUILD ?= build
GO ?= go

WIDGET_OUT := $(BUILD)/widget
WIDGET_TMP := $(BUILD)/widget-src
WIDGET_GOROOT := $(shell $(GO) env GOROOT)
WIDGET_WASM_EXEC := $(WIDGET_GOROOT)/lib/wasm/wasm_exec.js
WIDGET_GO_SRC := $(shell find widget shared -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum
PRECOMPRESS := $(BUILD)/bin/precompress
PRECOMPRESS_SRC := $(shell find backend/cmd/precompress backend/assetpack -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum
WIDGET_INPUTS := $(WIDGET_TMP)/app.wasm $(WIDGET_TMP)/wasm_exec.js $(WIDGET_TMP)/widget.js

.PHONY: widget widget-size widget-test widget-vet

## widget: build the widget's WebAssembly, loader and runtime script, hashed and pre-compressed
widget: $(WIDGET_OUT)/manifest.json

$(PRECOMPRESS): $(PRECOMPRESS_SRC)
	@mkdir -p $(@D)
	$(GO) build -trimpath -o $@ ./backend/cmd/precompress

$(WIDGET_TMP)/app.wasm: $(WIDGET_GO_SRC)
	@mkdir -p $(@D)
	GOOS=js GOARCH=wasm $(GO) build -ldflags="-s -w" -trimpath -o $@ ./widget/app

$(WIDGET_TMP)/wasm_exec.js: $(WIDGET_WASM_EXEC)
	@mkdir -p $(@D)
	cp $< $@

$(WIDGET_TMP)/widget.js: assets/widget/widget.js
	@mkdir -p $(@D)
	cp $< $@

$(WIDGET_OUT)/manifest.json: $(PRECOMPRESS) $(WIDGET_INPUTS)
	$(PRECOMPRESS) -out $(WIDGET_OUT) -manifest $@ $(WIDGET_INPUTS)

## widget-size: print the loader's gzip size and the chat's brotli size in bytes
widget-size: $(WIDGET_OUT)/manifest.json
	@$(PRECOMPRESS) -manifest $(WIDGET_OUT)/manifest.json -sizes | \
	  awk '$$1=="widget.js"{l=$$3} $$1=="app.wasm"{b=$$4} END{print "loader_gzip_bytes " l; print "widget_wasm_brotli_bytes " b}'

## widget-vet: vet the widget natively and for the browser
widget-vet:
	$(GO) vet ./widget/... ./backend/widgetsite/... ./backend/cmd/precompress/... ./backend/assetpack/...
	GOOS=js GOARCH=wasm $(GO) vet ./widget/...

## widget-test: unit tests natively and under wasm (node), then the Chromium tests
widget-test: $(WIDGET_OUT)/manifest.json
	GOOS=js GOARCH=wasm $(GO) test -exec="$(WIDGET_GOROOT)/lib/wasm/go_js_wasm_exec" ./widget/...
	$(GO) test ./widget/... ./backend/cmd/precompress/... ./backend/assetpack/... ./backend/widgetsite/...
