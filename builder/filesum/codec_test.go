package filesum

import (
	"errors"
	"reflect"
	"testing"
)

func TestCodec(t *testing.T) {
	in := map[string]entry{
		"/ctx/a":         {stamp{Dev: 2049, Ino: 1 << 40, Size: 5, Mtime: 1796302220123456789, Ctime: -1}, sumOf("a")},
		"/ctx/dir/ü b":   {stamp{Size: 0}, sumOf("")},
		"/ctx/bad sum":   {stamp{Size: 1}, []byte("short")}, // not written
		"/ctx/long/name": {stamp{Dev: 1, Ino: 2, Size: 1 << 33, Mtime: 3, Ctime: 4}, sumOf("long")},
	}
	data := encode(in)
	got, err := decode(data)
	if err != nil {
		t.Fatal(err)
	}
	delete(in, "/ctx/bad sum")
	if !reflect.DeepEqual(got, in) {
		t.Errorf("decode(encode(m)) = %v, want %v", got, in)
	}
	if got, err := decode(encode(map[string]entry{})); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
	flipped := append([]byte(nil), data...)
	flipped[len(magic)+3] ^= 1
	for name, d := range map[string][]byte{
		"truncated": data[:len(data)-1],
		"flipped":   flipped,
		"JSON":      []byte(`{"/ctx/a":{"d":1,"i":2,"s":5,"m":3,"c":4,"h":"AAAA"}}`),
		"empty":     nil,
		"magic":     magic,
	} {
		if _, err := decode(d); !errors.Is(err, errFormat) {
			t.Errorf("decode of a %s file: %v, want errFormat", name, err)
		}
	}
}
