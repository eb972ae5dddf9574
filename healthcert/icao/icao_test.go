package icao

import (
	"errors"
	"strings"
	"testing"

	"github.com/ithc/ithc/healthcert"
)

func TestTransliterate(t *testing.T) {
	tests := []struct{ in, want string }{
		// ICAO 9303 part 3 and EU DCC examples
		{"Musterfrau-Gößinger", "MUSTERFRAU<GOESSINGER"},
		{"Rogaliński-Król", "ROGALINSKI<KROL"},
		{"Müller", "MUELLER"},
		{"Jürgen", "JUERGEN"},
		{"Ängström", "AENGSTROEM"},
		{"Åsa", "AASA"},
		{"Ærø", "AEROE"},
		{"Þórunn", "THORUNN"},
		{"Peña", "PENA"},
		{"François", "FRANCOIS"},
		{"Émile", "EMILE"},
		{"Łukasz", "LUKASZ"},
		{"Đorđević", "DORDEVIC"},
		{"Ĳsselmeer", "IJSSELMEER"},
		{"Cœur", "COEUR"},
		{"Straße", "STRASSE"},
		{"Ştefan", "STEFAN"},
		{"O'Brien", "OBRIEN"},
		{"D’Angelo", "DANGELO"},
		{"St. John", "ST<JOHN"},
		{"Anna Maria", "ANNA<MARIA"},
		{"Jean - Paul", "JEAN<PAUL"},
		{"  Jean  ", "JEAN"},
		{"van der Berg", "VAN<DER<BERG"},
		{"ＡＢＣ", "ABC"},
		// Cyrillic
		{"Жуков", "ZHUKOV"},
		{"Хрущёв", "KHRUSHCHEV"},
		{"Цветаева", "TSVETAEVA"},
		{"Чехов", "CHEKHOV"},
		{"Шишкин", "SHISHKIN"},
		{"Щукин", "SHCHUKIN"},
		{"Крылов", "KRYLOV"},
		{"Подъячев", "PODIEIACHEV"},
		{"Игорь", "IGOR"},
		{"Эдуард", "EDUARD"},
		{"Юрий", "IURII"},
		{"Яна", "IANA"},
		{"Пётр", "PETR"},
		{"Євген", "IEVGEN"},
		{"Їжак", "IZHAK"},
		{"Ґанна", "GANNA"},
		{"Ўладзімір", "ULADZIMIR"},
		// Greek
		{"Αθανάσιος", "ATHANASIOS"},
		{"Βασίλειος", "VASILEIOS"},
		{"Γεώργιος", "GEORGIOS"},
		{"Δημήτρης", "DIMITRIS"},
		{"Ζωή", "ZOI"},
		{"Ξανθή", "XANTHI"},
		{"Φώτης", "FOTIS"},
		{"Χρήστος", "CHRISTOS"},
		{"Ψαρράς", "PSARRAS"},
		{"Ωραία", "ORAIA"},
		{"Παύλος", "PAVLOS"},
		{"Ευθύμιος", "EFTHYMIOS"},
		{"Ευάγγελος", "EVANGELOS"},
		{"Λουκάς", "LOUKAS"},
		{"Μπάμπης", "BAMBIS"},
		{"Αικατερίνη", "AIKATERINI"},
		// Chinese
		{"小明", "XIAOMING"},
		{"张", "ZHANG"},
		{"伟", "WEI"},
		{"欧阳", "OUYANG"},
		{"吕", "LYU"},
		{"女", "NYU"},
		{"居", "JU"},
		{"徐", "XU"},
		{"于", "YU"},
		{"阿依古丽·买买提", "AYIGULI<MAIMAITI"},
		// mixed scripts
		{"Анна-Maria", "ANNA<MARIA"},
		{"", ""},
		{"'", ""},
	}
	for _, tt := range tests {
		got, err := Transliterate(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Transliterate(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestTransliterateFamily(t *testing.T) {
	tests := []struct{ in, given, family string }{
		{"单", "DAN", "SHAN"},
		{"曾", "CENG", "ZENG"},
		{"解", "JIE", "XIE"},
		{"区", "QU", "OU"},
		{"仇", "", "QIU"},
		{"朴", "", "PIAO"},
		{"查", "CHA", "ZHA"},
		{"尉迟", "", "YUCHI"},
		{"万俟", "", "MOQI"},
		{"乐", "", "YUE"},
		{"盖", "", "GE"},
		{"覃", "", "QIN"},
		{"缪", "", "MIAO"},
		{"翟", "", "ZHAI"},
		{"长孙", "", "ZHANGSUN"},
		{"吕", "LYU", "LYU"},
		{"张", "ZHANG", "ZHANG"},
		{"单单", "", "SHANDAN"}, // only the surname reads as surname
		{"Müller", "MUELLER", "MUELLER"},
	}
	for _, tt := range tests {
		got, err := TransliterateFamily(tt.in)
		if err != nil || got != tt.family {
			t.Errorf("TransliterateFamily(%q) = %q, %v, want %q", tt.in, got, err, tt.family)
		}
		if tt.given == "" {
			continue
		}
		if got, err := Transliterate(tt.in); err != nil || got != tt.given {
			t.Errorf("Transliterate(%q) = %q, %v, want %q", tt.in, got, err, tt.given)
		}
	}
}

func TestTransliterateErrors(t *testing.T) {
	tests := []struct {
		in        string
		needs     bool // wraps ErrNeedsTransliteration (else healthcert.ErrInvalidICAOName)
		offset    int
		char      rune
		checkRune bool
	}{
		{"محمد", true, 0, 'م', true},
		{"สมชาย", true, 0, 'ส', true},
		{"さくら", true, 0, 'さ', true},
		{"サクラ", true, 0, 'サ', true},
		{"김민수", true, 0, '김', true},
		{"Anna ש", true, 5, 'ש', true},
		{"王さん", true, 1, 'さ', true},
		{"Jean2", false, 4, '2', true},
		{"Jean\x00", false, 4, 0, true},
		{"Jean\n", false, 4, '\n', true},
		{"Jean!", false, 4, '!', true},
		{"a\xffb", false, 0, 0, false},
		{strings.Repeat("A", 81), false, 0, 0, false},
		{strings.Repeat("Щ", 21), false, 0, 0, false}, // 84 characters out
		{strings.Repeat("A", 300), false, 0, 0, false},
	}
	for _, tt := range tests {
		got, err := Transliterate(tt.in)
		if err == nil {
			t.Errorf("Transliterate(%q) = %q, want error", tt.in, got)
			continue
		}
		if got != "" {
			t.Errorf("Transliterate(%q) = %q with error, want \"\"", tt.in, got)
		}
		want := healthcert.ErrInvalidICAOName
		if tt.needs {
			want = ErrNeedsTransliteration
		}
		if !errors.Is(err, want) {
			t.Errorf("Transliterate(%q) error = %v, want %v", tt.in, err, want)
		}
		if !strings.HasPrefix(err.Error(), "icao: ") {
			t.Errorf("Transliterate(%q) error = %q, want icao prefix", tt.in, err)
		}
		if !tt.checkRune {
			continue
		}
		var te *TransliterationError
		if !errors.As(err, &te) || te.Offset != tt.offset || te.Rune != tt.char {
			t.Errorf("Transliterate(%q) error = %#v, want rune %q at offset %d", tt.in, te, tt.char, tt.offset)
		}
	}
	// exactly the cap is fine
	if got, err := Transliterate(strings.Repeat("A", 80)); err != nil || len(got) != 80 {
		t.Errorf("Transliterate(80 × A) = %d chars, %v", len(got), err)
	}
}

func TestFill(t *testing.T) {
	n := healthcert.Name{Family: "单", Given: "小明"}
	if err := Fill(&n); err != nil {
		t.Fatalf("Fill() error = %v", err)
	}
	if n.FamilyICAO != "SHAN" || n.GivenICAO != "XIAOMING" {
		t.Errorf("Fill() = %q / %q, want SHAN / XIAOMING", n.FamilyICAO, n.GivenICAO)
	}
	if got := n.MRZ(); got != "SHAN<<XIAOMING" {
		t.Errorf("MRZ() = %q, want SHAN<<XIAOMING", got)
	}

	// supplied forms are kept
	n = healthcert.Name{Family: "김", Given: "민수", FamilyICAO: "KIM", GivenICAO: "MINSU"}
	if err := Fill(&n); err != nil || n.FamilyICAO != "KIM" || n.GivenICAO != "MINSU" {
		t.Errorf("Fill() = %+v, %v, want supplied forms kept", n, err)
	}

	// an unsupported script without a supplied form fails and leaves n alone
	n = healthcert.Name{Family: "김", Given: "Anna"}
	before := n
	if err := Fill(&n); !errors.Is(err, ErrNeedsTransliteration) {
		t.Errorf("Fill() error = %v, want ErrNeedsTransliteration", err)
	}
	if n != before {
		t.Errorf("Fill() changed the name on error: %+v", n)
	}

	// a bad supplied form fails
	n = healthcert.Name{Family: "Li", FamilyICAO: "li"}
	if err := Fill(&n); !errors.Is(err, healthcert.ErrInvalidICAOName) {
		t.Errorf("Fill() error = %v, want healthcert.ErrInvalidICAOName", err)
	}

}

func TestFillErrorNamesField(t *testing.T) {
	n := healthcert.Name{Family: "Anna", Given: "민수"}
	err := Fill(&n)
	var te *TransliterationError
	if !errors.As(err, &te) || te.Field != "given" || te.Offset != 0 || te.Rune != '민' {
		t.Fatalf("Fill() error = %#v, want given name, '민' at offset 0", err)
	}
	if want := "icao: given name: cannot transliterate '민' (U+BBFC) at offset 0: supply the icao 9303 form of the name"; err.Error() != want {
		t.Errorf("Fill() error = %q, want %q", err, want)
	}
}
