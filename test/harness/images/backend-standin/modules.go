package main

// What the stand-in does in place of OpenMRS's module loading: at start it reads the module
// folder the distribution's startup script copies from (/openmrs/distribution/openmrs_modules),
// logs each <id>-<version>.omod it finds, and serves them as GET /openmrs/ws/rest/v1/module, the
// real REST resource's shape (uuid = module id). It does not open the files: a module here is only
// proof that the file reached the backend.

import (
	"log"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
)

type loadedModule struct{ id, version string }

var omodName = regexp.MustCompile(`^(.+?)-(\d[\w.+-]*)\.omod$`)

func modulesDir() string {
	return env("OMRS_STANDIN_MODULES_DIR", "/openmrs/distribution/openmrs_modules")
}

// loadModules lists the folder's modules once, at start, as OpenMRS loads its modules then.
func loadModules() []loadedModule {
	files, err := filepath.Glob(filepath.Join(modulesDir(), "*.omod"))
	if err != nil {
		log.Printf("modules: %v", err)
		return nil
	}
	sort.Strings(files)
	modules := []loadedModule{}
	for _, file := range files {
		m := omodName.FindStringSubmatch(filepath.Base(file))
		if m == nil {
			log.Printf("modules: skipped %s: not <id>-<version>.omod", filepath.Base(file))
			continue
		}
		info, err := os.Stat(file)
		if err != nil || info.Size() == 0 {
			log.Printf("modules: skipped %s: empty or unreadable", filepath.Base(file))
			continue
		}
		modules = append(modules, loadedModule{id: m[1], version: m[2]})
		log.Printf("modules: loaded %s %s", m[1], m[2])
	}
	return modules
}

func (s *server) modules(w http.ResponseWriter, r *http.Request) {
	if !s.signedInGet(w, r) {
		return
	}
	results := []map[string]any{}
	for _, m := range s.loadedModules {
		results = append(results, map[string]any{
			"uuid": m.id, "display": m.id, "name": m.id, "version": m.version, "started": true,
		})
	}
	writeJSON(w, http.StatusOK, map[string]any{"results": results})
}
