package hc1

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/ithc/ithc/dcc"
	"github.com/ithc/ithc/healthcert"
	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/trust"
)

// SignOptions configure Sign and SignCOSE.
type SignOptions struct {
	// Certificate is the signer certificate; its trust.KID goes in the
	// protected header. Required unless KID is set.
	Certificate *x509.Certificate
	// KID overrides the key identifier derived from Certificate.
	KID []byte
	// Rand is the randomness for the signature; nil means crypto/rand.
	Rand io.Reader
}

// SignInput is what a code signs: the CWT claims and exactly one payload.
type SignInput struct {
	// Issuer, IssuedAt and ExpiresAt become iss, iat and exp (whole
	// seconds). For a native payload, zero values are taken from the
	// certificate (Issuer.Country, IssuedAt, ExpiresAt); non-zero values
	// must agree with it.
	Issuer    string
	IssuedAt  time.Time
	ExpiresAt time.Time

	// DCC is an EU DCC payload (hcert sub-claim 1).
	DCC *dcc.Payload
	// Native is a certificate sent as the native payload (sub-claim
	// NativeKey).
	Native *healthcert.Certificate
}

// AlgorithmFor returns the COSE algorithm for a public key: ES256 for
// P-256, ES384 for P-384, PS256 for RSA and EdDSA for Ed25519.
func AlgorithmFor(pub crypto.PublicKey) (Algorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		switch k.Curve {
		case elliptic.P256():
			return ES256, nil
		case elliptic.P384():
			return ES384, nil
		}
		return 0, fmt.Errorf("hc1: ECDSA curve %s: %w", k.Curve.Params().Name, ErrUnsupportedAlgorithm)
	case *rsa.PublicKey:
		if k.Size() < 256 {
			return 0, fmt.Errorf("hc1: RSA key of %d bits is too small (want at least 2048): %w", k.Size()*8, ErrUnsupportedAlgorithm)
		}
		return PS256, nil
	case ed25519.PublicKey:
		return EdDSA, nil
	}
	return 0, fmt.Errorf("hc1: key type %T: %w", pub, ErrUnsupportedAlgorithm)
}

// Sign issues an HCERT code text: it signs in with signer and returns
// "HC1:" + Base45(zlib(COSE_Sign1)). The signer may be any crypto.Signer
// (a file key or an HSM); the algorithm follows its public key.
func Sign(in SignInput, signer crypto.Signer, opts SignOptions) (string, error) {
	cose, err := SignCOSE(in, signer, opts)
	if err != nil {
		return "", err
	}
	return EncodeCOSE(cose)
}

// EncodeCOSE compresses a COSE message with zlib and returns it as a code
// text with prefix and Base45. The zlib stream is one deflate block,
// Huffman-coded when that saves at least 1/16 of the size and stored
// otherwise (see deflate.go); a message longer than a verifier inflates is
// an error. It takes about 7 µs for a DCC (BenchmarkDeflate), against 13 to
// 22 µs for compress/zlib at any level.
func EncodeCOSE(cose []byte) (string, error) {
	z, err := appendZlib(make([]byte, 0, storedLen(len(cose))), cose)
	if err != nil {
		return "", err
	}
	out := make([]byte, 0, len(Prefix)+base45.EncodedLen(len(z)))
	out = append(out, Prefix...)
	return string(base45.AppendEncode(out, z)), nil
}

// SignCOSE returns the tagged COSE_Sign1 message (CBOR tag 18) of in,
// signed with signer: alg and kid in the protected header, an empty
// unprotected header, deterministic CBOR throughout.
func SignCOSE(in SignInput, signer crypto.Signer, opts SignOptions) ([]byte, error) {
	kid := opts.KID
	if kid == nil {
		if opts.Certificate == nil {
			return nil, errors.New("hc1: sign: no signer certificate or kid")
		}
		kid = trust.KID(opts.Certificate)
	}
	alg, err := AlgorithmFor(signer.Public())
	if err != nil {
		return nil, err
	}
	payload, err := marshalClaims(in)
	if err != nil {
		return nil, err
	}
	var pw writer
	pw.head(majorMap, 2)
	pw.int(labelAlg)
	pw.int(int64(alg))
	pw.int(labelKID)
	pw.bytes(kid)
	protected := pw.b

	bp := sigBuffers.Get().(*[]byte)
	msg := appendSigStructure((*bp)[:0], protected, payload)
	defer func() {
		if cap(msg) <= 64<<10 {
			*bp = msg[:0]
			sigBuffers.Put(bp)
		}
	}()
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	var sig []byte
	switch alg {
	case ES256, ES384:
		var digest []byte
		var h crypto.Hash
		size := 32
		if alg == ES256 {
			d := sha256.Sum256(msg)
			digest, h = d[:], crypto.SHA256
		} else {
			d := sha512.Sum384(msg)
			digest, h, size = d[:], crypto.SHA384, 48
		}
		der, err := signer.Sign(rnd, digest, h)
		if err != nil {
			return nil, fmt.Errorf("hc1: sign: %w", err)
		}
		if sig, err = derToRaw(der, size); err != nil {
			return nil, err
		}
	case PS256:
		d := sha256.Sum256(msg)
		if sig, err = signer.Sign(rnd, d[:], &pssOptions); err != nil {
			return nil, fmt.Errorf("hc1: sign: %w", err)
		}
	case EdDSA:
		if sig, err = signer.Sign(rnd, msg, crypto.Hash(0)); err != nil {
			return nil, fmt.Errorf("hc1: sign: %w", err)
		}
	}
	var w writer
	w.b = make([]byte, 0, len(protected)+len(payload)+len(sig)+16)
	w.head(majorTag, tagCOSESign1)
	w.head(majorArray, 4)
	w.bytes(protected)
	w.head(majorMap, 0)
	w.bytes(payload)
	w.bytes(sig)
	return w.b, nil
}

// marshalClaims encodes the CWT claims set in deterministic order:
// 1 (iss), 4 (exp), 6 (iat), -260 (hcert).
func marshalClaims(in SignInput) ([]byte, error) {
	var sub []byte
	var key int64
	switch {
	case in.DCC != nil && in.Native != nil:
		return nil, errors.New("hc1: sign: both a DCC and a native payload")
	case in.DCC != nil:
		b, err := in.DCC.MarshalCBOR()
		if err != nil {
			return nil, fmt.Errorf("hc1: sign: %w", err)
		}
		sub, key = b, SubClaimDCC
	case in.Native != nil:
		c := in.Native
		var err error
		if in.Issuer, err = agreeString("issuer country", in.Issuer, c.Issuer.Country); err != nil {
			return nil, err
		}
		if in.IssuedAt, err = agreeTime("issued-at", in.IssuedAt, c.IssuedAt); err != nil {
			return nil, err
		}
		if in.ExpiresAt, err = agreeTime("expiry", in.ExpiresAt, c.ExpiresAt); err != nil {
			return nil, err
		}
		if sub, err = MarshalNative(c); err != nil {
			return nil, err
		}
		key = NativeKey
	default:
		return nil, errors.New("hc1: sign: no payload")
	}
	n := uint64(1)
	if in.Issuer != "" {
		n++
	}
	if !in.ExpiresAt.IsZero() {
		n++
	}
	if !in.IssuedAt.IsZero() {
		n++
	}
	var w writer
	w.b = make([]byte, 0, len(sub)+48)
	w.head(majorMap, n)
	if in.Issuer != "" {
		w.int(claimIss)
		w.text(in.Issuer)
	}
	if !in.ExpiresAt.IsZero() {
		w.int(claimExp)
		w.int(in.ExpiresAt.Unix())
	}
	if !in.IssuedAt.IsZero() {
		w.int(claimIat)
		w.int(in.IssuedAt.Unix())
	}
	w.int(claimHCERT)
	w.head(majorMap, 1)
	w.int(key)
	w.b = append(w.b, sub...)
	return w.b, nil
}

func agreeString(what, claim, cert string) (string, error) {
	if claim == "" {
		return cert, nil
	}
	if cert != "" && cert != claim {
		return "", fmt.Errorf("hc1: sign: %s %q differs from the certificate's %q", what, claim, cert)
	}
	return claim, nil
}

func agreeTime(what string, claim, cert time.Time) (time.Time, error) {
	if claim.IsZero() {
		return cert, nil
	}
	if !cert.IsZero() && !cert.Equal(claim) {
		return time.Time{}, fmt.Errorf("hc1: sign: %s %v differs from the certificate's %v", what, claim, cert)
	}
	return claim, nil
}

var errBadDER = fmt.Errorf("hc1: sign: signer returned a malformed ECDSA signature: %w", ErrSignatureFormat)

// derToRaw converts an ASN.1 DER ECDSA-Sig-Value to raw r‖s of 2×size bytes.
func derToRaw(der []byte, size int) ([]byte, error) {
	if len(der) < 2 || der[0] != 0x30 || int(der[1]) != len(der)-2 || der[1] >= 0x80 {
		return nil, errBadDER
	}
	rest := der[2:]
	out := make([]byte, 2*size)
	for i := range 2 {
		if len(rest) < 2 || rest[0] != 0x02 || int(rest[1]) > len(rest)-2 || rest[1] == 0 {
			return nil, errBadDER
		}
		v := rest[2 : 2+int(rest[1])]
		rest = rest[2+int(rest[1]):]
		v = trimZeros(v)
		if len(v) > size {
			return nil, errBadDER
		}
		copy(out[(i+1)*size-len(v):(i+1)*size], v)
	}
	if len(rest) != 0 {
		return nil, errBadDER
	}
	return out, nil
}
