package criu

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/criu/rpc"
)

// Options are checkpoint's and restore's flags, as runc names them.
type Options struct {
	ImagePath  string // default: ./checkpoint
	WorkPath   string // logs and work files; default: the image dir
	ParentPath string // pre-dump's previous images, relative to ImagePath

	LeaveRunning    bool
	TCPEstablished  bool
	TCPSkipInFlight bool
	LinkRemap       bool
	ExtUnixSk       bool
	ShellJob        bool
	FileLocks       bool
	PreDump         bool
	AutoDedup       bool
	LazyPages       bool
	StatusFD        int    // lazy pages: written "\0" once the page server is up; -1 none
	PageServer      string // ADDRESS:PORT
	// ManageCgroupsMode: soft, full, strict, ignore, or "" for criu's default.
	ManageCgroupsMode string
	// EmptyNs names namespaces to create empty on restore ("network").
	EmptyNs         []string
	LsmProfile      string
	LsmMountContext string
}

// DefaultImagePath is runc's: ./checkpoint.
const DefaultImagePath = "checkpoint"

// CgroupMode is --manage-cgroups-mode as CRIU's enum.
func CgroupMode(mode string) (rpc.CriuCgMode, error) {
	switch mode {
	case "":
		return rpc.CriuCgMode_DEFAULT, nil
	case "soft":
		return rpc.CriuCgMode_SOFT, nil
	case "full":
		return rpc.CriuCgMode_FULL, nil
	case "strict":
		return rpc.CriuCgMode_STRICT, nil
	case "ignore":
		return rpc.CriuCgMode_IGNORE, nil
	}
	return 0, fmt.Errorf("invalid --manage-cgroups-mode %q: use soft, full, strict or ignore", mode)
}

// EmptyNsMask is the namespaces CRIU creates without restoring their
// contents. The network namespace is always among them, as with runc: the
// runtime does not manage network devices (a hook or the caller does).
func EmptyNsMask(names []string) (uint32, error) {
	mask := uint32(unix.CLONE_NEWNET)
	for _, n := range names {
		if n != "network" {
			return 0, fmt.Errorf("--empty-ns %q: only the network namespace is supported", n)
		}
	}
	return mask, nil
}

// Common is the part of a request's options that dump and restore share.
// images (and work, if any) are open directories the request refers to by
// fd; the caller keeps them open until the request is answered.
func (o *Options) Common(images, work *os.File, logFile string) (*rpc.CriuOpts, error) {
	cg, err := CgroupMode(o.ManageCgroupsMode)
	if err != nil {
		return nil, err
	}
	empty, err := EmptyNsMask(o.EmptyNs)
	if err != nil {
		return nil, err
	}
	opts := &rpc.CriuOpts{
		ImagesDirFd:       rpc.Int32(int32(images.Fd())),
		LogLevel:          rpc.Int32(4),
		LogFile:           rpc.String(logFile),
		ManageCgroups:     rpc.Bool(true), // older criu; the mode below wins
		ManageCgroupsMode: &cg,
		NotifyScripts:     rpc.Bool(true),
		ShellJob:          rpc.Bool(o.ShellJob),
		TcpEstablished:    rpc.Bool(o.TCPEstablished),
		ExtUnixSk:         rpc.Bool(o.ExtUnixSk),
		FileLocks:         rpc.Bool(o.FileLocks),
		EmptyNs:           rpc.Uint32(empty),
		OrphanPtsMaster:   rpc.Bool(true),
		AutoDedup:         rpc.Bool(o.AutoDedup),
		LazyPages:         rpc.Bool(o.LazyPages),
	}
	if work != nil {
		opts.WorkDirFd = rpc.Int32(int32(work.Fd()))
	}
	return opts, nil
}

// PageServerInfo parses --page-server ADDRESS:PORT.
func PageServerInfo(s string) (*rpc.CriuPageServerInfo, error) {
	host, port, err := net.SplitHostPort(s)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("--page-server %q: use ADDRESS:PORT", s)
	}
	p, err := strconv.ParseUint(port, 10, 16)
	if err != nil {
		return nil, fmt.Errorf("--page-server %q: invalid port", s)
	}
	return &rpc.CriuPageServerInfo{Address: rpc.String(host), Port: rpc.Int32(int32(p))}, nil
}

// ParentPath checks --parent-path: relative to the image dir, and a
// directory there.
func ParentPath(images, parent string) error {
	if parent == "" {
		return nil
	}
	if filepath.IsAbs(parent) {
		return errors.New("--parent-path must be relative (to --image-path)")
	}
	real := filepath.Join(images, parent)
	fi, err := os.Stat(real)
	if err == nil && !fi.IsDir() {
		err = &os.PathError{Op: "stat", Path: real, Err: unix.ENOTDIR}
	}
	if err != nil {
		return fmt.Errorf("invalid --parent-path: %w", err)
	}
	return nil
}

// ExtMount declares a mount CRIU finds outside the container's mount
// namespace: on dump key and val are both the path in the container, on
// restore val is what to bind there.
func ExtMount(key, val string) *rpc.ExtMountMap {
	return &rpc.ExtMountMap{Key: rpc.String(key), Val: rpc.String(val)}
}

// NsKey is the key of an external namespace in the images, runc's:
// extRootNetNS, extRootPidNS.
func NsKey(kind string) string {
	return "extRoot" + strings.ToUpper(kind[:1]) + kind[1:] + "NS"
}

// LogError is the last error line of criu's log in dir, for a one-line
// message, or "" when there is none.
func LogError(dir, file string) string {
	f, err := os.Open(filepath.Join(dir, file))
	if err != nil {
		return ""
	}
	defer f.Close()
	var last string
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if line := sc.Text(); strings.Contains(line, "Error") {
			last = strings.TrimSpace(line)
		}
	}
	return last
}

// Failed is err with criu's own reason from its log, and where the log is.
func Failed(err error, dir, file string) error {
	if line := LogError(dir, file); line != "" {
		return fmt.Errorf("%w: %s (log: %s)", err, line, filepath.Join(dir, file))
	}
	return fmt.Errorf("%w (log: %s)", err, filepath.Join(dir, file))
}
