package conformance

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/shareddata"
)

func TestValidatorCases(t *testing.T) {
	dir := shareddata.Path(t, "shc/validator")
	rep, err := Run(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := rep.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	if testing.Verbose() {
		os.Stdout.WriteString(b.String())
	}
	for _, c := range rep.Disagreements() {
		t.Errorf("case %q: expected %s, got %s %s %s: %s", c.Name, c.Expected, c.Verdict, c.Status, c.Code, c.Detail)
	}
	// Every case of the file is either run or listed out of scope, and
	// the SMART Health Links cases are among the latter.
	var exp struct{ Cases []json.RawMessage }
	data, _ := os.ReadFile(filepath.Join(dir, "EXPECTATIONS.json"))
	if err := json.Unmarshal(data, &exp); err != nil {
		t.Fatal(err)
	}
	if rep.Total+len(rep.OutOfScope) != len(exp.Cases) {
		t.Errorf("%d run + %d out of scope, the file lists %d", rep.Total, len(rep.OutOfScope), len(exp.Cases))
	}
	shl := 0
	for _, o := range rep.OutOfScope {
		if strings.Contains(o.Reason, "SMART Health Links") {
			shl++
		}
	}
	if shl != 9 {
		t.Errorf("%d SMART Health Links cases out of scope, want 9", shl)
	}
	if rep.Total < 100 {
		t.Errorf("only %d cases in scope", rep.Total)
	}
	last := strings.TrimSpace(b.String())
	last = last[strings.LastIndex(last, "\n")+1:]
	if last != rep.Summary() || !strings.HasPrefix(last, "shc: ") || !strings.HasSuffix(last, " out of scope)") {
		t.Errorf("last line %q", last)
	}
}

// The runner can disagree: in 2030, example 01's x5c certificate has
// expired and the cases that expect it to verify fail.
func TestValidatorCasesDisagreeLater(t *testing.T) {
	dir := shareddata.Path(t, "shc/validator")
	rep, err := Run(dir, Options{Now: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, c := range rep.Disagreements() {
		if c.Name == "valid 01 JWS" && c.Status == "expired_keys" {
			found = true
		}
	}
	if !found || rep.Agree == rep.Total {
		t.Errorf("in 2030: %s; want valid 01 JWS refused with expired_keys", rep.Summary())
	}
	var buf bytes.Buffer
	rep.WriteText(&buf)
	if !strings.Contains(buf.String(), "FAIL valid 01 JWS") {
		t.Errorf("the text report does not list the disagreement")
	}
}

func TestRunErrors(t *testing.T) {
	if _, err := Run(t.TempDir(), Options{}); err == nil {
		t.Errorf("Run(empty folder) succeeded")
	}
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "EXPECTATIONS.json"), []byte(`{"cases":[{"name":"x","files":["a.txt"],"type":"jws","expected":"[oops]"}]}`), 0o644)
	os.WriteFile(filepath.Join(dir, "a.txt"), []byte("a.b.c"), 0o644)
	if _, err := Run(dir, Options{}); err == nil || !strings.Contains(err.Error(), "oops") {
		t.Errorf("Run(bad expectation) = %v", err)
	}
}

func TestParseExpected(t *testing.T) {
	fhir110 := make([]string, 110)
	for i := range fhir110 {
		fhir110[i] = "FHIR_SCHEMA_ERROR"
	}
	tests := []struct {
		in   string
		want expected
	}{
		{"[0,0]", expected{}},
		{"[0]", expected{}},
		{"[7 ]", expected{Errors: expectation{Count: 7}}},
		{"[0, 5 ]", expected{Warnings: expectation{Count: 5}}},
		{"[SHORT_URL_WARNINGS]", expected{Errors: expectation{Count: 110}}},
		{"[SHORT_URL_WARNINGS, JWS_TOO_LONG_WARNING]", expected{Errors: expectation{Count: 110}, Warnings: expectation{Count: 1}}},
		{"[SCHEMA_ERROR_ARRAY, [JWS_TOO_LONG]]", expected{Errors: expectation{Count: 110, Codes: fhir110}, Warnings: expectation{Count: 1, Codes: []string{"JWS_TOO_LONG"}}}},
		{"[[A, B], [C]]", expected{Errors: expectation{Count: 2, Codes: []string{"A", "B"}}, Warnings: expectation{Count: 1, Codes: []string{"C"}}}},
		{"[[INVALID_ISSUER_URL].concat(OPENSSL_AVAILABLE ? [INVALID_KEY_X5C] : [])]", expected{Errors: expectation{Count: 2, Codes: []string{"INVALID_ISSUER_URL", "INVALID_KEY_X5C"}}}},
	}
	for _, tt := range tests {
		got, err := parseExpected(tt.in)
		if err != nil || !reflect.DeepEqual(got, tt.want) {
			t.Errorf("parseExpected(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "0,0", "[x]", "[FOO_BAR]"} {
		if _, err := parseExpected(bad); err == nil {
			t.Errorf("parseExpected(%q) succeeded", bad)
		}
	}
}

func TestParseSegments(t *testing.T) {
	// Version 1: byte "shc:/" (mode 0100, count 8 bits) then numeric "56"
	// (mode 0001, count 10 bits, two digits in 7 bits), terminator.
	var bits []byte
	push := func(v, n int) {
		for i := n - 1; i >= 0; i-- {
			bits = append(bits, byte(v>>uint(i)&1))
		}
	}
	push(4, 4)
	push(5, 8)
	for _, c := range []byte("shc:/") {
		push(int(c), 8)
	}
	push(1, 4)
	push(2, 10)
	push(56, 7)
	push(0, 4)
	for len(bits)%8 != 0 {
		bits = append(bits, 0)
	}
	data := make([]byte, len(bits)/8)
	for i, b := range bits {
		data[i/8] |= b << uint(7-i%8)
	}
	segs, err := parseSegments(data, 1)
	want := []segment{{"byte", 5}, {"numeric", 2}}
	if err != nil || !reflect.DeepEqual(segs, want) {
		t.Errorf("parseSegments = %v, %v; want %v", segs, err, want)
	}
	if _, err := parseSegments(data[:3], 1); err == nil {
		t.Errorf("a truncated stream parsed")
	}
}
