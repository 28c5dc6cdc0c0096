package eventlog

import (
	"fmt"
	"strconv"
	"testing"
	"time"
)

func BenchmarkRead100k(b *testing.B) {
	l := Open(b.TempDir())
	start := time.Now()
	for i := 0; i < 100000; i++ {
		if err := l.Append(Event{Type: Container, Action: "start", Actor: Actor{ID: fmt.Sprintf("%064x", i/4),
			Attributes: map[string]string{"image": "busybox", "name": "c" + strconv.Itoa(i), "com.example.tier": "web"}}, Time: start}); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		n := 0
		if err := l.Read(ReadOptions{}, func(Event) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
		if n != 100000 {
			b.Fatal(n)
		}
	}
}
