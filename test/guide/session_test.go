package guide

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A session is one bash that runs a section's commands in turn, as a
// reader's terminal would: a variable set or a directory entered by one
// command holds for the next.
type session struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	lines chan string
	dir   string
	n     int
}

// endMark ends each command's output; no command of the guide prints it.
const endMark = "__berth_guide_step_done__"

// stepTimeout bounds one command: the slowest (a stop that waits out its
// timeout) takes a few seconds.
const stepTimeout = 90 * time.Second

func (sh *shell) session(t *testing.T, dir string) *session {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("bash", "--noprofile", "--norc")
	cmd.Dir, cmd.Env = dir, sh.env
	cmd.Stdout, cmd.Stderr = w, w
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	s := &session{cmd: cmd, stdin: stdin, lines: make(chan string, 64), dir: dir}
	go func() {
		defer close(s.lines)
		sc := bufio.NewScanner(r)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			s.lines <- sc.Text()
		}
	}()
	t.Cleanup(func() {
		stdin.Close()
		if err := cmd.Wait(); err != nil {
			t.Logf("guide shell: %v", err)
		}
	})
	return s
}

// run runs one command and returns its output, stdout and stderr
// together as a terminal shows them. The command reads /dev/null, not the
// session's input.
func (s *session) run(t *testing.T, command string) []string {
	t.Helper()
	s.n++
	file := filepath.Join(s.dir, fmt.Sprintf(".step%d.sh", s.n))
	if err := os.WriteFile(file, []byte(command+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(file)
	if _, err := fmt.Fprintf(s.stdin, "source %s </dev/null 2>&1; printf '\\n%s\\n'\n", file, endMark); err != nil {
		t.Fatalf("guide shell: %v", err)
	}
	var out []string
	timer := time.NewTimer(stepTimeout)
	defer timer.Stop()
	for {
		select {
		case line, ok := <-s.lines:
			if !ok {
				t.Fatalf("guide shell ended during $ %s\n%s", command, strings.Join(out, "\n"))
			}
			if line == endMark {
				if n := len(out); n > 0 && out[n-1] == "" {
					out = out[:n-1]
				}
				return out
			}
			out = append(out, line)
		case <-timer.C:
			s.cmd.Process.Kill()
			t.Fatalf("$ %s: no end after %v\n%s", command, stepTimeout, strings.Join(out, "\n"))
		}
	}
}
