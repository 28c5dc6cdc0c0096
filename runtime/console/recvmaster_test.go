package console

import (
	"errors"
	"net"
	"os"
	"testing"
	"time"
)

// TestRecvMaster plays both sides of a Pair: the container's process
// sends a descriptor over local, or sends nothing.
func TestRecvMaster(t *testing.T) {
	for _, tc := range []struct {
		name     string
		send     bool
		deadline bool // the wait ends on the timeout
	}{
		{name: "sent", send: true},
		{name: "never sent", deadline: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			local, remote, err := Pair()
			if err != nil {
				t.Fatal(err)
			}
			defer remote.Close()
			defer local.Close()
			if tc.send {
				fc, err := net.FileConn(local)
				if err != nil {
					t.Fatal(err)
				}
				defer fc.Close()
				devNull, err := os.Open(os.DevNull)
				if err != nil {
					t.Fatal(err)
				}
				defer devNull.Close()
				if err := SendFDConn(fc.(*net.UnixConn), devNull); err != nil {
					t.Fatal(err)
				}
			}
			f, err := RecvMaster(remote, 100*time.Millisecond)
			if tc.deadline {
				if !errors.Is(err, os.ErrDeadlineExceeded) {
					t.Errorf("RecvMaster = %v, %v; want the deadline exceeded", f, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if f.Name() != os.DevNull {
				t.Errorf("received %q, want %q", f.Name(), os.DevNull)
			}
		})
	}
}
