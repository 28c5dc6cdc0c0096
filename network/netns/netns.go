// Package netns creates network namespaces pinned by a bind mount of their
// nsfs file under a directory of berth's (the engine uses /run/berth/netns),
// and runs code inside one.
//
// The engine creates a container's namespace before the container, wires it
// (network.Attach) and hands its path to the runtime in the OCI spec's
// linux.namespaces[].path, so the container's first instruction already runs
// with its network, and teardown does not race a dying process. Pinning
// under berth's own dir, not /run/netns, keeps `ip netns` listings clean and
// lets crash repair find every namespace berth made by its file name, which
// is the container ID.
package netns

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/statedir"
)

// Create makes a new network namespace and pins it at dir/name. The file
// must not exist.
func Create(dir, name string) (path string, err error) {
	// Base passes "." and "..": they name dir and its parent, no new file.
	if name == "" || name == "." || name == ".." || filepath.Base(name) != name {
		return "", fmt.Errorf("create netns %q: not a plain file name", name)
	}
	if err := statedir.Ensure(dir, statedir.Mode); err != nil {
		return "", fmt.Errorf("create netns dir %s: %w", dir, err)
	}
	path = filepath.Join(dir, name)
	f, err := os.OpenFile(path, os.O_RDONLY|os.O_CREATE|os.O_EXCL, 0o444)
	if err != nil {
		return "", fmt.Errorf("create netns %s: %w", path, err)
	}
	f.Close()
	errc := make(chan error, 1)
	// unshare changes only the calling thread. The thread is locked and
	// never unlocked, so the Go runtime ends it with the goroutine instead
	// of reusing a thread in the wrong namespace.
	go func() {
		runtime.LockOSThread()
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("unshare: %w", err)
			return
		}
		src := fmt.Sprintf("/proc/self/task/%d/ns/net", unix.Gettid())
		if err := unix.Mount(src, path, "", unix.MS_BIND, ""); err != nil {
			errc <- fmt.Errorf("bind mount: %w", err)
			return
		}
		errc <- nil
	}()
	if err := <-errc; err != nil {
		os.Remove(path)
		return "", fmt.Errorf("create netns %s: %w", path, err)
	}
	return path, nil
}

// Remove unpins the namespace at path (the kernel frees it once no process
// is left in it) and deletes the file. A missing file is not an error.
func Remove(path string) error {
	if err := unix.Unmount(path, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount netns %s: %w", path, err)
	}
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return fmt.Errorf("remove netns %s: %w", path, err)
	}
	return nil
}

// List returns the names pinned under dir.
func List(dir string) ([]string, error) {
	entries, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list netns dir %s: %w", dir, err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names, nil
}

// Do runs fn on a thread inside the namespace at path. Sockets that fn
// opens stay in that namespace after Do returns, which is how the DNS
// responder listens inside a container while serving from the host's.
func Do(path string, fn func() error) error {
	target, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("open netns %s: %w", path, err)
	}
	defer target.Close()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		// The thread is not unlocked: it dies with the goroutine rather
		// than run other goroutines inside the container's namespace.
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("enter netns %s: %w", path, err)
			return
		}
		errc <- fn()
	}()
	return <-errc
}

// IsNetNS reports whether path is a pinned network namespace.
func IsNetNS(path string) bool {
	var st unix.Statfs_t
	return unix.Statfs(path, &st) == nil && st.Type == unix.NSFS_MAGIC
}
