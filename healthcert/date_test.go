package healthcert

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

func TestParseDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{"", Date{}, false},
		{"1990", Date{1990, 0, 0}, false},
		{"1990-05", Date{1990, 5, 0}, false},
		{"1990-05-17", Date{1990, 5, 17}, false},
		{"2000-02-29", Date{2000, 2, 29}, false},
		{"2024-02-29", Date{2024, 2, 29}, false},
		{"1900-01-01", Date{1900, 1, 1}, false},
		{"9999-12-31", Date{9999, 12, 31}, false},
		// hostile
		{"1900-02-29", Date{}, true}, // 1900 is not a leap year
		{"2023-02-29", Date{}, true},
		{"2021-04-31", Date{}, true},
		{"2021-13", Date{}, true},
		{"2021-00", Date{}, true},
		{"2021-01-00", Date{}, true},
		{"2021-01-32", Date{}, true},
		{"1899", Date{}, true},
		{"0000", Date{}, true},
		{"990-01-01", Date{}, true},
		{"19900-01-01", Date{}, true},
		{"1990-1-01", Date{}, true},
		{"1990-01-1", Date{}, true},
		{"1990/01/01", Date{}, true},
		{"1990-01-01T00:00:00Z", Date{}, true},
		{"1990-01-01 ", Date{}, true},
		{" 1990", Date{}, true},
		{"+990", Date{}, true},
		{"-990", Date{}, true},
		{"199a", Date{}, true},
		{"1990-XX-XX", Date{}, true},
		{"1990-05-", Date{}, true},
		{"１９９０", Date{}, true}, // full-width digits
		{"1990\x00", Date{}, true},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseDate(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if err != nil {
			if !errors.Is(err, ErrInvalidDate) {
				t.Errorf("ParseDate(%q) error = %v, want ErrInvalidDate", tt.in, err)
			}
			if got != (Date{}) {
				t.Errorf("ParseDate(%q) = %v on error, want zero", tt.in, got)
			}
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDate(%q) = %#v, want %#v", tt.in, got, tt.want)
		}
		if s := got.String(); s != tt.in {
			t.Errorf("ParseDate(%q).String() = %q", tt.in, s)
		}
	}
}

func TestDateValidity(t *testing.T) {
	tests := []struct {
		d                   Date
		valid, complete, iz bool
	}{
		{Date{}, true, false, true},
		{Date{2021, 0, 0}, true, false, false},
		{Date{2021, 3, 0}, true, false, false},
		{Date{2021, 3, 4}, true, true, false},
		{Date{0, 3, 4}, false, false, false},
		{Date{2021, 0, 4}, false, false, false},
		{Date{0, 0, 4}, false, false, false},
		{Date{2021, -1, 0}, false, false, false},
		{Date{2021, 2, 29}, false, false, false},
		{Date{10000, 1, 1}, false, false, false},
		{Date{-2021, 1, 1}, false, false, false},
		{Date{2021, 1, -1}, false, false, false},
	}
	for _, tt := range tests {
		if got := tt.d.Valid(); got != tt.valid {
			t.Errorf("%#v.Valid() = %v, want %v", tt.d, got, tt.valid)
		}
		if got := tt.d.IsComplete(); got != tt.complete {
			t.Errorf("%#v.IsComplete() = %v, want %v", tt.d, got, tt.complete)
		}
		if got := tt.d.IsZero(); got != tt.iz {
			t.Errorf("%#v.IsZero() = %v, want %v", tt.d, got, tt.iz)
		}
		_, ok := tt.d.Time()
		if ok != tt.complete {
			t.Errorf("%#v.Time() ok = %v, want %v", tt.d, ok, tt.complete)
		}
		if _, err := tt.d.MarshalText(); (err == nil) != tt.valid {
			t.Errorf("%#v.MarshalText() error = %v, want error %v", tt.d, err, !tt.valid)
		}
		if !tt.valid {
			if s := tt.d.String(); s == "" || s[0] != '!' {
				t.Errorf("%#v.String() = %q, want a '!' prefix", tt.d, s)
			}
		}
	}
}

func TestDateTimeAndDateOf(t *testing.T) {
	got, ok := Date{2021, 4, 1}.Time()
	want := time.Date(2021, 4, 1, 0, 0, 0, 0, time.UTC)
	if !ok || !got.Equal(want) || got.Location() != time.UTC {
		t.Errorf("Time() = %v, %v, want %v, true", got, ok, want)
	}
	cst := time.FixedZone("CST", 8*3600)
	if d := DateOf(time.Date(2026, 11, 20, 1, 0, 0, 0, cst)); d != (Date{2026, 11, 20}) {
		t.Errorf("DateOf() = %v, want 2026-11-20", d)
	}
}

func TestDateAfter(t *testing.T) {
	e := Date{2026, 11, 20}
	tests := []struct {
		d    Date
		want bool
	}{
		{Date{}, false},
		{Date{2026, 0, 0}, false},
		{Date{2027, 0, 0}, true},
		{Date{2025, 12, 31}, false},
		{Date{2026, 11, 0}, false},
		{Date{2026, 12, 0}, true},
		{Date{2026, 11, 20}, false},
		{Date{2026, 11, 21}, true},
		{Date{2026, 10, 31}, false},
	}
	for _, tt := range tests {
		if got := tt.d.After(e); got != tt.want {
			t.Errorf("%v.After(%v) = %v, want %v", tt.d, e, got, tt.want)
		}
	}
}

func TestDateJSON(t *testing.T) {
	type wrap struct {
		D Date `json:"d"`
	}
	for _, s := range []string{`{"d":""}`, `{"d":"2021"}`, `{"d":"2021-02"}`, `{"d":"2021-02-03"}`} {
		var w wrap
		if err := json.Unmarshal([]byte(s), &w); err != nil {
			t.Errorf("Unmarshal(%s) error = %v", s, err)
			continue
		}
		b, err := json.Marshal(w)
		if err != nil || string(b) != s {
			t.Errorf("Marshal(Unmarshal(%s)) = %s, %v", s, b, err)
		}
	}
	for _, s := range []string{`{"d":"2021-02-30"}`, `{"d":"21"}`, `{"d":2021}`} {
		var w wrap
		if err := json.Unmarshal([]byte(s), &w); err == nil {
			t.Errorf("Unmarshal(%s) = %v, want error", s, w.D)
		}
	}
	if _, err := json.Marshal(wrap{Date{2021, 2, 30}}); err == nil {
		t.Errorf("Marshal(invalid date) succeeded, want error")
	}
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"", "1990", "1990-05", "1990-05-17", "2000-02-29", "1900-02-29", "2021-13-01", "abcd-ef-gh"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if d != (Date{}) {
				t.Fatalf("ParseDate(%q) = %v with error %v", s, d, err)
			}
			return
		}
		if !d.Valid() {
			t.Fatalf("ParseDate(%q) = invalid %#v", s, d)
		}
		if d.String() != s {
			t.Fatalf("ParseDate(%q).String() = %q", s, d.String())
		}
	})
}
