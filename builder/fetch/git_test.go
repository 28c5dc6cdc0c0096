package fetch

import "testing"

func TestParseGitRef(t *testing.T) {
	for in, want := range map[string]GitRef{
		"https://h/r.git":            {Remote: "https://h/r.git"},
		"https://h/r.git#v1":         {Remote: "https://h/r.git", Ref: "v1"},
		"git@h:o/r.git#main:sub/dir": {Remote: "git@h:o/r.git", Ref: "main", Subdir: "sub/dir"},
		"https://h/r.git#:docs":      {Remote: "https://h/r.git", Subdir: "docs"},
	} {
		if got := ParseGitRef(in); got != want {
			t.Errorf("ParseGitRef(%q) = %+v, want %+v", in, got, want)
		}
	}
	for _, s := range []string{"https://h/r.git", "https://h/r.git#v1", "git@h:o/r", "git://h/r"} {
		if !IsGit(s) {
			t.Errorf("%s is not taken for git", s)
		}
	}
	if IsGit("https://h/file.tar.gz") {
		t.Error("an http file is taken for git")
	}
}
