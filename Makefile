# Parley's build. `make run` builds everything and serves http://localhost:8080 with the embedded
# database and demo data; `make test` runs every test (CI calls it); `make help` lists targets.
#
# `make build` (and so `make run`) builds the server, the load tool and the two web apps side by
# side, JOBS at a time (default: the number of cores), and only what changed: every output lists
# all it is made from, so a second `make build` does nothing.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO ?= go
BUILD ?= build
BIN := bin
GOROOT_WASM := $(shell $(GO) env GOROOT)/lib/wasm
WASM_EXEC := $(GOROOT_WASM)/go_js_wasm_exec
# Packages that compile into the browser: vetted and tested under GOOS=js GOARCH=wasm as well.
WASM_PKGS := ./shared/...
WEB := 
WEB_SIZE :=

-include widget/build.mk
-include agentui/build.mk
ifneq ($(wildcard widget/build.mk),)
WEB += widget
WEB_SIZE += widget-size
WASM_PKGS += ./widget/...
endif
ifneq ($(wildcard agentui/build.mk),)
WEB += agentui
WEB_SIZE += agentui-size
WASM_PKGS += ./agentui/...
endif

JOBS ?= $(shell nproc 2>/dev/null || echo 2)
# The server is made of its Go code, what it embeds (styles, scripts, pages, migrations, fonts) and
# the two apps' Go code (it prerenders the agent app and checks the widget's texts): every file of
# those trees but tests and their data.
SERVER_SRC := $(shell find backend shared agentui widget assets/fonts -type f -not -name '*_test.go' -not -path '*/testdata/*') go.mod go.sum

.PHONY: help build run test vet fmt-check unit wasm-test bench bench-chat bench-idle bench-cluster load load-pair size templ clean

## help: list the targets
help:
	@grep -hE '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'

## build: the server, the load tool and the web apps, in parallel (JOBS=n), only what changed
build:
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target build-all

.PHONY: build-all
build-all: $(BIN)/parley $(BIN)/parley-load $(WEB)

$(BIN)/parley: $(SERVER_SRC)
	$(GO) build -trimpath -o $@ ./backend/cmd/parley

$(BIN)/parley-load: $(SERVER_SRC)
	$(GO) build -trimpath -o $@ ./backend/cmd/parley-load

## run: build and serve http://localhost:8080 (embedded SQLite in ./data, demo data on first start);
## prints the pages to open and the demo logins once the server answers
run: build
	@data=$${PARLEY_DATA:-./data}; addr=$${PARLEY_ADDR:-:8080}; host=$${addr%:*}; port=$${addr##*:}; \
	case "$$host" in ""|0.0.0.0|"[::]") host=localhost;; esac; url=http://$$host:$$port; \
	mkdir -p "$$data"; log="$$data/parley-run.log"; \
	PARLEY_WEB=$(BUILD) ./$(BIN)/parley 2> >(tee "$$log" >&2) & pid=$$!; \
	trap 'kill $$pid 2>/dev/null; wait $$pid 2>/dev/null' INT TERM; \
	until curl -sf -o /dev/null "$$url/readyz"; do kill -0 $$pid 2>/dev/null || { wait $$pid; exit 1; }; sleep 0.2; done; \
	if grep -q 'msg="DEMO account"' "$$log"; then \
	  sed -n 's/.*msg="DEMO account" role=\([^ ]*\) login=\([^ ]*\) password=\([^ ]*\).*/\1 \2 \3/p' "$$log" >"$$data/demo-logins.txt"; fi; \
	{ echo; echo "Parley is ready:"; \
	  echo "  $$url/demo     a shop page with the chat widget (the visitor's side)"; \
	  echo "  $$url/demo/de  the same shop in German: pre-chat questions, a rating after the chat"; \
	  echo "  $$url/agent/   the agent app"; \
	  echo "  $$url/admin/   the settings pages"; \
	  if [ -s "$$data/demo-logins.txt" ]; then echo "Demo logins (made on the first start; for trying Parley out only):"; \
	    while read -r role login pass; do printf '  %-11s %-26s %s\n' "$$role" "$$login" "$$pass"; done <"$$data/demo-logins.txt"; fi; \
	  echo "Stop with Ctrl+C."; echo; } >&2; \
	wait $$pid

## test: format and vet checks, then every test with the race detector, natively and under wasm.
## The checks and the web apps' builds run side by side (JOBS): the pre-compression of each app
## is one core's work for half a minute, which the other core spends vetting
test:
	@$(MAKE) --no-print-directory -j$(JOBS) --output-sync=target fmt-check vet $(WEB)
	@$(MAKE) --no-print-directory unit wasm-test

## fmt-check: fail when a Go file is not gofmt-formatted
fmt-check:
	@out=$$(gofmt -l backend shared $(wildcard widget agentui assets/fonts)); if [ -n "$$out" ]; then echo "not gofmt-formatted:"; echo "$$out"; exit 1; fi

## RACE: the native tests' build flags: the race detector, without its pointer checks (checkptr)
## in modernc.org's SQLite, whose C translated to Go does pointer arithmetic on purpose: checking
## it took 45 % of the CPU of SQLite-heavy tests (TestLongChatResumes/sqlite 31 s → 20 s). Our
## own code and every other package keep the checks.
RACE := -race -gcflags='modernc.org/...=-d=checkptr=0'

## vet: go vet natively, and for the browser on the packages that run there. Native vet builds
## with $(RACE) and the browser's with -trimpath, as `unit` and the web apps build, so that the
## packages are compiled once for both (on a fresh machine this halves the compile work)
vet:
	$(GO) vet $(RACE) ./...
	GOOS=js GOARCH=wasm $(GO) vet -trimpath $(WASM_PKGS)

## unit: all Go tests natively with -race (store suite on SQLite and PostgreSQL, real servers, Chromium).
## The longest packages are named first: `go test` starts packages in the order given, two at a
## time on two cores, so these start at once instead of after the short ones. TEST_PARALLEL
## parallel tests of a package run at once (-parallel; go test's default is one per core): most
## of them wait rather than compute (the server package's clusters and crash tests are server
## processes starting, lease and reconnect windows running out), so more than the two cores
## fit beside each other. Not many more: each server process may hold up to 18 PostgreSQL
## connections (its pool of 16, its life lock and the leadership's), three to a cluster test:
## .ci/run raises PostgreSQL's max_connections from the default 100 to 400
LONG_PKGS := ./backend/server/ ./backend/admin/ ./backend/agentsite/ ./backend/chat/ ./backend/store/
TEST_PARALLEL ?= 3
unit:
	$(GO) test $(RACE) -count=1 -timeout 28m -parallel $(TEST_PARALLEL) $(LONG_PKGS) ./...

## wasm-test: the browser packages' tests under GOOS=js GOARCH=wasm (node)
wasm-test:
	GOOS=js GOARCH=wasm $(GO) test -trimpath -count=1 -exec="$(WASM_EXEC)" $(WASM_PKGS)

## bench: Go benchmarks, the ACD decision latency, the archive search and report latencies over
## REPORT_CHATS generated chats (100,000; made once, kept in build/bench-history and a PostgreSQL
## database), and the chat and idle-socket figures of bench-chat and bench-idle
bench: $(BIN)/parley $(BIN)/parley-load
	$(GO) test -run '^$$' -bench . -benchtime 2000x ./backend/store/ ./backend/realtime/
	ACD_REPORT=1 $(GO) test -run 'TestDecisionLatencyReport' -count=1 -v ./backend/acd/ | grep -E '^acd_decision_p99_us'
	ARCHIVE_REPORT=1 ARCHIVE_CHATS=$(REPORT_CHATS) $(GO) test -run 'TestSearchLatencyReport' -count=1 -timeout 60m -v ./backend/archive/ | grep -E '^search_p95_ms_'
	REPORT_BENCH=1 $(GO) test -run 'TestReportLatencyReport' -count=1 -timeout 60m -v ./backend/report/ -report.chats=$(REPORT_CHATS) | grep -E '^report_max_ms_'
	@$(MAKE) --no-print-directory bench-chat
	@$(MAKE) --no-print-directory bench-idle

## bench-cluster: cluster mode on PostgreSQL and the machine's NATS (PARLEY_TEST_NATS_URL): seconds
## from a leader's kill -9 to the next leader, and from a chat holder's kill -9 to the visitor's
## first acknowledged line on another node, acknowledged messages lost and duplicated when a
## node beside a running one is killed three times under load, and in a rolling restart of three
## nodes; then durable visitor→agent messages per second in a closed loop like bench-chat's (CHAT_*: 50 messages a visitor)
## against one node and against three (msgs_per_s_1node, msgs_per_s_3nodes), each a fresh
## cluster of server processes, the load spread over its nodes
bench-cluster: $(BIN)/parley $(BIN)/parley-load
	CLUSTER_REPORT=1 $(GO) test -run 'TestClusterLeaderFailover|TestClusterDeadNodesChatMoves|TestClusterNodeKillLosesNothing|TestClusterRollingRestart' -count=1 -v ./backend/server/ | grep -E '^(failover_s|takeover_s|cluster_lost|cluster_duplicated|cluster_rolling_lost|cluster_rolling_duplicated) '
	-@($(call cluster-run,1,$(CHAT_LOAD) -interval 0 -steady -label 1node)) | sed 's/^durable_msgs_per_s_/msgs_per_s_/'
	-@($(call cluster-run,3,$(CHAT_LOAD) -interval 0 -steady -label 3nodes)) | sed 's/^durable_msgs_per_s_/msgs_per_s_/'

# The generated history the search and report benchmarks share: chats over a year (ten
# messages each), made on the first run and kept (backend/history/benchdb).
REPORT_CHATS ?= 100000

# Load runs: each against a fresh server on a free port with a fresh database. $(call
# load-run,DB,ARGS[,DIR]) starts the server (DB sqlite or postgres), runs parley-load ARGS against it
# (told the server's process id, for its CPU time and memory), then stops the server and drops
# the database; the server's log is shown when the run fails. DIR holds the parley and
# parley-load to run, $(BIN) unless given.
define load-run
bin=$(or $(3),./$(BIN)); dir=$$(mktemp -d); port=$$($$bin/parley-load -free-port); db=""; \
if [ "$(1)" = postgres ]; then \
  name=parley_load_$$(basename $$dir | tr -dc 'a-zA-Z0-9' | tr 'A-Z' 'a-z'); psql "$(PG_ADMIN)" -qc "CREATE DATABASE $$name" >/dev/null; \
  db="postgres://postgres@127.0.0.1:5432/$$name?sslmode=disable"; fi; \
DATABASE_URL="$$db" PARLEY_DATA=$$dir PARLEY_ADDR=127.0.0.1:$$port $(LOAD_SERVER_ENV) $$bin/parley 2>$$dir/server.log & pid=$$!; \
for i in $$(seq 100); do curl -sf http://127.0.0.1:$$port/readyz >/dev/null && break; sleep 0.1; done; \
rc=0; DATABASE_URL="$$db" $$bin/parley-load -url http://127.0.0.1:$$port -data $$dir -server-pid $$pid $(2) || rc=$$?; \
kill $$pid; wait $$pid || true; \
if [ $$rc -ne 0 ]; then echo "parley-load failed ($$rc); the server's log ends:" >&2; tail -n 20 $$dir/server.log >&2; fi; \
if [ -n "$$db" ]; then psql "$(PG_ADMIN)" -qc "DROP DATABASE $$name WITH (FORCE)" >/dev/null; fi; \
rm -rf $$dir; exit $$rc
endef

# The server's settings in load runs: warnings only, no per-address or per-connection limits.
LOAD_SERVER_ENV := PARLEY_LOG_LEVEL=warn PARLEY_VISITOR_CONNECTS_PER_MINUTE=0 PARLEY_AGENT_CONNECTS_PER_MINUTE=0 PARLEY_COMMANDS_PER_SECOND=1000000 PARLEY_COMMAND_BURST=1000000 PARLEY_PRESENCE_PER_ADDRESS=1000000 PARLEY_PRESENCE_PER_CONNECTOR=1000000

# $(call cluster-run,N,ARGS) is load-run for a cluster: N server processes in cluster mode, one
# after the other (the first migrates and seeds), on one fresh PostgreSQL database and the NATS
# at NATS_URL under subjects of their own; parley-load ARGS runs against all of them (-url lists
# them), then they stop and the database is dropped. PPROF_DIR, when set, keeps each node's CPU
# profile (nodeN.cpu.pprof) of the PPROF_SECONDS (20) from the start of parley-load, read from its
# PARLEY_PPROF_ADDR.
NATS_URL ?= $(or $(PARLEY_TEST_NATS_URL),nats://127.0.0.1:4222)
define cluster-run
dir=$$(mktemp -d); name=parley_load_$$$$; psql "$(PG_ADMIN)" -qc "CREATE DATABASE $$name" >/dev/null; \
db="postgres://postgres@127.0.0.1:5432/$$name?sslmode=disable"; urls=""; pids=""; pprofs=""; \
for n in $$(seq $(1)); do \
  port=$$(./$(BIN)/parley-load -free-port); pport=$$(./$(BIN)/parley-load -free-port); mkdir -p $$dir/$$n; \
  env DATABASE_URL="$$db" PARLEY_NATS_URL=$(NATS_URL) PARLEY_NATS_SUBJECT=$$name PARLEY_DATA=$$dir/$$n PARLEY_ADDR=127.0.0.1:$$port \
    $${PPROF_DIR:+PARLEY_PPROF_ADDR=127.0.0.1:$$pport} $(LOAD_SERVER_ENV) ./$(BIN)/parley 2>$$dir/$$n.log & pids="$$pids $$!"; \
  for i in $$(seq 300); do curl -sf http://127.0.0.1:$$port/readyz >/dev/null && break; sleep 0.1; done; \
  urls="$$urls$${urls:+,}http://127.0.0.1:$$port"; pprofs="$$pprofs $$n:$$pport"; done; \
if [ -n "$${PPROF_DIR:-}" ]; then mkdir -p "$$PPROF_DIR"; for p in $$pprofs; do \
  curl -sf -o "$$PPROF_DIR/node$${p%%:*}.cpu.pprof" "http://127.0.0.1:$${p##*:}/debug/pprof/profile?seconds=$${PPROF_SECONDS:-20}" & cpids="$${cpids:-} $$!"; done; fi; \
rc=0; DATABASE_URL="$$db" ./$(BIN)/parley-load -url $$urls -data $$dir/1 $(2) || rc=$$?; \
for c in $${cpids:-}; do wait $$c || true; done; kill $$pids; wait $$pids || true; \
if [ $$rc -ne 0 ]; then echo "parley-load failed ($$rc); the nodes' logs end:" >&2; tail -n 10 $$dir/*.log >&2; fi; \
psql "$(PG_ADMIN)" -qc "DROP DATABASE $$name WITH (FORCE)" >/dev/null; \
rm -rf $$dir; exit $$rc
endef

LOAD_ARGS ?= -visitors 50 -agents 5 -messages 20
PG_ADMIN ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable

## load: one load run against a fresh server (DB=sqlite or DB=postgres; LOAD_ARGS for parley-load)
load: $(BIN)/parley $(BIN)/parley-load
	@echo -n "load_$(DB) "; $(call load-run,$(DB),$(LOAD_ARGS))

## load-pair: two load runs at once, side by side on this machine, with the parley and
## parley-load of directory A and of directory B (builds of two commits, say), DB and LOAD_ARGS as
## for load; prints each run's figures and their ratios A/B. This machine's speed drifts by a
## third within minutes, so runs one after the other tell two builds apart only when they differ
## by more than that; two runs that share the machine at the same moment differ by 1–3 %
load-pair:
	@test -x "$(A)/parley" && test -x "$(A)/parley-load" && test -x "$(B)/parley" && test -x "$(B)/parley-load" || \
	  { echo "usage: make load-pair A=dir B=dir [DB=sqlite|postgres] [LOAD_ARGS=...]: each dir with parley and parley-load" >&2; exit 2; }
	@out=$$(mktemp -d); \
	( $(call load-run,$(DB),$(LOAD_ARGS),$(A)) ) >$$out/a & a=$$!; \
	( $(call load-run,$(DB),$(LOAD_ARGS),$(B)) ) >$$out/b & b=$$!; \
	rc=0; wait $$a || rc=$$?; wait $$b || rc=$$?; \
	echo "A $$(cat $$out/a)"; echo "B $$(cat $$out/b)"; \
	for f in msgs_per_s p99_ms cpu_server_us_per_msg cpu_us_per_msg; do \
	  x=$$(sed -n "s/.*\"$$f\":\([0-9.]*\).*/\1/p" $$out/a); y=$$(sed -n "s/.*\"$$f\":\([0-9.]*\).*/\1/p" $$out/b); \
	  [ -n "$$x" ] && [ -n "$$y" ] && awk -v f=$$f -v x=$$x -v y=$$y 'BEGIN { if (y > 0) printf "%s A/B %.3f\n", f, x / y }'; \
	done; rm -rf $$out; exit $$rc

# The figures of bench-chat and bench-idle, and the sizes they are measured at.
CHAT_VISITORS ?= 200
CHAT_AGENTS ?= 20
CHAT_MESSAGES ?= 50
# The closed loop's messages a visitor: 300 (60,000 in all) measure its steady state, a few
# seconds past the first commits' plans and the first collections, where 50 ended within half
# a second at 20,000 a second.
CLOSED_MESSAGES ?= 300
MSG_RATE ?= 1000
STORM_VISITORS ?= 2000
REPLAY_EVENTS ?= 10000
IDLE_SOCKETS ?= 10000
CHAT_LOAD := -visitors $(CHAT_VISITORS) -agents $(CHAT_AGENTS) -messages $(CHAT_MESSAGES) -lines
CLOSED_LOAD := -visitors $(CHAT_VISITORS) -agents $(CHAT_AGENTS) -messages $(CLOSED_MESSAGES) -lines

## bench-chat: the chat figures as `name value` lines, each run on a fresh server: durable
## messages/s and p99 in a closed loop of CHAT_VISITORS visitors (CLOSED_MESSAGES each), p99 in an open loop at MSG_RATE
## messages/s, with server and database CPU per message, on SQLite and PostgreSQL; a reconnect
## storm of STORM_VISITORS visitors whose agents write while they are away; the replay of a chat
## of REPLAY_EVENTS messages. A run that fails (losses exit with 3) says so and the others go on
bench-chat: $(BIN)/parley $(BIN)/parley-load
	-@$(call load-run,sqlite,$(CLOSED_LOAD) -interval 0 -steady -label sqlite)
	-@$(call load-run,postgres,$(CLOSED_LOAD) -interval 0 -steady -label postgres)
	-@$(call load-run,sqlite,$(CHAT_LOAD) -msg-rate $(MSG_RATE) -label sqlite)
	-@$(call load-run,postgres,$(CHAT_LOAD) -msg-rate $(MSG_RATE) -label postgres)
	-@$(call load-run,sqlite,-visitors $(STORM_VISITORS) -agents 50 -messages 1 -interval 0 -rate 500 -storm -duration 300s -lines)
	-@$(call load-run,sqlite,-visitors 1 -agents 1 -replay $(REPLAY_EVENTS) -duration 300s -lines)

## bench-idle: IDLE_SOCKETS idle visitor sockets on a fresh server: the server's resident memory
## per socket (idle_kib_per_conn) and the time the connects took (connect_10k_s)
bench-idle: $(BIN)/parley $(BIN)/parley-load
	-@$(call load-run,sqlite,-idle $(IDLE_SOCKETS) -lines)

## templ: regenerate the admin pages' Go code from the .templ files (a test checks they are fresh)
templ:
	$(GO) run github.com/a-h/templ/cmd/templ@v0.3.977 generate -path backend/admin

## size: the web apps' transfer sizes
size: $(WEB_SIZE)

## clean: remove build outputs (not ./data)
clean:
	rm -rf $(BIN) $(BUILD)
