package guide

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/berth-containers/berth/test/testutil"
)

const guidePath = "../../docs/how-containers-work.md"

// -record writes the guide with every command's real output to
// guidePath+".got", for a writer to compare and take from.
var record = flag.Bool("record", false, "write the outputs seen to "+guidePath+".got")

func TestMain(m *testing.M) {
	os.Setenv("BERTH_SKIP_IP_FORWARD", "1") // as test/engine: nothing here needs forwarding
	os.Exit(testutil.Main(m))
}

// shell runs the guide's commands as a reader's root shell would, with
// "berth" on $PATH bound to a private engine root.
type shell struct {
	bin, dir string
	env      []string
}

func newShell(t *testing.T) *shell {
	t.Helper()
	testutil.RequireRoot(t)
	bin, err := testutil.BerthBinary()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	wrapper := fmt.Sprintf("#!/bin/sh\nexec %s --root %s --runroot %s \"$@\"\n",
		bin, filepath.Join(dir, "root"), filepath.Join(dir, "run"))
	binDir := filepath.Join(dir, "bin")
	if err := os.Mkdir(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(binDir, "berth"), []byte(wrapper), 0o755); err != nil {
		t.Fatal(err)
	}
	sh := &shell{bin: bin, dir: dir, env: append(os.Environ(), "PATH="+binDir+":"+os.Getenv("PATH"))}
	t.Cleanup(func() { sh.clean(t) })
	return sh
}

func (sh *shell) run(command, workDir string) []string {
	cmd := exec.Command("bash", "-c", command)
	cmd.Dir, cmd.Env = workDir, sh.env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			return []string{"run: " + err.Error()}
		}
	}
	return strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
}

// clean removes what a section left, so the next one starts from the
// reader's state after the set-up: no containers, the image kept.
func (sh *shell) clean(t *testing.T) {
	if ids := sh.run("berth ps -aq --no-trunc", sh.dir); len(ids) > 0 && ids[0] != "" {
		sh.run("berth rm -f -v "+strings.Join(ids, " "), sh.dir)
	}
	sh.run("berth network prune -f", sh.dir)
	if left, _ := testutil.MountedUnder(sh.dir); len(left) > 0 {
		t.Errorf("mounts left under the guide's root: %v", left)
	}
}

func TestGuide(t *testing.T) {
	data, err := os.ReadFile(guidePath)
	if err != nil {
		t.Fatal(err)
	}
	sections, err := parseGuide(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("%s: %v", guidePath, err)
	}
	if len(sections) < 9 {
		t.Fatalf("%s has %d sections with commands; the guide has 9 experiments", guidePath, len(sections))
	}
	sh := newShell(t)
	got := map[int][]string{} // command line → output seen
	for _, sec := range sections {
		t.Run(sec.title, func(t *testing.T) {
			defer sh.clean(t)
			session := sh.session(t, t.TempDir())
			for _, st := range sec.steps {
				start := time.Now()
				out := session.run(t, st.command)
				got[st.line] = out
				if !matchOutput(st.want, out) {
					t.Errorf("%s:%d: $ %s\nwant:\n%s\ngot (%v):\n%s", guidePath, st.line, st.command,
						strings.Join(st.want, "\n"), time.Since(start).Round(time.Millisecond), strings.Join(out, "\n"))
				}
			}
		})
	}
	if *record {
		if err := writeRecord(data, got); err != nil {
			t.Fatal(err)
		}
	}
}

func writeRecord(doc []byte, got map[int][]string) error {
	return os.WriteFile(guidePath+".got", rewrite(doc, got), 0o644)
}
