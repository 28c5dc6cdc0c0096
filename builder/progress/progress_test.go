package progress

import (
	"bytes"
	"errors"
	"regexp"
	"testing"
)

func TestPlainOutput(t *testing.T) {
	var buf bytes.Buffer
	p := New(&buf)
	v := p.Begin("[1/2] RUN make")
	out := v.Output()
	out.Write([]byte("one\ntw"))
	out.Write([]byte("o\nlast"))
	out.Flush()
	v.Done()
	w := p.Begin("[2/2] COPY a /a")
	w.Cached()
	p.Begin("exporting").Fail(errors.New("boom"))
	want := `^#1 \[1/2\] RUN make
#1 0\.\d{3} one
#1 0\.\d{3} two
#1 0\.\d{3} last
#1 DONE 0\.\ds
(\n)?#2 \[2/2\] COPY a /a
#2 CACHED
(\n)?#3 exporting
#3 ERROR: boom
$`
	if !regexp.MustCompile(want).MatchString(buf.String()) {
		t.Errorf("printed:\n%s", buf.String())
	}
	New(nil).Begin("quiet").Done() // no writer: nothing, no panic
}
