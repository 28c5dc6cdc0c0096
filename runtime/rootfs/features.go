package rootfs

import "sort"

// OptionNames lists every mount option Setup understands, for `features`.
func OptionNames() []string {
	names := []string{"tmpcopyup"}
	for n := range mountFlags {
		names = append(names, n)
	}
	for n := range propagationFlags {
		names = append(names, n)
	}
	for n := range recAttrFlags {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
