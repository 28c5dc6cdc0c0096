// Package bpfcache keeps the programs runtime/seccomp compiles, one file
// per profile, so a run of the runtime with a profile seen before reads
// its program instead of compiling it.
package bpfcache

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	specs "github.com/opencontainers/runtime-spec/specs-go"
	libseccomp "github.com/seccomp/libseccomp-golang"
	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/internal/atomicfile"
	"github.com/berth-containers/berth/runtime/seccomp"
)

// A cache directory holds one file per profile compiled by this binary:
//
//	DIR/KEY.bpf = "berthbpf" | sha256(KEY | rest) | flags u32 | notify u32 | BPF
//
// KEY is the sha256 of everything the program depends on: the format tag,
// berth-runtime's Go build ID (a new binary, whose translation may differ,
// never reads an old one's programs), libseccomp's version, the
// architecture, the kernel's release and linux.seccomp in a canonical
// form (appendCanonical: every field, length-prefixed). The
// hash inside binds the content to its name, so a torn, truncated or
// swapped file is a miss, never a filter for another profile.
//
// Trust: the directory must be 0700 and the file 0600, both owned by us,
// neither a symlink. Whoever could write there could replace the runtime
// itself. A file that fails any check is compiled again and replaced.
const (
	cacheMagic  = "berthbpf"
	cacheTag    = "berth seccomp cache 4"
	cacheHeader = len(cacheMagic) + sha256.Size + 8
)

// Compile is seccomp.Compile with a cache in dir (created 0700 if missing):
// a hit costs a hash of cfg and a read instead of libseccomp's compile and
// export (10-20 ms for podman's profile). An unusable cache is no error,
// only a compile.
func Compile(cfg *specs.LinuxSeccomp, dir string) (*seccomp.Program, error) {
	p, err := compileCached(cfg, dir)
	if p != nil {
		// runc's debug line, which its tests read for the flags.
		slog.Debug(fmt.Sprintf("seccomp filter flags: %d", p.LoadFlags()))
	}
	return p, err
}

func compileCached(cfg *specs.LinuxSeccomp, dir string) (*seccomp.Program, error) {
	if cfg == nil {
		return nil, nil
	}
	key, err := cacheKey(cfg)
	if err != nil {
		slog.Debug("seccomp cache: no key", "err", err)
		return seccomp.Compile(cfg)
	}
	if err := openCacheDir(dir); err != nil {
		slog.Debug("seccomp cache: unusable", "dir", dir, "err", err)
		return seccomp.Compile(cfg)
	}
	path := filepath.Join(dir, hex.EncodeToString(key)+".bpf")
	if p, err := readCached(path, key); err == nil {
		return p, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		slog.Debug("seccomp cache: entry refused, compiling again", "path", path, "err", err)
	}
	p, err := seccomp.Compile(cfg)
	if err != nil {
		return nil, err
	}
	if err := atomicfile.WriteFileUnsynced(path, encodeCached(p, key), 0o600); err != nil {
		slog.Debug("seccomp cache: not stored", "err", err)
	}
	return p, nil
}

// buildID is this binary's Go build ID (the .note.go.buildid note of
// /proc/self/exe): it changes with any change of the code.
var buildID = sync.OnceValues(func() ([]byte, error) {
	f, err := elf.Open("/proc/self/exe")
	if err != nil {
		return nil, err
	}
	defer f.Close()
	s := f.Section(".note.go.buildid")
	if s == nil {
		return nil, errors.New("no .note.go.buildid in own executable")
	}
	id, err := s.Data()
	if err != nil {
		return nil, fmt.Errorf("read own build ID: %w", err)
	}
	return id, nil
})

func cacheKey(cfg *specs.LinuxSeccomp) ([]byte, error) {
	id, err := buildID()
	if err != nil {
		return nil, err
	}
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		return nil, err
	}
	major, minor, micro := libseccomp.GetLibraryVersion()
	h := sha256.New()
	// A hash.Hash's Write never returns an error.
	_, _ = fmt.Fprintf(h, "%s\x00%x\x00%d.%d.%d\x00%s\x00%s\x00", cacheTag, id, major, minor, micro,
		runtime.GOARCH, unix.ByteSliceToString(uts.Release[:]))
	h.Write(appendCanonical(make([]byte, 0, 16<<10), cfg))
	return h.Sum(nil), nil
}

// appendCanonical appends cfg's every field to b, each string and list
// length-prefixed, so two configs give the same bytes only if they are
// equal. It replaces encoding/json, which spent half of a cache hit
// encoding Docker's default profile. TestCanonicalCoversSpec fails when
// runtime-spec adds a field this does not write.
func appendCanonical(b []byte, cfg *specs.LinuxSeccomp) []byte {
	str := func(b []byte, s string) []byte { return append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	optUint := func(b []byte, p *uint) []byte {
		if p == nil {
			return append(b, 0)
		}
		return binary.AppendUvarint(append(b, 1), uint64(*p))
	}
	b = optUint(str(b, string(cfg.DefaultAction)), cfg.DefaultErrnoRet)
	b = binary.AppendUvarint(b, uint64(len(cfg.Architectures)))
	for _, a := range cfg.Architectures {
		b = str(b, string(a))
	}
	// No flags and an empty list compile differently (seccomp's kernelFlags).
	if cfg.Flags == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(append(b, 1), uint64(len(cfg.Flags)))
	}
	for _, f := range cfg.Flags {
		b = str(b, string(f))
	}
	b = str(str(b, cfg.ListenerPath), cfg.ListenerMetadata)
	b = binary.AppendUvarint(b, uint64(len(cfg.Syscalls)))
	for _, sc := range cfg.Syscalls {
		b = binary.AppendUvarint(b, uint64(len(sc.Names)))
		for _, n := range sc.Names {
			b = str(b, n)
		}
		b = optUint(str(b, string(sc.Action)), sc.ErrnoRet)
		b = binary.AppendUvarint(b, uint64(len(sc.Args)))
		for _, a := range sc.Args {
			b = binary.AppendUvarint(b, uint64(a.Index))
			b = binary.AppendUvarint(b, a.Value)
			b = binary.AppendUvarint(b, a.ValueTwo)
			b = str(b, string(a.Op))
		}
	}
	return b
}

// openCacheDir makes dir if missing and checks it is ours alone.
func openCacheDir(dir string) error {
	if err := os.Mkdir(dir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	var st unix.Stat_t
	if err := unix.Lstat(dir, &st); err != nil {
		return err
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR || st.Mode&0o777 != 0o700 || int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("%s is not a directory of uid %d with mode 0700", dir, os.Geteuid())
	}
	return nil
}

func readCached(path string, key []byte) (*seccomp.Program, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return nil, err
	}
	size := int(st.Size) - cacheHeader
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG || st.Mode&0o077 != 0 || int(st.Uid) != os.Geteuid():
		return nil, errors.New("not a regular file of ours with mode 0600")
	case size <= 0 || size%8 != 0 || size/8 > unix.BPF_MAXINSNS:
		return nil, fmt.Errorf("%d bytes is no header and 1 to %d instructions", st.Size, unix.BPF_MAXINSNS)
	}
	b := make([]byte, st.Size)
	if _, err := f.ReadAt(b, 0); err != nil {
		return nil, err
	}
	if string(b[:len(cacheMagic)]) != cacheMagic {
		return nil, errors.New("bad magic")
	}
	sum := b[len(cacheMagic) : len(cacheMagic)+sha256.Size]
	if !bytes.Equal(sum, cacheSum(key, b[len(cacheMagic)+sha256.Size:])) {
		return nil, errors.New("content does not match its hash")
	}
	rest := b[len(cacheMagic)+sha256.Size:]
	return &seccomp.Program{
		Flags:  binary.LittleEndian.Uint32(rest[0:4]),
		Notify: binary.LittleEndian.Uint32(rest[4:8]) != 0,
		BPF:    rest[8:],
	}, nil
}

func encodeCached(p *seccomp.Program, key []byte) []byte {
	rest := make([]byte, 8, 8+len(p.BPF))
	binary.LittleEndian.PutUint32(rest[0:4], p.Flags)
	if p.Notify {
		binary.LittleEndian.PutUint32(rest[4:8], 1)
	}
	rest = append(rest, p.BPF...)
	out := append([]byte(cacheMagic), cacheSum(key, rest)...)
	return append(out, rest...)
}

func cacheSum(key, rest []byte) []byte {
	h := sha256.New()
	h.Write(key)
	h.Write(rest)
	return h.Sum(nil)
}
