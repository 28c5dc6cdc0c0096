package cli

import (
	"bytes"
	"testing"
)

func TestPrintInspectTemplates(t *testing.T) {
	type state struct {
		Status   string `json:"Status"`
		ExitCode int    `json:"ExitCode"`
	}
	type obj struct {
		ID    string `json:"Id"`
		State state  `json:"State"`
	}
	objs := []obj{{ID: "abc", State: state{Status: "running", ExitCode: 3}}, {ID: "def"}}
	tests := []struct{ format, want string }{
		{"{{.ID}}", "abc\ndef\n"},
		{"{{.Id}}", "abc\ndef\n"},
		{"{{.Id}} {{.State.Status}} {{.State.ExitCode}}", "abc running 3\ndef  0\n"},
		{"{{json .State}}", "{\"Status\":\"running\",\"ExitCode\":3}\n{\"Status\":\"\",\"ExitCode\":0}\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		if err := PrintInspect(&b, tt.format, objs, nil); err != nil || b.String() != tt.want {
			t.Errorf("%s: %q, %v; want %q", tt.format, b.String(), err, tt.want)
		}
	}
	var b bytes.Buffer
	if err := PrintInspect(&b, "{{.Nope.Deeper}}", objs, nil); err == nil {
		t.Errorf("a template of no field printed %q and no error", b.String())
	}
	if err := PrintInspect(&b, "{{.ID", objs, nil); err == nil {
		t.Error("a broken template gave no error")
	}
}
