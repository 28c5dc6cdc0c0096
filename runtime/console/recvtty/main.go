// Command recvtty listens on a unix socket for the pty master a runtime sends
// to its --console-socket, as runc's contrib/cmd/recvtty does. In single mode
// it takes one master and copies it to and from its own stdio until the
// container closes the terminal; in null mode it takes any number of masters
// and discards what they say, forever.
//
//	recvtty [--mode single|null] [--pid-file FILE] SOCKET
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"

	"github.com/berth-containers/berth/runtime/console"
)

func main() {
	mode := flag.String("mode", "single", "single: proxy one terminal to stdio; null: drain every terminal")
	pidFile := flag.String("pid-file", "", "write the pid of recvtty to this file once listening")
	flag.Usage = func() {
		// Usage goes to stderr; if that fails there is nowhere to say so.
		_, _ = fmt.Fprintln(flag.CommandLine.Output(), "usage: recvtty [--mode single|null] [--pid-file FILE] SOCKET")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 1 || (*mode != "single" && *mode != "null") {
		flag.Usage()
		os.Exit(2)
	}
	if err := run(flag.Arg(0), *mode, *pidFile); err != nil {
		fmt.Fprintln(os.Stderr, "recvtty:", err)
		os.Exit(1)
	}
}

func run(socket, mode, pidFile string) error {
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: socket, Net: "unix"})
	if err != nil {
		return fmt.Errorf("listen on %s: %w", socket, err)
	}
	defer ln.Close()
	if pidFile != "" {
		if err := writePidFile(pidFile); err != nil {
			return err
		}
	}
	for {
		master, err := accept(ln)
		if err != nil {
			return err
		}
		if mode == "single" {
			defer master.Close()
			return console.Proxy(master, os.Stdin, os.Stdout)
		}
		go drain(master)
	}
}

// accept takes one connection and the pty master sent over it.
func accept(ln *net.UnixListener) (*os.File, error) {
	c, err := ln.AcceptUnix()
	if err != nil {
		return nil, fmt.Errorf("accept on %s: %w", ln.Addr(), err)
	}
	defer c.Close()
	master, err := console.RecvFD(c)
	if err != nil {
		return nil, err
	}
	if err := console.ClearONLCR(master); err != nil {
		master.Close()
		return nil, err
	}
	return master, nil
}

func drain(master *os.File) {
	defer master.Close()
	if _, err := io.Copy(io.Discard, master); err != nil && !errors.Is(err, os.ErrClosed) {
		slog.Debug("pty closed", "error", err)
	}
}

// writePidFile writes the pid atomically: whoever waits for the file must
// never read it half-written.
func writePidFile(path string) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".recvtty-pid-*")
	if err != nil {
		return fmt.Errorf("write pid file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(strconv.Itoa(os.Getpid()))
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("write pid file %s: %w", path, err)
	}
	return nil
}
