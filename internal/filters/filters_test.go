package filters

import (
	"errors"
	"reflect"
	"testing"
)

func TestParse(t *testing.T) {
	docker := Set{Keys: []string{"name", "label"}}
	worded := Set{
		Keys:   []string{"dangling"},
		Check:  func(k, v string) error { return check(v) },
		Format: func(arg string) error { return errors.New("format " + arg) },
		Key:    func(arg, key string) error { return errors.New("key " + arg + " " + key) },
	}
	for _, tt := range []struct {
		name string
		set  Set
		args []string
		want Args
		err  string
	}{
		{"none", docker, nil, Args{}, ""},
		{"values in order", docker, []string{"name=a", "label=x=y", "name=b"}, Args{"name": {"a", "b"}, "label": {"x=y"}}, ""},
		{"empty value", docker, []string{"label="}, Args{"label": {""}}, ""},
		{"no equals", docker, []string{"name"}, nil, "bad format of filter (expected name=value): name"},
		{"unknown key", docker, []string{"name=a", "size=1"}, nil, "invalid filter 'size'"},
		{"own format wording", worded, []string{"dangling"}, nil, "format dangling"},
		{"own key wording", worded, []string{"x=1"}, nil, "key x=1 x"},
		{"bad value", worded, []string{"dangling=maybe"}, nil, "bad value maybe"},
		{"first bad argument wins", worded, []string{"dangling=maybe", "x=1"}, nil, "bad value maybe"},
		{"good value", worded, []string{"dangling=true"}, Args{"dangling": {"true"}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.set.Parse(tt.args)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("Parse(%q) error %v; want %q", tt.args, err, tt.err)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("Parse(%q) = %v, %v; want %v", tt.args, got, err, tt.want)
			}
		})
	}
}

func check(v string) error {
	if v != "true" && v != "false" {
		return errors.New("bad value " + v)
	}
	return nil
}

func TestLast(t *testing.T) {
	a := Args{"until": {"1h", "2h"}}
	if v, ok := a.Last("until"); v != "2h" || !ok {
		t.Errorf("Last(until) = %q, %v; want 2h true", v, ok)
	}
	if v, ok := a.Last("label"); v != "" || ok {
		t.Errorf("Last(label) = %q, %v; want \"\" false", v, ok)
	}
}

func TestMatchLabel(t *testing.T) {
	labels := map[string]string{"a": "1", "b": "", "c": "x=y"}
	for _, tt := range []struct {
		filter string
		want   bool
	}{
		{"a", true}, {"a=1", true}, {"a=2", false}, {"a=", false},
		{"b", true}, {"b=", true}, {"c=x=y", true}, {"c=x", false}, {"d", false},
	} {
		if got := MatchLabel(labels, tt.filter); got != tt.want {
			t.Errorf("MatchLabel(%q) = %v; want %v", tt.filter, got, tt.want)
		}
	}
}
