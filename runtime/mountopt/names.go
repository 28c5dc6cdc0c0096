package mountopt

import "sort"

// Names lists every mount option Parse understands, for `features`.
func Names() []string {
	names := []string{"tmpcopyup", "idmap", "ridmap"}
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
