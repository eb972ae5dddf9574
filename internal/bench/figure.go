package bench

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"text/tabwriter"
)

// Figure is one measured figure: a row of the table and an element of the
// JSON array.
type Figure struct {
	// Name identifies the figure, such as "verify_hc1_es256".
	Name string `json:"name"`
	// Value is the measured figure, in Unit.
	Value float64 `json:"value"`
	// Unit is the unit of Value and Floor, such as "µs" or "PDFs/s".
	Unit string `json:"unit"`
	// Floor is the physical floor measured in the same run (the bare
	// signature primitive, the bytes moved by a bare HTTPS server, ...),
	// in Unit; nil where the figure has none.
	Floor *float64 `json:"floor"`
	// Ratio is Value relative to Floor (for times, the median of the
	// per-round ratios of interleaved rounds; see the package
	// documentation); nil without a floor.
	Ratio *float64 `json:"ratio"`
	// Target is what the figure should reach, such as "ratio <= 1.10",
	// or "report" for a figure only reported.
	Target string `json:"target"`
	// Met says whether Target is reached; nil for a figure only reported.
	Met *bool `json:"met"`
}

// quantity is what a target bounds.
type quantity string

// The quantities a target bounds.
const (
	ofValue quantity = "value"
	ofRatio quantity = "ratio"
)

// target is the goal of a figure: of (its value or its ratio to the
// floor) at most or at least limit; the zero target means report only.
type target struct {
	of     quantity
	atMost bool // "<=", else ">="
	limit  float64
}

// reportOnly is the target of a figure that has no goal.
var reportOnly = target{}

func atMost(of quantity, limit float64) target  { return target{of: of, atMost: true, limit: limit} }
func atLeast(of quantity, limit float64) target { return target{of: of, limit: limit} }

// String returns the target as the table shows it: "ratio <= 1.10",
// "value >= 200", or "report" (a whole limit without decimals, any other
// with two).
func (t target) String() string {
	if t.of == "" {
		return "report"
	}
	op := ">="
	if t.atMost {
		op = "<="
	}
	limit := strconv.FormatFloat(t.limit, 'f', 2, 64)
	if t.limit == math.Trunc(t.limit) {
		limit = strconv.FormatFloat(t.limit, 'f', 0, 64)
	}
	return fmt.Sprintf("%s %s %s", t.of, op, limit)
}

// met reports whether f reaches t; nil for report only. A figure whose
// bounded quantity is missing or not a number does not reach its target.
func (t target) met(value float64, ratio *float64) *bool {
	if t.of == "" {
		return nil
	}
	x := value
	if t.of == ofRatio {
		if ratio == nil {
			return ptr(false)
		}
		x = *ratio
	}
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return ptr(false)
	}
	if t.atMost {
		return ptr(x <= t.limit)
	}
	return ptr(x >= t.limit)
}

// newFigure returns the figure of a value and, when floor is not nil, its
// floor and ratio, judged against t.
func newFigure(name string, value float64, unit string, floor, ratio *float64, t target) Figure {
	return Figure{Name: name, Value: value, Unit: unit, Floor: floor, Ratio: ratio, Target: t.String(), Met: t.met(value, ratio)}
}

func ptr[T any](v T) *T { return &v }

// formatNumber prints x with at least digits decimals for small numbers
// and three significant digits otherwise (12.3, 1.08, 0.0421, 2150).
func formatNumber(x float64, digits int) string {
	switch {
	case math.IsNaN(x) || math.IsInf(x, 0):
		return strconv.FormatFloat(x, 'f', -1, 64)
	case math.Abs(x) >= 1000:
		return strconv.FormatFloat(x, 'f', 0, 64)
	case math.Abs(x) >= 100:
		return strconv.FormatFloat(x, 'f', 1, 64)
	case math.Abs(x) >= 1 || x == 0:
		return strconv.FormatFloat(x, 'f', digits, 64)
	}
	// Below 1: three significant digits.
	d := 2 - int(math.Floor(math.Log10(math.Abs(x))))
	return strconv.FormatFloat(x, 'f', d, 64)
}

// WriteTable writes figures as an aligned text table with the columns
// name, value, unit, floor, ratio, target, met; "-" stands for no floor
// or ratio, and met is "yes", "NO" or "-" (report only).
func WriteTable(w io.Writer, figures []Figure) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tvalue\tunit\tfloor\tratio\ttarget\tmet")
	for _, f := range figures {
		floor, ratio, met := "-", "-", "-"
		if f.Floor != nil {
			floor = formatNumber(*f.Floor, 2)
		}
		if f.Ratio != nil {
			ratio = formatNumber(*f.Ratio, 3)
		}
		if f.Met != nil {
			met = "NO"
			if *f.Met {
				met = "yes"
			}
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Name, formatNumber(f.Value, 2), f.Unit, floor, ratio, f.Target, met)
	}
	return tw.Flush()
}

// WriteJSON writes figures as a JSON array, one figure a line:
// [{"name","value","unit","floor","ratio","target","met"}], with null for
// no floor, no ratio and a figure only reported. Numbers that are not
// finite (a measurement that failed to produce one) are written as null
// too, as JSON has no other way to say so.
func WriteJSON(w io.Writer, figures []Figure) error {
	var b strings.Builder
	b.WriteString("[")
	for i, f := range figures {
		if i > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  ")
		var line bytes.Buffer
		enc := json.NewEncoder(&line)
		enc.SetEscapeHTML(false) // "ratio <= 1.10", not "ratio \u003c= 1.10"
		err := enc.Encode(struct {
			Name   string   `json:"name"`
			Value  *float64 `json:"value"`
			Unit   string   `json:"unit"`
			Floor  *float64 `json:"floor"`
			Ratio  *float64 `json:"ratio"`
			Target string   `json:"target"`
			Met    *bool    `json:"met"`
		}{f.Name, finite(&f.Value), f.Unit, finite(f.Floor), finite(f.Ratio), f.Target, f.Met})
		if err != nil {
			return fmt.Errorf("bench: %s: %w", f.Name, err)
		}
		b.Write(bytes.TrimSuffix(line.Bytes(), []byte("\n")))
	}
	b.WriteString("\n]\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// finite returns p, or nil when *p is NaN or infinite.
func finite(p *float64) *float64 {
	if p == nil || math.IsNaN(*p) || math.IsInf(*p, 0) {
		return nil
	}
	return p
}
