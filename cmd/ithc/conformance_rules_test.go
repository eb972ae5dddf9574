package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ithc/ithc/internal/shareddata"
)

// TestConformanceRules runs "ithc conformance rules" over the EU
// business-rules test data: every rule test must pass.
func TestConformanceRules(t *testing.T) {
	dir := shareddata.Path(t, "business-rules")
	var out, errb bytes.Buffer
	if code := run([]string{"conformance", "rules", dir}, nil, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s%s", code, out.String(), errb.String())
	}
	text := strings.TrimSpace(out.String())
	last := text[strings.LastIndex(text, "\n")+1:]
	if last != "rules: 466/466 rule tests passed" {
		t.Errorf("last line %q", last)
	}
	out.Reset()
	if code := run([]string{"conformance", "rules", "--json", dir}, nil, &out, &errb); code != 0 {
		t.Fatalf("--json: exit %d", code)
	}
	var rep struct{ Rules, Total, Passed int }
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil || rep.Rules != 71 || rep.Total != 466 || rep.Passed != rep.Total {
		t.Errorf("--json: %v, %+v", err, rep)
	}
}
