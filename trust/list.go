package trust

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// The signed lists a gateway publishes (trust lists, value sets, country
// lists, later rules and revocation batches) share one envelope: a JSON Web
// Signature in the flattened JSON serialisation (RFC 7515 §7.2.2),
//
//	{"protected": b64url(header), "payload": b64url(list JSON), "signature": b64url(sig)}
//
// with header {"alg": "ES256"|"ES384"|"PS256"|"EdDSA", "typ": ListType,
// "x5c": [list signer certificate DER, standard base64]}. Any JOSE library
// can check it; ITHC's verifiers check it with VerifyList against the
// gateway's trust anchor certificate, which the verifier obtained out of
// band. The list signer certificate is issued by the trust anchor (whose own
// key stays offline) and must carry the ListSigningOID extended key usage.
//
// Onboarding records (a country's CSCA, upload and TLS certificates) are
// signed directly by the trust anchor key with the same envelope, payload
// an OnboardingRecord, so that every country certificate in a list is
// provably approved by the operator, not merely served by the gateway.

// ListType is the JWS "typ" of a signed list; OnboardingType that of an
// onboarding record.
const (
	ListType       = "ithc-list+json"
	OnboardingType = "ithc-onboarding+json"
	ListFormat     = "ithc-list/1"
)

// ListSigningOID is the extended key usage a list signer certificate must
// carry: 1.3.6.1.4.1.59999.1.10 (ITHC private arc, gateway list signing).
var ListSigningOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 59999, 1, 10}

// List is the payload of a signed list.
type List struct {
	// Format is ListFormat.
	Format string `json:"format"`
	// Version is the gateway's version (highest entry sequence number)
	// the list was read at.
	Version int64 `json:"version"`
	// Since is zero for a full list; otherwise the list holds only the
	// changes (tombstones included) after that version.
	Since int64 `json:"since,omitempty"`
	// Epoch is the version at which the gateway's store was last advanced
	// after a restore from a backup (gateway.Advance); zero when never. A
	// verifier whose copy has another epoch may hold entries the restore
	// lost, so it downloads the whole list again instead of the changes.
	Epoch int64 `json:"epoch,omitempty"`
	// Issued is when the gateway signed the list.
	Issued time.Time `json:"issued"`
	// Kinds, Country and Type record the filter the list was made with.
	Kinds   []string `json:"kinds,omitempty"`
	Country string   `json:"country,omitempty"`
	Type    string   `json:"type,omitempty"`
	// Entries are in sequence order.
	Entries []ListEntry `json:"entries"`
}

// ListEntry is one entry of a list.
type ListEntry struct {
	Seq     int64  `json:"seq"`
	Kind    string `json:"kind"`
	ID      string `json:"id"`
	Country string `json:"country,omitempty"`
	Type    string `json:"type,omitempty"`
	// Thumbprint is the hex SHA-256 of Data.
	Thumbprint string `json:"thumbprint"`
	// Data is the content (certificate DER, JSON), base64 in JSON.
	Data []byte `json:"data"`
	// Signature is the approval of the entry: the country's CMS upload
	// for signers, the trust anchor's signed onboarding record for
	// country certificates.
	Signature []byte    `json:"signature,omitempty"`
	Timestamp time.Time `json:"timestamp"`
	Deleted   bool      `json:"deleted,omitempty"`
}

// OnboardingRecord is what the trust anchor signs when a country is
// onboarded: one certificate and its role.
type OnboardingRecord struct {
	Format  string `json:"format"` // "ithc-onboarding/1"
	Country string `json:"country"`
	// Role is "csca", "upload" or "tls".
	Role string `json:"role"`
	// Certificate is the DER of the onboarded certificate.
	Certificate []byte `json:"certificate"`
	// Thumbprint is the hex SHA-256 of Certificate.
	Thumbprint string    `json:"thumbprint"`
	Approved   time.Time `json:"approved"`
}

// OnboardingFormat is OnboardingRecord.Format.
const OnboardingFormat = "ithc-onboarding/1"

// MaxListBytes bounds a signed list a verifier accepts (10,000 signers of
// about 1 KB plus their uploads fit several times over).
const MaxListBytes = 256 << 20

// Errors of signed lists.
var (
	ErrListSignature = errors.New("trust: signed list: signature does not verify")
	ErrListSigner    = errors.New("trust: signed list: signer not authorised by the trust anchor")
	ErrListFormat    = errors.New("trust: signed list: malformed")
)

type jwsHeader struct {
	Alg string   `json:"alg"`
	Typ string   `json:"typ"`
	X5C [][]byte `json:"x5c,omitempty"`
}

type jwsFlat struct {
	Protected string `json:"protected"`
	Payload   string `json:"payload"`
	Signature string `json:"signature"`
}

var b64 = base64.RawURLEncoding

// SignJWS signs payload in the flattened JWS JSON serialisation with key;
// cert, when not nil, goes in the x5c header. typ is the header's "typ".
func SignJWS(payload []byte, typ string, key crypto.Signer, cert *x509.Certificate) ([]byte, error) {
	alg, err := jwsAlg(key.Public())
	if err != nil {
		return nil, err
	}
	h := jwsHeader{Alg: alg, Typ: typ}
	if cert != nil {
		h.X5C = [][]byte{cert.Raw}
	}
	hj, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	protected := b64.EncodeToString(hj)
	encPayload := b64.EncodeToString(payload)
	input := []byte(protected + "." + encPayload)
	sig, err := jwsSign(key, alg, input)
	if err != nil {
		return nil, fmt.Errorf("trust: signing %s: %w", typ, err)
	}
	return json.Marshal(jwsFlat{Protected: protected, Payload: encPayload, Signature: b64.EncodeToString(sig)})
}

// ParseJWS splits a flattened JWS without checking its signature: the
// header, the payload, the signing input and the signature. Callers check
// the signature with VerifyJWS.
func ParseJWS(data []byte, typ string) (*JWS, error) {
	if len(data) > MaxListBytes {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrListFormat, len(data), MaxListBytes)
	}
	var f jwsFlat
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("%w: not a flattened JWS: %v", ErrListFormat, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: data after the JWS object", ErrListFormat)
	}
	hj, err := b64.DecodeString(f.Protected)
	if err != nil {
		return nil, fmt.Errorf("%w: protected header: %v", ErrListFormat, err)
	}
	var h jwsHeader
	if err := json.Unmarshal(hj, &h); err != nil {
		return nil, fmt.Errorf("%w: protected header: %v", ErrListFormat, err)
	}
	if h.Typ != typ {
		return nil, fmt.Errorf("%w: typ %q, want %q", ErrListFormat, h.Typ, typ)
	}
	payload, err := b64.DecodeString(f.Payload)
	if err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrListFormat, err)
	}
	sig, err := b64.DecodeString(f.Signature)
	if err != nil {
		return nil, fmt.Errorf("%w: signature: %v", ErrListFormat, err)
	}
	j := &JWS{Alg: h.Alg, Payload: payload, Signature: sig, input: []byte(f.Protected + "." + f.Payload)}
	for i, der := range h.X5C {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("%w: x5c[%d]: %v", ErrListFormat, i, err)
		}
		j.Certificates = append(j.Certificates, c)
	}
	return j, nil
}

// JWS is a parsed flattened JWS.
type JWS struct {
	Alg          string
	Payload      []byte
	Signature    []byte
	Certificates []*x509.Certificate
	input        []byte
}

// VerifyWith checks the signature with pub. The header's alg must be the
// one pub's type implies: a header cannot choose a weaker algorithm.
func (j *JWS) VerifyWith(pub crypto.PublicKey) error {
	want, err := jwsAlg(pub)
	if err != nil {
		return err
	}
	if j.Alg != want {
		return fmt.Errorf("%w: header alg %q does not match the key (%s)", ErrListSignature, j.Alg, want)
	}
	if !jwsVerify(pub, j.Alg, j.input, j.Signature) {
		return ErrListSignature
	}
	return nil
}

// VerifyList checks a signed list against the trust anchor certificate at
// time now and returns its payload: the x5c list signer certificate must be
// issued by anchor, valid at now, carry ListSigningOID, and its key must
// verify the signature.
func VerifyList(data []byte, anchor *x509.Certificate, now time.Time) (*List, error) {
	j, err := ParseJWS(data, ListType)
	if err != nil {
		return nil, err
	}
	if len(j.Certificates) == 0 {
		return nil, fmt.Errorf("%w: no x5c list signer certificate", ErrListFormat)
	}
	signer := j.Certificates[0]
	if err := CheckListSigner(signer, anchor, now); err != nil {
		return nil, err
	}
	if err := j.VerifyWith(signer.PublicKey); err != nil {
		return nil, err
	}
	var l List
	dec := json.NewDecoder(bytes.NewReader(j.Payload))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("%w: payload: %v", ErrListFormat, err)
	}
	if l.Format != ListFormat {
		return nil, fmt.Errorf("%w: format %q, want %q", ErrListFormat, l.Format, ListFormat)
	}
	for i := range l.Entries {
		e := &l.Entries[i]
		sum := sha256.Sum256(e.Data)
		if fmt.Sprintf("%x", sum) != e.Thumbprint {
			return nil, fmt.Errorf("%w: entry %d (%s %s): thumbprint does not match its data", ErrListFormat, i, e.Kind, e.ID)
		}
		if i > 0 && e.Seq <= l.Entries[i-1].Seq {
			return nil, fmt.Errorf("%w: entry %d: sequence numbers not increasing", ErrListFormat, i)
		}
		if e.Seq > l.Version {
			return nil, fmt.Errorf("%w: entry %d: sequence %d beyond the list version %d", ErrListFormat, i, e.Seq, l.Version)
		}
	}
	return &l, nil
}

// CheckListSigner checks that cert may sign lists under anchor at now.
func CheckListSigner(cert, anchor *x509.Certificate, now time.Time) error {
	if err := cert.CheckSignatureFrom(anchor); err != nil {
		return fmt.Errorf("%w: %q is not issued by the trust anchor %q: %v", ErrListSigner, cert.Subject, anchor.Subject, err)
	}
	if now.Before(cert.NotBefore) || now.After(cert.NotAfter) {
		return fmt.Errorf("%w: %q is valid from %s to %s, not at %s", ErrListSigner, cert.Subject,
			cert.NotBefore.UTC().Format(time.RFC3339), cert.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
	}
	for _, oid := range cert.UnknownExtKeyUsage {
		if oid.Equal(ListSigningOID) {
			return nil
		}
	}
	return fmt.Errorf("%w: %q lacks the list-signing extended key usage %s", ErrListSigner, cert.Subject, ListSigningOID)
}

// SignOnboarding signs rec with the trust anchor key.
func SignOnboarding(rec OnboardingRecord, anchorKey crypto.Signer) ([]byte, error) {
	rec.Format = OnboardingFormat
	payload, err := json.Marshal(rec)
	if err != nil {
		return nil, err
	}
	return SignJWS(payload, OnboardingType, anchorKey, nil)
}

// VerifyOnboarding checks an onboarding record's signature against the
// trust anchor and returns the record and its certificate.
func VerifyOnboarding(sig []byte, anchor *x509.Certificate) (*OnboardingRecord, *x509.Certificate, error) {
	j, err := ParseJWS(sig, OnboardingType)
	if err != nil {
		return nil, nil, err
	}
	if err := j.VerifyWith(anchor.PublicKey); err != nil {
		return nil, nil, fmt.Errorf("onboarding record not signed by the trust anchor: %w", err)
	}
	var rec OnboardingRecord
	if err := json.Unmarshal(j.Payload, &rec); err != nil {
		return nil, nil, fmt.Errorf("%w: onboarding record: %v", ErrListFormat, err)
	}
	if rec.Format != OnboardingFormat {
		return nil, nil, fmt.Errorf("%w: onboarding record format %q", ErrListFormat, rec.Format)
	}
	sum := sha256.Sum256(rec.Certificate)
	if fmt.Sprintf("%x", sum) != rec.Thumbprint {
		return nil, nil, fmt.Errorf("%w: onboarding record thumbprint does not match its certificate", ErrListFormat)
	}
	cert, err := x509.ParseCertificate(rec.Certificate)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: onboarding record certificate: %v", ErrListFormat, err)
	}
	return &rec, cert, nil
}

func jwsAlg(pub crypto.PublicKey) (string, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return "ES256", nil
		case elliptic.P384():
			return "ES384", nil
		}
		return "", fmt.Errorf("trust: JWS: unsupported curve %s", k.Curve.Params().Name)
	case *rsa.PublicKey:
		return "PS256", nil
	case ed25519.PublicKey:
		return "EdDSA", nil
	}
	return "", fmt.Errorf("trust: JWS: unsupported key type %T", pub)
}

func jwsDigest(alg string, input []byte) (crypto.Hash, []byte) {
	if alg == "ES384" {
		d := sha512.Sum384(input)
		return crypto.SHA384, d[:]
	}
	d := sha256.Sum256(input)
	return crypto.SHA256, d[:]
}

func jwsSign(key crypto.Signer, alg string, input []byte) ([]byte, error) {
	switch alg {
	case "EdDSA":
		return key.Sign(rand.Reader, input, crypto.Hash(0))
	case "PS256":
		h, d := jwsDigest(alg, input)
		return key.Sign(rand.Reader, d, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h})
	}
	h, d := jwsDigest(alg, input)
	der, err := key.Sign(rand.Reader, d, h)
	if err != nil {
		return nil, err
	}
	var rs struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("ECDSA signer returned a malformed signature")
	}
	size := (key.Public().(*ecdsa.PublicKey).Curve.Params().BitSize + 7) / 8
	out := make([]byte, 2*size)
	rs.R.FillBytes(out[:size])
	rs.S.FillBytes(out[size:])
	return out, nil
}

func jwsVerify(pub crypto.PublicKey, alg string, input, sig []byte) bool {
	switch k := pub.(type) {
	case ed25519.PublicKey:
		return ed25519.Verify(k, input, sig)
	case *rsa.PublicKey:
		h, d := jwsDigest(alg, input)
		return rsa.VerifyPSS(k, h, d, sig, &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: h}) == nil
	case *ecdsa.PublicKey:
		size := (k.Curve.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return false
		}
		_, d := jwsDigest(alg, input)
		r := new(big.Int).SetBytes(sig[:size])
		s := new(big.Int).SetBytes(sig[size:])
		return ecdsa.Verify(k, d, r, s)
	}
	return false
}
