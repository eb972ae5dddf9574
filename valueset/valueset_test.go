package valueset

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/internal/shareddata"
	"github.com/ithc/ithc/valueset/internal/gen"
)

func TestDefault(t *testing.T) {
	s := Default()
	if s != Default() {
		t.Errorf("Default() returned a different *Sets on the second call")
	}
	tests := []struct {
		set, code, display string
		has                bool
	}{
		{CountryCodes, "CN", "China", true},
		{CountryCodes, "XY", "", false},
		{DiseaseAgentTargeted, "840539006", "COVID-19", true},
		{TestResults, "260415000", "Not detected", true},
		{TestResults, "260373001", "Detected", true},
		{TestTypes, "LP6464-4", "Nucleic acid amplification with probe detection", true},
		{TestTypes, "LP217198-3", "Rapid immunoassay", true},
		{VaccineProducts, "EU/1/20/1528", "Comirnaty", true},
		{VaccineProducts, "BBIBP-CorV", "", true},
		{VaccineProducts, "CoronaVac", "", true},
		{VaccineProducts, "Covaxin", "", true},
		{VaccineProducts, "Sputnik-V", "", true},
		{VaccineAuthHolders, "ORG-100030215", "Biontech Manufacturing GmbH", true},
		{VaccineAuthHolders, "ORG-99999999", "", false},
		{VaccineTypes, "J07BX03", "", true}, // inactive, still a member
		{TestManufacturers, "1232", "", true},
		{TestManufacturers, "9999", "", false},
		{AntibodyIsotypes, "IgG", "Immunoglobulin G", true},
		{AntibodyIsotypes, "IgE", "", false},
		{AntibodyMethods, "ELISA", "", true},
		{SerologyTestTypes, "94762-2", "", true},
		{NAATMethods, "94500-6", "", true},
		{ExtraVaccineProducts, "ZF2001", "", true},
		{IssuingOrganisations, "UNHCR", "", true},
		{"no-such-set", "CN", "", false},
	}
	for _, tt := range tests {
		if got := s.Has(tt.set, tt.code); got != tt.has {
			t.Errorf("Has(%q, %q) = %v, want %v", tt.set, tt.code, got, tt.has)
		}
		d, ok := s.Display(tt.set, tt.code)
		if ok != tt.has || (tt.display != "" && d != tt.display) {
			t.Errorf("Display(%q, %q) = %q, %v, want %q, %v", tt.set, tt.code, d, ok, tt.display, tt.has)
		}
	}
	if s.Active(VaccineTypes, "J07BX03") {
		t.Errorf("Active(%q, J07BX03) = true, want false", VaccineTypes)
	}
	if !s.Active(VaccineTypes, "1119349007") {
		t.Errorf("Active(%q, 1119349007) = false, want true", VaccineTypes)
	}
	// The EU vaccine list already holds the vaccines widely used outside
	// the EU: the ITHC extension must not duplicate them.
	for _, c := range s.Codes(ExtraVaccineProducts) {
		if s.Has(VaccineProducts, c) {
			t.Errorf("%s %q duplicates an EU code", ExtraVaccineProducts, c)
		}
	}
	for _, id := range []string{CountryCodes, DiseaseAgentTargeted, TestManufacturers, TestResults, TestTypes,
		VaccineAuthHolders, VaccineProducts, VaccineTypes, AntibodyIsotypes, AntibodyMethods, SerologyTestTypes,
		NAATMethods, ExtraVaccineProducts, IssuingOrganisations} {
		if !s.Defines(id) {
			t.Errorf("Defines(%q) = false, want true", id)
		}
	}
	if got := len(s.Codes(CountryCodes)); got != 250 {
		t.Errorf("len(Codes(%q)) = %d, want 250", CountryCodes, got)
	}
	var zero *Sets
	if zero.Has(CountryCodes, "CN") || zero.Defines(CountryCodes) || zero.IDs() != nil {
		t.Errorf("nil *Sets reports content")
	}
}

func TestDefaultConcurrent(t *testing.T) {
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if !Default().Has(CountryCodes, "DE") {
				t.Errorf("Has(country-2-codes, DE) = false")
			}
		}()
	}
	wg.Wait()
}

// TestEmbeddedUpToDate checks that data/eu.tsv is what the generator makes
// of the EU value sets in the shared test data.
func TestEmbeddedUpToDate(t *testing.T) {
	dir := shareddata.Path(t, "dcc-valuesets")
	want, err := gen.Generate(dir)
	if err != nil {
		t.Fatalf("gen.Generate() error: %v", err)
	}
	if !bytes.Equal(euData, want) {
		t.Errorf("data/eu.tsv is out of date: run `go generate ./valueset`")
	}
}

func TestParse(t *testing.T) {
	good := "# comment\n\nset-a\tX1\tFirst\ttrue\nset-a\tX2\t\tfalse\nset-b\tX1\tOther\ttrue\n"
	s, err := Parse(strings.NewReader(good))
	if err != nil {
		t.Fatalf("Parse() error: %v", err)
	}
	if got := s.IDs(); fmt.Sprint(got) != "[set-a set-b]" {
		t.Errorf("IDs() = %v, want [set-a set-b]", got)
	}
	if d, ok := s.Display("set-a", "X1"); !ok || d != "First" {
		t.Errorf("Display(set-a, X1) = %q, %v, want First, true", d, ok)
	}
	if !s.Has("set-a", "X2") || s.Active("set-a", "X2") {
		t.Errorf("set-a X2: Has = %v, Active = %v, want true, false", s.Has("set-a", "X2"), s.Active("set-a", "X2"))
	}

	long := strings.Repeat("a", limits.MaxValueSetField+1)
	bad := []struct{ name, in, want string }{
		{"three fields", "set\tX\ttrue\n", "line 1: 3 fields"},
		{"five fields", "set\tX\td\ttrue\textra\n", "5 fields"},
		{"bad active", "set\tX\td\tyes\n", `active "yes"`},
		{"empty code", "set\t\td\ttrue\n", "empty code"},
		{"bad set id", "Set A\tX\td\ttrue\n", "set id"},
		{"empty set id", "\tX\td\ttrue\n", "set id"},
		{"duplicate", "set\tX\td\ttrue\nset\tX\te\tfalse\n", "line 2: duplicate code"},
		{"control", "set\tX\td\x01\ttrue\n", "control character"},
		{"carriage return", "set\tX\td\ttrue\r\n", "control character"},
		{"not utf-8", "set\tX\t\xff\ttrue\n", "not UTF-8"},
		{"long field", "set\t" + long + "\td\ttrue\n", "longer than"},
		{"huge line", "set\tX\t" + strings.Repeat("b", 8*limits.MaxValueSetField) + "\ttrue\n", "line 1"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Parse(strings.NewReader(tt.in))
			if err == nil || s != nil {
				t.Fatalf("Parse() = %v, %v, want nil and an error", s, err)
			}
			if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "valueset: ") {
				t.Errorf("Parse() error = %q, want ErrFormat containing %q", err, tt.want)
			}
		})
	}
	t.Run("too large", func(t *testing.T) {
		big := strings.Repeat("#\n", limits.MaxValueSetBytes/2+1)
		if _, err := Parse(strings.NewReader(big)); !errors.Is(err, ErrFormat) {
			t.Errorf("Parse(%d bytes) error = %v, want ErrFormat", len(big), err)
		}
	})
	t.Run("too many entries", func(t *testing.T) {
		var b strings.Builder
		for i := 0; i <= limits.MaxValueSetEntries; i++ {
			fmt.Fprintf(&b, "s\t%d\t\ttrue\n", i)
		}
		if _, err := Parse(strings.NewReader(b.String())); err == nil || !strings.Contains(err.Error(), "more than") {
			t.Errorf("Parse(%d entries) error = %v, want too many codes", limits.MaxValueSetEntries+1, err)
		}
	})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("set\tX\td\ttrue\n"))
	f.Add(ithcData)
	f.Add([]byte("#\n\nset\tX\t\tfalse"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Parse(bytes.NewReader(data))
		if (s == nil) == (err == nil) {
			t.Fatalf("Parse() = %v, %v: want exactly one of result and error", s, err)
		}
	})
}

func ExampleDefault() {
	sets := Default()
	name, _ := sets.Display(VaccineProducts, "EU/1/20/1528")
	fmt.Println(name)
	fmt.Println(sets.Has(CountryCodes, "CN"), sets.Has(CountryCodes, "XY"))
	// Output:
	// Comirnaty
	// true false
}

func ExampleParse() {
	sets, err := Parse(strings.NewReader("ithc-antibody-isotype\tIgG\tImmunoglobulin G\ttrue\n"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sets.Display(AntibodyIsotypes, "IgG"))
	// Output: Immunoglobulin G true
}

func TestVaccineListing(t *testing.T) {
	s := Default()
	for _, tc := range []struct {
		code         string
		known, which bool
	}{
		{"BBIBP-CorV", true, true}, {"CoronaVac", true, true}, {"Convidecia", true, true}, {"Covaxin", true, true},
		{"EU/1/20/1528", true, true}, {"ZF2001", true, false}, {"Sputnik-V", true, false}, {"KCONVAC", true, false},
		{"no-such-vaccine", false, false}, {"", false, false},
	} {
		l := s.Vaccine(tc.code)
		if l.Known != tc.known || l.WHOListed != tc.which {
			t.Errorf("Vaccine(%q) = %+v, want known %v, WHO-listed %v", tc.code, l, tc.known, tc.which)
		}
	}
	// Every WHO-listed code is a product code of the value sets.
	for _, c := range s.Codes(WHOListedVaccines) {
		if !s.Has(VaccineProducts, c) && !s.Has(ExtraVaccineProducts, c) {
			t.Errorf("%s %q is not a vaccine product code", WHOListedVaccines, c)
		}
	}
	for _, c := range []string{"94563-4", "94564-2", "94506-3", "94508-9"} {
		if err := s.Check(SerologyTestTypes, c); err != nil {
			t.Errorf("Check(%s, %s) = %v", SerologyTestTypes, c, err)
		}
	}
}

func TestCheckUnknown(t *testing.T) {
	s := Default()
	var ue *UnknownCodeError
	if err := s.Check(VaccineProducts, "nope"); !errors.Is(err, ErrUnknownCode) || !errors.As(err, &ue) || !ue.Defined {
		t.Errorf("Check(unknown code) = %v", err)
	}
	if err := s.Check("no-such-set", "x"); !errors.As(err, &ue) || ue.Defined {
		t.Errorf("Check(unknown set) = %v", err)
	}
	var nilSets *Sets
	if err := nilSets.Check(VaccineProducts, "x"); err == nil {
		t.Error("nil Sets Check() = nil")
	}
}

func TestMerge(t *testing.T) {
	upd, err := Parse(strings.NewReader("vaccines-covid-19-names\tNEW-1\tNew vaccine\ttrue\n"))
	if err != nil {
		t.Fatal(err)
	}
	m := Merge(Default(), nil, upd)
	if !m.Has(VaccineProducts, "NEW-1") || m.Has(VaccineProducts, "EU/1/20/1528") || !m.Has(CountryCodes, "CN") {
		t.Errorf("Merge(): the update must replace its set and keep the others")
	}
	if Default().Has(VaccineProducts, "NEW-1") {
		t.Error("Merge() modified its input")
	}
}
