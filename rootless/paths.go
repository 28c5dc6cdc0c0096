// Package rootless lets an ordinary user run berth without root, as podman
// does: per-user roots by the XDG base directory conventions, and one user
// namespace for the user's whole store (the user mapped to 0 and the
// subordinate ranges of /etc/subuid and /etc/subgid after it, written by
// the uidmap package's newuidmap and newgidmap, the only privileged
// helpers). berth re-executes itself into that namespace before it parses
// its command line, so the engine below runs as root of the namespace and
// needs no rootless code paths of its own, except where the host's root
// owns something: cgroups (see Spec) and the host's network.
package rootless

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Root's roots, as the engine has always used them.
const (
	SystemRoot    = "/var/lib/berth"
	SystemRunroot = "/run/berth"
)

// Paths are one user's roots.
type Paths struct {
	Data   string // $XDG_DATA_HOME/berth: images, containers, volumes
	Run    string // $XDG_RUNTIME_DIR/berth: mounts, runtime state, sockets
	Config string // $XDG_CONFIG_HOME/berth
}

// UserPaths resolves the calling user's roots from the environment.
// XDG_RUNTIME_DIR has no fallback: it must be a directory of the user's
// own (pam_systemd or the administrator makes it), because run state there
// is a tmpfs's and others must not reach it.
func UserPaths(getenv func(string) string) (Paths, error) {
	home := getenv("HOME")
	xdg := func(name, fallback string) (string, error) {
		if v := getenv(name); v != "" && filepath.IsAbs(v) {
			return filepath.Join(v, "berth"), nil
		}
		if home == "" || !filepath.IsAbs(home) {
			return "", fmt.Errorf("rootless berth: neither %s nor HOME is set to an absolute path: set one", name)
		}
		return filepath.Join(home, fallback, "berth"), nil
	}
	var p Paths
	var err error
	if p.Data, err = xdg("XDG_DATA_HOME", ".local/share"); err != nil {
		return p, err
	}
	if p.Config, err = xdg("XDG_CONFIG_HOME", ".config"); err != nil {
		return p, err
	}
	run := getenv("XDG_RUNTIME_DIR")
	if run == "" || !filepath.IsAbs(run) {
		return p, errors.New("rootless berth: XDG_RUNTIME_DIR is not set: set it to a directory of your own, mode 0700 (for example /run/user/" + strconv.Itoa(os.Getuid()) + ")")
	}
	p.Run = filepath.Join(run, "berth")
	return p, nil
}

// checkRuntimeDir refuses an XDG_RUNTIME_DIR that is not the user's own or
// that others can enter: the store's namespace and sockets live there.
// Checked on the host side, before the namespace maps the user to 0.
func checkRuntimeDir(dir string, uid int) error {
	var st unix.Stat_t
	if err := unix.Stat(dir, &st); err != nil {
		return fmt.Errorf("rootless berth: XDG_RUNTIME_DIR %s: %w", dir, err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return fmt.Errorf("rootless berth: XDG_RUNTIME_DIR %s is not a directory", dir)
	}
	if int(st.Uid) != uid {
		return fmt.Errorf("rootless berth: XDG_RUNTIME_DIR %s is owned by uid %d, not by you (uid %d): set it to a directory of your own", dir, st.Uid, uid)
	}
	if st.Mode&0o077 != 0 {
		return fmt.Errorf("rootless berth: XDG_RUNTIME_DIR %s has mode %#o: others can reach it; chmod 0700 it", dir, st.Mode&0o777)
	}
	return nil
}
