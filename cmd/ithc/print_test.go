package main

import (
	"bytes"
	"testing"
)

// TestWriteJSONKeepsICAONames checks that the JSON output writes "<" as it
// is: MRZ names are full of it, and \u003c would be unreadable.
func TestWriteJSONKeepsICAONames(t *testing.T) {
	var buf bytes.Buffer
	if err := writeJSON(&buf, map[string]string{"fnt": "MUSTERFRAU<GOESSINGER"}, ""); err != nil {
		t.Fatal(err)
	}
	if got, want := buf.String(), "{\n  \"fnt\": \"MUSTERFRAU<GOESSINGER\"\n}\n"; got != want {
		t.Errorf("writeJSON() = %q, want %q", got, want)
	}
}
