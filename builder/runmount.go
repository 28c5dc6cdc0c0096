package builder

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/builder/buildctx"
	"github.com/berth-containers/berth/internal/statedir"
)

// stepMounts are what a RUN's --mount flags give its container, as
// BuildKit does: secrets as read-only files (or variables) that no layer
// holds, cache directories that outlive the build, bind mounts of the
// context or another stage (read-only unless asked; writes to a
// read-write one are discarded), and tmpfs.
type stepMounts struct {
	mounts  []string // the engine's --mount specs
	tmpfs   []string
	env     []string // secrets with env=
	dir     string   // the step's own files: secrets, filtered copies, overlays
	release []func() error
}

// mountKey is what the cache key takes from a RUN's mounts: their specs,
// and for a bind the content it shows (the context's files, or the other
// stage's key). A secret's or a cache's content is not in it, as BuildKit.
func (bd *build) mountKey(ctx context.Context, st *state, ms []*instructions.Mount) ([]string, error) {
	var key []string
	for _, m := range ms {
		k := fmt.Sprintf("%s|%s|%s|%s|%v|%s|%s|%d|%s", m.Type, m.From, m.Source, bd.mountTarget(st, m), m.ReadOnly,
			m.CacheID, m.CacheSharing, m.SizeLimit, fileInfoText(m))
		if m.Type == instructions.MountTypeBind {
			sum, err := bd.bindSum(ctx, m)
			if err != nil {
				return nil, err
			}
			k += "|" + sum
		}
		key = append(key, k)
	}
	return key, nil
}

func fileInfoText(m *instructions.Mount) string {
	var b strings.Builder
	for _, p := range []*uint64{m.Mode, m.UID, m.GID} {
		if p != nil {
			fmt.Fprintf(&b, "%d", *p)
		}
		b.WriteByte(',')
	}
	if m.Env != nil {
		b.WriteString(*m.Env)
	}
	return b.String()
}

// bindSum is the checksum of what a bind mount shows.
func (bd *build) bindSum(ctx context.Context, m *instructions.Mount) (string, error) {
	if m.From != "" {
		if j := bd.fromStage(m.From); j >= 0 {
			other, err := bd.stage(ctx, j)
			if err != nil {
				return "", err
			}
			return other.key.String(), nil
		}
		return "image:" + m.From, nil
	}
	rel, err := bd.contextSource(m.Source)
	if err != nil {
		return "", err
	}
	l := &copyLayer{}
	err = bd.opts.Context.Walk(rel, func(p string, fi fs.FileInfo) error {
		l.entries = append(l.entries, entry{src: filepath.Join(bd.opts.Context.Dir, p), target: "/" + p, info: fi})
		return nil
	})
	if err != nil {
		return "", err
	}
	d, err := l.hash()
	return d.String(), err
}

// contextSource resolves a bind mount's source in the context, with
// symlinks resolved inside it (never out of it), and refuses what
// .dockerignore leaves out.
func (bd *build) contextSource(src string) (string, error) {
	c := bd.opts.Context
	p, err := securejoin.SecureJoin(c.Dir, src)
	if err != nil {
		return "", fmt.Errorf("bind mount source %s: %w", src, err)
	}
	rel, err := filepath.Rel(c.Dir, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("bind mount source %s: forbidden path outside the build context", src)
	}
	rel = filepath.ToSlash(rel)
	if _, err := os.Lstat(p); err != nil || c.Excluded(rel) {
		return "", fmt.Errorf("bind mount source %s: not found in the build context", src)
	}
	return rel, nil
}

// fromStage is the index of a stage named (or numbered) from, or -1.
func (bd *build) fromStage(from string) int {
	if n, err := strconv.Atoi(from); err == nil && n >= 0 && n < len(bd.f.Stages) {
		return n
	}
	return bd.stageIndex(from, len(bd.f.Stages))
}

// mountTarget is a mount's absolute target: BuildKit takes a relative one
// from the WORKDIR, and a secret's default is /run/secrets/<id>.
func (bd *build) mountTarget(st *state, m *instructions.Mount) string {
	t := m.Target
	if t == "" && m.Type == instructions.MountTypeSecret {
		if m.Env != nil {
			return ""
		}
		t = "/run/secrets/" + path.Base(secretID(m))
	}
	if !path.IsAbs(t) {
		t = path.Join("/", st.cfg.Config.WorkingDir, t)
	}
	return path.Clean(t)
}

func secretID(m *instructions.Mount) string {
	switch {
	case m.Source != "":
		return m.Source
	case m.CacheID != "":
		return m.CacheID
	}
	return path.Base(m.Target)
}

// prepareMounts makes a RUN's mounts ready. The caller calls done, which
// undoes them whatever happened.
func (bd *build) prepareMounts(ctx context.Context, st *state, ms []*instructions.Mount) (_ *stepMounts, err error) {
	sm := &stepMounts{}
	if len(ms) == 0 {
		return sm, nil
	}
	base := filepath.Join(bd.Root, "builder", "mnt")
	if err := statedir.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("build mounts %s: %w", base, err)
	}
	// The name carries the build's process, for removeStale.
	if sm.dir, err = os.MkdirTemp(base, "step-"+strings.ReplaceAll(owner(), ":", ".")+"-"); err != nil {
		return nil, fmt.Errorf("build mounts: %w", err)
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, sm.done())
		}
	}()
	for i, m := range ms {
		target := bd.mountTarget(st, m)
		switch m.Type {
		case instructions.MountTypeSecret:
			err = bd.secretMount(sm, i, m, target)
		case instructions.MountTypeCache:
			err = bd.cacheMount(sm, m, target)
		case instructions.MountTypeBind:
			err = bd.bindMount(ctx, sm, i, m, target)
		case instructions.MountTypeTmpfs:
			spec := "type=tmpfs,target=" + target
			if m.SizeLimit > 0 {
				spec += fmt.Sprintf(",tmpfs-size=%d", m.SizeLimit)
			}
			sm.mounts = append(sm.mounts, spec)
		default:
			err = fmt.Errorf("RUN --mount=type=%s is not supported by berth build", m.Type)
		}
		if err != nil {
			return nil, err
		}
	}
	return sm, nil
}

// done unmounts and removes what prepareMounts made, the last first. The
// step directory is removed only once nothing is mounted in it, so that a
// bind of the context can never be emptied through it.
func (sm *stepMounts) done() error {
	var errs []error
	for i := len(sm.release) - 1; i >= 0; i-- {
		errs = append(errs, sm.release[i]())
	}
	sm.release = nil
	if sm.dir != "" {
		errs = append(errs, removeUnmounted(sm.dir))
		sm.dir = ""
	}
	return errors.Join(errs...)
}

// secretMount writes the secret to a file of the step (mode 0400 and
// root's unless the mount says otherwise) for a read-only bind mount, or
// gives it as a variable with env=. A secret not given is an error only
// with required, as BuildKit.
func (bd *build) secretMount(sm *stepMounts, i int, m *instructions.Mount, target string) error {
	id := secretID(m)
	data, ok := bd.opts.Secrets[id]
	if !ok {
		if m.Required {
			return fmt.Errorf("secret %s: not found", id)
		}
		return nil
	}
	if m.Env != nil {
		name := *m.Env
		if name == "" {
			name = id
		}
		sm.env = append(sm.env, name+"="+string(data))
		if m.Target == "" {
			return nil
		}
	}
	p := filepath.Join(sm.dir, fmt.Sprintf("secret-%d", i))
	mode, uid, gid := fileInfo(m, 0o400)
	if err := os.WriteFile(p, data, 0o400); err != nil {
		return fmt.Errorf("secret %s: %w", id, err)
	}
	if err := os.Chown(p, uid, gid); err != nil {
		return fmt.Errorf("secret %s: %w", id, err)
	}
	if err := os.Chmod(p, mode); err != nil {
		return fmt.Errorf("secret %s: %w", id, err)
	}
	sm.mounts = append(sm.mounts, bindSpec(p, target, true))
	return nil
}

func fileInfo(m *instructions.Mount, defMode fs.FileMode) (fs.FileMode, int, int) {
	mode, uid, gid := defMode, 0, 0
	if m.Mode != nil {
		mode = fs.FileMode(*m.Mode) & 0o7777
	}
	if m.UID != nil {
		uid = int(*m.UID)
	}
	if m.GID != nil {
		gid = int(*m.GID)
	}
	return mode, uid, gid
}

func bindSpec(src, target string, ro bool) string {
	s := "type=bind,source=" + src + ",target=" + target
	if ro {
		s += ",readonly"
	}
	return s
}

// bindMount shows the context (or another stage, or an image) at target:
// read-only, or read-write on an overlay whose writes go when the step
// ends. A context with .dockerignore exclusions is shown through a copy
// of what it keeps.
func (bd *build) bindMount(ctx context.Context, sm *stepMounts, i int, m *instructions.Mount, target string) error {
	var src string
	if m.From != "" {
		img, err := bd.fromImage(ctx, m.From)
		if err != nil {
			return fmt.Errorf("RUN --mount=from=%s: %w", m.From, err)
		}
		view, release, err := bd.mountImage(ctx, img)
		if err != nil {
			return err
		}
		sm.release = append(sm.release, func() error { release(); return nil })
		if src, err = securejoin.SecureJoin(view, m.Source); err != nil {
			return fmt.Errorf("RUN --mount source %s: %w", m.Source, err)
		}
		if _, err := os.Lstat(src); err != nil {
			return fmt.Errorf("RUN --mount source %s of %s: %w", m.Source, m.From, err)
		}
	} else {
		rel, err := bd.contextSource(m.Source)
		if err != nil {
			return err
		}
		src = filepath.Join(bd.opts.Context.Dir, rel)
		if bd.opts.Context.Filters() {
			dst := filepath.Join(sm.dir, fmt.Sprintf("ctx-%d", i))
			if err := copyKept(bd.opts.Context, rel, dst); err != nil {
				return err
			}
			src = dst
		}
	}
	if m.ReadOnly {
		sm.mounts = append(sm.mounts, bindSpec(src, target, true))
		return nil
	}
	dir, err := overlayOver(sm, i, src)
	if err != nil {
		return err
	}
	sm.mounts = append(sm.mounts, bindSpec(dir, target, false))
	return nil
}

// overlayOver makes a writable overlay on src in the step's directory:
// the container's writes to a read-write bind land in its upper dir and
// go with it. A file is copied instead.
func overlayOver(sm *stepMounts, i int, src string) (string, error) {
	st, err := os.Stat(src)
	if err != nil {
		return "", err
	}
	base := filepath.Join(sm.dir, fmt.Sprintf("rw-%d", i))
	if !st.IsDir() {
		return base, copyRegular(src, base, st.Mode())
	}
	upper, work, merged := base+"-upper", base+"-work", base
	for _, d := range []string{upper, work, merged} {
		if err := os.Mkdir(d, 0o755); err != nil {
			return "", err
		}
	}
	opts := "lowerdir=" + src + ",upperdir=" + upper + ",workdir=" + work
	if err := unix.Mount("overlay", merged, "overlay", 0, opts); err != nil {
		return "", fmt.Errorf("read-write bind of %s: mount overlay: %w", src, err)
	}
	sm.release = append(sm.release, func() error { return unmountDir(merged) })
	return merged, nil
}

func unmountDir(dir string) error {
	if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil && !errors.Is(err, unix.EINVAL) && !errors.Is(err, unix.ENOENT) {
		return fmt.Errorf("unmount %s: %w", dir, err)
	}
	return nil
}

// copyKept copies what .dockerignore keeps under rel to dst: hard links
// where it can (nothing writes through them: the bind is read-only or an
// overlay is on it), else copies.
func copyKept(c *buildctx.Context, rel, dst string) error {
	return c.Walk(rel, func(p string, fi fs.FileInfo) error {
		sub := strings.TrimPrefix(strings.TrimPrefix(p, rel), "/")
		if rel == "." {
			sub = p
		}
		to := filepath.Join(dst, sub)
		from := filepath.Join(c.Dir, p)
		switch {
		case fi.IsDir():
			return os.MkdirAll(to, fi.Mode().Perm())
		case fi.Mode()&fs.ModeSymlink != 0:
			l, err := os.Readlink(from)
			if err != nil {
				return err
			}
			return os.Symlink(l, to)
		case fi.Mode().IsRegular():
			if os.Link(from, to) == nil {
				return nil
			}
			return copyRegular(from, to, fi.Mode())
		}
		return nil
	})
}

func copyRegular(from, to string, mode fs.FileMode) error {
	in, err := os.Open(from)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// removeUnmounted removes dir unless something is still mounted under it.
func removeUnmounted(dir string) error {
	mounted, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	if len(mounted) > 0 {
		return fmt.Errorf("build mounts %s: still mounted: %v", dir, mounted)
	}
	return os.RemoveAll(dir)
}

// mountsUnder lists the mount points at or below dir.
func mountsUnder(dir string) ([]string, error) {
	data, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		return nil, err
	}
	var out []string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.Fields(line)
		if len(f) < 5 {
			continue
		}
		mp := unescapeMount(f[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	return out, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
