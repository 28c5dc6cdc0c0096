package engine

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/berth-containers/berth/internal/bytesize"
)

// CreateOptions are the flags of create and run, as typed.
type CreateOptions struct {
	Image       string
	Cmd         []string
	Name        string
	Entrypoint  *string // nil: the image's; "" clears it
	Env         []string
	EnvFiles    []string
	Workdir     string
	User        string
	Hostname    string
	Labels      []string
	TTY         bool
	Interactive bool
	Memory      string
	MemorySwap  string
	CPUs        string
	CPUShares   int64
	CpusetCpus  string
	PidsLimit   int64
	Ulimits     []string
	Volumes     []string
	Mounts      []string
	Tmpfs       []string
	ReadOnly    bool
	CapAdd      []string
	CapDrop     []string
	Privileged  bool
	SecurityOpt []string
	Devices     []string
	Init        bool
	StopSignal  string
	StopTimeout *int
	Network     string
	Restart     string
	AutoRemove  bool
	Pull        string // missing, always, never
	Platform    string
	Runtime     string
	LogMaxSize  string
	LogMaxFile  string

	NetworkOptions // --ip, -p, --dns ... (network.go)
	ExtraOptions   // --pid, --ipc, --sysctl ... (create_extra.go)
	HealthOptions  // --health-cmd ... (health.go)
}

// ParseBytes reads Docker's sizes: 512, 64k, 100m, 1g (see
// internal/bytesize). "-1" is an error; flags that take it for unlimited
// check for it first.
func ParseBytes(s string) (int64, error) { return bytesize.Parse(s) }

// ParseCPUs turns --cpus into nano CPUs.
func ParseCPUs(s string) (int64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("invalid argument %q for \"--cpus\" flag: use a number of CPUs such as 0.5 or 2", s)
	}
	return int64(f * 1e9), nil
}

// ParseRestart reads --restart.
func ParseRestart(s string) (RestartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	p := RestartPolicy{Name: name}
	switch name {
	case "", "no":
		p.Name = "no"
	case "always", "unless-stopped":
	case "on-failure":
		if hasCount {
			n, err := strconv.Atoi(count)
			if err != nil || n < 0 {
				return p, fmt.Errorf("invalid restart policy %q: the retry count must be a non-negative integer", s)
			}
			p.MaximumRetryCount = n
		}
		return p, nil
	default:
		return p, fmt.Errorf("invalid restart policy %q: use no, always, unless-stopped or on-failure[:max-retries]", s)
	}
	if hasCount {
		return p, fmt.Errorf("invalid restart policy %q: maximum retry count can only be used with 'on-failure'", s)
	}
	return p, nil
}

// ParseUlimit reads name=soft[:hard].
func ParseUlimit(s string) (Ulimit, error) {
	name, val, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return Ulimit{}, fmt.Errorf("invalid ulimit argument: %s (use name=soft[:hard])", s)
	}
	soft, hard, hasHard := strings.Cut(val, ":")
	parse := func(v string) (int64, error) {
		if v == "unlimited" || v == "-1" {
			return -1, nil
		}
		return strconv.ParseInt(v, 10, 64)
	}
	u := Ulimit{Name: name}
	var err error
	if u.Soft, err = parse(soft); err != nil {
		return u, fmt.Errorf("invalid ulimit argument: %s (use name=soft[:hard])", s)
	}
	u.Hard = u.Soft
	if hasHard {
		if u.Hard, err = parse(hard); err != nil {
			return u, fmt.Errorf("invalid ulimit argument: %s (use name=soft[:hard])", s)
		}
	}
	if u.Hard >= 0 && (u.Soft < 0 || u.Soft > u.Hard) {
		return u, fmt.Errorf("ulimit soft limit must be less than or equal to hard limit: %s", s)
	}
	return u, nil
}

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
			out = append(out, expandEnv(line)...)
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

// expandEnv turns a bare KEY into KEY=value from the caller's environment
// (dropped if unset), as `docker run -e KEY` does.
func expandEnv(kv string) []string {
	if strings.Contains(kv, "=") {
		return []string{kv}
	}
	if v, ok := os.LookupEnv(kv); ok {
		return []string{kv + "=" + v}
	}
	return nil
}

// mergeEnv overlays later KEY=VALUE entries on earlier ones, keeping order.
func mergeEnv(lists ...[]string) []string {
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
