package loadgen

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"slices"
	"sync"
	"time"
)

// A phase is one measurement of the client: saturation, or an offered
// rate (open loop), on conns connections to Addr each pipelining depth
// requests of Text.
type phase struct {
	Addr     string        `json:"addr"`
	Text     string        `json:"text"`
	Conns    int           `json:"conns"`
	Depth    int           `json:"depth"`
	Rate     float64       `json:"rate,omitempty"` // zero: saturate
	Duration time.Duration `json:"duration"`
	// Warmup saturates the connections this long first, unmeasured.
	Warmup time.Duration `json:"warmup,omitempty"`
}

// A phaseResult is what a phase measured. CPU is the CPU time the client
// process spent in the phase, when it runs in a process of its own (zero
// in-process, where it is part of the process's own).
type phaseResult struct {
	N    int64         `json:"n"`
	Rate float64       `json:"rate"`
	CPU  time.Duration `json:"cpu_ns"`
	P50  time.Duration `json:"p50_ns,omitempty"`
	P99  time.Duration `json:"p99_ns,omitempty"`
	Err  string        `json:"error,omitempty"`
}

// clientSide runs phases, keeping the connections of each (address,
// connections, depth) open between them.
type clientSide struct {
	mu    sync.Mutex
	pools map[string][]*client
	child bool
}

func newClientSide(child bool) *clientSide {
	return &clientSide{pools: map[string][]*client{}, child: child}
}

func (cs *clientSide) run(p phase) (phaseResult, error) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	key := fmt.Sprintf("%s %d %d", p.Addr, p.Conns, p.Depth)
	clients, ok := cs.pools[key]
	if !ok {
		var err error
		if clients, _, err = dialAll(p.Addr, request(p.Addr, p.Text), p.Conns, p.Depth); err != nil {
			return phaseResult{}, err
		}
		cs.pools[key] = clients
	}
	if p.Warmup > 0 {
		if _, _, err := saturate(clients, p.Warmup); err != nil {
			return phaseResult{}, err
		}
	}
	c0, _ := cpuTime()
	var res phaseResult
	if p.Rate == 0 {
		rate, n, err := saturate(clients, p.Duration)
		if err != nil {
			return res, err
		}
		res.N, res.Rate = n, rate
	} else {
		lat, rate, err := openLoop(clients, p.Rate, p.Duration)
		if err != nil {
			return res, err
		}
		slices.Sort(lat)
		res.N, res.Rate, res.P50, res.P99 = int64(len(lat)), rate, percentile(lat, 0.50), percentile(lat, 0.99)
	}
	if c1, ok := cpuTime(); ok && cs.child {
		res.CPU = c1 - c0
	}
	return res, nil
}

func (cs *clientSide) close() {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	for _, clients := range cs.pools {
		for _, c := range clients {
			c.conn.Close()
		}
	}
	cs.pools = map[string][]*client{}
}

// ServeClient is the load generator's client in a process of its own
// (Options.Client starts one): it reads one JSON phase per line from r,
// runs it and writes one JSON result per line to w, until r ends.
func ServeClient(r io.Reader, w io.Writer) error {
	cs := newClientSide(true)
	defer cs.close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	enc := json.NewEncoder(w)
	for sc.Scan() {
		var p phase
		if err := json.Unmarshal(sc.Bytes(), &p); err != nil {
			return fmt.Errorf("loadgen: client: phase: %w", err)
		}
		res, err := cs.run(p)
		if err != nil {
			res.Err = err.Error()
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	return sc.Err()
}

// A driver runs the client's phases, in this process or in another.
type driver interface {
	run(p phase) (phaseResult, error)
	close() error
}

type inProcess struct{ cs *clientSide }

func (d inProcess) run(p phase) (phaseResult, error) { return d.cs.run(p) }
func (d inProcess) close() error                     { d.cs.close(); return nil }

// process drives a client process speaking ServeClient's protocol.
type process struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Scanner
}

func startProcess(cmd *exec.Cmd) (*process, error) {
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("loadgen: starting the client process: %w", err)
	}
	sc := bufio.NewScanner(out)
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	return &process{cmd: cmd, in: in, out: sc}, nil
}

func (d *process) run(p phase) (phaseResult, error) {
	line, err := json.Marshal(p)
	if err != nil {
		return phaseResult{}, err
	}
	if _, err := d.in.Write(append(line, '\n')); err != nil {
		return phaseResult{}, fmt.Errorf("loadgen: client process: %w", err)
	}
	if !d.out.Scan() {
		err := d.out.Err()
		if err == nil {
			err = errors.New("it ended")
		}
		return phaseResult{}, fmt.Errorf("loadgen: client process: %w", err)
	}
	var res phaseResult
	if err := json.Unmarshal(d.out.Bytes(), &res); err != nil {
		return res, fmt.Errorf("loadgen: client process: %w", err)
	}
	if res.Err != "" {
		return res, errors.New(res.Err)
	}
	return res, nil
}

func (d *process) close() error {
	d.in.Close()
	return d.cmd.Wait()
}
