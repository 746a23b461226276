// trivy-testdb writes a vulnerability database in Trivy's own format (trivy-db schema 2: a
// bbolt file, db/trivy.db, and db/metadata.json) from a short JSON list of advisories, through
// trivy-db's own writer. The tests and the demo scan images offline against it; an operator
// points tagship at a real database instead (README, "Vulnerability database").
//
// usage: trivy-testdb <cache-dir> < advisories.json
//
//	[{"id": "CVE-2099-0001", "bucket": "debian 12", "package": "mosquitto",
//	  "fixedVersion": "99.0", "severity": "HIGH", "title": "..."},
//	 {"id": "GHSA-test-0001", "bucket": "pip::GitHub Security Advisory pip", "package": "requests",
//	  "vulnerableVersions": ["<2.31.0"], "patchedVersions": ["2.31.0"], "severity": "HIGH", "title": "..."}]
//
// A language bucket (`<ecosystem>::<source>`, as trivy-db names GitHub's advisories) holds
// version ranges, which Trivy's language detectors compare; an OS bucket holds the fixed version.
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
	// Language buckets: the ranges that are vulnerable and the versions that fix them.
	VulnerableVersions []string `json:"vulnerableVersions,omitempty"`
	PatchedVersions    []string `json:"patchedVersions,omitempty"`
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
			if strings.Contains(a.Bucket, "::") {
				source = "ghsa" // trivy-db's id for GitHub's advisory database
			}
			adv := types.Advisory{FixedVersion: a.FixedVersion, VulnerableVersions: a.VulnerableVersions, PatchedVersions: a.PatchedVersions}
			if err := dbc.PutAdvisory(tx, []string{a.Bucket, a.Package}, a.ID, adv); err != nil {
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
