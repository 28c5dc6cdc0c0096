package testutil

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"
)

// RunOnTerminal runs cmd with stdin, stdout and stderr on a new pty of
// cols by rows, as a user's shell would, and returns everything written to
// the terminal (raw: "\r\n" and escape sequences kept) and the exit code.
func RunOnTerminal(t testing.TB, cmd *exec.Cmd, cols, rows int) (string, int) {
	t.Helper()
	master, slave, err := openPty()
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	if err := unix.IoctlSetWinsize(int(master.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}); err != nil {
		slave.Close()
		t.Fatalf("pty size: %v", err)
	}
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		slave.Close()
		t.Fatalf("start %v on a pty: %v", cmd.Args, err)
	}
	slave.Close()
	var out strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := master.Read(buf)
		out.Write(buf[:n])
		if err != nil {
			break // EIO once the last slave fd is closed
		}
	}
	code := 0
	var ee *exec.ExitError
	if err := cmd.Wait(); errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("%v on a pty: %v", cmd.Args, err)
	}
	return out.String(), code
}

// openPty opens a new pty: its master and its slave, neither becoming the
// caller's controlling terminal. Written here, not taken from
// runtime/console, whose own tests use this package.
func openPty() (master, slave *os.File, err error) {
	master, err = os.OpenFile("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("open pty master: %w", err)
	}
	fd := int(master.Fd())
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("unlock pty: %w", err)
	}
	n, err := unix.IoctlGetUint32(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("pty number: %w", err)
	}
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, fmt.Errorf("open pty slave: %w", err)
	}
	return master, slave, nil
}

// Screen plays raw terminal output onto a screen and returns its lines,
// trailing spaces and empty last lines dropped. It knows what a progress
// display uses: "\r", "\n", ESC[nA (cursor up), ESC[K and ESC[2K (erase
// line) and ESC[J (erase below); other escape sequences are ignored.
func Screen(raw string) []string {
	var lines [][]rune
	row, col := 0, 0
	put := func(r rune) {
		for len(lines) <= row {
			lines = append(lines, nil)
		}
		for len(lines[row]) <= col {
			lines[row] = append(lines[row], ' ')
		}
		lines[row][col] = r
		col++
	}
	rs := []rune(raw)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; r {
		case '\r':
			col = 0
		case '\n':
			row, col = row+1, 0
		case 0x1b:
			if i+1 >= len(rs) || rs[i+1] != '[' {
				continue
			}
			j := i + 2
			for j < len(rs) && (rs[j] >= '0' && rs[j] <= '9' || rs[j] == ';' || rs[j] == '?') {
				j++
			}
			if j >= len(rs) {
				i = j
				continue
			}
			arg := string(rs[i+2 : j])
			n, err := strconv.Atoi(arg)
			if err != nil {
				n = 0
			}
			switch rs[j] {
			case 'A':
				row = max(row-max(n, 1), 0)
			case 'K':
				if row < len(lines) {
					if n == 2 {
						lines[row] = nil
					} else if col < len(lines[row]) {
						lines[row] = lines[row][:col]
					}
				}
			case 'J':
				if row < len(lines) {
					if col < len(lines[row]) {
						lines[row] = lines[row][:col]
					}
					lines = lines[:row+1]
				}
			}
			i = j
		default:
			put(r)
		}
	}
	var out []string
	for _, l := range lines {
		out = append(out, strings.TrimRight(string(l), " "))
	}
	for len(out) > 0 && out[len(out)-1] == "" {
		out = out[:len(out)-1]
	}
	return out
}
