package fuzzinput

import (
	"testing"
	"unicode/utf8"
)

// TestReader: reads past the end give zeros, strings take their bytes
// from the input or from Odd, and times cover the three kinds.
func TestReader(t *testing.T) {
	r := New([]byte{3, 'a', 'b', 'c', 0xc1, 6, 7, 1, 2})
	if s := r.String(); s != "abc" {
		t.Errorf("String = %q, want abc", s)
	}
	if s := r.String(); s != Odd[6]+Odd[7] {
		t.Errorf("String = %q, want two pieces of Odd", s)
	}
	if u := r.Uint32(); u != 0x01020000 {
		t.Errorf("Uint32 past the end = %#x", u)
	}
	if r.Byte() != 0 || r.String() != "" || r.Strings() != nil || !r.Time().IsZero() || r.Float64() != 0 {
		t.Error("reads past the end are not zero")
	}
	var invalid, far, edge bool
	for k := range 256 {
		tm := New([]byte{byte(k), 0, 0, 0x80, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff}).Time()
		far = far || tm.Year() > 10000 || tm.Year() < 0
		edge = edge || tm.Year() == 1 || tm.Year() == 9999 || tm.Year() == 10000
	}
	for k := range len(Odd) {
		invalid = invalid || !utf8.ValidString(New([]byte{0xc0, byte(k)}).String())
	}
	if !invalid || !far || !edge {
		t.Errorf("invalid UTF-8 %v, far times %v, edge times %v: want all", invalid, far, edge)
	}
}
