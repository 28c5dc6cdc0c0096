package storage_test

import (
	"strings"
	"testing"
)

// TestDiff makes a known set of changes and reads them back as Docker's
// overlay driver lists them: C for a changed file or a directory whose
// entries changed, A added, D deleted (whiteouts), and D for a directory
// deleted and made again (opaque), its new entries beneath it. The same
// list stopped as running; berth's mount points (/etc/hosts...) are not in it.
func TestDiff(t *testing.T) {
	e := newEnv(t)
	e.Must("run", "-d", "--name", "d", "busybox", "sleep", "100")
	if got := e.Must("diff", "d"); got != "" {
		t.Errorf("diff of a fresh container: %q, want nothing", got)
	}
	e.Must("exec", "d", "sh", "-c", strings.Join([]string{
		"echo x >> /etc/passwd",       // C /etc, C /etc/passwd
		"rm /bin/ls",                  // C /bin, D /bin/ls
		"mkdir -p /tmp/new/sub",       // C /tmp, A /tmp/new, A /tmp/new/sub
		"touch /tmp/new/sub/f",        // A /tmp/new/sub/f
		"rm -rf /home && mkdir /home", // opaque: D /home
		"touch /home/h",               // A /home/h
		"echo n > /newfile",           // A /newfile (its parent / never listed)
		"ln -s /etc/shadow /lnk",      // A /lnk
		"rm -rf /usr",                 // D /usr
	}, " && "))
	want := strings.Join([]string{
		"C /bin", "D /bin/ls", "C /etc", "C /etc/passwd", "D /home", "A /home/h", "A /lnk", "A /newfile",
		"C /tmp", "A /tmp/new", "A /tmp/new/sub", "A /tmp/new/sub/f", "D /usr",
	}, "\n") + "\n"
	if got := e.Must("diff", "d"); got != want {
		t.Errorf("diff running:\n%s\nwant:\n%s", got, want)
	}
	e.Must("stop", "-t", "0", "d")
	if got := e.Must("container", "diff", "d"); got != want {
		t.Errorf("diff stopped:\n%s\nwant:\n%s", got, want)
	}
	if r := e.Run("diff", "nosuch"); r.ExitCode != 1 || !strings.Contains(r.Stderr, "nosuch") {
		t.Errorf("diff of a missing container: exit %d, %q", r.ExitCode, r.Stderr)
	}
	if r := e.Run("diff"); r.ExitCode != 1 {
		t.Errorf("diff without a container: exit %d, want 1 (Docker's, for a wrong argument count)", r.ExitCode)
	}
}
