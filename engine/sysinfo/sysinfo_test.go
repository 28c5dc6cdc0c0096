package sysinfo

import (
	"reflect"
	"strings"
	"testing"
)

func TestTally(t *testing.T) {
	for _, tc := range []struct {
		name string
		objs []Usage
		want DiskUsageRow
	}{
		{"none", nil, DiskUsageRow{Type: "Images"}},
		{"all used", []Usage{{10, true}, {5, true}}, DiskUsageRow{Type: "Images", Total: 2, Active: 2, Size: 15}},
		{"some unused", []Usage{{10, true}, {5, false}, {7, false}}, DiskUsageRow{Type: "Images", Total: 3, Active: 1, Size: 22, Reclaimable: 12}},
		{"empty and unused", []Usage{{0, false}}, DiskUsageRow{Type: "Images", Total: 1}},
	} {
		if got := Tally("Images", tc.objs); got != tc.want {
			t.Errorf("%s: Tally = %+v, want %+v", tc.name, got, tc.want)
		}
	}
}

func TestLayerSizes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		layers []ImageLayers
		want   [][3]int64 // size, shared, unique
	}{
		{"one image", []ImageLayers{{Chains: []string{"a", "ab"}, Sizes: []int64{10, 5}}}, [][3]int64{{15, 0, 15}}},
		{"a shared base", []ImageLayers{
			{Chains: []string{"a", "ab"}, Sizes: []int64{10, 5}},
			{Chains: []string{"a", "ac"}, Sizes: []int64{10, 7}},
		}, [][3]int64{{15, 10, 5}, {17, 10, 7}}},
		{"same top, different base: chain IDs differ", []ImageLayers{
			{Chains: []string{"a", "ab"}, Sizes: []int64{10, 5}},
			{Chains: []string{"x", "xb"}, Sizes: []int64{3, 5}},
		}, [][3]int64{{15, 0, 15}, {8, 0, 8}}},
		{"sizes of fewer layers than chains", []ImageLayers{
			{Chains: []string{"a", "ab"}, Sizes: []int64{10}},
			{Chains: []string{"a"}, Sizes: []int64{10}},
		}, [][3]int64{{10, 10, 0}, {10, 10, 0}}},
		{"more sizes than chains", []ImageLayers{{Chains: []string{"a"}, Sizes: []int64{1, 2}}}, [][3]int64{{3, 0, 3}}},
	} {
		images := make([]DiskUsageImage, len(tc.layers))
		LayerSizes(images, tc.layers)
		got := make([][3]int64, len(images))
		for i, im := range images {
			got[i] = [3]int64{im.Size, im.SharedSize, im.Unique}
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestParseMemTotal(t *testing.T) {
	for _, tc := range []struct {
		data string
		want uint64
	}{
		{"MemTotal:       2048 kB\nMemFree: 5 kB\n", 2048 << 10},
		{"MemFree: 5 kB\nMemTotal: 1 kB\n", 1 << 10},
		{"MemFree: 5 kB\n", 0},
		{"", 0},
	} {
		if got := parseMemTotal(tc.data); got != tc.want {
			t.Errorf("parseMemTotal(%q) = %d, want %d", tc.data, got, tc.want)
		}
	}
}

func TestParseOSRelease(t *testing.T) {
	for _, tc := range []struct {
		data, pretty, version string
	}{
		{"PRETTY_NAME=\"Debian GNU/Linux 13 (trixie)\"\nNAME=\"Debian GNU/Linux\"\nVERSION_ID=\"13\"\n", "Debian GNU/Linux 13 (trixie)", "13"},
		{"PRETTY_NAME='Alpine Linux v3.20'\nVERSION_ID=3.20.1\n", "Alpine Linux v3.20", "3.20.1"},
		{"NAME=Other\n", "<unknown>", ""},
	} {
		p, v := parseOSRelease(strings.NewReader(tc.data), "<unknown>")
		if p != tc.pretty || v != tc.version {
			t.Errorf("parseOSRelease(%q) = %q, %q; want %q, %q", tc.data, p, v, tc.pretty, tc.version)
		}
	}
}

func TestRegistryConfig(t *testing.T) {
	rc := registryConfig([]string{"127.0.0.1:5000"})
	if !rc.IndexConfigs["docker.io"].Secure || !rc.IndexConfigs["docker.io"].Official {
		t.Errorf("docker.io: %+v, want secure and official", rc.IndexConfigs["docker.io"])
	}
	if in, ok := rc.IndexConfigs["127.0.0.1:5000"]; !ok || in.Secure || in.Mirrors == nil {
		t.Errorf("insecure registry: %+v, %v; want listed, not secure, mirrors []", in, ok)
	}
}

func TestEngineID(t *testing.T) {
	root := t.TempDir()
	id, err := EngineID(root)
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 36 || strings.Count(id, "-") != 4 {
		t.Errorf("EngineID = %q, want a UUID's shape", id)
	}
	again, err := EngineID(root)
	if err != nil || again != id {
		t.Errorf("second EngineID = %q, %v; want %q", again, err, id)
	}
}
