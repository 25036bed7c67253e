//go:build unix

package benchmarks

import "syscall"

// cpuSeconds is the CPU time (user and system, every thread) the process
// has used. On a shared machine a rate per CPU second moves much less with
// other processes' load than a rate per wall second; it also charges the
// work of the GC's background workers.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
