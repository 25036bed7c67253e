//go:build !unix

package benchmarks

// cpuSeconds is unknown here: the per-CPU-second rates are not reported.
func cpuSeconds() float64 { return 0 }
