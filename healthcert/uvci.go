package healthcert

import (
	"crypto/rand"
	"encoding/base32"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ithc/ithc/internal/limits"
)

// ErrInvalidUVCI is wrapped by every error of ParseUVCI and NewUVCI about
// a malformed identifier.
var ErrInvalidUVCI = errors.New("healthcert: invalid uvci")

// uvciPrefix starts every UVCI this package builds or accepts.
const uvciPrefix = "URN:UVCI:"

// uvciVersion is the only UVCI schema version defined by the guidelines.
const uvciVersion = "01"

// luhnCharset is the character set of the UVCI checksum, in code-point
// order: character i has the value i, and N = 38. The eHealth Network
// guideline (and the FAQ of the EU DCC schema) lists the characters
// A–Z, 0–9, '/' and ':', and every checksummed UVCI of the EU DCC
// conformance vectors (AT, DK, FR, HU, NL, SI) is consistent with exactly
// this order, A = 0 … Z = 25, 0 = 26 … 9 = 35, '/' = 36, ':' = 37. The
// order "0–9 A–Z / :" verifies none of those vectors.
const luhnCharset = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/:"

// uvciUnique encodes the 128 random bits of a new UVCI: 26 characters of
// A–Z and 2–7, all within the UVCI character set.
var uvciUnique = base32.StdEncoding.WithPadding(base32.NoPadding)

// UVCI is a parsed unique vaccination certificate/assertion identifier,
// "URN:UVCI:01:CN:OPAQUE#C".
type UVCI struct {
	// Version is the schema version, always "01".
	Version string
	// Country is the ISO 3166-1 alpha-2 code of the issuing country.
	Country string
	// Opaque is the part after the country: blocks of A–Z and 0–9
	// separated by '/', such as "NHC/5CWLU12RNOB9RXSEOP6FG8".
	Opaque string
	// Checksum is the Luhn mod N check character, or 0 if absent.
	Checksum byte
}

// String returns the UVCI in its canonical form.
func (u UVCI) String() string {
	s := uvciPrefix + u.Version + ":" + u.Country + ":" + u.Opaque
	if u.Checksum != 0 {
		s += "#" + string(u.Checksum)
	}
	return s
}

// NewUVCI builds a UVCI for country (ISO 3166-1 alpha-2, upper case):
// "URN:UVCI:01:" + country + ":" + [issuerPart + "/"] + 26 characters that
// encode 128 bits read from random (crypto/rand when nil), and with
// checksum set, "#" and the Luhn mod N check character (see ParseUVCI).
// issuerPart, optional, is blocks of A–Z and 0–9 separated by '/', such as
// a code for the issuing authority; the whole UVCI must fit in
// limits.MaxUVCI characters.
func NewUVCI(country, issuerPart string, random io.Reader, checksum bool) (string, error) {
	if !isAlpha2(country) {
		return "", fmt.Errorf("%w: country %q is not two letters A–Z", ErrInvalidUVCI, country)
	}
	if issuerPart != "" {
		if err := checkOpaque(issuerPart); err != nil {
			return "", fmt.Errorf("%w: issuer part %q: %s", ErrInvalidUVCI, issuerPart, err)
		}
	}
	if random == nil {
		random = rand.Reader
	}
	var b [16]byte
	if _, err := io.ReadFull(random, b[:]); err != nil {
		return "", fmt.Errorf("healthcert: uvci: reading randomness: %w", err)
	}
	s := uvciPrefix + uvciVersion + ":" + country + ":"
	if issuerPart != "" {
		s += issuerPart + "/"
	}
	s += uvciUnique.EncodeToString(b[:])
	if checksum {
		s += "#" + string(luhnModN(s))
	}
	if len(s) > limits.MaxUVCI {
		return "", fmt.Errorf("%w: %d characters, more than %d (shorten the issuer part)", ErrInvalidUVCI, len(s), limits.MaxUVCI)
	}
	return s, nil
}

// luhnModN returns the Luhn mod N check character of s over luhnCharset.
// The input is the whole UVCI before the '#', "URN:UVCI:" included; every
// byte of s must be in luhnCharset. Starting from the rightmost character,
// values are weighted 2, 1, 2, …; each product p adds p/N + p%N to the sum;
// the check character has the value (N - sum%N) % N.
func luhnModN(s string) byte {
	n := len(luhnCharset)
	factor, sum := 2, 0
	for i := len(s) - 1; i >= 0; i-- {
		p := factor * strings.IndexByte(luhnCharset, s[i])
		sum += p/n + p%n
		factor = 3 - factor
	}
	return luhnCharset[(n-sum%n)%n]
}

// ParseUVCI parses and checks a UVCI: the prefix "URN:UVCI:", version
// "01", a country of two letters A–Z, an opaque part of blocks of A–Z and
// 0–9 separated by '/', and optionally '#' and the Luhn mod N check
// character, which must then be right. The whole is at most
// limits.MaxUVCI characters.
//
// Real-world identifiers that do not follow the guideline (another layout
// such as "URN:UVCI:01DE/…", another checksum) are rejected; callers that
// must accept them treat the UCI as opaque instead.
func ParseUVCI(s string) (UVCI, error) {
	if len(s) > limits.MaxUVCI {
		return UVCI{}, fmt.Errorf("%w: %d characters, more than %d", ErrInvalidUVCI, len(s), limits.MaxUVCI)
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '/' || c == ':' || c == '#') {
			return UVCI{}, fmt.Errorf("%w: invalid character %q at offset %d", ErrInvalidUVCI, rune(c), i)
		}
	}
	rest, ok := strings.CutPrefix(s, uvciPrefix)
	if !ok {
		return UVCI{}, fmt.Errorf("%w: %q does not start with %q", ErrInvalidUVCI, s, uvciPrefix)
	}
	var u UVCI
	body := s
	if i := strings.IndexByte(s, '#'); i >= 0 {
		if i != len(s)-2 {
			return UVCI{}, fmt.Errorf("%w: '#' at offset %d must be followed by exactly one check character", ErrInvalidUVCI, i)
		}
		body = s[:i]
		rest = rest[:len(rest)-2]
		u.Checksum = s[i+1]
	}
	parts := strings.SplitN(rest, ":", 3)
	if len(parts) != 3 {
		return UVCI{}, fmt.Errorf("%w: want URN:UVCI:01:CC:..., got %q", ErrInvalidUVCI, s)
	}
	u.Version, u.Country, u.Opaque = parts[0], parts[1], parts[2]
	if u.Version != uvciVersion {
		return UVCI{}, fmt.Errorf("%w: version %q, want %q", ErrInvalidUVCI, u.Version, uvciVersion)
	}
	if !isAlpha2(u.Country) {
		return UVCI{}, fmt.Errorf("%w: country %q is not two letters A–Z", ErrInvalidUVCI, u.Country)
	}
	if err := checkOpaque(u.Opaque); err != nil {
		return UVCI{}, fmt.Errorf("%w: opaque part %q: %s", ErrInvalidUVCI, u.Opaque, err)
	}
	if u.Checksum != 0 {
		if want := luhnModN(body); want != u.Checksum {
			return UVCI{}, fmt.Errorf("%w: checksum %q does not match %q", ErrInvalidUVCI, u.Checksum, want)
		}
	}
	return u, nil
}

// checkOpaque reports why s is not blocks of A–Z and 0–9 separated by '/'.
func checkOpaque(s string) error {
	if s == "" {
		return errors.New("empty")
	}
	for _, block := range strings.Split(s, "/") {
		if block == "" {
			return errors.New("empty block between '/'")
		}
		for i := 0; i < len(block); i++ {
			if c := block[i]; !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return fmt.Errorf("invalid character %q", rune(c))
			}
		}
	}
	return nil
}

// isAlpha2 reports whether s has the shape of an ISO 3166-1 alpha-2 code:
// two letters A–Z. It does not check that the code is assigned.
func isAlpha2(s string) bool {
	return len(s) == 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z'
}
