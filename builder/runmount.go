package builder

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"

	securejoin "github.com/cyphar/filepath-securejoin"
	"github.com/moby/buildkit/frontend/dockerfile/instructions"

	"github.com/berth-containers/berth/builder/copylayer"
	"github.com/berth-containers/berth/builder/stageplan"
	"github.com/berth-containers/berth/builder/stepdir"
	"github.com/berth-containers/berth/internal/statedir"
)

// stepMounts are what a RUN's --mount flags give its container, as
// BuildKit does: secrets as read-only files (or variables) that no layer
// holds, cache directories that outlive the build, bind mounts of the
// context or another stage (read-only unless asked; writes to a
// read-write one are discarded), and tmpfs.
type stepMounts struct {
	mounts []string // the engine's --mount specs
	tmpfs  []string
	env    []string     // secrets with env=, SSH_AUTH_SOCK
	dir    *stepdir.Dir // the step's own files: secrets, filtered copies, overlays
	ssh    int          // ssh mounts so far (sshmount.go)
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
		if j := stageplan.From(bd.f, m.From); j >= 0 {
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
	l := &copylayer.Layer{Sums: bd.sums, SumsRoot: bd.opts.Context.Dir}
	err = bd.opts.Context.Walk(rel, func(p string, fi fs.FileInfo) error {
		l.Entries = append(l.Entries, copylayer.Entry{Src: filepath.Join(bd.opts.Context.Dir, p), Target: "/" + p, Info: fi})
		return nil
	})
	if err != nil {
		return "", err
	}
	d, err := l.Hash()
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
func (bd *build) prepareMounts(ctx context.Context, st *state, ms []*instructions.Mount, files map[string]string) (_ *stepMounts, err error) {
	sm := &stepMounts{}
	if len(ms) == 0 && len(files) == 0 {
		return sm, nil
	}
	if sm.dir, err = bd.stepDir(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			err = errors.Join(err, sm.done())
		}
	}()
	n := 0
	for target, data := range files {
		p := filepath.Join(sm.dir.Path, fmt.Sprintf("file-%d", n))
		n++
		if err := os.WriteFile(p, []byte(data), 0o755); err != nil {
			return nil, err
		}
		if err := os.Chmod(p, 0o755); err != nil {
			return nil, err
		}
		sm.mounts = append(sm.mounts, bindSpec(p, target, true))
	}
	for i, m := range ms {
		target := bd.mountTarget(st, m)
		switch m.Type {
		case instructions.MountTypeSecret:
			err = bd.secretMount(sm, i, m, target)
		case instructions.MountTypeCache:
			err = bd.cacheMount(ctx, sm, m, target)
		case instructions.MountTypeBind:
			err = bd.bindMount(ctx, sm, i, m, target)
		case instructions.MountTypeSSH:
			err = bd.sshMount(sm, m)
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

// done unmounts and removes what prepareMounts made.
func (sm *stepMounts) done() error {
	if sm.dir == nil {
		return nil
	}
	err := sm.dir.Remove()
	sm.dir = nil
	return err
}

// stepDir makes a directory of the step's own under <root>/builder/mnt.
func (bd *build) stepDir() (*stepdir.Dir, error) {
	base := filepath.Join(bd.Root, "builder", "mnt")
	if err := statedir.MkdirAll(base, 0o700); err != nil {
		return nil, fmt.Errorf("build mounts %s: %w", base, err)
	}
	// The name carries the build's process, for removeStale.
	d, err := stepdir.New(base, "step-"+strings.ReplaceAll(owner(), ":", ".")+"-")
	if err != nil {
		return nil, fmt.Errorf("build mounts: %w", err)
	}
	return d, nil
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
	dir, err := sm.dir.Tmpfs("secrets") // in memory only, never on a disk
	if err != nil {
		return fmt.Errorf("secret %s: %w", id, err)
	}
	p := filepath.Join(dir, fmt.Sprint(i))
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
		sm.dir.OnRemove(func() error { release(); return nil })
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
			dst := filepath.Join(sm.dir.Path, fmt.Sprintf("ctx-%d", i))
			if err := bd.opts.Context.CopyKept(rel, dst); err != nil {
				return err
			}
			src = dst
		}
	}
	if m.ReadOnly {
		sm.mounts = append(sm.mounts, bindSpec(src, target, true))
		return nil
	}
	dir, err := sm.dir.Overlay(fmt.Sprintf("rw-%d", i), src)
	if err != nil {
		return err
	}
	sm.mounts = append(sm.mounts, bindSpec(dir, target, false))
	return nil
}
