package bench

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func TestTarget(t *testing.T) {
	for _, tc := range []struct {
		target target
		value  float64
		ratio  *float64
		str    string
		met    *bool
	}{
		{atMost(ofRatio, 1.1), 80, ptr(1.05), "ratio <= 1.10", ptr(true)},
		{atMost(ofRatio, 1.1), 80, ptr(1.1), "ratio <= 1.10", ptr(true)},
		{atMost(ofRatio, 1.1), 80, ptr(1.11), "ratio <= 1.10", ptr(false)},
		{atMost(ofRatio, 1.1), 80, nil, "ratio <= 1.10", ptr(false)},
		{atMost(ofRatio, 1.1), 80, ptr(math.NaN()), "ratio <= 1.10", ptr(false)},
		{atLeast(ofValue, 200), 431, nil, "value >= 200", ptr(true)},
		{atLeast(ofValue, 1.8), 0.99, ptr(1.0), "value >= 1.80", ptr(false)},
		{atMost(ofValue, 30), 29.9, nil, "value <= 30", ptr(true)},
		{atMost(ofValue, 30), math.Inf(1), nil, "value <= 30", ptr(false)},
		{reportOnly, 5, ptr(2.5), "report", nil},
	} {
		if got := tc.target.String(); got != tc.str {
			t.Errorf("Target%+v.String() = %q, want %q", tc.target, got, tc.str)
		}
		got := tc.target.met(tc.value, tc.ratio)
		if (got == nil) != (tc.met == nil) || got != nil && *got != *tc.met {
			t.Errorf("%s with value %v, ratio %v: met = %v, want %v", tc.str, tc.value, deref(tc.ratio), deref(got), deref(tc.met))
		}
	}
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestFormatNumber(t *testing.T) {
	for _, tc := range []struct {
		x      float64
		digits int
		want   string
	}{
		{73.4412, 2, "73.44"}, {1.0613, 3, "1.061"}, {431.12, 2, "431.1"}, {2150.6, 2, "2151"},
		{0.0421, 2, "0.0421"}, {0.9901, 2, "0.990"}, {0, 2, "0.00"}, {math.NaN(), 2, "NaN"},
	} {
		if got := formatNumber(tc.x, tc.digits); got != tc.want {
			t.Errorf("formatNumber(%v, %d) = %q, want %q", tc.x, tc.digits, got, tc.want)
		}
	}
}

var sampleFigures = []Figure{
	newFigure("verify_hc1_es256", 73.44, "µs", ptr(68.76), ptr(1.061), atMost(ofRatio, 1.10)),
	newFigure("scan_photo_2mp", 6.76, "ms", nil, nil, atMost(ofValue, 30)),
	newFigure("gateway_trustlist_1k_304", 101.2, "µs", ptr(38.6), ptr(2.53), reportOnly),
	newFigure("broken", math.NaN(), "µs", ptr(math.Inf(1)), ptr(math.NaN()), atMost(ofRatio, 1.10)),
}

// TestWriteJSON checks the shape the issue asks for: an array of objects
// with exactly name, value, unit, floor, ratio, target and met, in that
// order, null for no floor, no ratio, report only and numbers that are
// not finite.
func TestWriteJSON(t *testing.T) {
	var b bytes.Buffer
	if err := WriteJSON(&b, sampleFigures); err != nil {
		t.Fatal(err)
	}
	var got []map[string]any
	if err := json.Unmarshal(b.Bytes(), &got); err != nil {
		t.Fatalf("WriteJSON wrote invalid JSON: %v\n%s", err, b.String())
	}
	if len(got) != len(sampleFigures) {
		t.Fatalf("%d objects, want %d", len(got), len(sampleFigures))
	}
	keys := []string{"name", "value", "unit", "floor", "ratio", "target", "met"}
	for i, o := range got {
		if len(o) != len(keys) {
			t.Errorf("object %d has keys %v, want %v", i, o, keys)
		}
		for _, k := range keys {
			if _, ok := o[k]; !ok {
				t.Errorf("object %d lacks %q", i, k)
			}
		}
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != len(sampleFigures)+2 || lines[0] != "[" || lines[len(lines)-1] != "]" {
		t.Fatalf("WriteJSON layout:\n%s", b.String())
	}
	for i, want := range []string{
		`  {"name":"verify_hc1_es256","value":73.44,"unit":"µs","floor":68.76,"ratio":1.061,"target":"ratio <= 1.10","met":true},`,
		`  {"name":"scan_photo_2mp","value":6.76,"unit":"ms","floor":null,"ratio":null,"target":"value <= 30","met":true},`,
		`  {"name":"gateway_trustlist_1k_304","value":101.2,"unit":"µs","floor":38.6,"ratio":2.53,"target":"report","met":null},`,
		`  {"name":"broken","value":null,"unit":"µs","floor":null,"ratio":null,"target":"ratio <= 1.10","met":false}`,
	} {
		if lines[i+1] != want {
			t.Errorf("line %d = %s\nwant       %s", i+2, lines[i+1], want)
		}
	}
	b.Reset()
	if err := WriteJSON(&b, nil); err != nil || b.String() != "[\n]\n" {
		t.Errorf("WriteJSON(nil) = %q, %v; want an empty array", b.String(), err)
	}
}

func TestWriteTable(t *testing.T) {
	var b bytes.Buffer
	if err := WriteTable(&b, sampleFigures); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != len(sampleFigures)+1 {
		t.Fatalf("WriteTable wrote %d lines, want %d:\n%s", len(lines), len(sampleFigures)+1, b.String())
	}
	for i, want := range [][]string{
		{"name", "value", "unit", "floor", "ratio", "target", "met"},
		{"verify_hc1_es256", "73.44", "µs", "68.76", "1.061", "ratio", "<=", "1.10", "yes"},
		{"scan_photo_2mp", "6.76", "ms", "-", "-", "value", "<=", "30", "yes"},
		{"gateway_trustlist_1k_304", "101.2", "µs", "38.60", "2.530", "report", "-"},
		{"broken", "NaN", "µs", "+Inf", "NaN", "ratio", "<=", "1.10", "NO"},
	} {
		if got := strings.Fields(lines[i]); strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("line %d = %q, want fields %q", i+1, lines[i], want)
		}
	}
}

func TestMachine(t *testing.T) {
	m := Machine()
	if !strings.Contains(m, " cores") || !strings.Contains(m, runtime.Version()) {
		t.Errorf("Machine() = %q, want the cores and %s", m, runtime.Version())
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "cpuinfo")
	info := "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 9654 96-Core Processor\n\nprocessor\t: 1\nmodel name\t: other\n"
	if err := os.WriteFile(path, []byte(info), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := cpuModel(path); got != "AMD EPYC 9654 96-Core Processor" {
		t.Errorf("cpuModel() = %q", got)
	}
	if got := cpuModel(filepath.Join(dir, "absent")); got != "" {
		t.Errorf("cpuModel(absent file) = %q, want empty", got)
	}
	// A file without the line, longer than the cap, is read only up to it.
	long := strings.Repeat("flags\t: x\n", 20000) + "model name\t: beyond the cap\n"
	if err := os.WriteFile(path, []byte(long), 0o644); err != nil {
		t.Fatal(err)
	}
	if got := cpuModel(path); got != "" {
		t.Errorf("cpuModel(model after the cap) = %q, want empty", got)
	}
}
