//go:build !cgo

package keys

import "fmt"

func openPKCS11(r Ref, _ Options) (Key, error) {
	return nil, fmt.Errorf("%w: cannot open %s", ErrNoPKCS11, r)
}

func generatePKCS11(r Ref, _ string, _ Options) (Key, error) {
	return nil, fmt.Errorf("%w: cannot generate %s", ErrNoPKCS11, r)
}
