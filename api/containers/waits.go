package containers

import (
	"sync"
	"time"
)

// waitSet counts the wait requests in progress for each container. dockerd
// removes a --rm container whose start failed before it answers the
// start, so a client's wait (condition removed) has its answer first;
// docker run --rm cancels that wait as soon as the start fails, and
// prints "error waiting for container: context canceled" if it has none.
// A failed start of a --rm container therefore drains the waits first.
type waitSet struct {
	mu sync.Mutex
	n  map[string]int
}

func (s *waitSet) add(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n == nil {
		s.n = map[string]int{}
	}
	s.n[id]++
}

func (s *waitSet) done(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.n[id]--; s.n[id] <= 0 {
		delete(s.n, id)
	}
}

// drain waits until no wait of id is in progress, or timeout passes.
func (s *waitSet) drain(id string, timeout time.Duration) {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		n := s.n[id]
		s.mu.Unlock()
		if n == 0 {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
}
