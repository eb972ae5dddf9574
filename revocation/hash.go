package revocation

import (
	"crypto/sha256"
	"fmt"
	"strings"
)

// HashType says what an entry hashes.
type HashType uint8

// The hash types of the EU DCC revocation scheme.
const (
	HashUCI            HashType = 1 // SHA-256 of the UCI
	HashCountryCodeUCI HashType = 2 // SHA-256 of country code + UCI
	HashSignature      HashType = 3 // SHA-256 of the signature (ECDSA: r only)
	// HashSHCRID is ITHC's type for SMART Health Cards: the SHA-256 of
	// the card's issuer (iss), key (kid) and revocation identifier (rid),
	// as HashOfSHCRID writes them.
	HashSHCRID HashType = 4
)

// numHashTypes bounds the arrays indexed by HashType.
const numHashTypes = 5

var hashTypeNames = [numHashTypes]string{"", "UCI", "COUNTRYCODEUCI", "SIGNATURE", "SHCRID"}

// hashTypeKinds are the verify.Revocation kinds of the types.
var hashTypeKinds = [numHashTypes]string{"", "uci", "countrycodeuci", "signature", "rid"}

// String returns the name of the type: the EU's ("UCI",
// "COUNTRYCODEUCI", "SIGNATURE") or "SHCRID".
func (h HashType) String() string {
	if h > 0 && h < numHashTypes {
		return hashTypeNames[h]
	}
	return fmt.Sprintf("HashType(%d)", uint8(h))
}

// kind returns the verify.Revocation kind of the type.
func (h HashType) kind() string {
	if h > 0 && h < numHashTypes {
		return hashTypeKinds[h]
	}
	return strings.ToLower(h.String())
}

// ParseHashType parses a hash type name, in any case.
func ParseHashType(s string) (HashType, error) {
	for i := 1; i < numHashTypes; i++ {
		if strings.EqualFold(s, hashTypeNames[i]) {
			return HashType(i), nil
		}
	}
	return 0, fmt.Errorf("revocation: hash type %q is not UCI, COUNTRYCODEUCI, SIGNATURE or SHCRID", s)
}

// Hash is a 128-bit entry: the first 16 bytes of a SHA-256.
type Hash [16]byte

func truncated(parts ...string) Hash {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
	}
	var sum [sha256.Size]byte
	h.Sum(sum[:0])
	return Hash(sum[:16])
}

// HashOfUCI returns the HashUCI entry of a certificate identifier.
func HashOfUCI(uci string) Hash {
	sum := sha256.Sum256([]byte(uci))
	return Hash(sum[:16])
}

// HashOfCountryUCI returns the HashCountryCodeUCI entry of a certificate
// identifier issued by country (ISO 3166-1 alpha-2, as written in the code).
func HashOfCountryUCI(country, uci string) Hash { return truncated(country, uci) }

// HashOfSignature returns the HashSignature entry of a raw signature: for
// ECDSA (r‖s, both halves of equal length) only r is hashed.
func HashOfSignature(sig []byte, ecdsa bool) Hash {
	if ecdsa && len(sig) >= 2 && len(sig)%2 == 0 {
		sig = sig[:len(sig)/2]
	}
	sum := sha256.Sum256(sig)
	return Hash(sum[:16])
}

// HashOfSHCRID returns the HashSHCRID entry of a SMART Health Card's
// revocation identifier: the SHA-256, truncated to 128 bits, of the UTF-8
//
//	iss "#" kid "." rid
//
// where iss is the card's issuer URL exactly as in its payload, kid the
// RFC 7638 thumbprint of its key in base64url (as in the JWS header) and
// rid its vc.rid, without timestamp. Neither kid nor rid can hold '#' or
// '.', so the string names one (iss, kid, rid) only.
func HashOfSHCRID(iss, kid, rid string) Hash { return truncated(iss, "#", kid, ".", rid) }

// Compare orders hashes as big-endian numbers.
func (h Hash) Compare(o Hash) int {
	for i := range h {
		if h[i] != o[i] {
			if h[i] < o[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
