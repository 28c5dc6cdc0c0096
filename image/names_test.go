package image

import (
	"strings"
	"testing"
)

func TestNormalize(t *testing.T) {
	tests := map[string]string{
		"busybox":                         "docker.io/library/busybox:latest",
		"busybox:1.36":                    "docker.io/library/busybox:1.36",
		"docker.io/library/busybox:1":     "docker.io/library/busybox:1",
		"index.docker.io/library/busybox": "docker.io/library/busybox:latest",
		"me/app":                          "docker.io/me/app:latest",
		"127.0.0.1:5000/a/b:v1":           "127.0.0.1:5000/a/b:v1",
		"localhost:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef": "localhost:5000/x@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	}
	for in, want := range tests {
		got, err := Normalize(in)
		if err != nil || got != want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := Normalize("UPPER/case"); err == nil {
		t.Error("Normalize accepted an upper-case repository")
	}
}

func TestFamiliarAndSplit(t *testing.T) {
	tests := []struct{ in, familiar, repo, tag string }{
		{"docker.io/library/busybox:latest", "busybox:latest", "busybox", "latest"},
		{"docker.io/me/app:v1", "me/app:v1", "me/app", "v1"},
		{"127.0.0.1:5000/a/b:v1", "127.0.0.1:5000/a/b:v1", "127.0.0.1:5000/a/b", "v1"},
		{"127.0.0.1:5000/a@sha256:ab", "127.0.0.1:5000/a@sha256:ab", "127.0.0.1:5000/a", "<none>"},
	}
	for _, tt := range tests {
		f := Familiar(tt.in)
		repo, tag := SplitName(f)
		if f != tt.familiar || repo != tt.repo || tag != tt.tag {
			t.Errorf("%s: familiar %q repo %q tag %q", tt.in, f, repo, tag)
		}
	}
}

func TestNormalizeRefusesBadReferences(t *testing.T) {
	dgst := "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	for _, ok := range []string{
		"a_b/c__d/e-f---g/h.i:v1.0-rc_1",
		"[::1]:5000/app:v1",
		"my-registry.example:443/team/app@" + dgst,
		"localhost/app",
		"app:" + strings.Repeat("t", 128),
	} {
		if _, err := Normalize(ok); err != nil {
			t.Errorf("Normalize(%q): %v", ok, err)
		}
	}
	tests := []struct{ in, want string }{
		{"127.0.0.1:5000/../../v2/x", "invalid path component \"..\""},
		{"127.0.0.1:5000/a/../b:v1", "invalid path component \"..\""},
		{"/busybox", "invalid path component \"\""},
		{"127.0.0.1:5000//a", "invalid path component \"\""},
		{"a/", "invalid path component \"\""},
		{"a/.b", "invalid path component"},
		{"a/b-", "invalid path component"},
		{"a/b___c", "invalid path component"},
		{"a/B", "repository name must be lowercase"},
		{"a:", "invalid tag"},
		{"a:.x", "invalid tag"},
		{"a:" + strings.Repeat("t", 129), "invalid tag"},
		{"a:x\ny", "invalid tag"},
		{"a@sha256:", "invalid digest"},
		{"-bad.example/a", "invalid registry host"},
		{"bad_host.example/a", "invalid registry host"},
		{"host.example:port/a", "invalid registry host"},
		{strings.Repeat("a", 256), "more than 255 characters"},
		{"", "invalid path component"},
	}
	for _, tt := range tests {
		_, err := Normalize(tt.in)
		if err == nil || !strings.Contains(err.Error(), "invalid reference format") || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Normalize(%q) = %v; want invalid reference format: %s", tt.in, err, tt.want)
		}
	}
}
