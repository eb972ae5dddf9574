package hc1

import (
	"fmt"
	"slices"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/healthcert"
)

// Algorithm is a COSE algorithm identifier (IANA "COSE Algorithms").
type Algorithm int64

// The signature algorithms of HCERT and ITHC.
const (
	ES256 Algorithm = -7  // ECDSA P-256 with SHA-256
	ES384 Algorithm = -35 // ECDSA P-384 with SHA-384
	PS256 Algorithm = -37 // RSASSA-PSS with SHA-256, MGF1 SHA-256, salt 32
	EdDSA Algorithm = -8  // Ed25519
)

func (a Algorithm) String() string {
	switch a {
	case ES256:
		return "ES256"
	case ES384:
		return "ES384"
	case PS256:
		return "PS256"
	case EdDSA:
		return "EdDSA"
	case 0:
		return "none"
	}
	return fmt.Sprintf("alg(%d)", int64(a))
}

// HeaderLocation says which COSE header bucket a parameter came from.
type HeaderLocation uint8

// The header locations.
const (
	HeaderAbsent HeaderLocation = iota
	HeaderProtected
	HeaderUnprotected
)

func (l HeaderLocation) String() string {
	switch l {
	case HeaderProtected:
		return "protected"
	case HeaderUnprotected:
		return "unprotected"
	}
	return "absent"
}

// The COSE and CWT labels read by this package.
const (
	labelAlg = 1
	labelKID = 4

	claimIss   = 1
	claimExp   = 4
	claimIat   = 6
	claimHCERT = -260

	// SubClaimDCC is the hcert sub-claim of the EU DCC payload (eu_DGC_v1).
	SubClaimDCC = 1
	// NativeKey is the hcert sub-claim of the native ITHC payload. HCERT
	// assigns its sub-claims positive integers (1 is the EU DCC), so a
	// negative key lies outside the space it allocates and cannot collide
	// with a future HCERT sub-claim; −86 (China's calling code) encodes in
	// two bytes and is unlikely to be chosen by another private payload.
	NativeKey = -86

	tagCOSESign1 = 18
	tagCWT       = 61
)

// PayloadKind names the payload carried in the hcert claim.
type PayloadKind string

// The payload kinds.
const (
	KindDCC    PayloadKind = "dcc"  // EU DCC, hcert sub-claim 1
	KindNative PayloadKind = "ithc" // native ITHC, hcert sub-claim NativeKey
)

// Code is a decoded HCERT code. The byte slices are the bytes as received:
// the signature is checked over them, never over a re-encoding.
type Code struct {
	// Protected is the content of the protected header byte string (the
	// serialized header map, or empty).
	Protected []byte
	// Payload is the content of the COSE payload byte string: the CWT
	// claims set.
	Payload []byte
	// Signature is the COSE signature.
	Signature []byte

	// Alg is the signature algorithm, and AlgFrom where it was found.
	Alg     Algorithm
	AlgFrom HeaderLocation
	// KID is the key identifier, and KIDFrom where it was found (the
	// protected header wins when both carry one).
	KID     []byte
	KIDFrom HeaderLocation
	// EmptyKIDFrom is where a kid of zero bytes was found, if no other
	// kid was: such a kid is no kid.
	EmptyKIDFrom HeaderLocation
	// Tags lists the CBOR tags around the COSE_Sign1 array, outermost
	// first: empty, [18] or [61 18]. It is shared: do not modify it.
	Tags []uint64
	// TaggedByteStrings is set when a byte string of the message (the
	// protected header, payload, signature or kid) came wrapped in a CBOR
	// tag, which is ignored.
	TaggedByteStrings bool

	Claims Claims

	// Kind is the payload kind; exactly one of DCC and Native is set.
	Kind   PayloadKind
	DCC    *dcc.Payload
	Native *healthcert.Certificate
	// RawPayload is the CBOR of the hcert sub-claim as received.
	RawPayload []byte
}

var (
	tags18 = []uint64{tagCOSESign1}
	tags61 = []uint64{tagCWT, tagCOSESign1}
)

// ParseCOSE decodes a COSE_Sign1 message (StageCOSE), its CWT claims
// (StageCWT) and its payload (StagePayload). The message may be tagged 18,
// untagged, or tag 61 (CWT) around tag 18; nothing may follow it.
func ParseCOSE(cose []byte) (*Code, error) {
	c := new(Code)
	if err := parseCOSEInto(c, cose); err != nil {
		return nil, err
	}
	return c, nil
}

// ParseCOSEEnvelope is ParseCOSE without StagePayload: it decodes the
// COSE_Sign1 message and its CWT claims and leaves the payload undecoded in
// RawPayload (DCC and Native are nil). It serves the checks that do not
// depend on the payload's content (kid, signature, validity), which a
// conformance test may expect to pass on a payload that breaks its schema.
func ParseCOSEEnvelope(cose []byte) (*Code, error) {
	c := new(Code)
	if err := c.parseEnvelopeAndClaims(cose); err != nil {
		return nil, err
	}
	return c, nil
}

// parseCOSEInto is ParseCOSE filling in the zero Code c.
func parseCOSEInto(c *Code, cose []byte) error {
	if err := c.parseEnvelopeAndClaims(cose); err != nil {
		return err
	}
	return c.decodePayload()
}

func (c *Code) parseEnvelopeAndClaims(cose []byte) error {
	if err := c.parseEnvelope(cose); err != nil {
		return err
	}
	claims, raw, err := parseClaims(c.Payload)
	if err != nil {
		return err
	}
	c.Claims = claims
	c.RawPayload = raw.raw
	c.Kind = raw.kind
	return nil
}

func (c *Code) parseEnvelope(cose []byte) error {
	r := &reader{data: cose}
	var tagBuf [2]uint64
	tags := tagBuf[:0]
	for {
		m, ok := r.peekMajor()
		if !ok {
			return stageErrf(StageCOSE, "empty message")
		}
		if m != majorTag {
			break
		}
		start := r.off
		_, t, err := r.head()
		if err != nil {
			return stageErr(StageCOSE, err)
		}
		if len(tags) == 2 || (t != tagCOSESign1 && t != tagCWT) {
			r.off = start
			return stageErr(StageCOSE, r.errorf("unexpected tag %d (want 18, or 61 around 18)", t))
		}
		tags = append(tags, t)
	}
	switch {
	case len(tags) == 0, len(tags) == 1 && tags[0] == tagCOSESign1,
		len(tags) == 2 && tags[0] == tagCWT && tags[1] == tagCOSESign1:
	default:
		// A copy: formatting tags itself would move tagBuf to the heap.
		return stageErrf(StageCOSE, "unexpected tags %v (want none, [18] or [61 18])", slices.Clone(tags))
	}
	switch len(tags) {
	case 1:
		c.Tags = tags18
	case 2:
		c.Tags = tags61
	}
	n, err := r.arrayHeader()
	if err != nil {
		return stageErr(StageCOSE, err)
	}
	if n != 4 {
		return stageErrf(StageCOSE, "COSE_Sign1 array has %d items, want 4", n)
	}
	if c.Protected, err = r.readTaggedBytes(&c.TaggedByteStrings); err != nil {
		return stageErrf(StageCOSE, "protected header: %w", err)
	}
	if err := c.protectedHeader(); err != nil {
		return err
	}
	if err := c.unprotectedHeader(r); err != nil {
		return err
	}
	if m, ok := r.peekMajor(); ok && m == majorSimple {
		return stageErr(StageCOSE, r.errorf("payload is not a byte string (detached payloads are not allowed)"))
	}
	if c.Payload, err = r.readTaggedBytes(&c.TaggedByteStrings); err != nil {
		return stageErrf(StageCOSE, "payload: %w", err)
	}
	if c.Signature, err = r.readTaggedBytes(&c.TaggedByteStrings); err != nil {
		return stageErrf(StageCOSE, "signature: %w", err)
	}
	if r.off != len(cose) {
		return stageErr(StageCOSE, r.errorf("%d bytes after the COSE_Sign1 message", len(cose)-r.off))
	}
	if c.Alg == 0 {
		return stageErrf(StageCOSE, "no algorithm in the headers")
	}
	return nil
}

func (c *Code) protectedHeader() error {
	if len(c.Protected) == 0 {
		return nil
	}
	r := &reader{data: c.Protected}
	n, err := r.mapHeader()
	if err != nil {
		return stageErrf(StageCOSE, "protected header: %w", err)
	}
	k := newKeyer(n)
	for {
		key, ok, err := k.next(r, 1)
		if err != nil {
			return stageErrf(StageCOSE, "protected header: %w", err)
		}
		if !ok {
			break
		}
		if err := c.headerParam(r, key, HeaderProtected); err != nil {
			return err
		}
	}
	if r.off != len(c.Protected) {
		return stageErr(StageCOSE, r.errorf("protected header: %d bytes after the map", len(c.Protected)-r.off))
	}
	return nil
}

func (c *Code) unprotectedHeader(r *reader) error {
	n, err := r.mapHeader()
	if err != nil {
		return stageErrf(StageCOSE, "unprotected header: %w", err)
	}
	k := newKeyer(n)
	for {
		key, ok, err := k.next(r, 1)
		if err != nil {
			return stageErrf(StageCOSE, "unprotected header: %w", err)
		}
		if !ok {
			return nil
		}
		if err := c.headerParam(r, key, HeaderUnprotected); err != nil {
			return err
		}
	}
}

// headerParam reads the value of one header parameter. The kid and the
// alg of the protected header win over the unprotected ones. An alg in the
// unprotected header is used only when the protected header has none:
// COSE requires alg to be protected, but several 2021 DCC issuers put it in
// the unprotected bucket, and this is harmless: the algorithm is checked
// against the trusted signer key (a mismatch is an error), so an attacker
// who edits an unprotected alg can only make verification fail.
func (c *Code) headerParam(r *reader, key mapKey, from HeaderLocation) error {
	if key.kind != majorUint || (key.i != labelAlg && key.i != labelKID) {
		if err := r.skip(2); err != nil {
			return stageErrf(StageCOSE, "%s header: %w", from, err)
		}
		return nil
	}
	switch key.i {
	case labelAlg:
		v, err := r.readInt()
		if err != nil {
			return stageErrf(StageCOSE, "%s header: alg: %w", from, err)
		}
		if c.AlgFrom == HeaderAbsent {
			c.Alg, c.AlgFrom = Algorithm(v), from
		}
	case labelKID:
		b, err := r.readTaggedBytes(&c.TaggedByteStrings)
		if err != nil {
			return stageErrf(StageCOSE, "%s header: kid: %w", from, err)
		}
		switch {
		case c.KIDFrom == HeaderAbsent && len(b) > 0:
			c.KID, c.KIDFrom = b, from
		case len(b) == 0 && c.EmptyKIDFrom == HeaderAbsent:
			c.EmptyKIDFrom = from
		}
	}
	return nil
}

// Claims are the CWT claims of a code.
type Claims struct {
	// Issuer is the iss claim: the ISO 3166-1 alpha-2 code of the issuing
	// country.
	Issuer string
	// IssuedAt and ExpiresAt are the iat and exp claims (zero if absent).
	IssuedAt  time.Time
	ExpiresAt time.Time
}

type subClaim struct {
	kind PayloadKind
	raw  []byte
}

// ParseClaims decodes a CWT claims set (StageCWT) and returns the claims,
// the payload kind and the raw CBOR of the hcert sub-claim. Unknown claims
// are ignored; duplicate keys are not. The sub-claim itself is only checked
// to be well-formed: its decoder (dcc.ParseCBOR, UnmarshalNative) checks its
// text and its keys.
func ParseClaims(cwt []byte) (Claims, PayloadKind, []byte, error) {
	c, s, err := parseClaims(cwt)
	if err != nil {
		return Claims{}, "", nil, err
	}
	return c, s.kind, s.raw, nil
}

func parseClaims(cwt []byte) (Claims, subClaim, error) {
	var claims Claims
	var sub subClaim
	r := &reader{data: cwt}
	n, err := r.mapHeader()
	if err != nil {
		return claims, sub, stageErrf(StageCWT, "claims: %w", err)
	}
	k := newKeyer(n)
	seenHCERT := false
	for {
		key, ok, err := k.next(r, 1)
		if err != nil {
			return claims, sub, stageErrf(StageCWT, "claims: %w", err)
		}
		if !ok {
			break
		}
		if key.kind != majorUint {
			if err := r.skip(2); err != nil {
				return claims, sub, stageErrf(StageCWT, "claims: %w", err)
			}
			continue
		}
		switch key.i {
		case claimIss:
			if claims.Issuer, err = r.readText(); err != nil {
				return claims, sub, stageErrf(StageCWT, "iss: %w", err)
			}
		case claimIat:
			if claims.IssuedAt, err = readTime(r); err != nil {
				return claims, sub, stageErrf(StageCWT, "iat: %w", err)
			}
		case claimExp:
			if claims.ExpiresAt, err = readTime(r); err != nil {
				return claims, sub, stageErrf(StageCWT, "exp: %w", err)
			}
		case claimHCERT:
			seenHCERT = true
			if sub, err = readHCERT(r); err != nil {
				return claims, sub, err
			}
		default:
			if err := r.skip(2); err != nil {
				return claims, sub, stageErrf(StageCWT, "claims: %w", err)
			}
		}
	}
	if r.off != len(cwt) {
		return claims, sub, stageErr(StageCWT, r.errorf("%d bytes after the claims map", len(cwt)-r.off))
	}
	if !seenHCERT {
		return claims, sub, stageErrf(StageCWT, "no hcert claim (-260)")
	}
	return claims, sub, nil
}

// readHCERT reads the hcert claim: a map with exactly one of the DCC and
// the native sub-claims. Other sub-claims are skipped.
func readHCERT(r *reader) (subClaim, error) {
	var sub subClaim
	n, err := r.mapHeader()
	if err != nil {
		return sub, stageErrf(StageCWT, "hcert: %w", err)
	}
	k := newKeyer(n)
	for {
		key, ok, err := k.next(r, 2)
		if err != nil {
			return sub, stageErrf(StageCWT, "hcert: %w", err)
		}
		if !ok {
			break
		}
		start := r.off
		// The DCC and native decoders check UTF-8 and duplicate keys
		// themselves: skip only finds the extent of their payload.
		r.lazyText = key.kind == majorUint && (key.i == SubClaimDCC || key.i == NativeKey)
		err = r.skip(3)
		r.lazyText = false
		if err != nil {
			return sub, stageErrf(StageCWT, "hcert: %w", err)
		}
		var kind PayloadKind
		switch {
		case key.kind == majorUint && key.i == SubClaimDCC:
			kind = KindDCC
		case key.kind == majorUint && key.i == NativeKey:
			kind = KindNative
		default:
			continue
		}
		if sub.kind != "" {
			return sub, stageErrf(StageCWT, "hcert holds both a DCC and a native payload")
		}
		sub = subClaim{kind: kind, raw: r.data[start:r.off:r.off]}
	}
	if sub.kind == "" {
		return sub, stageErrf(StageCWT, "hcert holds neither a DCC (1) nor a native (%d) payload", NativeKey)
	}
	return sub, nil
}

// maxTime bounds iat and exp: year 9999.
const maxTime = 253402300799

// readTime reads a NumericDate: an integer or, as several real issuers
// write, a float.
func readTime(r *reader) (time.Time, error) {
	f, isInt, err := r.readNumber()
	if err != nil {
		return time.Time{}, err
	}
	if f < -maxTime || f > maxTime {
		return time.Time{}, fmt.Errorf("time %v out of range", f)
	}
	if isInt {
		return time.Unix(int64(f), 0).UTC(), nil
	}
	sec := int64(f)
	nsec := int64((f - float64(sec)) * 1e9)
	return time.Unix(sec, nsec).UTC(), nil
}

func (c *Code) decodePayload() error {
	switch c.Kind {
	case KindDCC:
		p, err := dcc.ParseCBOR(c.RawPayload)
		if err != nil {
			return stageErr(StagePayload, err)
		}
		c.DCC = p
	case KindNative:
		cert, err := UnmarshalNative(c.RawPayload)
		if err != nil {
			return stageErr(StagePayload, err)
		}
		cert.Issuer.Country = c.Claims.Issuer
		cert.IssuedAt = c.Claims.IssuedAt
		cert.ExpiresAt = c.Claims.ExpiresAt
		c.Native = cert
	}
	return nil
}
