package options

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestParseEnvFile(t *testing.T) {
	t.Setenv("BERTH_TEST_FROM_CALLER", "yes")
	long := strings.Repeat("x", 1<<20) // past bufio.Scanner's 64 KiB
	tests := []struct {
		name, data string
		want       []string
		wantErr    string
	}{
		{"plain", "A=1\n  B=two words\n# comment\n\nC=\n", []string{"A=1", "B=two words", "C="}, ""},
		{"crlf and bom", "\ufeffA=1\r\nB=2", []string{"A=1", "B=2"}, ""},
		{"bare name", "BERTH_TEST_FROM_CALLER\nBERTH_TEST_UNSET\n", []string{"BERTH_TEST_FROM_CALLER=yes"}, ""},
		{"long line", "L=" + long + "\n", []string{"L=" + long}, ""},
		{"empty name", "A=1\n=bad\n", nil, "line 2: poorly formatted environment: no variable name on line '=bad'"},
		{"space in name", "MY VAR=1\n", nil, "variable 'MY VAR' contains whitespaces"},
		{"tab in name", "MY\tVAR=1\n", nil, "contains whitespaces"},
		{"NUL", "A=1\x00B=2\n", nil, "NUL byte at line 1"},
		{"not utf8", "A=\xff\n", nil, "invalid utf8 bytes"},
	}
	for _, tt := range tests {
		p := filepath.Join(t.TempDir(), "env")
		if err := os.WriteFile(p, []byte(tt.data), 0o600); err != nil {
			t.Fatal(err)
		}
		got, err := ParseEnvFile(p)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%s: err %v, want %q", tt.name, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: %.80q, %v; want %.80q", tt.name, got, err, tt.want)
		}
	}
}

func TestValidateEnv(t *testing.T) {
	for kv, ok := range map[string]bool{
		"A=1": true, "A=": true, "A": true, "A=x=y": true,
		"=bad": false, "=": false, "": false, "A=x\x00y": false,
	} {
		if err := ValidateEnv(kv); (err == nil) != ok {
			t.Errorf("ValidateEnv(%q) = %v, want ok %v", kv, err, ok)
		}
	}
}
