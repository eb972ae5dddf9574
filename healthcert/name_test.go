package healthcert

import (
	"strings"
	"testing"
)

func TestCheckICAOName(t *testing.T) {
	good := []string{"ZHANG", "MUSTERFRAU<GOESSINGER", "A", strings.Repeat("X", 80)}
	bad := []string{"", "<ZHANG", "ZHANG<", "ZHANG<<WEI", "Zhang", "ZHANG WEI", "ZHÄNG", "ZHANG1", strings.Repeat("X", 81), "ZHANG\x00"}
	for _, s := range good {
		if err := CheckICAOName(s); err != nil {
			t.Errorf("CheckICAOName(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range bad {
		if err := CheckICAOName(s); err == nil {
			t.Errorf("CheckICAOName(%q) = nil, want error", s)
		}
	}
}

func TestMRZ(t *testing.T) {
	for _, tt := range []struct {
		n    Name
		want string
	}{
		{Name{FamilyICAO: "ZHANG", GivenICAO: "WEI"}, "ZHANG<<WEI"},
		{Name{FamilyICAO: "ZHANG"}, "ZHANG"},
		{Name{GivenICAO: "WEI"}, "WEI"},
		{Name{}, ""},
	} {
		if got := tt.n.MRZ(); got != tt.want {
			t.Errorf("%+v.MRZ() = %q, want %q", tt.n, got, tt.want)
		}
	}
}
