package main

// What the stand-in does in place of the Initializer module, which the OpenMRS 3 reference
// application runs at every start: the global properties of every
// <config dir>/globalproperties/*.xml are upserted into global_property (a changed value wins,
// other properties are left alone), and GET /openmrs/ws/rest/v1/systemsetting?q=PREFIX reads
// them back as OpenMRS's REST API does.

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"log"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

type globalPropertiesFile struct {
	XMLName    xml.Name `xml:"config"`
	Properties []struct {
		Property string `xml:"property"`
		Value    string `xml:"value"`
	} `xml:"globalProperties>globalProperty"`
}

func configDir() string {
	return env("OMRS_STANDIN_CONFIG_DIR", "/openmrs/distribution/openmrs_config")
}

// applyConfiguration upserts the global properties of the configuration folder, file by file in
// name order (a later file wins), and logs what it applied.
func (s *server) applyConfiguration(ctx context.Context, db *sql.DB) error {
	files, err := filepath.Glob(filepath.Join(configDir(), "globalproperties", "*.xml"))
	if err != nil {
		return err
	}
	sort.Strings(files)
	for _, file := range files {
		body, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("configuration: read %s: %w", file, err)
		}
		var parsed globalPropertiesFile
		if err := xml.Unmarshal(body, &parsed); err != nil {
			return fmt.Errorf("configuration: %s is not a globalproperties file: %w", file, err)
		}
		for _, gp := range parsed.Properties {
			name := strings.TrimSpace(gp.Property)
			if name == "" {
				return fmt.Errorf("configuration: %s has a global property without a name", file)
			}
			if _, err := db.ExecContext(ctx,
				"INSERT INTO global_property (property, property_value, uuid) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE property_value = VALUES(property_value)",
				name, gp.Value, newUUID()); err != nil {
				return fmt.Errorf("configuration: global property %s: %w", name, err)
			}
		}
		log.Printf("configuration: %d global properties applied from %s", len(parsed.Properties), file)
	}
	return nil
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6] = (b[6] & 0x0f) | 0x40
	b[8] = (b[8] & 0x3f) | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (s *server) systemSettings(w http.ResponseWriter, r *http.Request) {
	if !s.signedInGet(w, r) {
		return
	}
	ctx := r.Context()
	like := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(r.URL.Query().Get("q")) + "%"
	rows, err := s.db.Load().QueryContext(ctx,
		"SELECT property, COALESCE(property_value, ''), uuid FROM global_property WHERE property LIKE ? ORDER BY property LIMIT 200", like)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, restError(err.Error()))
		return
	}
	defer rows.Close()
	results := []map[string]any{}
	for rows.Next() {
		var property, value, uuid string
		if err := rows.Scan(&property, &value, &uuid); err != nil {
			writeJSON(w, http.StatusInternalServerError, restError(err.Error()))
			return
		}
		results = append(results, map[string]any{
			"uuid": uuid, "property": property, "value": value, "display": property + " = " + value,
		})
	}
	if err := rows.Err(); err != nil {
		writeJSON(w, http.StatusInternalServerError, restError(err.Error()))
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}
