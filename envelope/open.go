package envelope

import (
	"bytes"
	"crypto/ecdh"
	"crypto/hpke"
	"fmt"
	"strings"

	"github.com/ithc/ithc/hc1"
	"github.com/ithc/ithc/internal/base45"
	"github.com/ithc/ithc/internal/limits"
	"github.com/ithc/ithc/verify"
)

// OpenKey is a recipient private key an Opener holds.
type OpenKey struct {
	// Country is the country whose key it is (for messages; may be empty).
	Country string
	// Key is the private key: an *ecdh.PrivateKey or any
	// ecdh.KeyExchanger (a key in a hardware module) on P-256 or X25519.
	Key ecdh.KeyExchanger
	// KID is the key identifier; nil means KeyID of the public key (what
	// published keys use).
	KID []byte
}

// Opener opens encrypted codes with the recipient keys of one verifying
// authority (its country's current and previous keys). It implements
// verify.Decrypter and is safe for concurrent use.
type Opener struct {
	keys []openKey
	// names maps a kid (as a string) to a country, for messages.
	names map[string]string
}

type openKey struct {
	country string
	kid     []byte
	alg     int64
	priv    hpke.PrivateKey
}

// NewOpener returns an Opener holding keys. Known, when not nil, names
// the countries of other recipient keys (from the trust list), so that the
// error for a code this verifier cannot open says for whom it is.
func NewOpener(keys []OpenKey, known *KeyRing) (*Opener, error) {
	if len(keys) == 0 {
		return nil, fmt.Errorf("envelope: an opener needs at least one private key")
	}
	o := &Opener{names: make(map[string]string)}
	if known != nil {
		for _, r := range known.records {
			o.names[string(r.KID)] = r.Country
		}
	}
	for i, k := range keys {
		if k.Key == nil {
			return nil, fmt.Errorf("envelope: opener key %d: no private key", i+1)
		}
		alg, err := algFor(k.Key.Curve())
		if err != nil {
			return nil, fmt.Errorf("envelope: opener key %d: %w", i+1, err)
		}
		kid := k.KID
		if kid == nil {
			if kid, err = KeyID(k.Key.PublicKey()); err != nil {
				return nil, err
			}
		}
		if len(kid) == 0 || len(kid) > limits.MaxEnvelopeKID {
			return nil, fmt.Errorf("envelope: opener key %d: key identifier of %d bytes, want 1 to %d", i+1, len(kid), limits.MaxEnvelopeKID)
		}
		priv, err := hpke.NewDHKEMPrivateKey(k.Key)
		if err != nil {
			return nil, fmt.Errorf("envelope: opener key %d: %v", i+1, err)
		}
		o.keys = append(o.keys, openKey{country: k.Country, kid: kid, alg: alg, priv: priv})
		if k.Country != "" {
			o.names[string(kid)] = k.Country
		}
	}
	return o, nil
}

// Open decrypts an encrypted code and returns the signed HC1 code inside
// it and what the encryption said (the recipients and the kid that opened
// it). It does not verify the inner code: verify.Verifier does, when the
// Opener is its Decrypter. Errors wrap ErrMalformed, ErrNotRecipient or
// ErrDecrypt.
func (o *Opener) Open(text string) (string, *verify.Encryption, error) {
	b, err := decodeText(text)
	if err != nil {
		return "", nil, err
	}
	m, err := parseMessage(b)
	if err != nil {
		return "", nil, err
	}
	info := &verify.Encryption{}
	for _, r := range m.recipients {
		info.Recipients = append(info.Recipients, o.short(r.kid))
	}
	var tried []string
	for _, r := range m.recipients {
		for _, k := range o.keys {
			if !bytes.Equal(k.kid, r.kid) {
				continue
			}
			if k.alg != r.alg {
				tried = append(tried, fmt.Sprintf("%s uses %s, the key held under that kid is %s", o.name(r.kid), algName(r.alg), algName(k.alg)))
				continue
			}
			cek, err := unwrap(k.priv, r)
			if err != nil {
				tried = append(tried, fmt.Sprintf("the content key for %s does not decrypt (a wrong private key under this kid, or a changed byte)", o.name(r.kid)))
				continue
			}
			aead, err := newGCM(cek)
			if err != nil {
				return "", info, err
			}
			plaintext, err := aead.Open(nil, m.iv, m.ciphertext, encStructure(m.recipientsRaw))
			if err != nil {
				return "", info, fmt.Errorf("%w: the content does not decrypt with the content key of %s: a byte of the code was changed", ErrDecrypt, o.name(r.kid))
			}
			if len(plaintext) > limits.MaxCOSE {
				return "", info, fmt.Errorf("%w: the decrypted content is %d bytes, more than %d", ErrMalformed, len(plaintext), limits.MaxCOSE)
			}
			info.KID = KIDString(k.kid)
			return hc1.Prefix + base45.Encode(plaintext), info, nil
		}
	}
	if len(tried) > 0 {
		return "", info, fmt.Errorf("%w: %s", ErrDecrypt, strings.Join(tried, "; "))
	}
	var held []string
	for _, k := range o.keys {
		held = append(held, o.name(k.kid))
	}
	return "", info, fmt.Errorf("%w: the code is encrypted for %s; the keys held are %s", ErrNotRecipient,
		strings.Join(o.recipientNames(m), ", "), strings.Join(held, ", "))
}

// Decrypt implements verify.Decrypter: it is Open.
func (o *Opener) Decrypt(text string) (string, *verify.Encryption, error) {
	return o.Open(text)
}

// unwrap decrypts a recipient's content key with priv.
func unwrap(priv hpke.PrivateKey, r recipient) ([]byte, error) {
	rc, err := hpke.NewRecipient(r.ek, priv, hpke.HKDFSHA256(), hpke.AES128GCM(), recipientStructure(r.protected))
	if err != nil {
		return nil, err
	}
	cek, err := rc.Open(nil, r.encryptedKey)
	if err != nil {
		return nil, err
	}
	if len(cek) != cekSize {
		return nil, fmt.Errorf("content key of %d bytes", len(cek))
	}
	return cek, nil
}

// recipientNames names the recipients of m.
func (o *Opener) recipientNames(m *message) []string {
	var out []string
	for _, r := range m.recipients {
		out = append(out, o.name(r.kid))
	}
	return out
}

// short names a recipient key in Encryption.Recipients: its country when
// known, else "kid:BASE64".
func (o *Opener) short(kid []byte) string {
	if c := o.names[string(kid)]; c != "" {
		return c
	}
	return "kid:" + KIDString(kid)
}

// name names a recipient key: "XA (kid BASE64)" when its country is known,
// else "kid BASE64".
func (o *Opener) name(kid []byte) string {
	if c := o.names[string(kid)]; c != "" {
		return c + " (kid " + KIDString(kid) + ")"
	}
	return "kid " + KIDString(kid)
}
