package store

import (
	"encoding/binary"
	"encoding/hex"
)

// Docker-style generated names: adjective_scientist.
var (
	adjectives = []string{"admiring", "brave", "clever", "dazzling", "eager", "focused", "gallant", "happy",
		"jolly", "keen", "lucid", "modest", "nifty", "optimistic", "peaceful", "quirky", "relaxed",
		"serene", "tender", "upbeat", "vibrant", "wizardly", "youthful", "zealous"}
	scientists = []string{"archimedes", "babbage", "curie", "dijkstra", "euler", "fermi", "gauss", "hopper",
		"izumi", "jennings", "knuth", "lovelace", "meitner", "noether", "ohm", "pascal", "ritchie",
		"shannon", "turing", "volta", "wiles", "yalow", "zuse"}
)

// RandomName derives a name from the (random) ID, with a number taken from
// it too so that collisions stay rare; Insert refuses a taken name anyway.
func RandomName(id string) string {
	b, _ := hex.DecodeString(id[:16])
	n := binary.BigEndian.Uint64(b)
	a := adjectives[n%uint64(len(adjectives))]
	s := scientists[(n/97)%uint64(len(scientists))]
	return a + "_" + s + "_" + id[:4]
}
