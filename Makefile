# berth: make build | make test | make bench | make demo | make lint
GO      ?= go
BINDIR  ?= bin
# The runtime is linked statically: it runs inside containers and VMs whose
# userland has no glibc of its own.
RUNTIME_LDFLAGS := -s -w -extldflags=-static
GOTAGS  := netgo,osusergo

.PHONY: all build deps test unit integration bench demo lint clean

all: build

deps:
	./hack/install-deps.sh

build:
	CGO_ENABLED=1 $(GO) build -trimpath -tags $(GOTAGS) -ldflags '$(RUNTIME_LDFLAGS)' -o $(BINDIR)/berth-runtime ./cmd/berth-runtime
	@if [ -d cmd/berth ]; then $(GO) build -trimpath -tags $(GOTAGS) -ldflags '-s -w' -o $(BINDIR)/berth ./cmd/berth; fi

# Every test: unit tests, then integration tests against the real kernel (root).
test: deps build lint
	$(GO) test -count=1 -timeout 40m -p 1 ./...

unit:
	$(GO) test -count=1 -short ./...

bench: deps build
	$(GO) run ./bench/runtime -runtimes berth=$(CURDIR)/$(BINDIR)/berth-runtime,runc=runc,crun=crun

demo: deps build
	./hack/demo.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt: $$out" >&2; exit 1; fi
	$(GO) vet ./...

clean:
	rm -rf $(BINDIR)
