package registry

import (
	"path/filepath"
	"testing"
)

func TestIsInsecure(t *testing.T) {
	c := NewClient(nil, []string{"reg.example:5000"})
	tests := map[string]bool{
		"localhost:5000":   true,
		"127.0.0.1:5000":   true,
		"127.0.0.2":        true,
		"[::1]:5000":       true,
		"reg.example:5000": true,
		"reg.example":      false,
		"docker.io":        false,
		"10.0.0.1:5000":    false,
	}
	for host, want := range tests {
		if got := c.IsInsecure(host); got != want {
			t.Errorf("IsInsecure(%q) = %v, want %v", host, got, want)
		}
	}
}

func TestSelectPlatform(t *testing.T) {
	index := []byte(`{"schemaVersion":2,"manifests":[
	 {"digest":"sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","size":1,"platform":{"os":"linux","architecture":"amd64"}},
	 {"digest":"sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb","size":1,"platform":{"os":"linux","architecture":"arm64","variant":"v8"}},
	 {"digest":"sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc","size":1,"platform":{"os":"linux","architecture":"arm","variant":"v7"}}]}`)
	tests := []struct {
		platform string
		want     byte // first hex digit of the chosen digest, 0 for an error
	}{
		{"linux/amd64", 'a'},
		{"linux/arm64", 'b'},
		{"linux/arm64/v8", 'b'},
		{"linux/arm/v7", 'c'},
		{"linux/arm/v6", 0},
		{"windows/amd64", 0},
	}
	for _, tt := range tests {
		p, err := ParsePlatform(tt.platform)
		if err != nil {
			t.Fatal(err)
		}
		d, err := SelectPlatform(index, p)
		if tt.want == 0 {
			if err == nil {
				t.Errorf("%s: chose %s, want an error", tt.platform, d.Digest)
			}
			continue
		}
		if err != nil || d.Digest.Encoded()[0] != tt.want {
			t.Errorf("%s: got %s, %v", tt.platform, d.Digest, err)
		}
	}
}

func TestParsePlatformRejects(t *testing.T) {
	for _, s := range []string{"linux", "/amd64", "linux/", "a/b/c/d"} {
		if _, err := ParsePlatform(s); err == nil {
			t.Errorf("ParsePlatform(%q) accepted", s)
		}
	}
}

func TestAuthFileRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	f, err := LoadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	f.raw["credsStore"] = []byte(`"keep-me"`)
	f.Set("127.0.0.1:5000", "alice", "s3:cret")
	f.Set("docker.io", "bob", "pw")
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	g, err := LoadAuthFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if string(g.raw["credsStore"]) != `"keep-me"` {
		t.Errorf("unknown key lost: %s", g.raw["credsStore"])
	}
	if _, ok := g.Auths[dockerHubKey]; !ok {
		t.Errorf("docker.io not stored under %s: %v", dockerHubKey, g.Auths)
	}
	a, err := g.Lookup("127.0.0.1:5000")
	if err != nil || a == nil || a.Username != "alice" || a.Password != "s3:cret" {
		t.Fatalf("Lookup = %+v, %v", a, err)
	}
	if !g.Remove("127.0.0.1:5000") || g.Remove("127.0.0.1:5000") {
		t.Error("Remove should report true then false")
	}
	if a, _ := g.Lookup("127.0.0.1:5000"); a != nil {
		t.Errorf("Lookup after Remove = %+v", a)
	}
}
