package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime/pprof"
	"slices"
	"strings"

	"github.com/ithc/ithc/internal/bench"
)

const benchSynopsis = `ithc bench [--quick] [--json] [--only NAME,...] [--cpuprofile FILE]`

const benchHelp = `
Measures ITHC's performance figures in one process, each next to its floor
measured in the same run (the bare signature primitive, a bare HTTPS
server), and prints a table: name, value, unit, floor, ratio, target, met.
--json prints the same as [{"name","value","unit","floor","ratio","target",
"met"}], floor and ratio null where there is no floor, met null for a
figure only reported.

The full run takes a few minutes (the gateway figure builds a trust list
of 10,000 signers); --quick takes well under a minute, with 1,000 signers.
A missed target is reported, not an error: the exit status is 0 when every
figure was measured, 1 when a measurement failed. docs/performance.md says
what each figure means and what limits it.

Figures:
%s

Examples:
    ithc bench --quick
    ithc bench --json > figures.json
    ithc bench --only verify_hc1_es256 --cpuprofile cpu.out
`

// runBench runs "ithc bench".
func runBench(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", benchSynopsis, stderr)
	fs.Usage = func() {
		full := bench.Names(false)
		var quickOnly []string
		for _, n := range bench.Names(true) {
			if !slices.Contains(full, n) {
				quickOnly = append(quickOnly, n)
			}
		}
		names := append(full, "with --quick "+strings.Join(quickOnly, ", "))
		fmt.Fprintf(stderr, "Usage: %s\n%s\nFlags:\n", benchSynopsis, fmt.Sprintf(benchHelp, wrapList(names, 72, "    ")))
		fs.PrintDefaults()
	}
	quick := fs.Bool("quick", false, "a short run for CI and spot checks (1,000 gateway signers, 1 million revocation entries)")
	asJSON := fs.Bool("json", false, "print the figures as JSON")
	only := fs.String("only", "", "measure only these figures (comma-separated names)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the run to FILE (for go tool pprof)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError("unexpected argument %q", pos[0])
	}
	opts := bench.Options{Quick: *quick, Log: stderr}
	if *only != "" {
		names := bench.Names(*quick)
		for _, n := range strings.Split(*only, ",") {
			n = strings.TrimSpace(n)
			if !slices.Contains(names, n) {
				return withHint(usageError("--only: unknown figure %q", n), "the figures are %s", strings.Join(names, ", "))
			}
			opts.Only = append(opts.Only, n)
		}
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()

	fmt.Fprintf(stderr, "bench: %s\n", bench.Machine())
	figures, runErr := bench.Run(ctx, opts)
	if *asJSON {
		err = bench.WriteJSON(stdout, figures)
	} else {
		err = bench.WriteTable(stdout, figures)
	}
	if err != nil {
		return err
	}
	if runErr != nil {
		return &exitError{code: 1, err: runErr}
	}
	return nil
}

// wrapList joins items with ", " in lines of at most width characters,
// each starting with indent.
func wrapList(items []string, width int, indent string) string {
	var b strings.Builder
	line := indent
	for i, it := range items {
		if i < len(items)-1 {
			it += ","
		}
		if len(line) > len(indent) && len(line)+1+len(it) > width {
			b.WriteString(line + "\n")
			line = indent
		}
		if len(line) > len(indent) {
			line += " "
		}
		line += it
	}
	b.WriteString(line)
	return b.String()
}
