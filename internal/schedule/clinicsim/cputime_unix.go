//go:build unix

package clinicsim

import (
	"syscall"
	"time"
)

// CPUTime returns the process's user and system CPU time so far (0 where
// the system cannot say). Benchmarks report it beside wall time, which
// suffers when other work shares the machine.
func CPUTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
