package vdsnc

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// The object identifiers of the ICAO VDS-NC signer certificate profile.
var (
	// OIDExtKeyUsageVDSNC is the extended key usage of a VDS-NC barcode
	// signer.
	OIDExtKeyUsageVDSNC = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 14, 2}
	// OIDDocumentTypeList is the ICAO document type list extension (Doc
	// 9303-12): which documents a signer may sign.
	OIDDocumentTypeList = asn1.ObjectIdentifier{2, 23, 136, 1, 1, 6, 2}

	oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}
)

// The document types of the document type list for each seal type.
const (
	DocumentTypeVaccination = "NV"
	DocumentTypeTest        = "NT"
)

// DocumentType returns the document type code a signer certificate lists
// for a seal type, or "" for an unknown type.
func DocumentType(sealType string) string {
	switch sealType {
	case TypeVaccination:
		return DocumentTypeVaccination
	case TypeTest:
		return DocumentTypeTest
	}
	return ""
}

// documentTypeList is the extension's value (Doc 9303-12):
//
//	DocumentTypeListSyntax ::= SEQUENCE {
//	    version DocumentTypeListVersion, -- v0(0)
//	    docTypeList SET OF DocumentType } -- PrintableString (SIZE(1..2))
type documentTypeList struct {
	Version int
	Types   []string `asn1:"set"`
}

// DocumentTypes returns the document types of cert's document type list,
// and whether it has that extension.
func DocumentTypes(cert *x509.Certificate) ([]string, bool, error) {
	for _, e := range cert.Extensions {
		if !e.Id.Equal(OIDDocumentTypeList) {
			continue
		}
		var l documentTypeList
		rest, err := asn1.Unmarshal(e.Value, &l)
		switch {
		case err != nil:
			return nil, true, fmt.Errorf("malformed document type list: %v", err)
		case len(rest) != 0:
			return nil, true, errors.New("malformed document type list: data after it")
		case l.Version != 0:
			return nil, true, fmt.Errorf("document type list version %d (want 0)", l.Version)
		}
		return l.Types, true, nil
	}
	return nil, false, nil
}

// hasExtension reports whether cert carries the extension oid.
func hasExtension(cert *x509.Certificate, oid asn1.ObjectIdentifier) bool {
	for _, e := range cert.Extensions {
		if e.Id.Equal(oid) {
			return true
		}
	}
	return false
}

// checkKeyUsage checks the signer certificate against the seal type: its
// extended key usage must include OIDExtKeyUsageVDSNC and its document
// type list the seal's document type. A missing extension is an error
// when require is set and a warning otherwise.
func checkKeyUsage(cert *x509.Certificate, sealType string, require bool) ([]string, error) {
	var warnings []string
	if hasExtension(cert, oidExtKeyUsage) {
		if !slices.ContainsFunc(cert.UnknownExtKeyUsage, OIDExtKeyUsageVDSNC.Equal) {
			return nil, fmt.Errorf("the signer certificate's extended key usage lacks the VDS-NC signer (%s)", OIDExtKeyUsageVDSNC)
		}
	} else if require {
		return nil, fmt.Errorf("the signer certificate has no extended key usage (want %s)", OIDExtKeyUsageVDSNC)
	} else {
		warnings = append(warnings, "the signer certificate has no extended key usage, so it is not restricted to VDS-NC seals")
	}
	want := DocumentType(sealType)
	types, ok, err := DocumentTypes(cert)
	switch {
	case err != nil:
		return nil, fmt.Errorf("the signer certificate's %v", err)
	case ok && !slices.Contains(types, want):
		return nil, fmt.Errorf("the signer certificate may sign document types %s, not %s (%s)", strings.Join(types, ", "), want, sealType)
	case !ok && require:
		return nil, fmt.Errorf("the signer certificate has no document type list (want %s)", want)
	case !ok:
		warnings = append(warnings, "the signer certificate has no document type list, so it is not restricted to "+sealType+" seals")
	}
	return warnings, nil
}

// countryMismatch returns a warning when the signer certificate's country
// is not the seal's issuing state.
func countryMismatch(cert *x509.Certificate, state string) string {
	want, ok := Alpha2(state)
	if !ok || len(cert.Subject.Country) == 0 {
		return ""
	}
	if !strings.EqualFold(cert.Subject.Country[0], want) {
		return fmt.Sprintf("the signer certificate is of country %s, the seal names issuing state %s", cert.Subject.Country[0], state)
	}
	return ""
}

// curveOf returns the curve and hash of an algorithm.
func curveOf(alg string) (elliptic.Curve, crypto.Hash, bool) {
	switch alg {
	case ES256:
		return elliptic.P256(), crypto.SHA256, true
	case ES384:
		return elliptic.P384(), crypto.SHA384, true
	case ES512:
		return elliptic.P521(), crypto.SHA512, true
	}
	return nil, 0, false
}

// AlgorithmFor returns the algorithm a key signs seals with: ES256 for
// P-256, ES384 for P-384, ES512 for P-521. Other keys cannot sign seals.
func AlgorithmFor(pub crypto.PublicKey) (string, error) {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return "", fmt.Errorf("vdsnc: a %T key cannot sign seals (want ECDSA P-256, P-384 or P-521)", pub)
	}
	switch k.Curve {
	case elliptic.P256():
		return ES256, nil
	case elliptic.P384():
		return ES384, nil
	case elliptic.P521():
		return ES512, nil
	}
	return "", fmt.Errorf("vdsnc: ECDSA curve %s cannot sign seals (want P-256, P-384 or P-521)", k.Curve.Params().Name)
}

func digest(h crypto.Hash, msg []byte) []byte {
	switch h {
	case crypto.SHA256:
		d := sha256.Sum256(msg)
		return d[:]
	case crypto.SHA384:
		d := sha512.Sum384(msg)
		return d[:]
	}
	d := sha512.Sum512(msg)
	return d[:]
}

// verifySignature checks a raw r‖s signature of msg with pub under alg.
// The key's curve must be the algorithm's and the signature exactly twice
// the curve's size: a DER signature is an error.
func verifySignature(alg string, pub crypto.PublicKey, msg, sig []byte) error {
	curve, h, ok := curveOf(alg)
	if !ok {
		return fmt.Errorf("vdsnc: unsupported algorithm %q", alg)
	}
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return fmt.Errorf("vdsnc: %s with a %T key in the signer certificate", alg, pub)
	}
	if k.Curve != curve {
		return fmt.Errorf("vdsnc: %s with a %s key in the signer certificate (want %s)", alg, k.Curve.Params().Name, curve.Params().Name)
	}
	size := (curve.Params().BitSize + 7) / 8
	if len(sig) != 2*size {
		hint := ""
		if len(sig) > 0 && sig[0] == 0x30 {
			hint = "; it looks like DER, which the seal must not use"
		}
		return fmt.Errorf("vdsnc: %s signature of %d bytes, want %d (raw r||s)%s", alg, len(sig), 2*size, hint)
	}
	if !ecdsa.VerifyASN1(k, digest(h, msg), rawToDER(sig[:size], sig[size:])) {
		return fmt.Errorf("vdsnc: %s signature does not verify with the signer certificate's key", alg)
	}
	return nil
}

// rawToDER returns the DER ECDSA-Sig-Value of big-endian r and s.
func rawToDER(r, s []byte) []byte {
	body := appendDERInt(appendDERInt(nil, r), s)
	out := []byte{0x30}
	out = appendDERLen(out, len(body))
	return append(out, body...)
}

func appendDERLen(dst []byte, n int) []byte {
	switch {
	case n < 0x80:
		return append(dst, byte(n))
	case n < 0x100:
		return append(dst, 0x81, byte(n))
	}
	return append(dst, 0x82, byte(n>>8), byte(n))
}

func appendDERInt(dst, b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	pad := len(b) == 0 || b[0]&0x80 != 0
	n := len(b)
	if pad {
		n++
	}
	dst = append(dst, 0x02)
	dst = appendDERLen(dst, n)
	if pad {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}

// derToRaw converts a DER ECDSA-Sig-Value, as crypto.Signer returns it,
// to raw r‖s of size bytes each.
func derToRaw(der []byte, size int) ([]byte, error) {
	var v struct{ R, S asn1.RawValue }
	rest, err := asn1.Unmarshal(der, &v)
	if err != nil || len(rest) != 0 {
		return nil, errors.New("vdsnc: the signer returned a malformed ECDSA signature")
	}
	out := make([]byte, 2*size)
	for i, x := range []asn1.RawValue{v.R, v.S} {
		b := x.Bytes
		if x.Class != asn1.ClassUniversal || x.Tag != asn1.TagInteger || x.IsCompound || len(b) == 0 || b[0]&0x80 != 0 {
			return nil, errors.New("vdsnc: the signer returned an ECDSA signature that is not two positive integers")
		}
		for len(b) > 0 && b[0] == 0 {
			b = b[1:]
		}
		if len(b) == 0 || len(b) > size {
			return nil, errors.New("vdsnc: the signer returned an ECDSA signature of the wrong size")
		}
		copy(out[i*size+size-len(b):(i+1)*size], b)
	}
	return out, nil
}
