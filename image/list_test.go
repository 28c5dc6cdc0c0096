package image

import "testing"

func TestParseFilters(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"dangling=true", "reference=busybox*", "label=a=b"}, ""},
		{[]string{"dangling"}, `bad filter "dangling": want key=value (dangling=true, reference=busybox*, label=key=value)`},
		{[]string{"dangling=maybe"}, `bad filter "dangling=maybe": dangling takes true or false`},
		{[]string{"before=x"}, `bad filter "before=x": supported are dangling, reference and label`},
	} {
		f, err := ParseFilters(tt.args)
		if (tt.want == "") != (err == nil) || (err != nil && err.Error() != tt.want) {
			t.Errorf("ParseFilters(%q) error %v; want %q", tt.args, err, tt.want)
		}
		if err == nil && (f.Dangling == nil || !*f.Dangling || len(f.References) != 1 || len(f.Labels) != 1) {
			t.Errorf("ParseFilters(%q) = %+v", tt.args, f)
		}
	}
}
