package etcfiles

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHosts(t *testing.T) {
	ip := netip.MustParseAddr("10.88.0.2")
	tests := []struct {
		name       string
		hostname   string
		domain     string
		ips        []netip.Addr
		extra      []Host
		wantSuffix string
	}{
		{"bridge", "abc123", "", []netip.Addr{ip}, nil, "ff02::2\tip6-allrouters\n10.88.0.2\tabc123\n"},
		{"domain", "web", "example.org", []netip.Addr{ip}, nil, "10.88.0.2\tweb.example.org web\n"},
		{"add-host", "web", "", []netip.Addr{ip},
			[]Host{{IP: netip.MustParseAddr("192.0.2.9"), Names: []string{"db"}}},
			"ip6-allrouters\n192.0.2.9\tdb\n10.88.0.2\tweb\n"},
		{"none", "web", "", nil, nil, "ff02::2\tip6-allrouters\n"},
	}
	for _, tt := range tests {
		got := string(Hosts(tt.hostname, tt.domain, tt.ips, tt.extra))
		if !strings.HasPrefix(got, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n") {
			t.Errorf("%s: no localhost lines first:\n%s", tt.name, got)
		}
		if !strings.HasSuffix(got, tt.wantSuffix) {
			t.Errorf("%s: got\n%s\nwant it to end with\n%s", tt.name, got, tt.wantSuffix)
		}
	}
}

func TestParseAddHost(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr bool
	}{
		{"db:192.0.2.9", "192.0.2.9 db", false},
		{"db=192.0.2.9", "192.0.2.9 db", false},
		{"v6:[::1]", "::1 v6", false},
		{"db", "", true},
		{":1.2.3.4", "", true},
		{"db:nope", "", true},
		{"db\n10.0.0.66 evil:192.0.2.9", "", true},
		{"a b:192.0.2.9", "", true},
		{"db:192.0.2.9\n10.0.0.66 evil", "", true},
		{"#db:192.0.2.9", "", true},
	}
	for _, tt := range tests {
		h, err := ParseAddHost(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseAddHost(%q) error %v, wantErr %v", tt.in, err, tt.wantErr)
			continue
		}
		if got := strings.TrimSpace(h.IP.String() + " " + strings.Join(h.Names, " ")); !tt.wantErr && got != tt.want {
			t.Errorf("ParseAddHost(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestContainerResolv(t *testing.T) {
	host := ParseResolv([]byte("# generated\nnameserver 127.0.0.53\nnameserver 10.255.255.53\n" +
		"search corp.example\noptions edns0 ndots:2\n"))
	loopOnly := ParseResolv([]byte("nameserver 127.0.0.53\nnameserver ::1\n"))
	tests := []struct {
		name     string
		host     Resolv
		opts     DNSOptions
		embedded bool
		want     string
	}{
		{"bridge filters loopback", host, DNSOptions{}, false,
			"nameserver 10.255.255.53\nsearch corp.example\noptions edns0 ndots:2\n"},
		{"only loopback falls back", loopOnly, DNSOptions{}, false,
			"nameserver 8.8.8.8\nnameserver 8.8.4.4\n"},
		{"user network embedded", host, DNSOptions{}, true,
			"nameserver 127.0.0.11\nsearch corp.example\noptions ndots:0 edns0\n"},
		{"--dns --dns-search --dns-option", host, DNSOptions{Servers: []string{"192.0.2.53"}, Search: []string{"a.example"}, Options: []string{"timeout:1"}}, false,
			"nameserver 192.0.2.53\nsearch a.example\noptions timeout:1\n"},
		{"--dns on user network keeps embedded", host, DNSOptions{Servers: []string{"192.0.2.53"}}, true,
			"nameserver 127.0.0.11\nsearch corp.example\noptions ndots:0 edns0\n"},
	}
	for _, tt := range tests {
		if got := string(ContainerResolv(tt.host, tt.opts, tt.embedded).Bytes()); got != tt.want {
			t.Errorf("%s: got\n%s\nwant\n%s", tt.name, got, tt.want)
		}
	}
}

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "hosts")
	for _, content := range []string{"one\n", "two\n"} {
		if err := WriteFile(p, []byte(content)); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != content {
			t.Fatalf("read %q, want %q", b, content)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Fatalf("temp files left: %v", entries)
	}
}
