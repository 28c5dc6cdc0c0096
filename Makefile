# berth: make build | make test | make bench | make demo | make lint
# Go's own tarball installs in /usr/local/go; a root shell whose profile
# does not add it (sudo's secure_path, a bare `su`) still finds it: the
# recipes get it on PATH, and $(shell) calls use GO's full path.
export PATH := $(PATH):/usr/local/go/bin
GO      ?= $(shell command -v go || echo /usr/local/go/bin/go)
BINDIR  ?= bin
# Both programs are linked statically: the runtime's init runs inside
# containers and VMs whose userland has no glibc of its own.
# The commit and its time, for `berth version` where Go's VCS stamp is off:
# berth-runtime keeps them in main, berth in its system commands' package
# (the linker skips a -X whose variable a program lacks).
VERSIONPKG := github.com/berth-containers/berth/cmd/berth/internal/system
VCSFLAGS := $(shell git log -1 --format='-X main.gitCommit=%h -X main.buildTime=%ct -X $(VERSIONPKG).gitCommit=%h -X $(VERSIONPKG).buildTime=%ct' 2>/dev/null)
LDFLAGS := -s -w -extldflags=-static $(VCSFLAGS)
GOTAGS  := netgo,osusergo
# berth-runtime lives for ~25 ms and never collects: what it pays for is
# each fresh page it touches, ~16 us on a VM with shadow page tables.
# Go 1.26's Green Tea collector keeps a small-object span's mark bits in
# the span's last page and zeroes them when the span is made, so every
# span touches two pages instead of one: ~80 more faults per run, 5-7%
# of bench/runtime's run. Go's documented opt-out, until Go 1.27 drops it.
RUNTIME_GOEXPERIMENT := nogreenteagc
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck
ERRCHECK ?= $(shell $(GO) env GOPATH)/bin/errcheck
# Packages errcheck keeps clean; cmd/berth, builder and api still drop
# errors (issue 13) and join the list as they are fixed. Every runtime
# package is in, runtime/cgroups too.
ERRCHECK_PKGS = ./internal/... ./content/... ./snapshot/... ./network/... ./volume/... ./rootless/... \
	./engine/... ./image/... ./cmd/berth-runtime/... ./runtime/...
# Where files are written only through internal/atomicfile (files berth
# owns) or internal/kfile (kernel files): hack/bans lists any os.Create or
# os.WriteFile outside tests, as runc bans them.
BAN_DIRS := runtime engine image network volume snapshot content internal cmd rootless

.PHONY: all build deps test unit integration bench demo lint clean vm-test

all: build

deps:
	./hack/install-deps.sh

build:
	CGO_ENABLED=1 GOEXPERIMENT=$(RUNTIME_GOEXPERIMENT) $(GO) build -trimpath -tags $(GOTAGS) -ldflags '$(LDFLAGS)' -o $(BINDIR)/berth-runtime ./cmd/berth-runtime
	CGO_ENABLED=1 $(GO) build -trimpath -tags $(GOTAGS) -ldflags '$(LDFLAGS)' -o $(BINDIR)/berth ./cmd/berth

# Every test: lint, unit tests, then integration tests against the real
# kernel (as root). Packages run one at a time: they share cgroups and mounts.
# Then the cgroup and checkpoint tests again on a pure cgroup v2 kernel, in
# a VM (this host is hybrid), and the checkpoint tests on a hybrid guest
# (CRIU fails `criu check` on this host's kernel); about 80 s and 50 s under
# software emulation.
test: deps build lint
	BERTH_TEST_RUNTIME=$(CURDIR)/$(BINDIR)/berth-runtime $(GO) test -count=1 -timeout 45m -p 1 ./...
	./test/vm/run.sh 'TestCgroup|TestCheckpoint'
	BERTH_VM_CGROUPS=hybrid BERTH_VM_PKGS=./test/runtime/checkpoint/ ./test/vm/run.sh 'TestCheckpoint'

unit:
	$(GO) test -count=1 -short ./...

bench: deps build
	$(GO) run ./bench/runtime -runtimes berth=$(CURDIR)/$(BINDIR)/berth-runtime,runc=runc,crun=crun
	$(GO) run ./bench/exec -runtimes berth=$(CURDIR)/$(BINDIR)/berth-runtime,runc=runc,crun=crun -n 150
	# checkpoint+restore beside runc's, in the VM: criu check fails on this host's kernel
	./test/vm/run.sh --exec ./bench/checkpoint -runtimes berth=/share/berth-runtime,runc=runc -n 10
	$(GO) run ./bench/image
	$(GO) run ./bench/engine -berth $(CURDIR)/$(BINDIR)/berth
	$(GO) run ./bench/network -berth $(CURDIR)/$(BINDIR)/berth
	$(GO) run ./bench/build -berth $(CURDIR)/$(BINDIR)/berth
	$(GO) run ./bench/api -berth $(CURDIR)/$(BINDIR)/berth
	$(GO) run ./bench/rootless -berth $(CURDIR)/$(BINDIR)/berth
	$(GO) run ./bench/seccomp -berth $(CURDIR)/$(BINDIR)/berth
	BERTH_TEST_RUNTIME=$(CURDIR)/$(BINDIR)/berth-runtime $(GO) test -count=1 -run '^$$' -bench Clients -benchtime 1x -timeout 30m ./test/clients/

demo: deps build
	./hack/demo.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out" >&2; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	$(ERRCHECK) -exclude hack/errcheck-exclude.txt $(ERRCHECK_PKGS)
	$(GO) run ./hack/bans $(BAN_DIRS)
	$(GO) test -count=1 ./internal/layering/

# The cgroup tests again on a pure cgroup v2 kernel, in a QEMU VM (TCG);
# RUN=<regexp> picks other tests. See test/vm/run.sh.
vm-test:
	./test/vm/run.sh $(RUN)

clean:
	rm -rf $(BINDIR)
