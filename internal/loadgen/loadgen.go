// Package loadgen measures the verifier service under load on loopback
// (issue 6): the sustained verifications per second through HTTP next to
// the library's single-core verify rate times the cores, and the latency
// at half that load.
//
// Run builds a fake country (ES256 document signer), issues one native
// HC1 code, starts a verifier.Service on 127.0.0.1 over a data directory
// holding that signer, and then alternates rounds of two measurements in
// the same process: the library's rate (verify.Verifier.Verify in one
// goroutine, the floor's unit) and the service's rate under saturation (a
// lean HTTP/1.1 client on keep-alive connections, each sending Pipeline
// requests at once and reading their answers, posting the QR text as
// text/plain and checking that every answer says verified: one request,
// one code, one answer). A round's ratio is its HTTP rate over cores
// × its library rate; the report gives medians over the rounds, so that a
// neighbour's burst on a shared machine spoils a round, not the figure.
// Then it offers half of cores × the library rate, open loop (each
// request has a scheduled time, and its latency counts from then, so a
// stalled server is not hidden by a client that waits), and reports the
// p50 and p99 latencies; and the same at half the sustained rate. Last,
// it measures the sustained rate without pipelining (one request in
// flight per connection), for comparison.
//
// The client runs on the same cores as the service, in a process of its
// own when Options.Client says how to start one (ithc verifier load
// --client-process does), else in the service's process, with twice as
// many runtime processors as cores for the two of them: either way its CPU
// time is counted against the service, which makes the ratio a lower
// bound.
package loadgen

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/trust"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

// Options configure Run. The zero Options run for 10 seconds with 2
// connections per core and 16 requests pipelined on each.
type Options struct {
	// Duration is the time of the saturation rounds together; the
	// half-load phase lasts half of it. Zero means 10 seconds.
	Duration time.Duration
	// Connections is the number of client connections; zero means 2 per
	// core.
	Connections int
	// Pipeline is the number of requests a connection sends before it
	// reads their answers (HTTP/1.1 pipelining); zero means 16, 1 turns
	// pipelining off.
	Pipeline int
	// Logf, when set, receives progress lines.
	Logf func(format string, args ...any)
	// Client, when set, returns the command of a client process (one
	// that runs ServeClient on its standard input and output, such as
	// "ithc verifier load-client"): the client then runs in a process of
	// its own, as a load generator would, and its CPU time is added to
	// the service's. Nil runs the client in this process.
	Client func() *exec.Cmd
}

// Report is what Run measured.
type Report struct {
	// Cores is the number of cores the measurement may use: GOMAXPROCS
	// as the process started, at most the CPUs. Procs is GOMAXPROCS
	// during the run: twice Cores when the client shares the process.
	Cores int `json:"cores"`
	Procs int `json:"procs"`
	// Connections is the number of client connections and Pipeline the
	// requests each sends at once.
	Connections int `json:"connections"`
	Pipeline    int `json:"pipeline"`
	// ClientProcess says the client ran in a process of its own.
	ClientProcess bool `json:"client_process"`
	// Rounds is the number of saturation rounds.
	Rounds int `json:"rounds"`
	// LibraryRate is the median single-core rate of verify.Verifier.Verify
	// on the same code (verifications per second).
	LibraryRate float64 `json:"library_rate"`
	// Floor is Cores × LibraryRate.
	Floor float64 `json:"floor"`
	// Sustained is the median rate through HTTP at saturation.
	Sustained float64 `json:"sustained"`
	// Ratio is the median per-round ratio of Sustained to Floor; the
	// issue's target is at least 0.8.
	Ratio float64 `json:"ratio"`
	// HalfLoadRate is the offered rate of the latency phase (Floor / 2)
	// and HalfLoadAchieved the rate answered.
	HalfLoadRate     float64 `json:"half_load_rate"`
	HalfLoadAchieved float64 `json:"half_load_achieved"`
	// P50 and P99 are the latencies at half load, from each request's
	// scheduled time; the target is P99 at most 10 ms.
	P50 time.Duration `json:"p50_ns"`
	P99 time.Duration `json:"p99_ns"`
	// Requests counts every request sent; every answer was checked.
	Requests int64 `json:"requests"`
	// LibraryCPU and HTTPCPU are the median CPU time of the process per
	// verification, in the library phase and through HTTP (service and
	// client together), and CPURatio their ratio: what the throughput
	// ratio would be with the cores to ourselves, a figure that other
	// processes on a shared machine disturb much less than rates. Zero
	// where the CPU time cannot be read.
	LibraryCPU time.Duration `json:"library_cpu_ns"`
	HTTPCPU    time.Duration `json:"http_cpu_ns"`
	CPURatio   float64       `json:"cpu_ratio"`
	// HalfSustainedRate is half of Sustained, the other reading of "half
	// load", offered open loop as HalfLoadRate is, with its latencies.
	HalfSustainedRate     float64       `json:"half_sustained_rate"`
	HalfSustainedAchieved float64       `json:"half_sustained_achieved"`
	HalfSustainedP50      time.Duration `json:"half_sustained_p50_ns"`
	HalfSustainedP99      time.Duration `json:"half_sustained_p99_ns"`
	// BareHTTPCPU is the CPU time per request of a bare server of the
	// same kind (fasthttp, configured as the service's) on the same
	// loopback, with the same client, answering every request with the
	// bytes of a verified answer without verifying anything: the cost of
	// HTTP alone. CeilingRatio is LibraryCPU / (LibraryCPU + BareHTTPCPU),
	// the highest CPU ratio the service could reach with its client on
	// the same cores.
	BareHTTPCPU  time.Duration `json:"bare_http_cpu_ns"`
	CeilingRatio float64       `json:"ceiling_ratio"`
	// Unpipelined is the sustained rate with one request in flight per
	// connection (4 connections per core), and UnpipelinedRatio its ratio
	// to Floor: what clients that do not pipeline get.
	Unpipelined      float64 `json:"unpipelined"`
	UnpipelinedRatio float64 `json:"unpipelined_ratio"`
}

// Met reports whether the floors are met: Ratio ≥ 0.8 and P99 ≤
// 10 ms.
func (r *Report) Met() bool { return r.Ratio >= 0.8 && r.P99 <= 10*time.Millisecond }

// String writes the report as the command prints it.
func (r *Report) String() string {
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "NO"
	}
	var b strings.Builder
	where := fmt.Sprintf("in the service's process, GOMAXPROCS %d", r.Procs)
	if r.ClientProcess {
		where = "in a process of its own"
	}
	fmt.Fprintf(&b, "cores                          %d (connections %d, %d requests pipelined on each, rounds %d; client %s)\n",
		r.Cores, r.Connections, r.Pipeline, r.Rounds, where)
	fmt.Fprintf(&b, "library verify, one core       %.0f verifications/s\n", r.LibraryRate)
	fmt.Fprintf(&b, "floor: cores × library         %.0f verifications/s\n", r.Floor)
	fmt.Fprintf(&b, "HTTP sustained                 %.0f verifications/s  ratio %.3f  target >= 0.80  met %s\n", r.Sustained, r.Ratio, yes(r.Ratio >= 0.8))
	if r.HTTPCPU > 0 {
		fmt.Fprintf(&b, "CPU per verification           library %.1f µs, HTTP (service + client) %.1f µs, ratio %.3f\n",
			us(r.LibraryCPU), us(r.HTTPCPU), r.CPURatio)
	}
	if r.BareHTTPCPU > 0 {
		fmt.Fprintf(&b, "bare HTTP server, same answer  %.1f µs CPU per request: ceiling ratio %.3f\n", us(r.BareHTTPCPU), r.CeilingRatio)
	}
	fmt.Fprintf(&b, "half load offered / answered   %.0f / %.0f verifications/s\n", r.HalfLoadRate, r.HalfLoadAchieved)
	fmt.Fprintf(&b, "latency at half load           p50 %.2f ms  p99 %.2f ms  target p99 <= 10 ms  met %s\n",
		ms(r.P50), ms(r.P99), yes(r.P99 <= 10*time.Millisecond))
	if r.HalfSustainedRate > 0 {
		fmt.Fprintf(&b, "at half the sustained rate     %.0f / %.0f verifications/s: p50 %.2f ms  p99 %.2f ms\n",
			r.HalfSustainedRate, r.HalfSustainedAchieved, ms(r.HalfSustainedP50), ms(r.HalfSustainedP99))
	}
	if r.Unpipelined > 0 {
		fmt.Fprintf(&b, "without pipelining             %.0f verifications/s  ratio %.3f (one request in flight per connection)\n", r.Unpipelined, r.UnpipelinedRatio)
	}
	return b.String()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// Fixture is a verifier service on loopback and a code it verifies.
type Fixture struct {
	// URL is the service's base URL.
	URL string
	// Text is the QR text of an ES256 HC1 code the service verifies.
	Text string
	// Verifier is the library verifier over the same trust list.
	Verifier *verify.Verifier
	stop     func() error
	svc      *verifier.Service
}

// Close stops the service and removes its data directory.
func (f *Fixture) Close() error { return f.stop() }

// answer is the service's answer to the fixture's code.
func (f *Fixture) answer() ([]byte, error) {
	host := strings.TrimPrefix(f.URL, "http://")
	c, err := dial(host, request(host, f.Text), 1)
	if err != nil {
		return nil, err
	}
	defer c.conn.Close()
	if err := c.do(1, nil); err != nil {
		return nil, err
	}
	return c.body, nil
}

// NewFixture starts a verifier service on 127.0.0.1 (no rate limit, logs
// discarded) over a fresh data directory holding one ES256 document
// signer, and issues a native HC1 code signed by it.
func NewFixture() (*Fixture, error) {
	now := time.Now().UTC().Truncate(time.Second)
	country, err := trust.GenerateCountry(trust.CountryOptions{Country: "CN", Now: now.Add(-time.Hour)})
	if err != nil {
		return nil, err
	}
	cert := &healthcert.Certificate{
		Issuer:    healthcert.Issuer{Country: "CN", Name: "Load test"},
		IssuedAt:  now.Add(-time.Minute),
		ExpiresAt: now.Add(30 * 24 * time.Hour),
		Holder: healthcert.Holder{
			Name:        healthcert.Name{Family: "Load", Given: "Test", FamilyICAO: "LOAD", GivenICAO: "TEST"},
			DateOfBirth: healthcert.Date{Year: 1980, Month: 1, Day: 1},
			Document:    &healthcert.TravelDocument{Type: "P", Number: "X0000000", IssuingState: "CN"},
		},
		Events: []healthcert.Event{&healthcert.Vaccination{
			Common:      healthcert.Common{Disease: "840539006", Country: "CN"},
			VaccineType: "J07BX03", Product: "BBIBP-CorV", Manufacturer: "ORG-100020693",
			DoseNumber: 2, TotalDoses: 2, Date: healthcert.DateOf(now.Add(-30 * 24 * time.Hour)),
		}},
	}
	if cert.ID, err = healthcert.NewUVCI("CN", "", nil, true); err != nil {
		return nil, err
	}
	text, err := hc1.Sign(hc1.SignInput{Native: cert}, country.DSCKey, hc1.SignOptions{Certificate: country.DSC})
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "ithc-loadgen-")
	if err != nil {
		return nil, err
	}
	fail := func(err error) (*Fixture, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	id := base64.StdEncoding.EncodeToString(trust.KID(country.DSC))
	// The data directory as a sync leaves it, holding the one signer (the
	// CSCA stands in for the gateway's anchor, which nothing checks here).
	list := &trust.SyncedList{Source: "loadgen", Synced: now, Signers: []string{id},
		List: trust.List{Format: trust.ListFormat, Version: 1, Issued: now,
			Entries: []trust.ListEntry{{Seq: 1, Kind: "signer", ID: id, Country: "CN", Data: country.DSC.Raw, Timestamp: now}}}}
	dataDir := filepath.Join(dir, "data")
	if err := trust.SaveSynced(dataDir, country.CSCA, list); err != nil {
		return fail(err)
	}
	store, _, _, err := trust.LoadSynced(dataDir)
	if err != nil {
		return fail(err)
	}
	lib := verify.NewWithTrust(verify.Trust{HC1: store}, verify.Options{ClockSkew: verify.DefaultClockSkew})
	if r := lib.Verify(text); r.Status != verify.StatusVerified {
		return fail(fmt.Errorf("loadgen: the code does not verify: %s %s", r.Status, r.Detail))
	}
	cfg, err := verifier.ParseConfig([]byte(`{"data_dir": "data", "listen": "127.0.0.1:0", "rate_limit": -1}`), dir)
	if err != nil {
		return fail(err)
	}
	svc, err := verifier.New(cfg, verifier.Options{})
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx, func(addr string) { ready <- addr }) }()
	var url string
	select {
	case url = <-ready:
	case err := <-done:
		cancel()
		return fail(err)
	}
	f := &Fixture{URL: url, Text: text, Verifier: lib, svc: svc, stop: func() error {
		cancel()
		err := <-done
		os.RemoveAll(dir)
		return err
	}}
	return f, nil
}

// client is one keep-alive HTTP/1.1 connection posting the same request,
// up to depth of them at once.
type client struct {
	conn  net.Conn
	r     *bufio.Reader
	one   int    // length of one request
	req   []byte // depth copies of the request
	depth int
	body  []byte
}

func dial(addr string, req []byte, depth int) (*client, error) {
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return nil, err
	}
	return &client{conn: c, r: bufio.NewReaderSize(c, 64<<10), one: len(req), req: bytes.Repeat(req, depth), depth: depth}, nil
}

var verified = []byte(`"status":"verified"`)

// do sends n requests (n <= depth) in one write and reads their answers,
// checking that each is a 200 saying verified; done, when set, is called
// after each answer.
func (c *client) do(n int, done func(i int)) error {
	if _, err := c.conn.Write(c.req[:n*c.one]); err != nil {
		return err
	}
	for i := range n {
		if err := c.readOnly(); err != nil {
			return err
		}
		if done != nil {
			done(i)
		}
	}
	return nil
}

// readOnly reads one answer into c.body.
func (c *client) readOnly() error {
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("loadgen: answer %q", bytes.TrimSpace(line))
	}
	n := -1
	for {
		h, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if len(h) <= 2 {
			break
		}
		if k, v, ok := bytes.Cut(h, []byte(":")); ok && strings.EqualFold(string(k), "Content-Length") {
			if n, err = strconv.Atoi(string(bytes.TrimSpace(v))); err != nil {
				return fmt.Errorf("loadgen: Content-Length %q", v)
			}
		}
	}
	if n < 0 {
		return errors.New("loadgen: answer without Content-Length")
	}
	c.body = slices.Grow(c.body[:0], n)[:n]
	if _, err := io.ReadFull(c.r, c.body); err != nil {
		return err
	}
	if !bytes.Contains(c.body[:min(len(c.body), 64)], verified) {
		return fmt.Errorf("loadgen: answer %.200s", c.body)
	}
	return nil
}

func request(host, text string) []byte {
	return []byte("POST /v1/verify HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: text/plain\r\nContent-Length: " +
		strconv.Itoa(len(text)) + "\r\n\r\n" + text)
}

func dialAll(host string, req []byte, conns, depth int) ([]*client, func(), error) {
	clients := make([]*client, 0, conns)
	closeAll := func() {
		for _, c := range clients {
			c.conn.Close()
		}
	}
	for range conns {
		c, err := dial(host, req, depth)
		if err != nil {
			closeAll()
			return nil, nil, err
		}
		clients = append(clients, c)
	}
	return clients, closeAll, nil
}

// libraryRate runs Verify in this goroutine for d and returns the rate
// and the CPU time per verification.
func libraryRate(v *verify.Verifier, text string, d time.Duration) (float64, time.Duration, error) {
	c0, _ := cpuTime()
	start := time.Now()
	n := 0
	for time.Since(start) < d {
		for range 16 {
			if r := v.Verify(text); r.Status != verify.StatusVerified {
				return 0, 0, fmt.Errorf("loadgen: %s", r.Status)
			}
		}
		n += 16
	}
	rate := float64(n) / time.Since(start).Seconds()
	c1, ok := cpuTime()
	if !ok {
		return rate, 0, nil
	}
	return rate, (c1 - c0) / time.Duration(n), nil
}

// saturate posts on every client as fast as answers come for d and
// returns the rate and the number of answers.
func saturate(clients []*client, d time.Duration) (float64, int64, error) {
	var n atomic.Int64
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for _, c := range clients {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				if err := c.do(c.depth, nil); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				n.Add(int64(c.depth))
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(start).Seconds(), n.Load(), firstErr
}

// measure runs a phase on the driver and returns its result with the CPU
// time per answer of this process and the client's together.
func measure(d driver, p phase) (phaseResult, time.Duration, error) {
	c0, _ := cpuTime()
	res, err := d.run(p)
	if err != nil {
		return res, 0, err
	}
	c1, ok := cpuTime()
	if !ok || res.N == 0 {
		return res, 0, nil
	}
	return res, (c1 - c0 + res.CPU) / time.Duration(res.N), nil
}

// openLoop offers rate requests per second for d, spread over the
// clients, and returns the latencies from each request's scheduled time.
// A client sends at once every request due (at most its depth), then
// reads their answers; requests that come due meanwhile wait, and their
// wait counts.
func openLoop(clients []*client, rate float64, d time.Duration) ([]time.Duration, float64, error) {
	k := len(clients)
	interval := time.Duration(float64(time.Second) * float64(k) / rate)
	total := int(rate * d.Seconds())
	lat := make([][]time.Duration, k)
	var firstErr error
	var once sync.Once
	var wg sync.WaitGroup
	start := time.Now().Add(10 * time.Millisecond)
	for j, c := range clients {
		wg.Go(func() {
			// Client j sends requests j, j+k, j+2k… at start + i/rate.
			offset := time.Duration(float64(time.Second) * float64(j) / rate)
			at := func(i int) time.Time { return start.Add(offset + time.Duration(i)*interval) }
			for i := 0; i*k+j < total; {
				if w := time.Until(at(i)); w > 0 {
					time.Sleep(w)
				}
				now := time.Now()
				n := 1
				for n < c.depth && (i+n)*k+j < total && !at(i+n).After(now) {
					n++
				}
				if err := c.do(n, func(m int) { lat[j] = append(lat[j], time.Since(at(i+m))) }); err != nil {
					once.Do(func() { firstErr = err })
					return
				}
				i += n
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	var all []time.Duration
	for _, l := range lat {
		all = append(all, l...)
	}
	return all, float64(len(all)) / elapsed.Seconds(), firstErr
}

// bareHTTPCPU measures a bare server of the service's kind answering
// every request with answer, the service's answer to it, without
// verifying: the CPU time per request of HTTP alone, with the phase's
// client.
func bareHTTPCPU(d driver, p phase, answer []byte) (time.Duration, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	srv := &fasthttp.Server{ReadTimeout: 5 * time.Second, WriteTimeout: time.Minute, NoDefaultServerHeader: true,
		ReadBufferSize: limits.MaxVerifierHeader,
		Handler: func(ctx *fasthttp.RequestCtx) {
			h := &ctx.Response.Header
			h.SetContentType("application/json")
			h.Set("Cache-Control", "no-store")
			h.Set("X-Content-Type-Options", "nosniff")
			ctx.SetBody(answer)
		}}
	go srv.Serve(ln)
	defer srv.Shutdown()
	p.Addr = ln.Addr().String()
	_, per, err := measure(d, p)
	return per, err
}

func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(p*float64(len(sorted))+0.5) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func median(x []float64) float64 {
	if len(x) == 0 {
		return 0
	}
	s := slices.Clone(x)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Run measures the service as the package documentation describes.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Duration <= 0 {
		o.Duration = 10 * time.Second
	}
	logf := o.Logf
	if logf == nil {
		logf = func(string, ...any) {}
	}
	cores := min(runtime.GOMAXPROCS(0), runtime.NumCPU())
	procs := cores
	if o.Client == nil {
		// The client and the service share this process. Each gets the
		// runtime processors it would have in a process of its own, and
		// the kernel shares the cores between them, as it would between
		// two processes: with only cores processors, a client goroutine
		// waits in the runtime's queue behind the service's goroutines
		// (a pipelined batch runs for a millisecond without yielding),
		// which adds milliseconds to the latencies measured, not to the
		// service's. The floor stays cores × the library's rate.
		procs = 2 * cores
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
	}
	if o.Connections <= 0 {
		o.Connections = 2 * cores
	}
	if o.Pipeline <= 0 {
		o.Pipeline = 16
	}
	f, err := NewFixture()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	host := strings.TrimPrefix(f.URL, "http://")
	var d driver = inProcess{newClientSide(false)}
	if o.Client != nil {
		pd, err := startProcess(o.Client())
		if err != nil {
			return nil, err
		}
		d = pd
	}
	defer d.close()
	rep := &Report{Cores: cores, Procs: procs, Connections: o.Connections, Pipeline: o.Pipeline, ClientProcess: o.Client != nil}
	const round = 2 * time.Second
	rounds := max(1, int(o.Duration/round))
	libTime, httpTime := round/4, round*3/4
	if o.Duration < round {
		libTime, httpTime = o.Duration/4, o.Duration*3/4
	}
	sat := phase{Addr: host, Text: f.Text, Conns: o.Connections, Depth: o.Pipeline, Duration: httpTime}
	// Warm up: connections, pools, the signer cache.
	if _, err := d.run(phase{Addr: host, Text: f.Text, Conns: o.Connections, Depth: o.Pipeline, Duration: 200 * time.Millisecond}); err != nil {
		return nil, err
	}
	var libs, https, ratios, libCPU, httpCPU, cpuRatios []float64
	for i := range rounds {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		lib, lc, err := libraryRate(f.Verifier, f.Text, libTime)
		if err != nil {
			return nil, err
		}
		res, hc, err := measure(d, sat)
		if err != nil {
			return nil, err
		}
		h := res.Rate
		rep.Requests += res.N
		libs, https, ratios = append(libs, lib), append(https, h), append(ratios, h/(float64(cores)*lib))
		if lc > 0 && hc > 0 {
			libCPU, httpCPU, cpuRatios = append(libCPU, float64(lc)), append(httpCPU, float64(hc)), append(cpuRatios, float64(lc)/float64(hc))
		}
		logf("round %d: library %.0f/s on one core, HTTP %.0f/s, ratio %.3f; CPU per verification: library %v, HTTP %v",
			i+1, lib, h, ratios[i], lc, hc)
	}
	rep.Rounds = rounds
	rep.LibraryRate, rep.Sustained, rep.Ratio = median(libs), median(https), median(ratios)
	rep.LibraryCPU, rep.HTTPCPU, rep.CPURatio = time.Duration(median(libCPU)), time.Duration(median(httpCPU)), median(cpuRatios)
	rep.Floor = float64(cores) * rep.LibraryRate
	if rep.LibraryCPU > 0 {
		answer, err := f.answer()
		if err != nil {
			return nil, err
		}
		bare, err := bareHTTPCPU(d, phase{Text: f.Text, Conns: o.Connections, Depth: o.Pipeline,
			Duration: min(2*time.Second, o.Duration/2), Warmup: 200 * time.Millisecond}, answer)
		if err != nil {
			return nil, err
		}
		rep.BareHTTPCPU = bare
		if bare > 0 {
			rep.CeilingRatio = float64(rep.LibraryCPU) / float64(rep.LibraryCPU+bare)
		}
		logf("bare HTTP server: %v CPU per request", bare)
	}
	open := sat
	open.Duration = max(o.Duration/2, time.Second)
	open.Rate = rep.Floor / 2
	res, err := d.run(open)
	if err != nil {
		return nil, err
	}
	rep.Requests += res.N
	rep.HalfLoadRate, rep.HalfLoadAchieved, rep.P50, rep.P99 = open.Rate, res.Rate, res.P50, res.P99
	logf("half load: offered %.0f/s, answered %.0f/s, p50 %.2f ms, p99 %.2f ms", rep.HalfLoadRate, res.Rate, ms(rep.P50), ms(rep.P99))
	open.Rate = rep.Sustained / 2
	if res, err = d.run(open); err != nil {
		return nil, err
	}
	rep.Requests += res.N
	rep.HalfSustainedRate, rep.HalfSustainedAchieved, rep.HalfSustainedP50, rep.HalfSustainedP99 = open.Rate, res.Rate, res.P50, res.P99
	logf("half the sustained rate: offered %.0f/s, answered %.0f/s, p50 %.2f ms, p99 %.2f ms", rep.HalfSustainedRate, res.Rate,
		ms(rep.HalfSustainedP50), ms(rep.HalfSustainedP99))
	if o.Pipeline > 1 {
		single := sat
		single.Conns, single.Depth, single.Warmup = 4*cores, 1, 200*time.Millisecond
		res, err := d.run(single)
		if err != nil {
			return nil, err
		}
		rep.Requests += res.N
		rep.Unpipelined, rep.UnpipelinedRatio = res.Rate, res.Rate/rep.Floor
		logf("without pipelining: %.0f/s, ratio %.3f", res.Rate, rep.UnpipelinedRatio)
	}
	return rep, nil
}
