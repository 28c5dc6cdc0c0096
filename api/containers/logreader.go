package containers

import (
	"bufio"
	"encoding/json"
	"time"
)

// logLine is one line of the engine's JSON log (Docker's json-file).
type logLine struct {
	Log    string    `json:"log"`
	Stream string    `json:"stream"`
	Time   time.Time `json:"time"`
}

// logReader reads complete lines of a log file that is still growing.
type logReader struct {
	r       *bufio.Reader
	partial []byte
}

// next calls emit for each complete line now in the file; it reports
// whether it read any.
func (l *logReader) next(emit func(logLine)) bool {
	read := false
	for {
		b, err := l.r.ReadBytes('\n')
		if len(b) > 0 && err == nil {
			line := append(l.partial, b...)
			l.partial = nil
			var ent logLine
			if json.Unmarshal(line, &ent) == nil {
				emit(ent)
			}
			read = true
			continue
		}
		l.partial = append(l.partial, b...)
		return read
	}
}
