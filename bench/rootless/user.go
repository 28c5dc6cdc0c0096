package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// benchUser is the throwaway account both engines run as: its own home,
// subordinate ranges, an XDG_RUNTIME_DIR it owns, and a root-owned 0755
// dir for the berth binary it runs.
type benchUser struct {
	name     string
	uid, gid int
	home     string
	runtime  string
	bin      string
}

func newUser(dir string) (*benchUser, error) {
	r := make([]byte, 3)
	if _, err := rand.Read(r); err != nil {
		return nil, err
	}
	u := &benchUser{name: "berthb" + hex.EncodeToString(r)}
	if out, err := exec.Command("useradd", "--create-home", "--shell", "/bin/sh", u.name).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("useradd %s: %v: %s", u.name, err, out)
	}
	if err := u.setup(dir); err != nil {
		u.remove()
		return nil, err
	}
	return u, nil
}

func (u *benchUser) setup(dir string) error {
	pw, err := user.Lookup(u.name)
	if err != nil {
		return err
	}
	u.uid, _ = strconv.Atoi(pw.Uid)
	u.gid, _ = strconv.Atoi(pw.Gid)
	u.home = pw.HomeDir
	if !hasRange("/etc/subuid", u.name) || !hasRange("/etc/subgid", u.name) {
		start := 600000000 + u.uid*65536
		ids := fmt.Sprintf("%d-%d", start, start+65535)
		if out, err := exec.Command("usermod", "--add-subuids", ids, "--add-subgids", ids, u.name).CombinedOutput(); err != nil {
			return fmt.Errorf("usermod --add-subuids %s: %v: %s", ids, err, out)
		}
	}
	u.runtime = filepath.Join(dir, "xdg-run")
	u.bin = filepath.Join(dir, "bin")
	for _, d := range []string{u.runtime, u.bin} {
		if err := os.Mkdir(d, 0o700); err != nil {
			return err
		}
	}
	if err := os.Chown(u.runtime, u.uid, u.gid); err != nil {
		return err
	}
	// The temp dir and bin must be reachable by the user; the runtime dir
	// stays 0700 and the user's.
	for _, d := range []string{dir, u.bin} {
		if err := os.Chmod(d, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func hasRange(file, name string) bool {
	f, err := os.Open(file)
	if err != nil {
		return false
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), name+":") {
			return true
		}
	}
	return false
}

// command runs bin as the user with a login-like environment. The
// credentials are set on the child itself, so no runuser or su is timed
// with it.
func (u *benchUser) command(bin string, args ...string) *exec.Cmd {
	c := exec.Command(bin, args...)
	c.Dir = u.home
	c.Env = []string{
		"HOME=" + u.home, "USER=" + u.name, "LOGNAME=" + u.name,
		"XDG_RUNTIME_DIR=" + u.runtime,
		"PATH=/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin",
	}
	c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{
		Uid: uint32(u.uid), Gid: uint32(u.gid), Groups: []uint32{uint32(u.gid)}}}
	return c
}

// processes lists the user's processes, zombies included.
func (u *benchUser) processes() []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		var st unix.Stat_t
		if unix.Stat("/proc/"+e.Name(), &st) == nil && int(st.Uid) == u.uid {
			pids = append(pids, pid)
		}
	}
	return pids
}

// remove ends what is left of the user's processes (every one of them was
// started by this benchmark, through the user's engines), then deletes the
// account, its home with both stores in it, and its ranges.
func (u *benchUser) remove() {
	for try := 0; try < 50; try++ {
		pids := u.processes()
		if len(pids) == 0 {
			break
		}
		for _, pid := range pids {
			_ = unix.Kill(pid, unix.SIGKILL) // it may have exited meanwhile
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := exec.Command("userdel", "--remove", u.name).CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "bench/rootless: userdel %s: %v: %s\n", u.name, err, out)
	}
	if u.home != "" {
		if err := os.RemoveAll(u.home); err != nil {
			fmt.Fprintf(os.Stderr, "bench/rootless: remove %s: %v\n", u.home, err)
		}
	}
}
