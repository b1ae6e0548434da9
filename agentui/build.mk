# agentui/build.mk: builds the agent app (go-app PWA). Included by the top-level Makefile:
#
#   include widget/build.mk        (first: it defines the precompress tool's rule)
#   include agentui/build.mk
#   build: agentui
#   size: agentui-size
#   test: agentui-test
#   vet: agentui-vet
#
# Variables it uses (all optional): BUILD, the output directory (default "build"); GO, the go
# command (default "go"); PRECOMPRESS, the precompress tool (default $(BUILD)/bin/precompress,
# built here unless widget/build.mk already defines its rule). Run make from the repository root.
#
# Outputs, under $(BUILD)/agent/: app.<hash>.wasm, agent.<hash>.css and the icons, each with .br
# and .gz beside it, and manifest.json mapping the logical names to them (read by
# backend/agentsite, which serves them under /agent/web/). Intermediate files go to
# $(BUILD)/agent-src/. Nothing is rebuilt when no input changed.

BUILD ?= build
GO ?= go

AGENT_OUT := $(BUILD)/agent
AGENT_TMP := $(BUILD)/agent-src
AGENT_GOROOT := $(shell $(GO) env GOROOT)
AGENT_GO_SRC := $(shell find agentui shared -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum
AGENT_ASSETS := agent.css icon.svg icon-192.png icon-512.png icon-maskable-512.png
AGENT_INPUTS := $(AGENT_TMP)/app.wasm $(addprefix $(AGENT_TMP)/,$(AGENT_ASSETS))

ifndef PRECOMPRESS_SRC
PRECOMPRESS ?= $(BUILD)/bin/precompress
PRECOMPRESS_SRC := $(shell find backend/cmd/precompress backend/assetpack -name '*.go' -not -name '*_test.go' 2>/dev/null) go.mod go.sum
$(PRECOMPRESS): $(PRECOMPRESS_SRC)
	@mkdir -p $(@D)
	$(GO) build -trimpath -o $@ ./backend/cmd/precompress
endif

.PHONY: agentui agentui-size agentui-test agentui-vet agentui-browser-test

## agentui: build the agent app's WebAssembly, styles and icons, hashed and pre-compressed
agentui: $(AGENT_OUT)/manifest.json

$(AGENT_TMP)/app.wasm: $(AGENT_GO_SRC)
	@mkdir -p $(@D)
	GOOS=js GOARCH=wasm $(GO) build -ldflags="-s -w" -trimpath -o $@ ./agentui/cmd/agentapp

$(AGENT_TMP)/%: assets/agent/%
	@mkdir -p $(@D)
	cp $< $@

$(AGENT_OUT)/manifest.json: $(PRECOMPRESS) $(AGENT_INPUTS)
	$(PRECOMPRESS) -out $(AGENT_OUT) -manifest $@ $(AGENT_INPUTS)

## agentui-size: print the agent app's WebAssembly size after brotli, in bytes
agentui-size: $(AGENT_OUT)/manifest.json
	@$(PRECOMPRESS) -manifest $(AGENT_OUT)/manifest.json -sizes | \
	  awk '$$1=="app.wasm"{print "agent_wasm_brotli_bytes " $$4}'

## agentui-vet: vet the agent app natively and for the browser
agentui-vet:
	$(GO) vet ./agentui/... ./backend/agentsite/...
	GOOS=js GOARCH=wasm $(GO) vet ./agentui/...

## agentui-test: unit and component tests natively and under wasm (node), then the Chromium
## test against a real server (skipped without Chromium unless CI is set)
agentui-test: $(AGENT_OUT)/manifest.json
	GOOS=js GOARCH=wasm $(GO) test -exec="$(AGENT_GOROOT)/lib/wasm/go_js_wasm_exec" ./agentui/desk/... ./agentui/
	$(GO) test ./agentui/... ./backend/agentsite/...
