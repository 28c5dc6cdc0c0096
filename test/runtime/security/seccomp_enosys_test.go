// libseccomp names the syscalls this test probes, so it needs cgo; the
// cgroup v2 VM (test/vm) builds this package without it and runs only its
// cgroup tests.

//go:build cgo

package security_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"

	"github.com/berth-containers/berth/test/testutil"
)

// rawSyscallProbe makes each syscall number of its arguments, with zero
// arguments, and prints "nr=errno" for each.
const rawSyscallProbe = `package main

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
)

func main() {
	for _, a := range os.Args[1:] {
		nr, _ := strconv.Atoi(a)
		_, _, errno := syscall.RawSyscall(uintptr(nr), 0, 0, 0)
		fmt.Printf("%d=%d\n", nr, int(errno))
	}
}
`

// TestSeccompENOSYS: under a profile whose default is an error, a syscall
// numbered above every syscall the profile names fails with ENOSYS, as
// runc's filter stub makes it (so programs fall back from calls newer than
// the profile), while a known syscall the profile leaves out gets the
// default EPERM.
func TestSeccompENOSYS(t *testing.T) {
	rt, b := setup(t)
	probe := testutil.BuildStatic(t, "probe", rawSyscallProbe)
	data, err := os.ReadFile(probe)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.Rootfs, "probe"), data, 0o755); err != nil {
		t.Fatal(err)
	}
	// Allow every x86_64 syscall numbered up to 400 but mkdir (83).
	var allow []string
	for nr := 0; nr <= 400; nr++ {
		if name, err := libseccomp.ScmpSyscall(nr).GetName(); err == nil && nr != 83 {
			allow = append(allow, name)
		}
	}
	b.Update(func(s *specs.Spec) {
		s.Linux.Seccomp = &specs.LinuxSeccomp{
			DefaultAction: specs.ActErrno,
			Architectures: []specs.Arch{specs.ArchX86_64},
			Syscalls:      []specs.LinuxSyscall{{Names: allow, Action: specs.ActAllow}},
		}
	})
	b.SetArgs("/probe", "83", "436", "1000")
	res := rt.RunBundle(t, b)
	if got, want := strings.TrimSpace(res.Stdout), "83=1\n436=38\n1000=38"; got != want {
		t.Errorf("syscalls under a default-EPERM profile:\n%s\nwant (EPERM=1 for mkdir, ENOSYS=38 above the profile):\n%s", got, want)
	}
}
