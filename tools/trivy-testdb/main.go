// trivy-testdb writes a vulnerability database in Trivy's own format (trivy-db schema 2: a
// bbolt file, db/trivy.db, and db/metadata.json) from a short JSON list of advisories, through
// trivy-db's own writer. The tests and the demo scan images offline against it; an operator
// points tagship at a real database instead (README, "Vulnerability database").
//
// usage: trivy-testdb <cache-dir> < advisories.json
//
//	[{"id": "CVE-2099-0001", "bucket": "debian 12", "package": "mosquitto",
//	  "fixedVersion": "99.0", "severity": "HIGH", "title": "..."}]
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	"github.com/aquasecurity/trivy-db/pkg/types"
	bolt "go.etcd.io/bbolt"
)

type advisory struct {
	ID           string `json:"id"`
	Bucket       string `json:"bucket"`
	Package      string `json:"package"`
	FixedVersion string `json:"fixedVersion"`
	Severity     string `json:"severity"`
	Title        string `json:"title"`
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: trivy-testdb <cache-dir> < advisories.json")
		os.Exit(2)
	}
	if err := write(filepath.Join(os.Args[1], "db")); err != nil {
		fmt.Fprintln(os.Stderr, "trivy-testdb:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	var list []advisory
	if err := json.NewDecoder(os.Stdin).Decode(&list); err != nil {
		return fmt.Errorf("reading advisories: %w", err)
	}
	_ = os.Remove(db.Path(dir))
	if err := db.Init(dir); err != nil {
		return err
	}
	defer db.Close()
	dbc := db.Config{}
	err := dbc.BatchUpdate(func(tx *bolt.Tx) error {
		for _, a := range list {
			severity, err := types.NewSeverity(strings.ToUpper(a.Severity))
			if err != nil {
				return fmt.Errorf("%s: %w", a.ID, err)
			}
			source := types.SourceID(strings.SplitN(a.Bucket, " ", 2)[0])
			if err := dbc.PutAdvisory(tx, []string{a.Bucket, a.Package}, a.ID, types.Advisory{FixedVersion: a.FixedVersion}); err != nil {
				return err
			}
			if err := dbc.PutDataSource(tx, a.Bucket, types.DataSource{ID: source, Name: "tagship test advisories"}); err != nil {
				return err
			}
			vuln := types.Vulnerability{Title: a.Title, Severity: severity.String(), VendorSeverity: types.VendorSeverity{source: severity}}
			if err := dbc.PutVulnerability(tx, a.ID, vuln); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	return metadata.NewClient(dir).Update(metadata.Metadata{Version: db.SchemaVersion, NextUpdate: now.AddDate(10, 0, 0), UpdatedAt: now, DownloadedAt: now})
}
