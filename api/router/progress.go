package router

import (
	"bytes"
	"encoding/json"
	"io"
	"regexp"
	"strings"
	"sync"
)

// jsonProgress turns the plain progress lines ("3f4d90098f5b: Pull
// complete") into Docker's JSON messages ({"id":..., "status":...}).
type JSONProgress struct {
	mu  sync.Mutex
	w   io.Writer
	buf bytes.Buffer
}

func NewJSONProgress(w io.Writer) *JSONProgress { return &JSONProgress{w: w} }

var layerLine = regexp.MustCompile(`^([0-9a-f]{12}): (.*)$`)

func (j *JSONProgress) Write(p []byte) (int, error) {
	j.mu.Lock()
	j.buf.Write(p)
	var lines []string
	for {
		line, err := j.buf.ReadString('\n')
		if err != nil {
			j.buf.WriteString(line)
			break
		}
		lines = append(lines, strings.TrimRight(line, "\r\n"))
	}
	j.mu.Unlock()
	for _, l := range lines {
		if l == "" {
			continue
		}
		if m := layerLine.FindStringSubmatch(l); m != nil {
			j.Message(map[string]string{"id": m[1], "status": m[2]})
		} else {
			j.Message(map[string]string{"status": l})
		}
	}
	return len(p), nil
}

func (j *JSONProgress) Message(v any) {
	b, _ := json.Marshal(v)
	j.mu.Lock()
	j.w.Write(append(b, '\r', '\n'))
	j.mu.Unlock()
}
