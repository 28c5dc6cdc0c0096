package image_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/berth-containers/berth/runtime/console"
	"github.com/berth-containers/berth/test/testutil"
)

// runTTY runs berth with stdout on a new pseudo-terminal (stdin and stderr
// are not) and returns what the terminal showed and stderr.
func (e *env) runTTY(args ...string) (string, string) {
	e.t.Helper()
	master, slavePath, err := console.NewPty()
	if err != nil {
		e.t.Fatal(err)
	}
	defer master.Close()
	slave, err := os.OpenFile(slavePath, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		e.t.Fatal(err)
	}
	var shown bytes.Buffer
	copied := make(chan error, 1)
	go func() {
		_, err := io.Copy(&shown, master)
		copied <- err
	}()
	var stderr bytes.Buffer
	cmd := exec.Command(berthBinary(e.t), append([]string{"--root", e.root, "--config", e.conf}, args...)...)
	cmd.Stdout, cmd.Stderr = slave, &stderr
	err = cmd.Run()
	slave.Close()
	// The master reads EIO once no one holds the slave open.
	if cerr := <-copied; cerr != nil && !errors.Is(cerr, syscall.EIO) {
		e.t.Fatalf("read pty: %v", cerr)
	}
	if err != nil {
		e.t.Fatalf("berth %s on a tty: %v\n%s%s", strings.Join(args, " "), err, shown.String(), stderr.String())
	}
	return shown.String(), stderr.String()
}

// TestPullProgress pulls a two-layer image through a slow proxy: on a
// terminal each layer gets a bar redrawn in place, otherwise one plain line
// per state change, and -q prints only the reference.
func TestPullProgress(t *testing.T) {
	a := newEnv(t)
	reg := testutil.NewRegistry(t, testutil.RegistryOptions{})
	a.ok("load", "-i", ociArchive(t, "prog:1", [][]byte{randomLayer(t, "one", 3<<20, 11), randomLayer(t, "two", 3<<20, 12)}))
	a.ok("tag", "prog:1", reg.Addr+"/p/prog:1")
	a.ok("push", reg.Addr+"/p/prog:1")
	var ids []string // plain layers: blob digest == diff ID
	for _, d := range diffIDs(t, a.inspect("prog:1")) {
		ids = append(ids, d.Encoded()[:12])
	}
	p := startProxy(t, reg.Addr, 4<<20) // about 0.75s per layer: several redraws
	ref := p.Addr + "/p/prog:1"

	t.Run("tty", func(t *testing.T) {
		e := newEnv(t)
		shown, stderr := e.runTTY("pull", ref)
		if stderr != "" {
			t.Errorf("stderr: %q", stderr)
		}
		for _, want := range []string{"\x1b[2K", "A\x1b[2K", " Downloading [", "=>", "MB/3.15MB", "B/s", "Digest: sha256:", "Status: Downloaded newer image for " + ref} {
			if !strings.Contains(shown, want) {
				t.Errorf("terminal output lacks %q:\n%q", want, shown)
			}
		}
		// What the terminal shows at the end is Docker's layout: the
		// layers, done, then the messages below them, nothing left over.
		digest := shown[strings.Index(shown, "Digest: "):]
		digest = digest[:strings.IndexAny(digest, "\r\n")]
		want := []string{"1: Pulling from p/prog", ids[0] + ": Pull complete", ids[1] + ": Pull complete",
			digest, "Status: Downloaded newer image for " + ref, ref}
		if got := screen(shown); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("final screen:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	})

	t.Run("plain", func(t *testing.T) {
		e := newEnv(t)
		out, stderr, code := e.run(nil, "pull", ref)
		if code != 0 || stderr != "" {
			t.Fatalf("pull: exit %d\n%s%s", code, out, stderr)
		}
		if strings.ContainsAny(out, "\x1b\r[") {
			t.Errorf("plain output has escapes, carriage returns or bars:\n%q", out)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if lines[0] != "1: Pulling from p/prog" {
			t.Errorf("first line %q", lines[0])
		}
		for _, id := range ids {
			var states []string
			for _, l := range lines {
				if s, ok := strings.CutPrefix(l, id+": "); ok {
					states = append(states, s)
				}
			}
			want := "Waiting,Downloading,Verifying Checksum,Download complete,Extracting,Pull complete"
			if got := strings.Join(states, ","); got != want {
				t.Errorf("layer %s states: %s, want %s", id, got, want)
			}
		}
		if last := lines[len(lines)-1]; last != ref {
			t.Errorf("last line %q, want the reference", last)
		}
	})

	t.Run("quiet", func(t *testing.T) {
		e := newEnv(t)
		if out, stderr, code := e.run(nil, "pull", "-q", ref); code != 0 || out != ref+"\n" || stderr != "" {
			t.Errorf("pull -q: exit %d, stdout %q, stderr %q; want only %q", code, out, stderr, ref)
		}
		f := newEnv(t)
		if shown, stderr := f.runTTY("pull", "-q", ref); shown != ref+"\r\n" || stderr != "" {
			t.Errorf("pull -q on a tty: shown %q, stderr %q; want only %q", shown, stderr, ref)
		}
	})
}

// screen renders what a terminal shows after out: text, CR, LF, cursor up
// (ESC [ n A) and erase line (ESC [ 2 K), the sequences progress uses.
func screen(out string) []string {
	var lines [][]byte
	row, col := 0, 0
	for i := 0; i < len(out); i++ {
		for len(lines) <= row {
			lines = append(lines, nil)
		}
		switch c := out[i]; {
		case c == '\r':
			col = 0
		case c == '\n':
			row++
		case c == 0x1b && i+1 < len(out) && out[i+1] == '[':
			j := i + 2
			n := 0
			for ; j < len(out) && out[j] >= '0' && out[j] <= '9'; j++ {
				n = n*10 + int(out[j]-'0')
			}
			switch out[j] {
			case 'A':
				row = max(row-max(n, 1), 0)
			case 'K':
				lines[row] = nil
			}
			i = j
		default:
			for len(lines[row]) <= col {
				lines[row] = append(lines[row], ' ')
			}
			lines[row][col] = c
			col++
		}
	}
	var shown []string
	for _, l := range lines {
		shown = append(shown, strings.TrimRight(string(l), " "))
	}
	for len(shown) > 0 && shown[len(shown)-1] == "" {
		shown = shown[:len(shown)-1]
	}
	return shown
}
