package spec

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func writeConfig(t *testing.T, dir, body string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, ConfigName), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestLoad(t *testing.T) {
	tests := []struct {
		name    string
		body    string // empty: no config.json at all
		wantErr string
	}{
		{"missing", "", "config.json: open BUNDLE/config.json: no such file or directory"},
		{"args type", `{"process":{"args":"sh"}}`, "config.json: process.args: cannot unmarshal string into []string"},
		{"nested type", `{"linux":{"namespaces":[{"type":1}]}}`, "config.json: linux.namespaces[0].type: cannot unmarshal number into specs.LinuxNamespaceType"},
		{"root type", `[]`, "config.json: (root): cannot unmarshal array into specs.Spec"},
		{"syntax", "{\n\"process\": {,}\n}", "config.json: line 2: invalid character ',' at start of value"},
		{"ok", `{"ociVersion":"1.0.2","process":{"args":["sh"],"cwd":"/"}}`, ""},
		// What encoding/json, and so runc, accepts: names in any case, a
		// repeated member (the last wins), unknown members, invalid UTF-8.
		{"any case", `{"OCIVersion":"1.0.2","Process":{"Args":["sh"],"cwd":"/"}}`, ""},
		{"repeated member", `{"ociVersion":"1.0.0","ociVersion":"1.0.2","process":{"args":["x"],"args":["sh"]}}`, ""},
		{"unknown member", `{"ociVersion":"1.0.2","berth":{"x":1},"process":{"args":["sh"],"cwd":"/"}}`, ""},
		{"invalid utf-8", "{\"ociVersion\":\"1.0.2\",\"hostname\":\"a\xffb\",\"process\":{\"args\":[\"sh\"]}}", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			if tt.body != "" {
				writeConfig(t, dir, tt.body)
			}
			s, err := Load(dir)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if s.Process.Args[0] != "sh" || s.Version != "1.0.2" {
					t.Fatalf("decoded %+v", s)
				}
				return
			}
			want := strings.ReplaceAll(tt.wantErr, "BUNDLE", dir)
			if err == nil || err.Error() != want {
				t.Fatalf("error %v, want %s", err, want)
			}
		})
	}
}

func TestRootfsPath(t *testing.T) {
	bundle := t.TempDir()
	real := filepath.Join(bundle, "real")
	if err := os.Mkdir(real, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("real", filepath.Join(bundle, "link")); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path, want, wantErr string
	}{
		{"real", real, ""},
		{"link", real, ""},
		{"./link/../real", real, ""},
		{real, real, ""},
		{"nope", "", "root.path: lstat " + filepath.Join(bundle, "nope") + ": no such file or directory"},
		{"", "", "root.path: not set"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			s := Default()
			s.Root.Path = tt.path
			got, err := RootfsPath(s, bundle)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("error %v, want %s", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
