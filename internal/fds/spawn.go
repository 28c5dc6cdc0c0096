package fds

import (
	"fmt"
	"io"
	"os"
	"os/exec"

	"golang.org/x/sys/unix"
)

// The monitor and the DNS responder are berth itself started again in a
// mode of its own, detached from the command that starts them:
//
//	spawner                               daemon (argv[0] = name)
//	  pipe(r, w); w becomes fd 3
//	  CloexecInherited; start in a new
//	  session, cwd /, stdio /dev/null
//	  close w; read r until EOF  <-------  writes its report on fd 3,
//	                                       closes it (or exits)
//	  forget the pid (not waited for)      CloseInherited(4); runs on
//
// Whoever reaps orphans (a subreaper above the spawner, or init) collects
// the daemon when it ends.

// SpawnDaemon starts this executable as a daemon named name (its argv[0])
// with args and only the environment env, as drawn above, and returns
// what it reported on fd 3. what names the daemon in errors.
func SpawnDaemon(what, name string, args, env []string) ([]byte, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("find berth's executable for the %s: %w", what, err)
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("report pipe for the %s: %w", what, err)
	}
	defer r.Close()
	cmd := exec.Command(exe, args...)
	cmd.Args[0] = name
	cmd.Env = env
	cmd.ExtraFiles = []*os.File{w}
	cmd.SysProcAttr = &unix.SysProcAttr{Setsid: true}
	cmd.Dir = "/"
	CloexecInherited()
	err = cmd.Start()
	w.Close()
	if err != nil {
		return nil, fmt.Errorf("start the %s: %w", what, err)
	}
	// Release only forgets the pid: it fails on one already released.
	defer func() { _ = cmd.Process.Release() }()
	data, err := io.ReadAll(r)
	if err != nil {
		return data, fmt.Errorf("read the report of the %s: %w", what, err)
	}
	return data, nil
}
