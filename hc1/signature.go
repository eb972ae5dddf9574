package hc1

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/sha512"
	"fmt"
	"sync"
)

// sigBuffers pools the buffers Sig_structure is built in.
var sigBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

// appendSigStructure appends the COSE Sig_structure of a COSE_Sign1:
// ["Signature1", protected, external_aad (empty), payload], with the
// protected header and payload bytes exactly as received.
func appendSigStructure(dst, protected, payload []byte) []byte {
	w := writer{b: dst}
	w.head(majorArray, 4)
	w.text("Signature1")
	w.bytes(protected)
	w.bytes(nil)
	w.bytes(payload)
	return w.b
}

// SigStructure returns the bytes a COSE_Sign1 signature covers.
func (c *Code) SigStructure() []byte {
	return appendSigStructure(nil, c.Protected, c.Payload)
}

// VerifySignature checks the signature of c with pub, an *ecdsa.PublicKey
// (ES256 on P-256, ES384 on P-384), an *rsa.PublicKey (PS256) or an
// ed25519.PublicKey (EdDSA). The algorithm of the code must match the key:
// an ES384 code is never checked with a P-256 key, nor PS256 with an EC
// key. ECDSA signatures must be raw r‖s of exactly twice the field size.
//
// PS256 is verified with the salt length equal to the hash length (32), as
// COSE (RFC 8230) requires and the EU reference implementations produce.
func (c *Code) VerifySignature(pub crypto.PublicKey) error {
	return verifySignature(c.Alg, c.Protected, c.Payload, c.Signature, pub)
}

func verifySignature(alg Algorithm, protected, payload, sig []byte, pub crypto.PublicKey) error {
	bp := sigBuffers.Get().(*[]byte)
	msg := appendSigStructure((*bp)[:0], protected, payload)
	defer func() {
		if cap(msg) <= 64<<10 {
			*bp = msg[:0]
			sigBuffers.Put(bp)
		}
	}()
	switch alg {
	case ES256, ES384:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("hc1: %s with a %T key: %w", alg, pub, ErrAlgorithmMismatch)
		}
		want := elliptic.P256()
		if alg == ES384 {
			want = elliptic.P384()
		}
		if k.Curve != want {
			return fmt.Errorf("hc1: %s with a %s key: %w", alg, k.Curve.Params().Name, ErrAlgorithmMismatch)
		}
		size := (want.Params().BitSize + 7) / 8
		if len(sig) != 2*size {
			return fmt.Errorf("hc1: %s signature of %d bytes, want %d (raw r||s): %w", alg, len(sig), 2*size, ErrSignatureFormat)
		}
		var digest [sha512.Size384]byte
		var d []byte
		if alg == ES256 {
			h := sha256.Sum256(msg)
			d = append(digest[:0], h[:]...)
		} else {
			h := sha512.Sum384(msg)
			d = append(digest[:0], h[:]...)
		}
		// The DER signature goes in the pooled buffer after the hashed
		// Sig_structure: ecdsa.VerifyASN1 would move a local array to the heap.
		der := rawToDER(msg[len(msg):], sig[:size], sig[size:])
		ok2 := ecdsa.VerifyASN1(k, d, der)
		if !ok2 {
			return fmt.Errorf("hc1: %s: %w", alg, ErrSignatureInvalid)
		}
		return nil
	case PS256:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("hc1: %s with a %T key: %w", alg, pub, ErrAlgorithmMismatch)
		}
		if len(sig) != k.Size() {
			return fmt.Errorf("hc1: %s signature of %d bytes, want %d: %w", alg, len(sig), k.Size(), ErrSignatureFormat)
		}
		// The digest goes in the pooled buffer, as the DER of ECDSA does.
		h := sha256.Sum256(msg)
		d := append(msg[len(msg):], h[:]...)
		if err := rsa.VerifyPSS(k, crypto.SHA256, d, sig, &pssOptions); err != nil {
			return fmt.Errorf("hc1: %s: %w", alg, ErrSignatureInvalid)
		}
		return nil
	case EdDSA:
		k, ok := pub.(ed25519.PublicKey)
		if !ok {
			return fmt.Errorf("hc1: %s with a %T key: %w", alg, pub, ErrAlgorithmMismatch)
		}
		if len(k) != ed25519.PublicKeySize {
			return fmt.Errorf("hc1: ed25519 key of %d bytes: %w", len(k), ErrAlgorithmMismatch)
		}
		if len(sig) != ed25519.SignatureSize {
			return fmt.Errorf("hc1: %s signature of %d bytes, want %d: %w", alg, len(sig), ed25519.SignatureSize, ErrSignatureFormat)
		}
		if !ed25519.Verify(k, msg, sig) {
			return fmt.Errorf("hc1: %s: %w", alg, ErrSignatureInvalid)
		}
		return nil
	}
	return fmt.Errorf("hc1: %s: %w", alg, ErrUnsupportedAlgorithm)
}

var pssOptions = rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: crypto.SHA256}

// rawToDER appends the ASN.1 DER ECDSA-Sig-Value of the big-endian r and s.
func rawToDER(dst, r, s []byte) []byte {
	ri, si := derIntLen(r), derIntLen(s)
	dst = append(dst, 0x30, byte(ri+si))
	dst = appendDERInt(dst, r)
	return appendDERInt(dst, s)
}

func trimZeros(b []byte) []byte {
	for len(b) > 0 && b[0] == 0 {
		b = b[1:]
	}
	return b
}

// derIntLen is the encoded length of the INTEGER holding unsigned b.
func derIntLen(b []byte) int {
	b = trimZeros(b)
	n := len(b)
	if n == 0 || b[0]&0x80 != 0 {
		n++
	}
	return 2 + n
}

func appendDERInt(dst, b []byte) []byte {
	b = trimZeros(b)
	n := len(b)
	pad := n == 0 || b[0]&0x80 != 0
	if pad {
		n++
	}
	dst = append(dst, 0x02, byte(n))
	if pad {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}
