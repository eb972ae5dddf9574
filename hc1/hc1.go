// Package hc1 reads and writes HCERT codes, the signed two-dimensional code
// of the EU Digital COVID Certificate (eHealth Network "Electronic Health
// Certificate Container Format", HCERT 1.x): the text "HC1:" followed by
// Base45 (RFC 9285) of zlib (RFC 1950) of a COSE_Sign1 (RFC 9052) whose
// payload is a CWT (RFC 8392) claims set with the claim hcert (−260).
//
// The hcert claim carries either the EU DCC payload (sub-claim 1) or the
// native ITHC payload (sub-claim NativeKey, −86), which docs/format.md
// specifies.
//
// Start with Parse, which runs every decoding stage and returns a *Code,
// then (*Code).VerifySignature with a signer's public key; package verify
// does both and the trust checks. Sign issues a code through any
// crypto.Signer. Each decoding stage is exported (Unprefix, DecodeBase45,
// Inflate, ParseCOSE, ParseClaims) so that conformance tests can run them
// one at a time; every failure is an *Error naming its Stage.
package hc1

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/internal/limits"
)

// Prefix starts every HCERT code text.
const Prefix = "HC1:"

// Stage names a decoding stage.
type Stage string

// The decoding stages, in order.
const (
	StagePrefix  Stage = "prefix"  // the "HC1:" prefix
	StageBase45  Stage = "base45"  // Base45 decoding
	StageZlib    Stage = "zlib"    // zlib decompression
	StageCOSE    Stage = "cose"    // the COSE_Sign1 envelope and its headers
	StageCWT     Stage = "cwt"     // the CWT claims set
	StagePayload Stage = "payload" // the DCC or native payload inside the hcert claim
)

// Error is a decoding failure at one stage.
type Error struct {
	Stage Stage
	Err   error
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	// Errors of package base45 already name their stage.
	msg = strings.TrimPrefix(msg, string(e.Stage)+": ")
	return "hc1: " + string(e.Stage) + ": " + msg
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

func stageErr(s Stage, err error) error { return &Error{Stage: s, Err: err} }

func stageErrf(s Stage, format string, args ...any) error {
	return &Error{Stage: s, Err: fmt.Errorf(format, args...)}
}

// Sentinel errors callers may branch on (with errors.Is).
var (
	// ErrTooLarge reports input beyond a limit of package limits.
	ErrTooLarge = errors.New("input exceeds size limit")
	// ErrUnsupportedAlgorithm reports a COSE algorithm this package does
	// not implement.
	ErrUnsupportedAlgorithm = errors.New("unsupported algorithm")
	// ErrAlgorithmMismatch reports a COSE algorithm that does not match the
	// type or curve of the key it is checked with.
	ErrAlgorithmMismatch = errors.New("algorithm does not match the key")
	// ErrSignatureInvalid reports a signature that does not verify.
	ErrSignatureInvalid = errors.New("signature does not verify")
	// ErrSignatureFormat reports a signature of the wrong length or
	// encoding for its algorithm.
	ErrSignatureFormat = errors.New("malformed signature")
)

// Parse decodes an HCERT code text through every stage: prefix, Base45,
// zlib, COSE_Sign1, CWT claims and payload. It does not verify the
// signature. Errors are *Error.
func Parse(text string) (*Code, error) {
	// A Scratch used once: the Code's buffers are never overwritten.
	return new(Scratch).Parse(text)
}

// Scratch is reusable working memory for decoding codes: the Base45 and
// zlib output of the last code parsed with it, and the Code itself. The
// zero value is ready to use. A Scratch must not be used concurrently.
//
// A verifier that decodes many codes keeps Scratches in a pool to decode
// without allocating these buffers.
type Scratch struct {
	compressed []byte
	cose       []byte
	code       Code
}

// maxScratch bounds the buffers a Scratch keeps between calls, so that one
// large code does not pin its memory in a pool.
const maxScratch = 16 << 10

// Parse is Parse decoding into s. The returned Code is s's own and is
// overwritten by the next call of s.Parse: its byte slices (Protected,
// Payload, Signature, KID, RawPayload) alias s's buffers. Its strings, its
// DCC payload and its native certificate never alias them: they are copies,
// and stay valid after s is reused.
func (s *Scratch) Parse(text string) (*Code, error) {
	if cap(s.compressed) > maxScratch {
		s.compressed = nil
	}
	if cap(s.cose) > maxScratch {
		s.cose = nil
	}
	b45, err := Unprefix(text)
	if err != nil {
		return nil, err
	}
	if len(b45) > limits.MaxQRText {
		return nil, stageErr(StageBase45, fmt.Errorf("%d characters: %w", len(b45), ErrTooLarge))
	}
	compressed, err := base45.DecodeInto(s.compressed[:0], b45)
	if err != nil {
		return nil, stageErr(StageBase45, err)
	}
	s.compressed = compressed
	cose, err := inflateInto(s.cose[:0], compressed)
	if err != nil {
		return nil, err
	}
	s.cose = cose
	s.code = Code{}
	if err := parseCOSEInto(&s.code, cose); err != nil {
		return nil, err
	}
	return &s.code, nil
}

// Unprefix checks the length bound and the "HC1:" prefix of text and
// returns the Base45 part. A missing prefix, or another context identifier
// such as "HC2:" or "HL0:", is a StagePrefix error.
func Unprefix(text string) (string, error) {
	if len(text) > limits.MaxQRText {
		return "", stageErr(StagePrefix, fmt.Errorf("code of %d characters: %w (%d)", len(text), ErrTooLarge, limits.MaxQRText))
	}
	if !strings.HasPrefix(text, Prefix) {
		head := text
		if len(head) > 4 {
			head = head[:4]
		}
		return "", stageErrf(StagePrefix, "code starts with %q, want %q", head, Prefix)
	}
	return text[len(Prefix):], nil
}

// DecodeBase45 decodes the Base45 part of a code (StageBase45).
func DecodeBase45(s string) ([]byte, error) {
	if len(s) > limits.MaxQRText {
		return nil, stageErr(StageBase45, fmt.Errorf("%d characters: %w", len(s), ErrTooLarge))
	}
	b, err := base45.Decode(s)
	if err != nil {
		return nil, stageErr(StageBase45, err)
	}
	return b, nil
}

// inflater is a pooled zlib reader with its source: a zlib reader holds
// about 40 KiB of state, which is too much to allocate per code.
type inflater struct {
	src  bytes.Reader
	zr   io.ReadCloser
	fast inflateState
}

var inflaters sync.Pool

// Inflate decompresses a zlib stream (StageZlib), refusing output beyond
// limits.MaxCOSE as soon as it is reached, a bad checksum, and bytes after
// the end of the stream. Data that is not zlib is an error: there is no
// fallback to uncompressed COSE.
func Inflate(compressed []byte) ([]byte, error) {
	return inflateInto(nil, compressed)
}

// inflateInto is Inflate appending to dst[:0], growing it as needed.
func inflateInto(dst, compressed []byte) ([]byte, error) {
	if len(compressed) == 0 {
		return nil, stageErrf(StageZlib, "no data")
	}
	f, _ := inflaters.Get().(*inflater)
	if f == nil {
		f = new(inflater)
	}
	size := min(max(3*len(compressed), 512), limits.MaxCOSE+1)
	if cap(dst) < size {
		dst = make([]byte, 0, size)
	}
	if out, ok := fastInflate(dst[:0], compressed, &f.fast); ok {
		inflaters.Put(f)
		return out, nil
	}
	return inflateStd(dst, compressed, f)
}

// inflateStd is inflateInto with compress/zlib alone. It puts f back in
// the pool.
func inflateStd(dst, compressed []byte, f *inflater) ([]byte, error) {
	f.src.Reset(compressed)
	var err error
	if f.zr == nil {
		f.zr, err = zlib.NewReader(&f.src)
	} else {
		err = f.zr.(zlib.Resetter).Reset(&f.src, nil)
	}
	if err != nil {
		f.src.Reset(nil)
		inflaters.Put(f)
		return nil, stageErr(StageZlib, zlibError(err))
	}
	out, err := inflateTo(dst[:0], f)
	f.src.Reset(nil)
	inflaters.Put(f)
	return out, err
}

func inflateTo(out []byte, f *inflater) ([]byte, error) {
	size := 3 * f.src.Len()
	if size < 512 {
		size = 512
	}
	if size > limits.MaxCOSE+1 {
		size = limits.MaxCOSE + 1
	}
	if cap(out) < size {
		out = make([]byte, 0, size)
	}
	for {
		if len(out) == cap(out) {
			if len(out) > limits.MaxCOSE {
				return nil, stageErr(StageZlib, fmt.Errorf("decompressed data %w of %d bytes", ErrTooLarge, limits.MaxCOSE))
			}
			grown := min(2*cap(out), limits.MaxCOSE+1)
			out = append(make([]byte, 0, grown), out...)
		}
		n, err := f.zr.Read(out[len(out):cap(out)])
		out = out[:len(out)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, stageErr(StageZlib, zlibError(err))
		}
	}
	if len(out) > limits.MaxCOSE {
		return nil, stageErr(StageZlib, fmt.Errorf("decompressed data %w of %d bytes", ErrTooLarge, limits.MaxCOSE))
	}
	if f.src.Len() != 0 {
		return nil, stageErrf(StageZlib, "%d bytes after the end of the zlib stream", f.src.Len())
	}
	return out, nil
}

func zlibError(err error) error {
	switch {
	case errors.Is(err, zlib.ErrHeader):
		return errors.New("data is not a zlib stream (invalid header)")
	case errors.Is(err, zlib.ErrChecksum):
		return errors.New("zlib checksum mismatch")
	case errors.Is(err, zlib.ErrDictionary):
		return errors.New("zlib stream needs a preset dictionary")
	case errors.Is(err, io.ErrUnexpectedEOF):
		return errors.New("zlib stream is truncated")
	}
	var ce flate.CorruptInputError
	if errors.As(err, &ce) {
		return fmt.Errorf("corrupt deflate data at offset %d", int64(ce))
	}
	return err
}
