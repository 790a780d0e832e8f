# Workshop booking service. `make help` lists the targets.
#
# Postgres and Redis: `make run` and `make test` use the servers at the URLs
# below when they answer; otherwise scripts/dev-services.sh starts private ones
# under .dev/ (stop them with `make dev-stop`). Override any variable on the
# command line or in the environment, e.g. `make run HTTP_ADDR=:9090`.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := build

GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
STATICCHECK_VERSION ?= v0.8.2
GOVULNCHECK_VERSION ?= v1.9.0
# make vulncheck: fail (or only warn) on vulnerabilities the standard library
# of this Go has; a newer Go fixes those, not this repository.
VULNCHECK_STDLIB ?= fail
GOFMT ?= $(shell $(GO) env GOROOT)/bin/gofmt

# make run: the service's configuration (defaults as in the binary's own).
DATABASE_URL ?= postgres://localhost:5432/workshops?sslmode=disable
REDIS_URL ?= redis://localhost:6379/0
HTTP_ADDR ?= :8080
BASE_URL ?= http://localhost:8080
# For local use only: never deploy with this token (the service refuses
# one shorter than 32 characters).
ADMIN_TOKEN ?= dev-admin-token-for-local-use-only
MAIL_DIR ?= .dev/mail
# Work email domains that may book the workforce workshops (/staff); the
# seeded one is for council staff. `make run STAFF_EMAIL_DOMAINS=` turns
# the staff route off.
STAFF_EMAIL_DOMAINS ?= coventry.gov.uk
# The council address the pages give people who need help, and the invites'
# organiser; unset, it would be MAIL_FROM's workshops@localhost.
ORGANIZER_EMAIL ?= consultation@coventry.gov.uk

# The fonts the sign-in sheet PDF draws names in Arabic and Urdu, Devanagari,
# Gurmukhi, Ge'ez and Chinese with (attendance.LoadFonts): Debian's packages,
# installed by `make run` and `make test` where missing (as root; otherwise
# they say what to run). Without them the service logs which are missing and
# prints those names as boxes; the attendance tests fail.
SHEET_FONT_DIR ?= /usr/share/fonts/truetype
SHEET_FONT_PACKAGES = fonts-noto-core fonts-droid-fallback

# make test: each test gets its own copy of its package's migrated template
# database on this server, and a Redis database number leased for it alone
# (internal/testenv), so two runs at once leave each other alone.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
export TEST_DATABASE_URL TEST_REDIS_URL

# make bench
BENCH_PORT ?= 18080
BENCH_ARGS ?=

# make soak: how long the traffic lasts (CI runs 2m), and more flags for
# cmd/soak (e.g. SOAK_ARGS='-rate 40').
SOAK_DURATION ?= 10m
SOAK_ARGS ?=

DEV_ENV = DATABASE_URL='$(DATABASE_URL)' REDIS_URL='$(REDIS_URL)'
RUN_ENV = $(DEV_ENV) HTTP_ADDR='$(HTTP_ADDR)' BASE_URL='$(BASE_URL)' ADMIN_TOKEN='$(ADMIN_TOKEN)' MAIL_DIR='$(MAIL_DIR)' \
	STAFF_EMAIL_DOMAINS='$(STAFF_EMAIL_DOMAINS)' ORGANIZER_EMAIL='$(ORGANIZER_EMAIL)' SHEET_FONT_DIR='$(SHEET_FONT_DIR)'

.PHONY: assets help build run test sheet-fonts fuzz browser-test vet staticcheck vulncheck lint fmt bench soak clean dev-services test-services dev-status dev-stop dev-clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 16

build: ## go build -o bin/workshopd ./cmd/workshopd
	$(GO) build -o bin/workshopd ./cmd/workshopd

run: dev-services sheet-fonts build ## serve with demo workshops on BASE_URL (Postgres/Redis started under .dev if needed)
	@echo "make run: ADMIN_TOKEN=$(ADMIN_TOKEN) (for local use only), emails go to $(MAIL_DIR) unless SMTP_URL is set"
	@echo "make run: STAFF_EMAIL_DOMAINS=$(if $(STAFF_EMAIL_DOMAINS),$(STAFF_EMAIL_DOMAINS) (work addresses there can book the workforce workshop at $(BASE_URL)/staff),(empty: the staff route is off))"
	$(RUN_ENV) bin/workshopd migrate
	$(RUN_ENV) bin/workshopd seed-demo
	@echo "make run: serving on $(BASE_URL) (HTTP_ADDR $(HTTP_ADDR)); Ctrl-C stops"
	$(RUN_ENV) exec bin/workshopd serve

sheet-fonts: ## install the sign-in sheet's fonts (Debian's fonts-noto-core, fonts-droid-fallback) where missing
	@if [[ -f '$(SHEET_FONT_DIR)/noto/NotoSansGurmukhi-Regular.ttf' && -f '$(SHEET_FONT_DIR)/droid/DroidSansFallbackFull.ttf' ]]; then :; \
	elif [[ $$(id -u) == 0 ]] && command -v apt-get >/dev/null; then \
		echo "make: apt-get install $(SHEET_FONT_PACKAGES) (the sign-in sheet's fonts)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(SHEET_FONT_PACKAGES) >/dev/null; \
	else echo "make: the sign-in sheet's fonts are not in $(SHEET_FONT_DIR): sudo apt-get install $(SHEET_FONT_PACKAGES)"; fi

dev-services: ## make sure Postgres and Redis answer at DATABASE_URL / REDIS_URL, and the database exists
	@$(DEV_ENV) scripts/dev-services.sh

test-services: ## make sure Postgres and Redis answer at TEST_DATABASE_URL / TEST_REDIS_URL
	@scripts/dev-services.sh --test

dev-status: ## which private servers run under .dev
	@scripts/dev-services.sh --status

dev-stop: ## stop the private Postgres and Redis under .dev (leaves their data)
	@scripts/dev-services.sh --stop

dev-clean: ## stop the private servers and delete .dev (data, mail, logs)
	@scripts/dev-services.sh --clean

test: test-services sheet-fonts ## go vet, staticcheck, every Go test with -race against real Postgres and Redis, then the browser tests
	$(GO) vet ./...
	@GO='$(GO)' STATICCHECK_VERSION='$(STATICCHECK_VERSION)' scripts/staticcheck.sh ./...
	$(GO) test -race -count=1 -timeout 20m ./...
	@$(MAKE) --no-print-directory browser-test

# make browser-test: the public journeys in headless Chromium (Debian's
# chromium at /usr/bin/chromium, driven by npm playwright-core) with axe-core
# on every page; each test file starts its own workshopd on a throw-away
# database (see tests/browser/README.md). `.ci/run` installs Chromium.
browser-test: build test-services ## the browser tests: journeys in headless Chromium, axe-core on every page (tests/browser)
	@[[ tests/browser/node_modules/.package-lock.json -nt tests/browser/package-lock.json ]] || npm ci --no-audit --no-fund --prefix tests/browser
	cd tests/browser && WORKSHOPD=bin/workshopd node --test --test-concurrency=1 --test-reporter=spec *.test.mjs

# make fuzz: each fuzz target for FUZZTIME (go test -fuzz runs one target at a
# time). Seeds are in the code and in each package's testdata/fuzz; an input
# that fails is written there too: commit it with the fix.
# The budget is a count of inputs, not a duration: with a duration, Go 1.26's
# fuzzing coordinator can report "context deadline exceeded" as a failure
# when the time runs out on a busy machine, with no failing input
# (go.dev/issue/75804, fixed in Go 1.27). A count has no deadline to race.
# FUZZTIME=30s still works for a longer run by hand.
FUZZTIME ?= 20000x
FUZZ_TARGETS = ./booking/web:FuzzDecode ./booking:FuzzDetails ./calendar:FuzzFoldWriter ./calendar:FuzzEscape \
	./attendance:FuzzNeutraliseCell ./notify/mailer:FuzzBuild

fuzz: ## run every fuzz target for FUZZTIME (default 20000 inputs) each
	@for t in $(FUZZ_TARGETS); do \
		echo "go test -run '^$$' -fuzz '^$${t#*:}$$' -fuzztime $(FUZZTIME) -timeout 10m $${t%%:*}"; \
		$(GO) test -run '^$$' -fuzz "^$${t#*:}\$$" -fuzztime $(FUZZTIME) -timeout 10m "$${t%%:*}" || exit 1; \
	done

vet: ## go vet ./...
	$(GO) vet ./...

staticcheck: ## staticcheck ./... (installs STATICCHECK_VERSION into GOBIN when missing)
	@GO='$(GO)' STATICCHECK_VERSION='$(STATICCHECK_VERSION)' scripts/staticcheck.sh ./...

vulncheck: ## govulncheck: known vulnerabilities the code calls (online database, or a local snapshot when offline)
	@GO='$(GO)' GOVULNCHECK_VERSION='$(GOVULNCHECK_VERSION)' VULNCHECK_STDLIB='$(VULNCHECK_STDLIB)' scripts/vulncheck.sh

lint: vet staticcheck ## gofmt check, go vet, staticcheck, and shellcheck on scripts/ where installed
	@files=$$(find . -name '*.go' -not -path './.dev/*' -not -path './bin/*' -not -path '*/node_modules/*' -not -path './.git/*'); \
	bad=$$(test -z "$$files" || $(GOFMT) -l $$files); \
	if [ -n "$$bad" ]; then echo "gofmt -l: these files need gofmt -w:"; echo "$$bad"; exit 1; fi; \
	echo "gofmt: ok"
	@if command -v shellcheck >/dev/null; then shellcheck -x scripts/*.sh .ci/run && echo "shellcheck: ok"; \
	else echo "shellcheck not installed: scripts not checked (apt-get install shellcheck)"; fi

fmt: ## gofmt -w the Go files
	@find . -name '*.go' -not -path './.dev/*' -not -path './bin/*' -not -path '*/node_modules/*' -not -path './.git/*' -exec $(GOFMT) -w {} +

# make assets: rebuild booking/web/assets (GOV.UK Frontend CSS, scripts,
# images) from booking/web/frontend with npm; commit the result, which the
# binary embeds. Not needed for go build.
assets: ## rebuild the pages' CSS and scripts from GOV.UK Frontend (npm ci, sass) into booking/web/assets
	cd booking/web/frontend && npm ci --no-audit --no-fund && npm run build

# make bench: load test with cmd/benchrush (the launch-rush load generator,
# maintained with the service; without it this target stops saying so).
# scripts/bench.sh ensures the dev services, creates a throw-away database,
# starts bin/workshopd serve on 127.0.0.1:BENCH_PORT with RATE_LIMITS=off and
# a random ADMIN_TOKEN, waits for /readyz, runs
#   go run ./cmd/benchrush -base http://127.0.0.1:BENCH_PORT -admin-token TOKEN -database TEMP_DB_URL $(BENCH_ARGS)
# and then stops the server and drops the database. Example:
#   make bench BENCH_ARGS='-clients 200 -requests 50000'
bench: build ## load test: cmd/benchrush against a fresh workshopd (RATE_LIMITS=off, temp database)
	@$(DEV_ENV) GO='$(GO)' BENCH_PORT='$(BENCH_PORT)' BENCH_ARGS='$(BENCH_ARGS)' scripts/bench.sh

# make soak: cmd/soak starts three bin/workshopd over a throw-away database on
# TEST_DATABASE_URL's server and a Redis Cluster of its own (three masters,
# three replicas, on loopback ports; redis-server and redis-cli), sends
# SOAK_DURATION of mixed traffic, waits for the holds to lapse, then checks
# places against capacity, the Redis mirror against Postgres, each email
# received once, every 201 in Postgres and no 5xx but 503 with Retry-After.
# Not part of make test: CI runs it for two minutes after make test.
soak: build test-services ## three workshopd over a Redis Cluster, SOAK_DURATION (10m) of mixed traffic, then checks (cmd/soak)
	@mkdir -p .dev
	$(GO) run ./cmd/soak -workshopd bin/workshopd -postgres '$(TEST_DATABASE_URL)' -duration $(SOAK_DURATION) \
		-log .dev/soak-server.log $(SOAK_ARGS)

clean: ## remove bin/ and the test cache (keeps .dev: see dev-clean)
	rm -rf bin
	$(GO) clean -testcache
