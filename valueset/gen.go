//go:build ignore

// Command gen writes data/eu.tsv from the EU DCC value-set files:
//
//	go generate ./valueset
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ithc/ithc/valueset/internal/gen"
)

func main() {
	src := flag.String("src", "../../shared/testdata/dcc-valuesets", "directory of EU value-set JSON files")
	out := flag.String("out", "data/eu.tsv", "output file")
	flag.Parse()
	data, err := gen.Generate(*src)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen: error:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, data, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen: error:", err)
		os.Exit(1)
	}
}
