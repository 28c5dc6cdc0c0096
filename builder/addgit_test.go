package builder

import "testing"

func TestParseGitRef(t *testing.T) {
	for in, want := range map[string]gitRef{
		"https://h/r.git":            {remote: "https://h/r.git"},
		"https://h/r.git#v1":         {remote: "https://h/r.git", ref: "v1"},
		"git@h:o/r.git#main:sub/dir": {remote: "git@h:o/r.git", ref: "main", subdir: "sub/dir"},
		"https://h/r.git#:docs":      {remote: "https://h/r.git", subdir: "docs"},
	} {
		if got := parseGitRef(in); got != want {
			t.Errorf("parseGitRef(%q) = %+v, want %+v", in, got, want)
		}
	}
	for _, s := range []string{"https://h/r.git", "https://h/r.git#v1", "git@h:o/r", "git://h/r"} {
		if !isGit(s) {
			t.Errorf("%s is not taken for git", s)
		}
	}
	if isGit("https://h/file.tar.gz") {
		t.Error("an http file is taken for git")
	}
}
