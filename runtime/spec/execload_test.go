package spec

import (
	"strings"
	"testing"
)

func TestLoadForExec(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantErr   string
		wantLinux bool
		wantSc    bool
	}{
		{"args type", `{"process":{"args":"sh"}}`, "config.json: process.args: cannot unmarshal string into []string", false, false},
		{"syntax", "{\n\"process\": {,}\n}", "config.json: line 2: invalid character ',' at start of value", false, false},
		// What exec does not read is not decoded, so not checked either.
		{"other parts skipped", `{"process":{"args":["sh"]},"mounts":"x","linux":{"namespaces":1}}`, "", true, false},
		{"no linux", `{"process":{"args":["sh"]}}`, "", false, false},
		{"seccomp", `{"process":{"args":["sh"]},"linux":{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW"},"personality":{"domain":"LINUX32"}}}`, "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeConfig(t, dir, tt.body)
			s, err := LoadForExec(dir)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.Process == nil || s.Process.Args[0] != "sh" {
				t.Errorf("process = %+v", s.Process)
			}
			if (s.Linux != nil) != tt.wantLinux {
				t.Fatalf("linux = %+v, want set %v", s.Linux, tt.wantLinux)
			}
			if s.Linux != nil && (s.Linux.Seccomp != nil) != tt.wantSc {
				t.Errorf("seccomp = %+v, want set %v", s.Linux.Seccomp, tt.wantSc)
			}
			if tt.wantSc && (s.Linux.Personality == nil || s.Linux.Personality.Domain != "LINUX32") {
				t.Errorf("personality = %+v", s.Linux.Personality)
			}
		})
	}
}
