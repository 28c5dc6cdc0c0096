package options

import (
	"errors"
	"fmt"
	"strings"
)

// Streams are the standard streams a run attaches (Config.AttachStdin,
// AttachStdout, AttachStderr).
type Streams struct{ Stdin, Stdout, Stderr bool }

// AttachStreams reads -a as Docker's CLI does: the streams named, any
// case; stdout and stderr when none is; stdin too with -i; none with -d,
// which -a conflicts with.
func AttachStreams(o CreateOptions) (Streams, error) {
	var s Streams
	for _, a := range o.Attach {
		switch strings.ToLower(a) {
		case "stdin":
			s.Stdin = true
		case "stdout":
			s.Stdout = true
		case "stderr":
			s.Stderr = true
		default:
			return s, fmt.Errorf("invalid argument %q for \"-a, --attach\" flag: valid streams are STDIN, STDOUT and STDERR", a)
		}
	}
	if o.Detach {
		if len(o.Attach) > 0 {
			// Docker 20.10's text, which scripts grep.
			//lint:ignore ST1005 Docker's wording
			return Streams{}, errors.New("Conflicting options: -a and -d")
		}
		return Streams{}, nil
	}
	if len(o.Attach) == 0 {
		s.Stdout, s.Stderr = true, true
	}
	s.Stdin = s.Stdin || o.Interactive
	return s, nil
}
