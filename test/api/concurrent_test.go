package api_test

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentWithCLI creates and removes containers through the API and
// the berth CLI at the same moment: each side sees every record, and none
// is lost or left.
func TestConcurrentWithCLI(t *testing.T) {
	s := startService(t)
	s.must(t, "pull", "busybox")
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan string, 2*n)
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if r := s.docker("", "run", "-d", "--name", fmt.Sprintf("api%d", i), "--network", "none", "busybox", "sleep", "600"); r.code != 0 {
				errs <- "docker run: " + r.stderr
			}
		}()
		go func() {
			defer wg.Done()
			out := s.berth("run", "-d", "--name", fmt.Sprintf("cli%d", i), "--network", "none", "busybox", "sleep", "600")
			if len(strings.TrimSpace(out)) != 64 {
				errs <- "berth run: " + out
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	var want []string
	for i := 0; i < n; i++ {
		want = append(want, fmt.Sprintf("api%d", i), fmt.Sprintf("cli%d", i))
	}
	sort.Strings(want)
	names := func(out string) string {
		f := strings.Fields(out)
		sort.Strings(f)
		return strings.Join(f, " ")
	}
	if got := names(s.must(t, "ps", "--format", "{{.Names}}")); got != strings.Join(want, " ") {
		t.Errorf("docker ps = %s, want %s", got, strings.Join(want, " "))
	}
	if got := names(s.berth("ps", "--format", "{{.Names}}")); got != strings.Join(want, " ") {
		t.Errorf("berth ps = %s, want %s", got, strings.Join(want, " "))
	}
	// Remove them crosswise: the API the CLI's, the CLI the API's.
	for i := 0; i < n; i++ {
		wg.Add(2)
		go func() { defer wg.Done(); s.docker("", "rm", "-f", fmt.Sprintf("cli%d", i)) }()
		go func() { defer wg.Done(); s.berth("rm", "-f", fmt.Sprintf("api%d", i)) }()
	}
	wg.Wait()
	if left := strings.TrimSpace(s.berth("ps", "-aq")); left != "" {
		t.Errorf("containers left after the removals: %s", left)
	}
	if left := strings.TrimSpace(s.must(t, "ps", "-aq")); left != "" {
		t.Errorf("docker ps -aq after the removals: %s", left)
	}
}
