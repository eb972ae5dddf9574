package conformance

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/verify"
)

// TestDGCConformance runs the EU DCC conformance vectors: every expectation
// of every file that is not excluded must be met, at most five files may be
// excluded, each with a reason, and every stage must be exercised.
func TestDGCConformance(t *testing.T) {
	dir := shareddata.Path(t, "dgc")
	r, err := RunDGC(dir, Options{ClockSkew: verify.DefaultClockSkew})
	if err != nil {
		t.Fatalf("RunDGC() error: %v", err)
	}
	for _, f := range r.Failures {
		t.Errorf("%s %s: expected %t, got %t: %s", f.File, f.Key, f.Expected, f.Got, f.Detail)
	}
	if r.Met != r.Total {
		t.Errorf("met %d of %d expectations", r.Met, r.Total)
	}
	if len(r.Excluded) > 5 {
		t.Errorf("%d files excluded, want at most 5: %+v", len(r.Excluded), r.Excluded)
	}
	for _, e := range r.Excluded {
		if e.Reason == "" {
			t.Errorf("file %s excluded without a reason", e.File)
		}
	}
	for _, k := range Stages {
		if r.Stages[k].Total == 0 {
			t.Errorf("stage %s was never evaluated", k)
		}
	}
	t.Log(r.Summary())
}

// TestDGCConformanceStrictClock checks that the expiration stage is
// sensitive to the clock: without skew one file's 47-second overlap with its
// signer's expiry is reported, so the runner does evaluate the window.
func TestDGCConformanceStrictClock(t *testing.T) {
	dir := shareddata.Path(t, "dgc")
	r, err := RunDGC(filepath.Join(dir), Options{})
	if err != nil {
		t.Fatalf("RunDGC() error: %v", err)
	}
	found := false
	for _, f := range r.Failures {
		if f.Key == ExpirationCheck && strings.Contains(f.Detail, "after the signer certificate's expiry") {
			found = true
		}
	}
	if !found {
		t.Errorf("no expiration failure without clock skew; failures: %+v", r.Failures)
	}
}

func TestParseClock(t *testing.T) {
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2021-05-03T18:00:00Z", time.Date(2021, 5, 3, 18, 0, 0, 0, time.UTC)},
		{"2021-05-14T00:00:01+02:00", time.Date(2021, 5, 13, 22, 0, 1, 0, time.UTC)},
		{"2021-07-02T07:38:27+0000", time.Date(2021, 7, 2, 7, 38, 27, 0, time.UTC)},
		{"2021-06-08T20:17:27.9906293Z", time.Date(2021, 6, 8, 20, 17, 27, 990629300, time.UTC)},
		{"2021-06-08T20:17:27", time.Date(2021, 6, 8, 20, 17, 27, 0, time.UTC)},
	}
	for _, tt := range tests {
		got, err := ParseClock(tt.in)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("ParseClock(%q) = %v, %v, want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"", "yesterday", "2021-13-01T00:00:00Z", "2021-05-03 18:00"} {
		if _, err := ParseClock(bad); err == nil {
			t.Errorf("ParseClock(%q) succeeded, want an error", bad)
		}
	}
}

func TestEqualJSON(t *testing.T) {
	dec := func(s string) any {
		v, err := decodeJSON([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		a, b string
		ok   bool
		path string
	}{
		{`{"a":1,"b":[1,2]}`, `{"b":[1,2],"a":1.0}`, true, ""},
		{`{"sc":"2021-06-30T12:34:56Z"}`, `{"sc":"2021-06-30T12:34:56+00:00"}`, true, ""},
		{`{"sc":"2021-06-30T12:34:56Z"}`, `{"sc":"2021-06-30T14:34:56Z"}`, false, "$.sc"},
		{`{"a":{"b":"x"}}`, `{"a":{"b":"y"}}`, false, "$.a.b"},
		{`{"a":[1,2]}`, `{"a":[2,1]}`, false, "$.a[0]"},
		{`{"a":1}`, `{"a":1,"b":2}`, false, "$ (number of members)"},
		{`{"a":"1"}`, `{"a":1}`, false, "$.a"},
	}
	for _, tt := range tests {
		path, ok := equalJSON(dec(tt.a), dec(tt.b), "$")
		if ok != tt.ok || (!ok && path != tt.path) {
			t.Errorf("equalJSON(%s, %s) = %q, %t, want %q, %t", tt.a, tt.b, path, ok, tt.path, tt.ok)
		}
	}
}

func TestCollectExpectations(t *testing.T) {
	raw := func(s string) map[string]json.RawMessage {
		var m map[string]json.RawMessage
		if err := json.Unmarshal([]byte(s), &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	got, err := collectExpectations(raw(`{"EXPECTEDVERIFY":true,"EXPTECTEDEXPIRED":false,"GROUP":{"EXPECTEDKEYUSAGE":false},"OTHER":true}`))
	if err != nil {
		t.Fatalf("collectExpectations() error: %v", err)
	}
	want := map[string]expectation{
		Verify:          {want: true, spelt: Verify},
		ExpirationCheck: {want: false, spelt: "EXPTECTEDEXPIRED"},
		KeyUsage:        {want: false, spelt: KeyUsage},
	}
	if len(got) != len(want) {
		t.Errorf("collectExpectations() = %v, want %v", got, want)
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("collectExpectations()[%s] = %+v, want %+v", k, got[k], w)
		}
	}
	// The correct spelling wins over a misspelling, whatever the order.
	got, _ = collectExpectations(raw(`{"EXPTECTEDEXPIRED":false,"EXPECTEDEXPIRATIONCHECK":true}`))
	if got[ExpirationCheck] != (expectation{want: true, spelt: ExpirationCheck}) {
		t.Errorf("correct spelling lost: %+v", got[ExpirationCheck])
	}
	if _, err := collectExpectations(raw(`{"EXPECTEDVERIFY":"yes"}`)); err == nil {
		t.Errorf("collectExpectations() accepted a non-boolean expectation")
	}
}
