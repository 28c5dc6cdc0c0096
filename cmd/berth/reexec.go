package main

import (
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/berth-containers/berth/engine"
	"github.com/berth-containers/berth/engine/execproc"
	"github.com/berth-containers/berth/engine/initreaper"
	"github.com/berth-containers/berth/engine/runner"
	"github.com/berth-containers/berth/engine/specgen"
	"github.com/berth-containers/berth/rootless"
	_ "github.com/berth-containers/berth/rootless/join" // links the store namespace's constructor
	"github.com/berth-containers/berth/runtime/initproc"
	_ "github.com/berth-containers/berth/runtime/nsenter" // links the namespace-joining constructor
)

// reexec routes the processes berth starts from its own binary before any
// flag parsing: the container's init (as berth-runtime's), the monitor of
// a detached container, the waiter of a detached exec, and --init's
// zombie reaper inside a container.
func reexec() {
	if len(os.Args) < 2 {
		return
	}
	switch {
	case os.Args[1] == "init" && os.Getenv(initproc.EnvSocket) != "":
		initproc.Main()
	case os.Args[1] == "monitor" && os.Getenv(runner.Env) != "":
		os.Exit(runner.Main(os.Args[2:]))
	case os.Args[1] == "exec-wait" && os.Getenv(execproc.WaitEnv) != "":
		os.Exit(execproc.WaitMain(os.Args[2:]))
	case os.Args[1] == "dns" && os.Getenv(engine.DNSEnv) != "":
		os.Exit(engine.DNSMain(os.Args[2:]))
	case os.Args[1] == "rootless-pause":
		rootless.PauseMain()
	case os.Args[0] == specgen.InitPath:
		os.Exit(initreaper.Main(os.Args[1:]))
	}
}

// dieBy ends berth as sig ends a process that does not handle it, as
// Docker's CLI ends on SIGINT or SIGTERM in logs -f and in attach without
// the signal proxy.
func dieBy(sig syscall.Signal) {
	signal.Reset(sig)
	syscall.Kill(os.Getpid(), sig)
	time.Sleep(time.Second) // the signal is on its way
	os.Exit(128 + int(sig))
}
