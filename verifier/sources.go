package verifier

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/ithc/ithc/envelope"
	"github.com/ithc/ithc/keys"
	"github.com/ithc/ithc/verify"
)

// RevocationSource is the service's revocation data: synced with
// SyncRevocation into DirRevocation, loaded into an index answering
// verify.Options.Revocation. Batches that expire while the index is
// loaded are dropped at the next reload (each sync reloads).
func RevocationSource() Source {
	return Source{
		Name: "revocation",
		Sync: func(ctx context.Context, o SyncOptions) error {
			_, err := SyncRevocation(ctx, RevocationSyncOptions{SyncOptions: o})
			return err
		},
		Load: func(dir string, o *verify.Options) (DataStatus, error) {
			idx, st, err := LoadRevocation(dir, time.Now())
			if err != nil || idx == nil {
				return DataStatus{}, err
			}
			o.Revocation = idx
			ds := DataStatus{Present: true, Detail: fmt.Sprintf("%d batches", len(st.Batches))}
			ds.Version, ds.Updated, ds.Source = fmt.Sprint(st.Version), st.Synced, st.Source
			return ds, nil
		},
	}
}

// DecryptionSource is the service's country's recipient keys (file
// references, see keys.OpenECDH), which open encrypted codes: they are
// read from the configuration, not synced; the published keys of the
// trust list in dir only name the other recipients in messages.
func DecryptionSource(refs []string) Source {
	return Source{
		Name: "encryption",
		Load: func(dir string, o *verify.Options) (DataStatus, error) {
			if len(refs) == 0 {
				return DataStatus{}, nil
			}
			var open []envelope.OpenKey
			var kids []string
			for _, ref := range refs {
				k, err := keys.OpenECDH(ref, keys.Options{Passphrase: keys.PassphraseFromEnv()})
				if err != nil {
					return DataStatus{}, fmt.Errorf("decrypt key %s: %w", ref, err)
				}
				open = append(open, envelope.OpenKey{Key: k})
				kid, err := envelope.KeyID(k.PublicKey())
				if err != nil {
					return DataStatus{}, err
				}
				kids = append(kids, envelope.KIDString(kid))
			}
			ring, _, _ := envelope.LoadSyncedKeys(dir)
			opener, err := envelope.NewOpener(open, ring)
			if err != nil {
				return DataStatus{}, err
			}
			o.Decrypter = opener
			return DataStatus{Present: true, Source: "configuration", Detail: "recipient keys " + strings.Join(kids, ", ")}, nil
		},
	}
}
