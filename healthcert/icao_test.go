package healthcert

import (
	"errors"
	"strings"
	"testing"
)

func TestTransliterateICAO(t *testing.T) {
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
		got, err := TransliterateICAO(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("TransliterateICAO(%q) = %q, %v, want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestTransliterateFamilyICAO(t *testing.T) {
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
		got, err := TransliterateFamilyICAO(tt.in)
		if err != nil || got != tt.family {
			t.Errorf("TransliterateFamilyICAO(%q) = %q, %v, want %q", tt.in, got, err, tt.family)
		}
		if tt.given == "" {
			continue
		}
		if got, err := TransliterateICAO(tt.in); err != nil || got != tt.given {
			t.Errorf("TransliterateICAO(%q) = %q, %v, want %q", tt.in, got, err, tt.given)
		}
	}
}

func TestTransliterateICAOErrors(t *testing.T) {
	tests := []struct {
		in        string
		needs     bool // wraps ErrNeedsTransliteration (else ErrInvalidICAOName)
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
		got, err := TransliterateICAO(tt.in)
		if err == nil {
			t.Errorf("TransliterateICAO(%q) = %q, want error", tt.in, got)
			continue
		}
		if got != "" {
			t.Errorf("TransliterateICAO(%q) = %q with error, want \"\"", tt.in, got)
		}
		want := ErrInvalidICAOName
		if tt.needs {
			want = ErrNeedsTransliteration
		}
		if !errors.Is(err, want) {
			t.Errorf("TransliterateICAO(%q) error = %v, want %v", tt.in, err, want)
		}
		if !strings.HasPrefix(err.Error(), "healthcert: ") {
			t.Errorf("TransliterateICAO(%q) error = %q, want healthcert prefix", tt.in, err)
		}
		if !tt.checkRune {
			continue
		}
		var te *TransliterationError
		if !errors.As(err, &te) || te.Offset != tt.offset || te.Rune != tt.char {
			t.Errorf("TransliterateICAO(%q) error = %#v, want rune %q at offset %d", tt.in, te, tt.char, tt.offset)
		}
	}
	// exactly the cap is fine
	if got, err := TransliterateICAO(strings.Repeat("A", 80)); err != nil || len(got) != 80 {
		t.Errorf("TransliterateICAO(80 × A) = %d chars, %v", len(got), err)
	}
}

func TestCheckICAOName(t *testing.T) {
	good := []string{"ZHANG", "MUSTERFRAU<GOESSINGER", "A", strings.Repeat("X", 80)}
	bad := []string{"", "<ZHANG", "ZHANG<", "ZHANG<<WEI", "Zhang", "ZHANG WEI", "ZHÄNG", "ZHANG1", strings.Repeat("X", 81), "ZHANG\x00"}
	for _, s := range good {
		if err := checkICAOName(s); err != nil {
			t.Errorf("checkICAOName(%q) = %v, want nil", s, err)
		}
	}
	for _, s := range bad {
		if err := checkICAOName(s); err == nil {
			t.Errorf("checkICAOName(%q) = nil, want error", s)
		}
	}
}

func TestFillICAO(t *testing.T) {
	n := Name{Family: "单", Given: "小明"}
	if err := n.FillICAO(); err != nil {
		t.Fatalf("FillICAO() error = %v", err)
	}
	if n.FamilyICAO != "SHAN" || n.GivenICAO != "XIAOMING" {
		t.Errorf("FillICAO() = %q / %q, want SHAN / XIAOMING", n.FamilyICAO, n.GivenICAO)
	}
	if got := n.MRZ(); got != "SHAN<<XIAOMING" {
		t.Errorf("MRZ() = %q, want SHAN<<XIAOMING", got)
	}

	// supplied forms are kept
	n = Name{Family: "김", Given: "민수", FamilyICAO: "KIM", GivenICAO: "MINSU"}
	if err := n.FillICAO(); err != nil || n.FamilyICAO != "KIM" || n.GivenICAO != "MINSU" {
		t.Errorf("FillICAO() = %+v, %v, want supplied forms kept", n, err)
	}

	// an unsupported script without a supplied form fails and leaves n alone
	n = Name{Family: "김", Given: "Anna"}
	before := n
	if err := n.FillICAO(); !errors.Is(err, ErrNeedsTransliteration) {
		t.Errorf("FillICAO() error = %v, want ErrNeedsTransliteration", err)
	}
	if n != before {
		t.Errorf("FillICAO() changed the name on error: %+v", n)
	}

	// a bad supplied form fails
	n = Name{Family: "Li", FamilyICAO: "li"}
	if err := n.FillICAO(); !errors.Is(err, ErrInvalidICAOName) {
		t.Errorf("FillICAO() error = %v, want ErrInvalidICAOName", err)
	}

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

func TestFillICAOErrorNamesField(t *testing.T) {
	n := Name{Family: "Anna", Given: "민수"}
	err := n.FillICAO()
	var te *TransliterationError
	if !errors.As(err, &te) || te.Field != "given" || te.Offset != 0 || te.Rune != '민' {
		t.Fatalf("FillICAO() error = %#v, want given name, '민' at offset 0", err)
	}
	if want := "healthcert: given name: cannot transliterate '민' (U+BBFC) at offset 0: supply the icao 9303 form of the name"; err.Error() != want {
		t.Errorf("FillICAO() error = %q, want %q", err, want)
	}
}
