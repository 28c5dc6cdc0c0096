package options

import (
	"strings"
	"testing"
)

func TestAttachStreams(t *testing.T) {
	for _, tc := range []struct {
		name       string
		attach     []string
		detach, in bool
		want       Streams
		err        string
	}{
		{name: "default", want: Streams{Stdout: true, Stderr: true}},
		{name: "interactive", in: true, want: Streams{Stdin: true, Stdout: true, Stderr: true}},
		{name: "stdout only", attach: []string{"STDOUT"}, want: Streams{Stdout: true}},
		{name: "stderr and stdin", attach: []string{"stderr", "Stdin"}, want: Streams{Stdin: true, Stderr: true}},
		{name: "-i adds stdin", attach: []string{"stdout"}, in: true, want: Streams{Stdin: true, Stdout: true}},
		{name: "detach", detach: true, in: true, want: Streams{}},
		{name: "detach and attach", attach: []string{"stdout"}, detach: true, err: "Conflicting options: -a and -d"},
		{name: "bad stream", attach: []string{"stdfoo"}, err: "valid streams are STDIN, STDOUT and STDERR"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := CreateOptions{Interactive: tc.in, ExtraOptions: ExtraOptions{Attach: tc.attach, Detach: tc.detach}}
			got, err := AttachStreams(o)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}
