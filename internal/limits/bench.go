package limits

// Caps of package internal/bench and "ithc bench".
const (
	// MaxCPUInfo is the most of /proc/cpuinfo read to name the processor
	// in a benchmark report: the first processor's "model name" line is in
	// its first kilobyte, and a machine with hundreds of cores writes
	// hundreds of kilobytes that are of no use here.
	MaxCPUInfo = 64 << 10
)
