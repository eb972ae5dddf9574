package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"runtime/debug"
	"sort"
	"strings"
	"time"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/loadgen"
	"github.com/ithc/ithc/verifier"
	"github.com/ithc/ithc/verify"
)

const verifierUsage = `usage: ithc verifier serve|check|status|load ...

    ithc verifier serve --config FILE [--listen ADDR] [--log-level LEVEL]
        serve the border officer's page (/) and the API (POST /v1/verify,
        GET /v1/status, /metrics), syncing from the gateway in the background
    ithc verifier check --url URL [--country CC] [--time T] [--json] [CODE|@FILE|-]
        verify a code, a photo or a PDF with a running verifier service
    ithc verifier status --url URL [--json]
        print the age and version of a running service's data
    ithc verifier load [--duration 10s] [--connections N] [--pipeline N] [--client-process] [--json]
        measure the service on loopback: verifications per second through
        HTTP next to cores × the library's single-core rate, and the p99
        latency at half that load (--client-process: the client runs as a
        second ithc process, "ithc verifier load-client")

A minimal configuration (docs/verifier.md lists every field):

    {"listen": "127.0.0.1:8080", "data_dir": "data",
     "gateway": "https://gateway.example:8443", "anchor": "anchor.pem"}

Examples:
    ithc verifier serve --config verifier.json
    ithc verifier check --url http://127.0.0.1:8080 --country FR @photo.jpg
    curl --data-binary @code.txt -H 'Content-Type: text/plain' 'http://127.0.0.1:8080/v1/verify?country=FR'
    curl --data-binary @photo.jpg -H 'Content-Type: image/jpeg' http://127.0.0.1:8080/v1/verify
    ithc verifier load --duration 10s`

// runVerifier runs the verifier service's commands.
func runVerifier(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return usageError("%s", verifierUsage)
	}
	switch args[0] {
	case "serve":
		return verifierServe(args[1:], stderr)
	case "load":
		return verifierLoad(args[1:], stdout, stderr)
	case "load-client":
		// The client process of "ithc verifier load" (loadgen.ServeClient).
		return loadgen.ServeClient(stdin, stdout)
	case "check":
		return verifierCheck(args[1:], stdin, stdout, stderr)
	case "status":
		return verifierStatus(args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, verifierUsage)
		return nil
	}
	return usageError("unknown verifier command %q\n%s", args[0], verifierUsage)
}

// verifierSources are the optional data sources the service syncs and
// loads beside the trust list: rules and value sets, revocations, and the
// configuration's decryption keys.
func verifierSources(cfg *verifier.Config) []verifier.Source {
	var refs []string
	for _, k := range cfg.DecryptKeys {
		refs = append(refs, cfg.Path(k))
	}
	return []verifier.Source{verifier.RulesSource(), verifier.RevocationSource(), verifier.DecryptionSource(refs)}
}

// serviceGC makes the collector run less often than Go's default unless
// GOGC says otherwise: the verifier's live heap is a few megabytes, and
// every request allocates its answer, so a fourfold heap target trades
// little memory for several percent of CPU (docs/verifier.md).
func serviceGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}

func verifierServe(args []string, stderr io.Writer) error {
	fs := newFlagSet("verifier serve", "ithc verifier serve --config FILE [--listen ADDR] [--log-level debug|info|warn]", stderr)
	config := fs.String("config", "", "verifier configuration file (required; see docs/verifier.md)")
	listen := fs.String("listen", "", "address to listen on, overriding the configuration's listen")
	level := fs.String("log-level", "info", "least level logged: debug, info, warn or error (no level logs personal data)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 || *config == "" {
		return usageError("--config is required, and no arguments")
	}
	var lv slog.Level
	if err := lv.UnmarshalText([]byte(*level)); err != nil {
		return usageError("--log-level %q: want debug, info, warn or error", *level)
	}
	cfg, err := verifier.LoadConfig(*config)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	log := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: lv}))
	svc, err := verifier.New(cfg, verifier.Options{Logger: log, Sources: verifierSources(cfg)})
	if err != nil {
		return err
	}
	serviceGC()
	ctx, cancel := signalContext()
	defer cancel()
	return svc.Run(ctx, nil)
}

func verifierLoad(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verifier load", "ithc verifier load [--duration 10s] [--connections N] [--pipeline N] [--client-process] [--json]", stderr)
	duration := fs.Duration("duration", 10*time.Second, "time of the saturation rounds (the half-load phase takes half as long again)")
	conns := fs.Int("connections", 0, "client connections (default 2 per core)")
	pipeline := fs.Int("pipeline", 0, "requests each connection sends before reading their answers (default 16; 1: no pipelining)")
	clientProcess := fs.Bool("client-process", false, "run the client as a second ithc process instead of in the service's process")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	verbose := fs.Bool("v", false, "print each round on standard error")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("unexpected argument %q", pos[0])
	}
	if *duration <= 0 || *conns < 0 || *pipeline < 0 {
		return usageError("--duration must be positive, --connections and --pipeline not negative")
	}
	serviceGC()
	o := loadgen.Options{Duration: *duration, Connections: *conns, Pipeline: *pipeline}
	if *clientProcess {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("verifier load: the client process needs this program's path (or leave out --client-process): %w", err)
		}
		o.Client = func() *exec.Cmd {
			cmd := exec.Command(exe, "verifier", "load-client")
			cmd.Stderr = stderr
			return cmd
		}
	}
	if *verbose {
		o.Logf = func(format string, a ...any) { fmt.Fprintf(stderr, format+"\n", a...) }
	}
	ctx, cancel := signalContext()
	defer cancel()
	rep, err := loadgen.Run(ctx, o)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rep)
	}
	_, err = io.WriteString(stdout, rep.String())
	return err
}

// verifierClient is the HTTP client of check and status.
var verifierClient = &http.Client{Timeout: 2 * time.Minute}

func verifierCheck(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("verifier check", "ithc verifier check --url URL [--country CC] [--time T] [--json] [CODE|@FILE|-]", stderr)
	base := fs.String("url", "", "base URL of the verifier service (required)")
	country := fs.String("country", "", "destination country whose entry rules apply (default: the service's)")
	at := fs.String("time", "", "verification time, RFC 3339 (default: now)")
	asJSON := fs.Bool("json", false, "print the service's answer as it is")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *base == "" || len(pos) > 1 {
		return usageError("--url is required, and at most one code")
	}
	max := int64(limits.MaxVerifyUpload)
	var raw []byte
	switch {
	case len(pos) == 0 || pos[0] == "-":
		if raw, err = io.ReadAll(io.LimitReader(stdin, max+1)); err != nil {
			return fmt.Errorf("reading standard input: %w", err)
		}
	case strings.HasPrefix(pos[0], "@"):
		if raw, err = limits.ReadFile(pos[0][1:], max); err != nil {
			return err
		}
	default:
		raw = []byte(pos[0])
	}
	ct := "text/plain; charset=utf-8"
	if isImageOrPDF(raw) {
		ct = "application/octet-stream"
	} else {
		raw = bytes.TrimSpace(raw)
	}
	q := url.Values{}
	if *country != "" {
		q.Set("country", *country)
	}
	if *at != "" {
		q.Set("time", *at)
	}
	u := strings.TrimRight(*base, "/") + "/v1/verify"
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	resp, err := verifierClient.Post(u, ct, bytes.NewReader(raw))
	if err != nil {
		return withHint(err, "is the verifier service running at %s?", *base)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limits.MaxVerifyTextBody))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		var e struct {
			Code    string `json:"error"`
			Message string `json:"message"`
		}
		if json.Unmarshal(body, &e) != nil || e.Message == "" {
			return fmt.Errorf("the service answered %s", resp.Status)
		}
		return &exitError{code: 1, err: fmt.Errorf("the service refused (%d %s): %s", resp.StatusCode, e.Code, e.Message)}
	}
	var r verify.Result
	if err := json.Unmarshal(body, &r); err != nil {
		return fmt.Errorf("the service's answer is not a result: %w", err)
	}
	if *asJSON {
		stdout.Write(append(bytes.TrimSpace(body), '\n'))
	} else {
		printVerifyResult(stdout, &r)
	}
	if r.Status != verify.StatusVerified {
		return &exitError{code: 1, err: errors.New("")}
	}
	return nil
}

func verifierStatus(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verifier status", "ithc verifier status --url URL [--json]", stderr)
	base := fs.String("url", "", "base URL of the verifier service (required)")
	asJSON := fs.Bool("json", false, "print the service's answer as it is")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if *base == "" || len(pos) > 0 {
		return usageError("--url is required, and no arguments")
	}
	resp, err := verifierClient.Get(strings.TrimRight(*base, "/") + "/v1/status")
	if err != nil {
		return withHint(err, "is the verifier service running at %s?", *base)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the service answered %s", resp.Status)
	}
	if *asJSON {
		_, err := stdout.Write(append(bytes.TrimSpace(body), '\n'))
		return err
	}
	var st verifier.Status
	if err := json.Unmarshal(body, &st); err != nil {
		return fmt.Errorf("the service's answer is not a status: %w", err)
	}
	line := func(name string, d verifier.DataStatus) {
		switch {
		case !d.Present:
			fmt.Fprintf(stdout, "%-11s none (%s)\n", name+":", orDash(d.Detail))
		case d.Updated.IsZero():
			fmt.Fprintf(stdout, "%-11s version %s, %s\n", name+":", orDash(d.Version), orDash(d.Detail))
		default:
			stale := ""
			if d.Stale {
				stale = ", STALE"
			}
			fmt.Fprintf(stdout, "%-11s version %s, updated %s (%s ago%s), %s\n", name+":", orDash(d.Version),
				timeString(d.Updated), time.Duration(d.AgeSeconds*float64(time.Second)).Round(time.Second), stale, orDash(d.Detail))
		}
		if d.LastError != "" {
			fmt.Fprintf(stdout, "%-11s last error: %s\n", "", d.LastError)
		}
	}
	line("trust list", st.TrustList)
	names := make([]string, 0, len(st.Data))
	for n := range st.Data {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		line(n, st.Data[n])
	}
	if st.Stale != nil {
		fmt.Fprintf(stdout, "stale:      %s older than %s\n", strings.Join(st.Stale.Data, ", "), time.Duration(st.StaleAfterSeconds*float64(time.Second)))
	}
	return nil
}
