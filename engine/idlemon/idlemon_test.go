package idlemon

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/berth-containers/berth/engine/jsonlog"
)

// The C loop is this package's constructor, so the test binary has it: a
// child of the test runs a command into pipes and hands them to the loop
// with Exec, which logs them and re-executes the binary once the command
// exited.
const envChild = "BERTH_IDLEMON_TEST_LOG"

func TestMain(m *testing.M) {
	if os.Getenv(EnvResume) != "" {
		os.Exit(0) // the C loop is done: the log is written
	}
	if dir := os.Getenv(envChild); dir != "" {
		os.Exit(runLoop(dir))
	}
	os.Exit(m.Run())
}

// runLoop writes dir/out and dir/err through the C loop into dir/c.log.
func runLoop(dir string) int {
	outR, outW, err := os.Pipe()
	if err != nil {
		return 3
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		return 3
	}
	cmd := exec.Command("/bin/sh", "-c", `cat "$0/out"; cat "$0/err" >&2`, dir)
	cmd.Stdout, cmd.Stderr = outW, errW
	if err := cmd.Start(); err != nil {
		return 4
	}
	outW.Close()
	errW.Close()
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, envChild+"=") {
			env = append(env, kv)
		}
	}
	p := Params{Pid: cmd.Process.Pid, Out: outR, Err: errR, LogPath: filepath.Join(dir, "c.log"), LogMax: 1 << 30, LogFiles: 1}
	if err := Exec(os.Args, env, p); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return 5
}

type line struct{ Stream, Log string }

func readLog(t *testing.T, path string) []line {
	t.Helper()
	var got []line
	fl := jsonlog.Read(path, func(e jsonlog.Entry) {
		if e.Time.IsZero() {
			t.Errorf("%s: entry without a time: %q", path, e.Log)
		}
		got = append(got, line{e.Stream, e.Log})
	})
	fl.Close()
	return got
}

// TestCAndGoWritersAgree feeds the same output to the C writer (an idle
// monitor's) and the Go one (jsonlog.CopyStream): the one reader must
// return the same lines from both logs.
func TestCAndGoWritersAgree(t *testing.T) {
	out := strings.Join([]string{
		"plain",
		`quotes " and \ backslash`,
		"tab\tcr\rbell\a nul\x00 esc\x1b del\x7f",
		"html <b>&amp;</b>",
		"unicode é ✓ 🐳 \u2028 \u2029",
		"invalid utf-8 \xff\xfe end",
		"",
		strings.Repeat("long", 5000), // past 16 KiB: cut
		"no newline at the end",
	}, "\n")
	errOut := "to stderr\nsecond\n"
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "out"), []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "err"), []byte(errOut), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), envChild+"="+dir)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("C loop: %v: %s", err, b)
	}

	goPath := filepath.Join(dir, "go.log")
	l, err := jsonlog.Open(goPath, 1<<30, 1)
	if err != nil {
		t.Fatal(err)
	}
	jsonlog.CopyStream(l, "stdout", bytes.NewReader([]byte(out)), nil)
	jsonlog.CopyStream(l, "stderr", bytes.NewReader([]byte(errOut)), nil)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	cLines, goLines := byStream(readLog(t, filepath.Join(dir, "c.log"))), byStream(readLog(t, goPath))
	if len(goLines["stdout"]) < 9 || len(goLines["stderr"]) != 2 {
		t.Fatalf("Go log has %d stdout and %d stderr lines", len(goLines["stdout"]), len(goLines["stderr"]))
	}
	for _, s := range []string{"stdout", "stderr"} {
		c, g := cLines[s], goLines[s]
		if !reflect.DeepEqual(c, g) {
			t.Errorf("%s: C wrote %d lines of lengths %v, Go %d of %v", s, len(c), lens(c), len(g), lens(g))
			for i := range min(len(c), len(g)) {
				if c[i] != g[i] {
					t.Errorf("%s line %d: C %.80q, Go %.80q", s, i, c[i], g[i])
					break
				}
			}
		}
	}
}

func byStream(ls []line) map[string][]string {
	m := map[string][]string{}
	for _, l := range ls {
		m[l.Stream] = append(m[l.Stream], l.Log)
	}
	return m
}

func lens(ls []string) []int {
	var n []int
	for _, l := range ls {
		n = append(n, len(l))
	}
	return n
}
