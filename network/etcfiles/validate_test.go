package etcfiles

import "testing"

func TestValidateHostname(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"web", true},
		{"web-1.example.org", true},
		{"a", true},
		{"0abc", true},
		{"web\n10.0.0.66 db", false},
		{"web db", false},
		{"-web", false},
		{"web-", false},
		{"web..org", false},
		{"web_1", false},
		{".web", false},
		{"x" + string(make([]byte, 63)), false},
		{"abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij.abcdefghij", false}, // 65 bytes
	}
	for _, tt := range tests {
		if err := ValidateHostname(tt.in); (err == nil) != tt.ok {
			t.Errorf("ValidateHostname(%q) = %v, want ok %v", tt.in, err, tt.ok)
		}
	}
}

func TestValidateDNSSearch(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"example.org", "example.org", true},
		{"corp.example.", "corp.example.", true},
		{" corp.example ", "corp.example", true},
		{".", ".", true},
		{"a.b-c.d", "a.b-c.d", true},
		{"example.org\nnameserver 10.0.0.66", "", false},
		{"example.org nameserver", "", false},
		{"123.456", "", false}, // Docker wants a letter
		{"", "", false},
		{"-bad.org", "", false},
		{"a..b", "", false},
	}
	for _, tt := range tests {
		got, err := ValidateDNSSearch(tt.in)
		if (err == nil) != tt.ok || got != tt.want {
			t.Errorf("ValidateDNSSearch(%q) = %q, %v; want %q ok %v", tt.in, got, err, tt.want, tt.ok)
		}
	}
}

func TestValidateDNSOptionAndAlias(t *testing.T) {
	for in, ok := range map[string]bool{
		"ndots:2": true, "rotate": true, "edns0": true, "timeout:1": true,
		"": false, "ndots:2\nnameserver 10.0.0.66": false, "a b": false, "x\x00": false, "#c": false,
	} {
		if err := ValidateDNSOption(in); (err == nil) != ok {
			t.Errorf("ValidateDNSOption(%q) = %v, want ok %v", in, err, ok)
		}
	}
	for in, ok := range map[string]bool{
		"db": true, "db.internal": true, "my_db-2": true,
		"": false, "db\n10.0.0.66 web": false, "db web": false, "-db": false, ".db": false, "db/x": false,
	} {
		if err := ValidateAlias(in); (err == nil) != ok {
			t.Errorf("ValidateAlias(%q) = %v, want ok %v", in, err, ok)
		}
	}
}
