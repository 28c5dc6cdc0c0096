package layering

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/berth-containers/berth"

// A rule says what a group of packages (a path and everything under it) may
// import from the module besides itself. An import that no rule allows is an
// error, so a new top-level package must be given a rule before it is used.
type rule struct {
	prefix string
	allow  []string
}

// rules, most specific first: the first whose prefix matches a package is
// the one that applies.
var rules = []rule{
	// The event log sits under everything that emits events (image,
	// network, volume, engine): it may lean on nothing but the filters.
	{"internal/eventlog", []string{"internal/filters"}},
	{"internal", []string{"internal"}},
	{"runtime", []string{"runtime", "internal"}},
	{"content", []string{"internal"}},
	{"snapshot", []string{"snapshot", "internal"}},
	{"volume", []string{"internal"}},
	{"rootless", []string{"rootless", "internal"}},
	{"network", []string{"network", "internal"}},
	{"image", []string{"image", "content", "snapshot", "internal"}},
	// engine's own packages sit below it: none imports engine, and each
	// only the little it drives.
	// The container record is the engine's vocabulary: it leans on no
	// part of the engine, so everything below the engine can share it.
	{"engine/record", []string{"runtime/signals", "internal"}},
	{"engine/store", []string{"engine/record", "internal"}},
	// create's flags, checked with Docker's wording: the etc-file checks
	// are network/etcfiles', keep-id rootless'.
	{"engine/options", []string{"engine/record", "network/etcfiles", "rootless", "internal"}},
	// Spec generation is pure: the record and its options in, the
	// runtime's default spec, capability names and seccomp (its tests'
	// compile cache) from the runtime's own packages; nothing that
	// touches the host or another part of the engine.
	{"engine/specgen", []string{"engine/record", "engine/options", "runtime/spec", "runtime/caps", "runtime/seccomp", "internal"}},
	// Docker's inspect view is the record rearranged; the snapshot's
	// mount type is what GraphDriver reads.
	{"engine/inspect", []string{"engine/record", "snapshot", "internal"}},
	// ps's filters read records, with the shared filter parser.
	{"engine/containerfilter", []string{"engine/record", "internal"}},
	// update's checks: the record and create's parsers in, the resources
	// out; the cgroup is the engine's to write.
	{"engine/update", []string{"engine/record", "engine/options", "internal"}},
	// commit's layer and image: the snapshot's mounts and the bundle's
	// spec in, no store or image service.
	{"engine/commit", []string{"snapshot", "runtime/spec", "internal"}},
	// A create's lock on its directory, which the storage repair tries.
	{"engine/shm", []string{"internal"}},
	{"engine/dirlock", []string{"internal"}},
	{"engine/attach", []string{"runtime/console", "internal"}},
	{"engine/jsonlog", []string{"internal"}},
	{"engine/idlemon", []string{"engine/jsonlog", "internal"}},
	{"engine/initreaper", []string{"internal"}},
	{"engine/ociruntime", []string{"runtime", "internal"}},
	// In-root file operations work on a directory, whoever's root it is.
	{"engine/fsops", []string{"internal"}},
	// Stats and top read a cgroup and /proc (the host's memory as
	// sysinfo reads it); the runtime's ps filter.
	{"engine/stats", []string{"engine/sysinfo", "runtime/cgroups", "runtime/ps", "internal"}},
	// Host facts: cgroup controllers, rootless, the runtimes' names.
	{"engine/sysinfo", []string{"engine/ociruntime", "runtime/cgroups", "rootless", "internal"}},
	// The container side of networking: the records it joins to
	// networks (read and updated in the store), create's network flags,
	// the networks and rootless helpers it drives.
	{"engine/netsetup", []string{"engine/record", "engine/store", "engine/options", "network", "rootless", "internal"}},
	// Healthchecks: create's flags, the record a probe's result moves,
	// the store it is kept in; the probe's exec is handed in.
	{"engine/health", []string{"engine/record", "engine/store", "engine/options", "internal"}},
	// The container monitor: the records it keeps, the probes it
	// schedules, the C idle loop and attach server it hands over to;
	// the runs themselves are the engine's, handed in.
	{"engine/monitor", []string{"engine/record", "engine/store", "engine/health", "engine/attach", "engine/idlemon", "engine/jsonlog", "internal"}},
	// The engine's typed errors, for the CLI's and the API's errors.As.
	{"engine/errdefs", []string{"runtime/initproc", "internal"}},
	// What every engine step shares: the roots and directories, the
	// record store, the image service, networking's set-up, a
	// container's runtime handle and cgroup, its events.
	{"engine/core", []string{"engine/record", "engine/store", "engine/netsetup", "engine/dirlock", "engine/ociruntime", "engine/attach",
		"image", "volume", "runtime", "rootless", "internal"}},
	// A container's files while it runs: rootfs mounts, /dev/shm, the
	// network set up, config.json from the spec generator; and their
	// removal.
	{"engine/bundle", []string{"engine/core", "engine/record", "engine/store", "engine/specgen", "engine/shm",
		"snapshot", "volume", "rootless", "runtime/caps", "runtime/user", "runtime/container", "internal"}},
	// exec: a process in a running container, foreground or detached
	// under a waiter of its own; its user and capabilities as the
	// bundle's.
	{"engine/execproc", []string{"engine/core", "engine/errdefs", "engine/record", "engine/options", "engine/specgen",
		"engine/health", "engine/bundle", "runtime/console", "runtime/container", "internal"}},
	// A container's runs: create and start through the runtime, output
	// into the log, follow, clean up; supervised as the restart policy
	// says, in the monitor process or a foreground run.
	{"engine/runner", []string{"engine/core", "engine/errdefs", "engine/record", "engine/bundle", "engine/execproc",
		"engine/monitor", "engine/health", "engine/idlemon", "engine/jsonlog", "engine/attach",
		"runtime/cgroups", "runtime/console", "runtime/container", "internal"}},
	// start, stop, kill, pause, wait and rm: the runs are the runner's,
	// the files the bundle's.
	{"engine/lifecycle", []string{"engine/core", "engine/errdefs", "engine/record", "engine/store", "engine/bundle",
		"engine/runner", "engine/monitor", "runtime/cgroups", "internal"}},
	// create: the image (pulled if need be), the flags checked, the
	// mounts and volumes, the record and the snapshot.
	{"engine/create", []string{"engine/core", "engine/record", "engine/store", "engine/options", "engine/specgen",
		"engine/health", "engine/jsonlog", "engine/ociruntime", "image", "volume", "runtime/signals", "internal"}},
	{"engine", []string{"engine", "image", "content", "snapshot", "network", "volume", "runtime", "rootless", "internal"}},
	// The builder's leaves: archives, downloads, cache mounts, a step's
	// directory, --chown names, --output; none knows of the engine.
	{"builder/tarball", []string{"internal"}},
	{"builder/fetch", []string{"internal"}},
	{"builder/cachemount", []string{"internal"}},
	{"builder/stepdir", []string{"internal"}},
	{"builder/passwd", []string{"internal"}},
	{"builder/export", []string{"internal"}},
	{"builder/progress", []string{"internal"}},
	{"builder/filesum", []string{"internal"}},
	{"builder/stepcache", []string{"internal"}},
	// A COPY's layer planned, hashed and written: the context's files, ADD's
	// downloads and archives, --chown names; no build, store or engine.
	{"builder/copylayer", []string{"builder/buildctx", "builder/fetch", "builder/filesum", "builder/passwd", "builder/tarball", "internal"}},
	// The graph of a Dockerfile's stages: the parsed file, nothing run.
	{"builder/stageplan", []string{"builder/dockerfile", "internal"}},
	// The Dockerfile builder drives the engine's containers and the image
	// store, as cmd/berth does; only cmd sits above it.
	{"builder", []string{"builder", "engine", "image", "content", "snapshot", "internal"}},
	// The Engine API server is a front end over the engine, as the CLI,
	// split by resource as the API is (moby's api/server/router/...): each
	// resource package leans on api/router, and only api (the server, the
	// version check, the listener) puts them together. system's df lists
	// containers and images as their packages do.
	{"api/router", []string{"engine", "image", "network", "volume", "internal"}},
	{"api/containers", []string{"api/router", "engine", "image", "runtime/signals", "runtime/console", "internal"}},
	{"api/exec", []string{"api/router", "engine", "runtime/console", "internal"}},
	{"api/images", []string{"api/router", "builder", "engine", "image", "internal"}},
	{"api/build", []string{"api/router", "builder", "engine", "image", "internal"}},
	{"api/networks", []string{"api/router", "engine", "image", "network", "internal"}},
	{"api/volumes", []string{"api/router", "engine", "image", "volume", "internal"}},
	{"api/system", []string{"api/router", "api/containers", "api/images", "engine", "image", "internal"}},
	{"api", []string{"internal"}},
	{"cmd/berth-runtime", []string{"runtime", "internal"}},
	// berth's command groups, as docker/cli's cli/command/...: each leans
	// on the shared cli package and the libraries it drives, never on
	// cmd/berth (main: the root command and the exit codes). The few
	// sideways imports are named: container create takes network's flags
	// and inspect its view, image has build's verb, system df shows
	// containers as ps does.
	{"cmd/berth/internal/cli", []string{"builder", "engine", "image", "network", "volume", "internal"}},
	{"cmd/berth/internal/build", []string{"cmd/berth/internal/cli", "builder", "engine", "image", "internal"}},
	{"cmd/berth/internal/network", []string{"cmd/berth/internal/cli", "engine", "network", "internal"}},
	{"cmd/berth/internal/volume", []string{"cmd/berth/internal/cli", "engine", "image", "volume", "internal"}},
	{"cmd/berth/internal/image", []string{"cmd/berth/internal/cli", "cmd/berth/internal/build", "builder", "engine", "image", "internal"}},
	{"cmd/berth/internal/container", []string{"cmd/berth/internal/cli", "cmd/berth/internal/network", "engine", "image", "network", "volume", "runtime", "internal"}},
	{"cmd/berth/internal/system", []string{"cmd/berth/internal/cli", "cmd/berth/internal/container", "api", "engine", "image", "network", "volume", "runtime", "rootless", "internal"}},
	{"cmd/berth/internal", []string{}},
	{"cmd/berth", []string{"api", "builder", "engine", "image", "content", "snapshot", "network", "volume", "runtime", "rootless", "internal"}},
	{"bench", []string{"bench", "runtime/spec", "internal"}},
	{"hack", []string{"internal"}},
	// Integration tests drive the libraries directly; only the command
	// lines stay out of their reach (they run the built binaries instead).
	{"test", []string{"test", "builder", "engine", "image", "content", "snapshot", "network", "volume", "runtime", "rootless", "internal"}},
}

// testHelpers may also be imported by any package's own tests.
var testHelpers = []string{"test/testutil"}

// cliOnly are modules only the command lines may import: the libraries
// below them are driven by code, not by flags.
var cliOnly = []string{"github.com/spf13/cobra", "github.com/spf13/pflag"}

type pkg struct {
	ImportPath   string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json=ImportPath,Imports,TestImports,XTestImports", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v: %s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bufio.NewReader(bytes.NewReader(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decode go list output: %v", err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 10 {
		t.Fatalf("go list found only %d packages of %s", len(pkgs), module)
	}
	return pkgs
}

func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

func ruleFor(rel string) (rule, bool) {
	for _, r := range rules {
		if under(rel, r.prefix) {
			return r, true
		}
	}
	return rule{}, false
}

// check returns what is wrong with one package's imports; extra are more
// packages this set of imports may use (the test helpers, for tests).
func check(rel string, imports []string, extra ...string) []string {
	r, ok := ruleFor(rel)
	if !ok {
		return []string{fmt.Sprintf("%s: no layering rule covers it; add one to internal/layering", rel)}
	}
	allow := append(append([]string{}, r.allow...), extra...)
	var bad []string
	for _, imp := range imports {
		for _, c := range cliOnly {
			if under(imp, c) && !under(rel, "cmd") {
				bad = append(bad, fmt.Sprintf("%s imports %s: only cmd/ may use the CLI libraries", rel, imp))
			}
		}
		if !under(imp, module) {
			continue
		}
		dep := strings.TrimPrefix(strings.TrimPrefix(imp, module), "/")
		if under(dep, r.prefix) {
			continue
		}
		allowed := false
		for _, a := range allow {
			if under(dep, a) {
				allowed = true
				break
			}
		}
		if !allowed {
			bad = append(bad, fmt.Sprintf("%s imports %s: the %s layer may import only %v", rel, dep, r.prefix, r.allow))
		}
	}
	return bad
}

func TestLayering(t *testing.T) {
	for _, p := range listPackages(t) {
		rel := strings.TrimPrefix(strings.TrimPrefix(p.ImportPath, module), "/")
		for _, msg := range check(rel, p.Imports) {
			t.Error(msg)
		}
		tests := append(append([]string{}, p.TestImports...), p.XTestImports...)
		for _, msg := range check(rel, tests, testHelpers...) {
			t.Error("test: " + msg)
		}
	}
}

// TestRulesCatchViolations shows the check is not vacuous: imports that
// point up or sideways are reported.
func TestRulesCatchViolations(t *testing.T) {
	cases := []struct {
		pkg, imp string
		bad      bool
	}{
		{"runtime/container", module + "/engine", true},
		{"runtime/container", module + "/image", true},
		{"runtime/container", module + "/runtime/cgroups", false},
		{"image", module + "/network", true},
		{"network", module + "/volume", true},
		{"engine", "github.com/spf13/cobra", true},
		{"cmd/berth", "github.com/spf13/cobra", false},
		{"cmd/berth-runtime", module + "/engine", true},
		{"cmd/berth", module + "/cmd/berth-runtime", true},
		{"engine", module + "/runtime/container", false},
		{"newthing", module + "/internal/proc", true},
		{"test/engine", module + "/cmd/berth", true},
		{"test/image", module + "/image/unpack", false},
		{"engine/attach", module + "/engine", true},
		{"engine/jsonlog", module + "/runtime/container", true},
		{"engine/ociruntime", module + "/runtime/container", false},
		{"engine/ociruntime", module + "/network", true},
		{"engine/idlemon", module + "/engine/jsonlog", false},
		{"engine/initreaper", module + "/engine/attach", true},
		{"engine/record", module + "/engine", true},
		{"engine/record", module + "/engine/jsonlog", true},
		{"engine/record", module + "/runtime/container", true},
		{"engine/record", module + "/internal/proc", false},
		{"engine/store", module + "/engine/record", false},
		{"engine/store", module + "/image", true},
		{"engine/options", module + "/network/etcfiles", false},
		{"engine/options", module + "/network", true},
		{"engine/options", module + "/engine/store", true},
		{"engine/specgen", module + "/engine/options", false},
		{"engine/specgen", module + "/runtime/caps", false},
		{"engine/specgen", module + "/engine/store", true},
		{"engine/specgen", module + "/network", true},
		{"engine/specgen", module + "/rootless", true},
		{"engine/specgen", module + "/runtime/container", true},
		{"engine/inspect", module + "/engine/record", false},
		{"engine/inspect", module + "/engine", true},
		{"engine/inspect", module + "/network", true},
		{"engine/containerfilter", module + "/internal/filters", false},
		{"engine/containerfilter", module + "/engine/store", true},
		{"engine/update", module + "/engine/options", false},
		{"engine/update", module + "/runtime/cgroups", true},
		{"engine/commit", module + "/runtime/spec", false},
		{"engine/commit", module + "/image", true},
		{"engine/dirlock", module + "/engine/store", true},
		{"engine/fsops", module + "/engine", true},
		{"engine/fsops", module + "/snapshot", true},
		{"engine/stats", module + "/runtime/cgroups", false},
		{"engine/stats", module + "/engine", true},
		{"engine/sysinfo", module + "/engine/stats", true},
		{"engine/sysinfo", module + "/image", true},
		{"engine/errdefs", module + "/engine/record", true},
		{"engine/core", module + "/engine/store", false},
		{"engine/core", module + "/engine/monitor", true},
		{"engine/core", module + "/engine", true},
		{"engine/bundle", module + "/engine/core", false},
		{"engine/bundle", module + "/engine/monitor", true},
		{"engine/bundle", module + "/image", true},
		{"engine/execproc", module + "/engine/bundle", false},
		{"engine/execproc", module + "/engine/monitor", true},
		{"engine/runner", module + "/engine/execproc", false},
		{"engine/runner", module + "/engine/lifecycle", true},
		{"engine/runner", module + "/engine", true},
		{"engine/lifecycle", module + "/engine/runner", false},
		{"engine/lifecycle", module + "/engine", true},
		{"engine/lifecycle", module + "/image", true},
		{"engine/create", module + "/image", false},
		{"engine/create", module + "/engine/lifecycle", true},
		{"engine/create", module + "/runtime/container", true},
		{"cmd/berth/internal/volume", module + "/cmd/berth/internal/cli", false},
		{"cmd/berth/internal/volume", module + "/cmd/berth/internal/container", true},
		{"cmd/berth/internal/network", module + "/cmd/berth", true},
		{"cmd/berth/internal/cli", module + "/cmd/berth/internal/image", true},
		{"cmd/berth/internal/newgroup", module + "/engine", true},
		{"api", module + "/cmd/berth/internal/cli", true},
		{"api/volumes", module + "/api/containers", true},
		{"api/router", module + "/api", true},
		{"api/system", module + "/api/images", false},
		{"api/newresource", module + "/engine", true},
	}
	for _, c := range cases {
		got := len(check(c.pkg, []string{c.imp})) > 0
		if got != c.bad {
			t.Errorf("check(%s imports %s) reported=%v, want %v", c.pkg, c.imp, got, c.bad)
		}
	}
}
