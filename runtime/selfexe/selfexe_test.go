package selfexe

import (
	"errors"
	"os"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// Both ways must give a handle nothing can write through: the read-only
// bind and the sealed copy.
func TestSealedIsNotWritable(t *testing.T) {
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	f, err := Sealed()
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// The bind is read-only in the mount's own flags (a write through
	// /proc/PID/exe gets EROFS), which a container cannot remount: the
	// mount is in no namespace. (Opening it for writing here would only
	// say ETXTBSY: it is this test's own running binary.)
	link, _ := os.Readlink("/proc/self/fd/" + strconv.Itoa(int(f.Fd())))
	var fs unix.Statfs_t
	if strings.HasPrefix(link, "/memfd:") {
		t.Log("this kernel has no detached binds: Sealed gave the sealed copy, checked below")
	} else if err := unix.Statfs("/proc/self/fd/"+strconv.Itoa(int(f.Fd())), &fs); err != nil {
		t.Fatal(err)
	} else if fs.Flags&unix.ST_RDONLY == 0 {
		t.Errorf("the sealed executable's mount is writable (flags %#x)", fs.Flags)
	}

	mem, err := sealedCopy(self)
	if err != nil {
		t.Fatal(err)
	}
	defer mem.Close()
	if _, err := mem.WriteAt([]byte{0}, 0); !errors.Is(err, unix.EPERM) {
		t.Errorf("write to the sealed copy: %v, want EPERM", err)
	}
	seals, err := unix.FcntlInt(mem.Fd(), unix.F_GET_SEALS, 0)
	if err != nil {
		t.Fatal(err)
	}
	if want := unix.F_SEAL_SEAL | unix.F_SEAL_SHRINK | unix.F_SEAL_GROW | unix.F_SEAL_WRITE; seals&want != want {
		t.Errorf("seals %#x, want %#x", seals, want)
	}
	st1, st2 := statOf(t, self), statOf(t, "/proc/self/fd/"+strconv.Itoa(int(mem.Fd())))
	if st1.Size != st2.Size {
		t.Errorf("sealed copy is %d bytes, the binary %d", st2.Size, st1.Size)
	}
}

func statOf(t *testing.T, p string) unix.Stat_t {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Stat(p, &st); err != nil {
		t.Fatal(err)
	}
	return st
}
