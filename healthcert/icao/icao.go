// Package icao transliterates names into the machine-readable form of ICAO
// Doc 9303 part 3: upper-case A–Z with '<' between words, as travel
// documents print them. It covers Latin with diacritics, Greek and Cyrillic
// (the recommended tables of part 3) and Chinese (Hanyu Pinyin without
// tones, with the readings of polyphonic surnames); for any other script the
// issuer supplies the ICAO form.
//
// Start with Fill, which completes a healthcert.Name at issuance. The
// package carries a Chinese reading dictionary, so it is kept apart from
// package healthcert: verifiers never load it.
package icao

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mozillazg/go-pinyin"

	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/limits"
)

// ErrNeedsTransliteration is wrapped by the error of Transliterate and
// TransliterateFamily when the name holds a character of a script this
// package cannot transliterate (Arabic, Thai, Japanese kana, Korean Hangul
// and others): the issuer must supply the ICAO 9303 form of the name.
var ErrNeedsTransliteration = errors.New("icao: name needs transliteration by the issuer")

// TransliterationError reports the first character of a name that cannot be
// transliterated. It wraps ErrNeedsTransliteration when the character is a
// letter of an unsupported script and healthcert.ErrInvalidICAOName otherwise (a
// digit, a control character, punctuation that has no place in a name).
type TransliterationError struct {
	// Rune is the offending character.
	Rune rune
	// Offset is its position in the name, counted in characters from 0.
	Offset int
	// Field names the name component, "family" or "given", when known
	// (Fill sets it).
	Field string
	// needsScript is true for a letter of an unsupported script.
	needsScript bool
}

// Error names the character, its offset and what the issuer must do.
func (e *TransliterationError) Error() string {
	what := "name"
	if e.Field != "" {
		what = e.Field + " name"
	}
	if e.needsScript {
		return fmt.Sprintf("icao: %s: cannot transliterate %q (%U) at offset %d: supply the icao 9303 form of the name", what, e.Rune, e.Rune, e.Offset)
	}
	return fmt.Sprintf("icao: %s: character %q (%U) at offset %d is not allowed in a name", what, e.Rune, e.Rune, e.Offset)
}

// Unwrap returns ErrNeedsTransliteration or healthcert.ErrInvalidICAOName.
func (e *TransliterationError) Unwrap() error {
	if e.needsScript {
		return ErrNeedsTransliteration
	}
	return healthcert.ErrInvalidICAOName
}

// Transliterate returns the ICAO 9303 machine-readable form of one name
// component, such as a given name: upper-case A–Z with '<' between words.
//
// Following ICAO 9303 part 3: spaces, hyphens and middle dots become '<'
// (several in a row become one, none at either end); apostrophes, periods
// and commas are dropped; Latin letters with diacritics, Greek and Cyrillic
// follow the recommended transliteration tables of part 3 ("Gößinger" →
// "GOESSINGER", "Król" → "KROL", "Щукин" → "SHCHUKIN"); Chinese characters
// become Hanyu Pinyin without tones, syllables run together ("小明" →
// "XIAOMING"), with ü written YU after L and N as on PRC passports and U
// elsewhere. Full-width Latin letters are read as ASCII.
//
// Any other script returns a *TransliterationError wrapping
// ErrNeedsTransliteration that names the character and its offset. A
// result longer than limits.MaxICAOName characters is an error, never cut.
// An empty or all-punctuation input returns "" and no error.
func Transliterate(s string) (string, error) {
	return transliterate(s, false)
}

// TransliterateFamily is Transliterate for a family name: a
// Chinese family name is read with the surname readings of polyphonic and
// compound surnames ("单" → "SHAN", "曾" → "ZENG", "尉迟" → "YUCHI").
func TransliterateFamily(s string) (string, error) {
	return transliterate(s, true)
}

// pinyinArgs reads characters without tones and returns nothing for a
// character that has no reading, which transliterate reports.
var pinyinArgs = pinyin.Args{Style: pinyin.Normal, Fallback: func(rune, pinyin.Args) []string { return nil }}

func transliterate(s string, family bool) (string, error) {
	if !utf8.ValidString(s) {
		return "", fmt.Errorf("icao: %w: name is not valid utf-8", healthcert.ErrInvalidICAOName)
	}
	if len(s) > limits.MaxCertText {
		return "", fmt.Errorf("icao: %w: name is %d bytes, more than %d", healthcert.ErrInvalidICAOName, len(s), limits.MaxCertText)
	}
	rs := []rune(s)
	var b strings.Builder
	sep := false // a separator is pending
	emit := func(t string) {
		if t == "" {
			return
		}
		if sep && b.Len() > 0 {
			b.WriteByte('<')
		}
		sep = false
		b.WriteString(t)
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r >= 0xFF01 && r <= 0xFF5E { // full-width ASCII forms
			r -= 0xFF01 - '!'
		}
		u := unicode.ToUpper(r)
		switch {
		case u >= 'A' && u <= 'Z':
			emit(string(u))
		case isSeparator(r):
			sep = true
		case isDropped(r):
		case latinICAO[u] != "":
			emit(latinICAO[u])
		case latinICAO[r] != "":
			emit(latinICAO[r])
		case unicode.Is(unicode.Cyrillic, r):
			t, ok := cyrillicICAO[u]
			if !ok {
				return "", &TransliterationError{Rune: rs[i], Offset: i, needsScript: true}
			}
			emit(t)
		case unicode.Is(unicode.Greek, r):
			t, n, ok := greekAt(rs, i)
			if !ok {
				return "", &TransliterationError{Rune: rs[i], Offset: i, needsScript: true}
			}
			emit(t)
			i += n - 1
		case unicode.Is(unicode.Han, r):
			if family && i == 0 {
				if t, n := surnameAt(rs); n > 0 {
					emit(t)
					i += n - 1
					continue
				}
			}
			t, ok := hanPinyin(r)
			if !ok {
				return "", &TransliterationError{Rune: rs[i], Offset: i, needsScript: true}
			}
			emit(t)
		case unicode.IsLetter(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Mc, r):
			return "", &TransliterationError{Rune: rs[i], Offset: i, needsScript: true}
		default:
			return "", &TransliterationError{Rune: rs[i], Offset: i}
		}
		if b.Len() > limits.MaxICAOName {
			return "", fmt.Errorf("icao: %w: transliteration of %q is longer than %d characters", healthcert.ErrInvalidICAOName, s, limits.MaxICAOName)
		}
	}
	return b.String(), nil
}

// isSeparator reports whether r separates words of a name: ICAO 9303 turns
// spaces and hyphens into fillers; the middle dot separates the parts of
// transliterated foreign names in Chinese.
func isSeparator(r rune) bool {
	switch r {
	case ' ', '-', '<', '\u00A0', '\u2010', '\u2011', '\u2012', '\u2013', '\u2014',
		'\u00B7', '\u30FB', '\u2022', '\u2027', '\u3000', '\uFF0D', '\uFF65', '\u0387':
		return true
	}
	return false
}

// isDropped reports whether r is punctuation ICAO 9303 leaves out:
// apostrophes, periods and commas.
func isDropped(r rune) bool {
	switch r {
	case '\'', '`', '.', ',', '\u2018', '\u2019', '\u02BC', '\u02BB', '\u00B4', '\uFF07', '\uFF0E', '\uFF0C':
		return true
	}
	return false
}

// greekAt transliterates the Greek letter at rs[i], with the digraphs of the
// ICAO 9303 (ELOT 743) table: ΑΥ, ΕΥ, ΗΥ → AV, EV, IV before a vowel or a
// voiced consonant and AF, EF, IF before a voiceless one or at the end of a
// word; ΟΥ → OU; ΜΠ → B and ΝΤ → D at the start of a word and MB, ND
// inside; ΓΓ → NG; ΓΚ → G at the start of a word and NG inside; ΓΞ → NX;
// ΓΧ → NCH. It returns the text and how many runes it used.
func greekAt(rs []rune, i int) (string, int, bool) {
	u := unicode.ToUpper(rs[i])
	if rs[i] == 'ς' || rs[i] == 'ΐ' || rs[i] == 'ΰ' {
		u = rs[i]
	}
	var next rune
	if i+1 < len(rs) {
		next = unicode.ToUpper(rs[i+1])
	}
	start := i == 0 || isSeparator(rs[i-1])
	switch base := greekBase(u); {
	case (base == 'Α' || base == 'Ε' || base == 'Η') && (next == 'Υ' || next == 'Ύ'):
		first := greekICAO[u]
		var after rune
		if i+2 < len(rs) {
			after = greekBase(unicode.ToUpper(rs[i+2]))
		}
		if after == 0 || !unicode.Is(unicode.Greek, after) || strings.ContainsRune("ΘΚΞΠΣΤΦΧΨ", after) {
			return first + "F", 2, true
		}
		return first + "V", 2, true
	case base == 'Ο' && (next == 'Υ' || next == 'Ύ'):
		return "OU", 2, true
	case u == 'Μ' && next == 'Π':
		if start {
			return "B", 2, true
		}
		return "MB", 2, true
	case u == 'Ν' && next == 'Τ':
		if start {
			return "D", 2, true
		}
		return "ND", 2, true
	case u == 'Γ' && next == 'Γ':
		return "NG", 2, true
	case u == 'Γ' && next == 'Κ':
		if start {
			return "G", 2, true
		}
		return "NG", 2, true
	case u == 'Γ' && next == 'Ξ':
		return "NX", 2, true
	case u == 'Γ' && next == 'Χ':
		return "NCH", 2, true
	}
	t, ok := greekICAO[u]
	return t, 1, ok
}

// greekBase strips the tonos from an upper-case Greek vowel and maps the
// final sigma to Σ.
func greekBase(r rune) rune {
	switch r {
	case 'Ά':
		return 'Α'
	case 'Έ':
		return 'Ε'
	case 'Ή':
		return 'Η'
	case 'Ί':
		return 'Ι'
	case 'Ό':
		return 'Ο'
	case 'Ύ':
		return 'Υ'
	case 'Ώ':
		return 'Ω'
	case 'ς':
		return 'Σ'
	}
	return r
}

// maxSurnameRunes is the length of the longest entry of chineseSurnames.
const maxSurnameRunes = 2

// surnameAt returns the surname reading of the longest entry of
// chineseSurnames that starts rs, and its length in runes (0 if none).
func surnameAt(rs []rune) (string, int) {
	for n := min(maxSurnameRunes, len(rs)); n > 0; n-- {
		if t, ok := chineseSurnames[string(rs[:n])]; ok {
			return t, n
		}
	}
	return "", 0
}

// hanPinyin returns the first reading of a Chinese character in Hanyu
// Pinyin without tones, upper case, with ü as YU after L and N and as U
// elsewhere (PRC passport practice).
func hanPinyin(r rune) (string, bool) {
	p := pinyin.SinglePinyin(r, pinyinArgs)
	if len(p) == 0 || p[0] == "" {
		return "", false
	}
	var b strings.Builder
	for i := 0; i < len(p[0]); i++ {
		c := p[0][i]
		switch {
		case c == 'v': // ü in the Normal style
			if i > 0 && (p[0][i-1] == 'l' || p[0][i-1] == 'n') {
				b.WriteString("YU")
			} else {
				b.WriteByte('U')
			}
		case c >= 'a' && c <= 'z':
			b.WriteByte(c - 'a' + 'A')
		default:
			return "", false
		}
	}
	return b.String(), true
}

// Fill derives n.FamilyICAO from n.Family (with TransliterateFamily) and
// n.GivenICAO from n.Given (with Transliterate) where they are empty, and
// checks the ones already present. On error n is left unchanged.
func Fill(n *healthcert.Name) error {
	v := *n
	var errs []error
	if v.FamilyICAO == "" && v.Family != "" {
		t, err := TransliterateFamily(v.Family)
		if err != nil {
			errs = append(errs, nameError("family", err))
		}
		v.FamilyICAO = t
	} else if v.FamilyICAO != "" {
		if err := healthcert.CheckICAOName(v.FamilyICAO); err != nil {
			errs = append(errs, fmt.Errorf("icao: %w: family_icao %q: %s", healthcert.ErrInvalidICAOName, v.FamilyICAO, err))
		}
	}
	if v.GivenICAO == "" && v.Given != "" {
		t, err := Transliterate(v.Given)
		if err != nil {
			errs = append(errs, nameError("given", err))
		}
		v.GivenICAO = t
	} else if v.GivenICAO != "" {
		if err := healthcert.CheckICAOName(v.GivenICAO); err != nil {
			errs = append(errs, fmt.Errorf("icao: %w: given_icao %q: %s", healthcert.ErrInvalidICAOName, v.GivenICAO, err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}
	*n = v
	return nil
}

// nameError names the component field in a transliteration error.
func nameError(field string, err error) error {
	var te *TransliterationError
	if errors.As(err, &te) {
		c := *te
		c.Field = field
		return &c
	}
	return fmt.Errorf("%w (%s name)", err, field)
}
