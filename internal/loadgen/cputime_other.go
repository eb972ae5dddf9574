//go:build !unix

package loadgen

import "time"

func cpuTime() (time.Duration, bool) { return 0, false }
