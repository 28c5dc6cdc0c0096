package options

import (
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/berth-containers/berth/engine/record"
)

// ParseCPUs turns --cpus into nano CPUs.
func ParseCPUs(s string) (int64, error) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 0 || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, fmt.Errorf("invalid argument %q for \"--cpus\" flag: use a number of CPUs such as 0.5 or 2", s)
	}
	return int64(f * 1e9), nil
}

// ParseRestart reads --restart.
func ParseRestart(s string) (record.RestartPolicy, error) {
	name, count, hasCount := strings.Cut(s, ":")
	p := record.RestartPolicy{Name: name}
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
func ParseUlimit(s string) (record.Ulimit, error) {
	name, val, ok := strings.Cut(s, "=")
	if !ok || name == "" {
		return record.Ulimit{}, fmt.Errorf("invalid ulimit argument: %s (use name=soft[:hard])", s)
	}
	soft, hard, hasHard := strings.Cut(val, ":")
	parse := func(v string) (int64, error) {
		if v == "unlimited" || v == "-1" {
			return -1, nil
		}
		return strconv.ParseInt(v, 10, 64)
	}
	u := record.Ulimit{Name: name}
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

// ParseExpose reads --expose PORT[-END][/PROTO] into exposed port keys.
func ParseExpose(list []string) (map[string]struct{}, error) {
	out := map[string]struct{}{}
	for _, s := range list {
		ports, proto, ok := strings.Cut(s, "/")
		if !ok {
			proto = "tcp"
		}
		if proto != "tcp" && proto != "udp" && proto != "sctp" {
			return nil, fmt.Errorf("invalid proto for --expose: %s", s)
		}
		lo, hi, isRange := strings.Cut(ports, "-")
		if !isRange {
			hi = lo
		}
		start, err1 := strconv.ParseUint(lo, 10, 16)
		end, err2 := strconv.ParseUint(hi, 10, 16)
		if err1 != nil || err2 != nil || start == 0 || end < start {
			return nil, fmt.Errorf("invalid range format for --expose: %s", s)
		}
		for p := start; p <= end; p++ {
			out[fmt.Sprintf("%d/%s", p, proto)] = struct{}{}
		}
	}
	return out, nil
}

// ReadLabelFiles reads --label-file: KEY=VALUE lines, # comments.
func ReadLabelFiles(files []string) ([]string, error) {
	var out []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("read label file: %w", err)
		}
		for _, line := range strings.Split(string(data), "\n") {
			line = strings.TrimSpace(line)
			if line != "" && !strings.HasPrefix(line, "#") {
				out = append(out, line)
			}
		}
	}
	return out, nil
}
