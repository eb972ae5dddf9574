package shc

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/sha256"
	"encoding/asn1"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"
	"strconv"
	"time"
)

// IssueOptions describe the card Issue signs. Issuer is required; the
// zero value of every other field is documented.
type IssueOptions struct {
	// Issuer is the iss: the https URL under which the issuer publishes
	// /.well-known/jwks.json.
	Issuer string
	// IssuedAt is nbf; zero means time.Now(). It is written in whole
	// milliseconds.
	IssuedAt time.Time
	// ExpiresAt is exp; zero means no expiration, as the specification
	// recommends for vaccination records.
	ExpiresAt time.Time
	// Types are credential types besides the health-card type, which is
	// always written first; zero means none, as in the specification's
	// current examples.
	Types []string
	// Rid is the revocation identifier, at most 24 base64url characters;
	// empty means none.
	Rid string
	// FHIRVersion is vc.credentialSubject.fhirVersion; empty means "4.0.1".
	FHIRVersion string
	// Rand is the randomness of the signature; nil means crypto/rand.
	Rand io.Reader
}

// Issue signs a FHIR bundle as a SMART Health Card and returns its
// compact JWS; EncodeQR turns it into QR text. The bundle must pass
// ParseBundle strictly (short references, no element FHIR forbids): an
// issuer writes what verifiers read without a warning. The signer's
// public key must be a P-256 ECDSA key (a file key or an HSM key through
// crypto.Signer); the kid is its RFC 7638 thumbprint.
func Issue(bundle []byte, signer crypto.Signer, opts IssueOptions) (string, error) {
	if signer == nil {
		return "", errors.New("shc: no signer")
	}
	pub, ok := signer.Public().(*ecdsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("shc: the signer's key is a %T, not an ECDSA P-256 key", signer.Public())
	}
	kid, err := Thumbprint(pub)
	if err != nil {
		return "", err
	}
	if err := checkIssuerURL(opts.Issuer); err != nil {
		return "", fmt.Errorf("shc: %v", err)
	}
	_, _, err = ParseBundle(bundle, Strict)
	if err != nil {
		return "", fmt.Errorf("shc: the bundle cannot be issued: %w", err)
	}
	if opts.Rid != "" {
		if err := checkRid(opts.Rid); err != nil {
			return "", fmt.Errorf("shc: %v", err)
		}
	}
	var compact bytes.Buffer
	if err := json.Compact(&compact, bundle); err != nil {
		return "", fmt.Errorf("shc: bundle: %v", err)
	}
	nbf := opts.IssuedAt
	if nbf.IsZero() {
		nbf = time.Now()
	}
	types := []string{TypeHealthCard}
	for _, t := range opts.Types {
		if !slices.Contains(types, t) {
			types = append(types, t)
		}
	}
	fhirVersion := opts.FHIRVersion
	if fhirVersion == "" {
		fhirVersion = "4.0.1"
	}
	payload := struct {
		Iss string          `json:"iss"`
		NBF json.RawMessage `json:"nbf"`
		EXP json.RawMessage `json:"exp,omitempty"`
		VC  struct {
			Type              []string `json:"type"`
			CredentialSubject struct {
				FHIRVersion string          `json:"fhirVersion"`
				FHIRBundle  json.RawMessage `json:"fhirBundle"`
			} `json:"credentialSubject"`
			Rid string `json:"rid,omitempty"`
		} `json:"vc"`
	}{Iss: opts.Issuer, NBF: numericDateJSON(nbf)}
	if !opts.ExpiresAt.IsZero() {
		if !opts.ExpiresAt.After(nbf) {
			return "", errors.New("shc: the expiration is not after the issuance")
		}
		payload.EXP = numericDateJSON(opts.ExpiresAt)
	}
	payload.VC.Type = types
	payload.VC.CredentialSubject.FHIRVersion = fhirVersion
	payload.VC.CredentialSubject.FHIRBundle = compact.Bytes()
	payload.VC.Rid = opts.Rid
	raw, err := json.Marshal(payload)
	if err != nil {
		return "", fmt.Errorf("shc: payload: %v", err)
	}
	deflated, err := deflate(raw)
	if err != nil {
		return "", fmt.Errorf("shc: deflate: %v", err)
	}
	header := `{"zip":"DEF","alg":"ES256","kid":"` + kid + `"}`
	input := b64.EncodeToString([]byte(header)) + "." + b64.EncodeToString(deflated)
	digest := sha256.Sum256([]byte(input))
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	der, err := signer.Sign(rnd, digest[:], crypto.SHA256)
	if err != nil {
		return "", fmt.Errorf("shc: signing: %w", err)
	}
	sig, err := rawSignature(der)
	if err != nil {
		return "", err
	}
	return input + "." + b64.EncodeToString(sig), nil
}

// numericDateJSON writes a time as a NumericDate in whole milliseconds.
func numericDateJSON(t time.Time) json.RawMessage {
	ms := t.UnixMilli()
	s := strconv.FormatInt(ms/1000, 10)
	if frac := ms % 1000; frac != 0 {
		s += "." + fmt.Sprintf("%03d", frac)
		for s[len(s)-1] == '0' {
			s = s[:len(s)-1]
		}
	}
	return json.RawMessage(s)
}

// rawSignature turns the ASN.1 DER ECDSA signature a crypto.Signer
// returns into the 64-byte r‖s form of JWS.
func rawSignature(der []byte) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil || len(rest) != 0 || sig.R == nil || sig.S == nil || sig.R.Sign() <= 0 || sig.S.Sign() <= 0 ||
		sig.R.BitLen() > 256 || sig.S.BitLen() > 256 {
		return nil, errors.New("shc: the signer returned no valid P-256 ECDSA signature")
	}
	out := make([]byte, 64)
	sig.R.FillBytes(out[:32])
	sig.S.FillBytes(out[32:])
	return out, nil
}

// sha256Sum returns the SHA-256 digest of s.
func sha256Sum(s string) []byte {
	d := sha256.Sum256([]byte(s))
	return d[:]
}
