package options_test

import "testing"

// TestRunAttachStreams covers run -a: only the streams named reach the
// terminal, the log keeps all, and inspect's Config.Attach* say which.
func TestRunAttachStreams(t *testing.T) {
	e := newEnv(t)
	const script = "echo out; echo err >&2"
	e.Must("run", "--rm", "--network", "none", "busybox", "true") // the image's first use prints progress
	r := e.Run("run", "--name", "aout", "--network", "none", "-a", "STDOUT", "busybox", "sh", "-c", script)
	if r.ExitCode != 0 || r.Stdout != "out\n" || r.Stderr != "" {
		t.Errorf("-a STDOUT: exit %d, stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	if got := e.Inspect("aout", "{{.Config.AttachStdin}} {{.Config.AttachStdout}} {{.Config.AttachStderr}}"); got != "false true false" {
		t.Errorf("-a STDOUT: Config.Attach* %q", got)
	}
	if l := e.Run("logs", "aout"); l.Stdout != "out\n" || l.Stderr != "err\n" {
		t.Errorf("-a STDOUT: logs %q %q, want both streams", l.Stdout, l.Stderr)
	}
	r = e.Run("run", "--rm", "--network", "none", "-a", "stderr", "busybox", "sh", "-c", script)
	if r.ExitCode != 0 || r.Stdout != "" || r.Stderr != "err\n" {
		t.Errorf("-a stderr: exit %d, stdout %q, stderr %q", r.ExitCode, r.Stdout, r.Stderr)
	}
	// stdin is attached with -a STDIN and -i; without -i it stays closed.
	if r := e.RunIn([]byte("piped\n"), "run", "--rm", "--network", "none", "-i", "-a", "stdin", "-a", "stdout", "busybox", "cat"); r.Stdout != "piped\n" {
		t.Errorf("-i -a stdin -a stdout: stdout %q, stderr %q", r.Stdout, r.Stderr)
	}
	e.Refused("Conflicting options: -a and -d", "run", "-d", "-a", "stdout", "busybox", "true")
	e.Refused("valid streams are STDIN, STDOUT and STDERR", "run", "--rm", "-a", "stdfoo", "busybox", "true")
	e.Must("rm", "aout")
}

// TestIP6Refused: berth's networks are IPv4 only, so --ip6 is refused in
// one line that says so (Docker takes it on a network made with --ipv6).
func TestIP6Refused(t *testing.T) {
	e := newEnv(t)
	e.Refused("--ip6 fd00::10 is not supported: berth's networks are IPv4 only", "create", "--network", "none", "--ip6", "fd00::10", "busybox", "true")
	e.Refused("invalid IPv6 address: 10.1.2.3", "run", "--rm", "--ip6", "10.1.2.3", "busybox", "true")
}
