package testutil

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// User is a throwaway unprivileged account for rootless tests: a home of
// its own, one range in /etc/subuid and /etc/subgid, an XDG_RUNTIME_DIR
// it owns, and a 0755 directory (Dir) for binaries it may run. Cleanup
// ends every process left with its ids, deletes the account with its home
// and ranges, and fails the test if any of them remains.
type User struct {
	Name     string
	UID, GID int
	Home     string
	Runtime  string // XDG_RUNTIME_DIR, mode 0700
	Dir      string // root-owned, 0755
	SubStart int    // first subordinate uid (and gid)
	SubCount int
}

// NewUser makes the account. useradd gives it a subordinate range where
// login.defs asks for one; otherwise one is added with usermod.
func NewUser(t testing.TB) *User {
	t.Helper()
	RequireRoot(t)
	r := make([]byte, 3)
	rand.Read(r)
	u := &User{Name: "berthu" + hex.EncodeToString(r)}
	if out, err := exec.Command("useradd", "--create-home", "--shell", "/bin/sh", u.Name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v: %s", u.Name, err, out)
	}
	t.Cleanup(func() { u.remove(t) })
	pw, err := user.Lookup(u.Name)
	if err != nil {
		t.Fatal(err)
	}
	u.UID, _ = strconv.Atoi(pw.Uid)
	u.GID, _ = strconv.Atoi(pw.Gid)
	u.Home = pw.HomeDir
	if u.SubStart, u.SubCount = subRange("/etc/subuid", u.Name); u.SubCount == 0 {
		// A range far above useradd's, unique by the user's uid.
		start := 500000000 + u.UID*65536
		ids := fmt.Sprintf("%d-%d", start, start+65535)
		if out, err := exec.Command("usermod", "--add-subuids", ids, "--add-subgids", ids, u.Name).CombinedOutput(); err != nil {
			t.Fatalf("usermod --add-subuids %s: %v: %s", ids, err, out)
		}
		u.SubStart, u.SubCount = subRange("/etc/subuid", u.Name)
	}
	if g, _ := subRange("/etc/subgid", u.Name); g != u.SubStart {
		t.Fatalf("%s: /etc/subgid range starts at %d, /etc/subuid's at %d: the tests assume one start", u.Name, g, u.SubStart)
	}
	if u.Dir, err = os.MkdirTemp("/tmp", "berthu-"); err != nil {
		t.Fatal(err)
	}
	os.Chmod(u.Dir, 0o755)
	u.Runtime = filepath.Join(u.Dir, "xdg-run")
	if err := os.Mkdir(u.Runtime, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(u.Runtime, u.UID, u.GID); err != nil {
		t.Fatal(err)
	}
	return u
}

func subRange(file, name string) (start, count int) {
	data, _ := os.ReadFile(file)
	for _, line := range strings.Split(string(data), "\n") {
		if f := strings.Split(line, ":"); len(f) == 3 && f[0] == name {
			start, _ = strconv.Atoi(f[1])
			count, _ = strconv.Atoi(f[2])
			return start, count
		}
	}
	return 0, 0
}

// Install copies a binary into Dir, where the user can run it.
func (u *User) Install(t testing.TB, bin string) string {
	t.Helper()
	dst := filepath.Join(u.Dir, filepath.Base(bin))
	if out, err := exec.Command("cp", bin, dst).CombinedOutput(); err != nil {
		t.Fatalf("cp %s: %v: %s", bin, err, out)
	}
	return dst
}

// Env is a login's minimal environment; more (or overrides) are appended.
func (u *User) Env(more ...string) []string {
	return append([]string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + u.Home, "USER=" + u.Name,
		"XDG_RUNTIME_DIR=" + u.Runtime}, more...)
}

// Command runs bin as the user, in its home, with Env.
func (u *User) Command(bin string, args ...string) *exec.Cmd {
	cmd := exec.Command(bin, args...)
	cmd.Dir = u.Home
	cmd.Env = u.Env()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(u.UID), Gid: uint32(u.GID)}}
	return cmd
}

// Run runs a Command and collects its result.
func (u *User) Run(cmd *exec.Cmd) Result {
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	res := Result{Args: cmd.Args, Stdout: stdout.String(), Stderr: stderr.String()}
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		res.ExitCode = ee.ExitCode()
	case err != nil:
		res.ExitCode, res.Stderr = -1, err.Error()
	}
	return res
}

// Processes lists the pids running as the user or any of its subordinate
// ids (the processes of its containers).
func (u *User) Processes() []int {
	var pids []int
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+e.Name(), &st) != nil {
			continue
		}
		id := int(st.Uid)
		if id == u.UID || (id >= u.SubStart && id < u.SubStart+u.SubCount) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// remove ends the user's processes, reaping those reparented to this
// subreaper, deletes the account, its home and its ranges, and checks.
func (u *User) remove(t testing.TB) {
	t.Helper()
	// Exited helpers of the user's (a container's monitor) that were
	// reparented to this subreaper are zombies, not leaks: reap them.
	for _, pid := range u.Processes() {
		unix.Wait4(pid, nil, unix.WNOHANG, nil)
	}
	left := u.Processes()
	for _, pid := range left {
		unix.Kill(pid, unix.SIGKILL)
	}
	WaitFor(10*time.Second, func() bool {
		for _, pid := range left {
			unix.Wait4(pid, nil, unix.WNOHANG, nil)
		}
		return len(u.Processes()) == 0
	})
	if len(left) > 0 {
		t.Errorf("processes of %s left after the test: %v", u.Name, left)
	}
	if out, err := exec.Command("userdel", "--remove", u.Name).CombinedOutput(); err != nil {
		t.Errorf("userdel --remove %s: %v: %s", u.Name, err, out)
	}
	if u.Dir != "" {
		os.RemoveAll(u.Dir)
	}
	for _, f := range []string{"/etc/subuid", "/etc/subgid", "/etc/passwd"} {
		if _, n := subRange(f, u.Name); n != 0 || strings.Contains(readString(f), "\n"+u.Name+":") {
			t.Errorf("%s still names %s", f, u.Name)
		}
	}
	if _, err := os.Stat(u.Home); err == nil {
		t.Errorf("home %s of %s left", u.Home, u.Name)
	}
}

func readString(path string) string {
	b, _ := os.ReadFile(path)
	return "\n" + string(b)
}
