package cli

import (
	"bytes"
	"testing"
)

func TestRenderTemplateFuncs(t *testing.T) {
	type row struct {
		Name, Image string
		Tags        []string
	}
	r := row{Name: "web server", Image: "<none>&x", Tags: []string{"a", "b"}}
	headers := row{Name: "NAME", Image: "IMAGE"}
	for _, tc := range []struct{ format, want string }{
		{`{{json .Tags}}`, `["a","b"]` + "\n"},
		{`{{json .Image}}`, `"<none>&x"` + "\n"}, // no HTML escaping, as Docker
		{`json`, `{"Name":"web server","Image":"<none>&x","Tags":["a","b"]}` + "\n"},
		{`{{join .Tags ","}}`, "a,b\n"},
		{`{{index (split .Name " ") 1}}`, "server\n"},
		{`{{upper .Name}}|{{lower "AbC"}}`, "WEB SERVER|abc\n"},
		{`{{title .Name}}`, "Web Server\n"},
		{`{{title "mIXed caSe"}}`, "MIXed CaSe\n"}, // first letters only, the rest kept
		{`[{{pad .Name 2 1}}]`, "[  web server ]\n"},
		{`[{{pad "" 2 1}}]`, "[]\n"},
		{`{{truncate .Name 3}}`, "web\n"},
		{`{{truncate .Name 30}}`, "web server\n"},
		{`{{println .Name}}`, "web server\n\n"},
		{`{{.Name}}\t{{.Image}}`, "web server\t<none>&x\n"},
		{"table {{.Name}}\t{{.Image}}", "NAME         IMAGE\nweb server   <none>&x\n"},
	} {
		var b bytes.Buffer
		if err := RenderTemplate(&b, tc.format, headers, []any{r}); err != nil {
			t.Errorf("%q: %v", tc.format, err)
			continue
		}
		if b.String() != tc.want {
			t.Errorf("%q: got %q, want %q", tc.format, b.String(), tc.want)
		}
	}
}

func TestRenderTemplateErrors(t *testing.T) {
	for _, f := range []string{`{{.Name`, `{{nosuchfunc .}}`} {
		var b bytes.Buffer
		err := RenderTemplate(&b, f, nil, []any{struct{ Name string }{"x"}})
		if _, ok := err.(UsageError); !ok {
			t.Errorf("%q: got %v, want a usage error (exit 125)", f, err)
		}
	}
	var b bytes.Buffer
	if err := RenderTemplate(&b, `{{.Missing}}`, nil, []any{struct{ Name string }{"x"}}); err == nil {
		t.Errorf("a field the row lacks: got no error")
	}
}

func TestPrintInspectJSON(t *testing.T) {
	type obj struct{ ID string }
	for _, tc := range []struct{ format, want string }{
		{"", "[\n    {\n        \"ID\": \"a\"\n    }\n]\n"},
		{"json", `[{"ID":"a"}]` + "\n"},
		{"{{.ID}}", "a\n"},
	} {
		var b bytes.Buffer
		if err := PrintInspect(&b, tc.format, []obj{{"a"}}, nil); err != nil {
			t.Fatal(err)
		}
		if b.String() != tc.want {
			t.Errorf("%q: got %q, want %q", tc.format, b.String(), tc.want)
		}
	}
}

func TestIsDefaultFormat(t *testing.T) {
	for f, want := range map[string]bool{"": true, "table": true, "table {{.ID}}": false, "json": false, "{{.ID}}": false} {
		if got := IsDefaultFormat(f); got != want {
			t.Errorf("isDefaultFormat(%q) = %v, want %v", f, got, want)
		}
	}
}
