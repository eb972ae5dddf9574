package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

func TestConformanceSHC(t *testing.T) {
	dir := shareddata.Path(t, "shc/validator")
	var out, errb bytes.Buffer
	if code := run([]string{"conformance", "shc", dir}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	text := strings.TrimSpace(out.String())
	last := text[strings.LastIndex(text, "\n")+1:]
	if !strings.HasPrefix(last, "shc: ") || !strings.Contains(last, "cases agree (") {
		t.Errorf("last line %q", last)
	}
	if !strings.Contains(text, "OUT OF SCOPE SHL Link") {
		t.Errorf("the SMART Health Links cases are not listed out of scope")
	}
	out.Reset()
	if code := run([]string{"conformance", "shc", dir, "--json"}, nil, &out, &errb); code != 0 {
		t.Fatalf("--json: exit %d", code)
	}
	var rep struct {
		Agree, Total int
		Cases        []struct{ Name string }
		OutOfScope   []struct{ Name, Reason string } `json:"out_of_scope"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Total == 0 || rep.Agree != rep.Total || len(rep.OutOfScope) == 0 {
		t.Errorf("--json: %v, %+v", err, rep)
	}
	// A later validation time makes example 01's certificate expired:
	// disagreements exit with status 1.
	out.Reset()
	if code := run([]string{"conformance", "shc", dir, "--now", "2030-01-01T00:00:00Z"}, nil, &out, &errb); code != 1 {
		t.Errorf("--now 2030: exit %d, want 1", code)
	}
	if !strings.Contains(out.String(), "FAIL valid 01 JWS") {
		t.Errorf("--now 2030: no FAIL line for example 01")
	}
}
