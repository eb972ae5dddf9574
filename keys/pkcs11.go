//go:build cgo

package keys

import (
	"crypto"
	"crypto/elliptic"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/ThalesGroup/crypto11"
	"github.com/miekg/pkcs11"

	"github.com/ithc/ithc/internal/limits"
)

// A tokenID names one token of one module: the key of the context cache.
type tokenID struct {
	module   string
	selector string // "token=LABEL", "serial=S" or "slot-id=N"
}

// tokenContext is a crypto11 context shared by the keys of one token.
type tokenContext struct {
	ctx  *crypto11.Context
	refs int
}

var (
	contextsMu sync.Mutex
	contexts   = map[tokenID]*tokenContext{}
)

// hsmKey is a key pair in a token.
type hsmKey struct {
	signer crypto11.Signer
	token  tokenID
	ref    string
	closed atomic.Bool
}

func (k *hsmKey) Public() crypto.PublicKey { return k.signer.Public() }

func (k *hsmKey) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	if k.closed.Load() {
		return nil, fmt.Errorf("keys: %s: key is closed", k.ref)
	}
	sig, err := k.signer.Sign(rand, digest, opts)
	if err != nil {
		return nil, fmt.Errorf("keys: %s: sign: %w", k.ref, err)
	}
	return sig, nil
}

// Close releases the key's share of its token context; the last key of a
// token closes the context (and, with it, the PKCS#11 session).
func (k *hsmKey) Close() error {
	if k.closed.Swap(true) {
		return nil
	}
	return release(k.token)
}

// modulePath returns the PKCS#11 module for r.
func modulePath(r Ref, opts Options) string {
	switch {
	case r.ModulePath != "":
		return r.ModulePath
	case opts.Module != "":
		return opts.Module
	}
	if m := os.Getenv(EnvPKCS11Module); m != "" {
		return m
	}
	return DefaultModule
}

// pin returns the user PIN for r.
func pin(r Ref, opts Options) (string, error) {
	switch {
	case r.PINValue != "":
		return r.PINValue, nil
	case r.PINSource != "":
		path := strings.TrimPrefix(r.PINSource, "file:")
		b, err := readSecretFile(path, "pin", limits.MaxSecretFile)
		if err != nil {
			return "", err
		}
		p := string(trimLineEnd(b))
		if p == "" {
			return "", fmt.Errorf("keys: pin file %s is empty", path)
		}
		return p, nil
	case opts.PIN != nil:
		p, err := opts.PIN(r)
		if err != nil {
			return "", fmt.Errorf("keys: pin: %w", err)
		}
		return p, nil
	}
	if p, ok := os.LookupEnv(EnvPKCS11PIN); ok && p != "" {
		return p, nil
	}
	return "", fmt.Errorf("keys: %s: no PIN for the token (add pin-source=file:PATH to the reference, or set %s)", r, EnvPKCS11PIN)
}

// acquire returns the shared context of r's token, creating and logging in
// to it when it is the first, and counts one more user.
func acquire(r Ref, opts Options) (*crypto11.Context, tokenID, error) {
	id := tokenID{module: modulePath(r, opts)}
	cfg := &crypto11.Config{Path: id.module}
	switch {
	case r.Token != "":
		id.selector = "token=" + r.Token
		cfg.TokenLabel = r.Token
	case r.Serial != "":
		id.selector = "serial=" + r.Serial
		cfg.TokenSerial = r.Serial
	case r.SlotID != nil:
		id.selector = "slot-id=" + strconv.Itoa(*r.SlotID)
		slot := *r.SlotID
		cfg.SlotNumber = &slot
	}

	contextsMu.Lock()
	defer contextsMu.Unlock()
	if tc, ok := contexts[id]; ok {
		tc.refs++
		return tc.ctx, id, nil
	}
	if _, err := os.Stat(id.module); err != nil {
		return nil, id, fmt.Errorf("keys: pkcs11 module: %w (name the module with module-path= or %s)", err, EnvPKCS11Module)
	}
	p, err := pin(r, opts)
	if err != nil {
		return nil, id, err
	}
	cfg.Pin = p
	ctx, err := crypto11.Configure(cfg)
	if err != nil {
		return nil, id, describeConfigureError(err, id)
	}
	contexts[id] = &tokenContext{ctx: ctx, refs: 1}
	return ctx, id, nil
}

// describeConfigureError turns crypto11's configuration errors into
// messages that say what to do.
func describeConfigureError(err error, id tokenID) error {
	var p11 pkcs11.Error
	if errors.As(err, &p11) {
		switch p11 {
		case pkcs11.CKR_PIN_INCORRECT:
			return fmt.Errorf("keys: pkcs11 %s: log in: wrong PIN", id.selector)
		case pkcs11.CKR_PIN_LOCKED:
			return fmt.Errorf("keys: pkcs11 %s: log in: the PIN is locked (the security officer must reset it)", id.selector)
		}
	}
	if strings.Contains(err.Error(), "could not find PKCS#11 token") {
		return fmt.Errorf("%w: pkcs11: no token with %s in module %s (softhsm2-util --show-slots or pkcs11-tool -L lists them)", ErrNotFound, id.selector, id.module)
	}
	return fmt.Errorf("keys: pkcs11 %s in module %s: %v", id.selector, id.module, err)
}

// release counts one user less of a token context and closes the context
// when it was the last.
func release(id tokenID) error {
	contextsMu.Lock()
	defer contextsMu.Unlock()
	tc, ok := contexts[id]
	if !ok {
		return nil
	}
	tc.refs--
	if tc.refs > 0 {
		return nil
	}
	delete(contexts, id)
	if err := tc.ctx.Close(); err != nil {
		return fmt.Errorf("keys: pkcs11 %s: close: %v", id.selector, err)
	}
	return nil
}

func labelBytes(s string) []byte {
	if s == "" {
		return nil
	}
	return []byte(s)
}

func openPKCS11(r Ref, opts Options) (Key, error) {
	ctx, id, err := acquire(r, opts)
	if err != nil {
		return nil, err
	}
	pairs, err := ctx.FindKeyPairs(r.ID, labelBytes(r.Object))
	if err == nil && len(pairs) == 0 {
		// Say whether a private key exists without its public half.
		if priv, perr := ctx.FindPrivateKeys(r.ID, labelBytes(r.Object)); perr == nil && len(priv) > 0 {
			err = fmt.Errorf("keys: %s: the private key has no public key object with the same CKA_ID, so it cannot be used", r)
		} else {
			err = fmt.Errorf("%w: %s", ErrNotFound, r)
		}
	} else if err == nil && len(pairs) > 1 {
		err = fmt.Errorf("keys: %s: %d key pairs match; add id= (or a unique object=) to the reference", r, len(pairs))
	} else if err != nil {
		err = fmt.Errorf("keys: %s: find key: %v", r, err)
	}
	if err != nil {
		release(id)
		return nil, err
	}
	if err := CheckPublicKey(pairs[0].Public()); err != nil {
		release(id)
		return nil, fmt.Errorf("keys: %s: %w", r, err)
	}
	return &hsmKey{signer: pairs[0], token: id, ref: r.String()}, nil
}

func generatePKCS11(r Ref, alg string, opts Options) (Key, error) {
	if alg == AlgEdDSA {
		return nil, fmt.Errorf("keys: %s: %s keys cannot be made in a token (crypto11 has no Ed25519); use %s or %s", r, alg, AlgES256, AlgPS256)
	}
	ctx, id, err := acquire(r, opts)
	if err != nil {
		return nil, err
	}
	k, err := generateInToken(ctx, r, alg)
	if err != nil {
		release(id)
		return nil, err
	}
	return &hsmKey{signer: k, token: id, ref: r.String()}, nil
}

func generateInToken(ctx *crypto11.Context, r Ref, alg string) (crypto11.Signer, error) {
	// Never replace or shadow a key: neither the label nor the id may be
	// in use by a private key already.
	if r.Object != "" {
		if found, err := ctx.FindPrivateKeys(nil, []byte(r.Object)); err != nil {
			return nil, fmt.Errorf("keys: %s: %v", r, err)
		} else if len(found) > 0 {
			return nil, fmt.Errorf("%w: %s: the token already holds a private key labelled %q", ErrExists, r, r.Object)
		}
	}
	keyID := r.ID
	if len(keyID) > 0 {
		if found, err := ctx.FindPrivateKeys(keyID, nil); err != nil {
			return nil, fmt.Errorf("keys: %s: %v", r, err)
		} else if len(found) > 0 {
			return nil, fmt.Errorf("%w: %s: the token already holds a private key with this id", ErrExists, r)
		}
	} else {
		keyID = make([]byte, 16)
		rand.Read(keyID)
	}
	public, err := crypto11.NewAttributeSetWithID(keyID)
	if err == nil && r.Object != "" {
		err = public.Set(crypto11.CkaLabel, []byte(r.Object))
	}
	if err != nil {
		return nil, fmt.Errorf("keys: %s: %v", r, err)
	}
	private := public.Copy()
	var k crypto11.Signer
	switch alg {
	case AlgES256:
		k, err = ctx.GenerateECDSAKeyPairWithAttributes(public, private, elliptic.P256())
	case AlgPS256:
		// A signing key only: no decryption with the private key, no
		// encryption with the public one.
		if err = private.Set(crypto11.CkaDecrypt, false); err == nil {
			err = public.Set(crypto11.CkaEncrypt, false)
		}
		if err == nil {
			k, err = ctx.GenerateRSAKeyPairWithAttributes(public, private, 3072)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("keys: %s: generate %s key pair in the token: %v", r, alg, err)
	}
	return k, nil
}
