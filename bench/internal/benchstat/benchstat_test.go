package benchstat

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestQuantiles(t *testing.T) {
	ms := func(ns ...int) []time.Duration {
		var ds []time.Duration
		for _, n := range ns {
			ds = append(ds, time.Duration(n)*time.Millisecond)
		}
		return ds
	}
	cases := []struct {
		name        string
		in          []time.Duration
		median, p90 time.Duration
	}{
		{"empty", nil, 0, 0},
		{"one", ms(7), 7 * time.Millisecond, 7 * time.Millisecond},
		{"odd, unsorted", ms(5, 1, 3), 3 * time.Millisecond, 5 * time.Millisecond},
		{"even takes the upper middle", ms(4, 1, 3, 2), 3 * time.Millisecond, 4 * time.Millisecond},
		{"ten", ms(10, 9, 8, 7, 6, 5, 4, 3, 2, 1), 6 * time.Millisecond, 9 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := append([]time.Duration{}, c.in...)
			if got := Median(c.in); got != c.median {
				t.Errorf("Median = %v, want %v", got, c.median)
			}
			if got := Quantile(c.in, 0.9); got != c.p90 {
				t.Errorf("Quantile(0.9) = %v, want %v", got, c.p90)
			}
			for i := range before {
				if before[i] != c.in[i] {
					t.Fatalf("input reordered: %v, was %v", c.in, before)
				}
			}
		})
	}
	if got := MedianF([]float64{3, 1, 2}); got != 2 {
		t.Errorf("MedianF = %v, want 2", got)
	}
	if got := MedianF(nil); got != 0 {
		t.Errorf("MedianF(nil) = %v, want 0", got)
	}
}

func TestWriteFileAndFetch(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "www", "payload")
	const size = 3 << 16
	if err := WriteFile(path, size); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Size() != size {
		t.Fatalf("payload: %v, %v; want %d bytes", fi, err, size)
	}
	if err := WriteFile(path, size); err == nil {
		t.Fatal("WriteFile over an existing file succeeded; it must make a new one")
	}
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(path))))
	defer srv.Close()
	if mbs, err := Fetch(srv.URL+"/payload", size); err != nil || mbs <= 0 {
		t.Fatalf("Fetch = %v, %v", mbs, err)
	}
	if _, err := Fetch(srv.URL+"/payload", size+1); err == nil {
		t.Fatal("Fetch of a short body succeeded")
	}
}

func TestProcFigures(t *testing.T) {
	if Loadavg() == "?" {
		t.Error("Loadavg could not read /proc/loadavg")
	}
	if PSS(os.Getpid()) <= 0 {
		t.Error("PSS of this process is not positive")
	}
	if PSS(-1) != 0 {
		t.Error("PSS of a missing process is not 0")
	}
}
