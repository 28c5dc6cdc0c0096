package options

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ParseEnvFile reads KEY=VALUE lines; a bare KEY takes the caller's value,
// as Docker does; # starts a comment line. Lines may be of any length. A
// name must be there and hold no blank, as Docker's parser says; a NUL
// byte, which no exec can pass, or bytes that are no UTF-8 are refused
// with the line's number.
func ParseEnvFile(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open env file: %w", err)
	}
	defer f.Close()
	var out []string
	r := bufio.NewReader(f)
	for n := 1; ; n++ {
		raw, err := r.ReadString('\n')
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("read env file %s: %w", path, err)
		}
		if raw == "" && err == io.EOF {
			return out, nil
		}
		line := strings.TrimSuffix(strings.TrimSuffix(raw, "\n"), "\r")
		if n == 1 {
			line = strings.TrimPrefix(line, "\ufeff") // a UTF-8 byte order mark
		}
		if !utf8.ValidString(line) || strings.ContainsRune(line, 0) {
			return nil, fmt.Errorf("env file %s contains invalid utf8 bytes or a NUL byte at line %d", path, n)
		}
		line = strings.TrimLeftFunc(line, unicode.IsSpace)
		if line != "" && !strings.HasPrefix(line, "#") {
			if err := checkEnvName(line); err != nil {
				return nil, fmt.Errorf("env file %s line %d: %w", path, n, err)
			}
			out = append(out, ExpandEnv(line)...)
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

// checkEnvName checks the name of a KEY=VALUE (or bare KEY) as Docker's
// env-file parser does.
func checkEnvName(kv string) error {
	name, _, _ := strings.Cut(kv, "=")
	if strings.ContainsAny(name, " \t") {
		return fmt.Errorf("poorly formatted environment: variable '%s' contains whitespaces", name)
	}
	if name == "" {
		return fmt.Errorf("poorly formatted environment: no variable name on line '%s'", kv)
	}
	return nil
}

// ValidateEnv checks a -e value as Docker's daemon does: a name is needed
// (-e =x is an error), and a NUL byte cannot reach the process.
func ValidateEnv(kv string) error {
	if name, _, _ := strings.Cut(kv, "="); name == "" {
		return fmt.Errorf("invalid environment variable: %s", kv)
	}
	if strings.ContainsRune(kv, 0) {
		return fmt.Errorf("invalid environment variable %q: it contains a NUL byte", kv)
	}
	return nil
}

// ExpandEnv turns a bare KEY into KEY=value from the caller's environment
// (dropped if unset), as `docker run -e KEY` does.
func ExpandEnv(kv string) []string {
	if strings.Contains(kv, "=") {
		return []string{kv}
	}
	if v, ok := os.LookupEnv(kv); ok {
		return []string{kv + "=" + v}
	}
	return nil
}

// MergeEnv overlays later KEY=VALUE entries on earlier ones, keeping order.
func MergeEnv(lists ...[]string) []string {
	var out []string
	idx := map[string]int{}
	for _, l := range lists {
		for _, kv := range l {
			k, _, _ := strings.Cut(kv, "=")
			if i, ok := idx[k]; ok {
				out[i] = kv
				continue
			}
			idx[k] = len(out)
			out = append(out, kv)
		}
	}
	return out
}
