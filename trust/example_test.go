package trust_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/ithc/ithc/trust"
)

func ExampleGenerateCountry() {
	country, err := trust.GenerateCountry(trust.CountryOptions{
		Country:      "CN",
		Organisation: "National Health Commission",
		Usage:        trust.UsageTest | trust.UsageVaccination,
		Now:          time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "pki")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := country.WriteDir(filepath.Join(dir, "cn")); err != nil {
		log.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "cn"))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(country.CSCA.Subject.CommonName)
	fmt.Println(country.DSC.Subject.CommonName)
	fmt.Println(trust.UsageFromCertificate(country.DSC))
	fmt.Println(country.DSC.NotAfter.Format(time.DateOnly))
	for _, e := range entries {
		fmt.Print(e.Name(), " ")
	}
	fmt.Println()
	// Output:
	// ITHC CSCA CN
	// ITHC DSC CN 1
	// test,vaccination
	// 2028-01-01
	// csca.key csca.pem dsc.key dsc.pem
}

func ExampleLoadFiles() {
	country, err := trust.GenerateCountry(trust.CountryOptions{Country: "CN"})
	if err != nil {
		log.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "trust")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := country.WriteDir(dir); err != nil {
		log.Fatal(err)
	}

	// A directory of *.pem, *.crt, *.cer, *.der files; key files are skipped.
	store, err := trust.LoadFiles(filepath.Join(dir, trust.FileDSCCert))
	if err != nil {
		log.Fatal(err)
	}
	signers, err := store.Signers(trust.KID(country.DSC), "CN")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(store.Len(), len(signers), signers[0].Country, signers[0].Usage)
	// Output: 1 1 CN test,vaccination,recovery
}
