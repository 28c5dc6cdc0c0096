package cli

import (
	"bytes"
	"errors"
	"fmt"
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

func TestInspectEach(t *testing.T) {
	objs := map[string]any{"a": map[string]string{"Id": "a1"}, "b": map[string]string{"Id": "b1"}}
	get := func(ref string) (any, error) {
		if ref == "bad-type" {
			return nil, UsageError{Err: errors.New("unknown type")}
		}
		if o, ok := objs[ref]; ok {
			return o, nil
		}
		return nil, fmt.Errorf("no such object: %s", ref)
	}
	tests := []struct {
		refs    []string
		want    string
		wantErr string
	}{
		{[]string{"a", "b"}, "a1\nb1\n", ""},
		{[]string{"a", "x", "b"}, "a1\nb1\n", "no such object: x"},
		{[]string{"x", "y"}, "", "no such object: x\nno such object: y"},
		// A usage error ends the command before anything is printed.
		{[]string{"a", "bad-type", "b"}, "", "unknown type"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		err := InspectEach(&b, "{{.Id}}", tt.refs, get)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if b.String() != tt.want || gotErr != tt.wantErr {
			t.Errorf("%v: printed %q, error %q; want %q, %q", tt.refs, b.String(), gotErr, tt.want, tt.wantErr)
		}
	}
}
