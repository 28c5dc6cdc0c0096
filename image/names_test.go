package image

import "testing"

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
