package main

import (
	"os"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"

	"github.com/rcmbot/rcmbot/internal/config"
)

// composeFile is the part of docker-compose.yml the test reads.
type composeFile struct {
	Services map[string]struct {
		Image       string         `yaml:"image"`
		Build       any            `yaml:"build"`
		Command     []string       `yaml:"command"`
		Environment map[string]any `yaml:"environment"`
		DependsOn   map[string]any `yaml:"depends_on"`
	} `yaml:"services"`
}

// TestDockerCompose checks docker-compose.yml against the code (there is
// no Docker engine to run it here): every rcmbot service runs a real rcmbot
// command and sets only environment variables rcmbot reads; the Temporal
// images are of the 1.29 line; the UI points at the codec server. The
// README and the topology are held to the file in internal/topology.
func TestDockerCompose(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var cf composeFile
	if err := yaml.Unmarshal(raw, &cf); err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	known := map[string]bool{"GOMEMLIMIT": true}
	for _, s := range config.Settings {
		known[s.Env] = true
	}
	root := newRootCmd()
	rcmbotServices := 0
	for name, svc := range cf.Services {
		for dep := range svc.DependsOn {
			if _, ok := cf.Services[dep]; !ok {
				t.Errorf("service %s depends on missing service %s", name, dep)
			}
		}
		switch {
		case strings.HasPrefix(svc.Image, "temporalio/"):
			tag := svc.Image[strings.Index(svc.Image, ":")+1:]
			if strings.HasPrefix(svc.Image, "temporalio/server:") || strings.HasPrefix(svc.Image, "temporalio/admin-tools:") {
				if !strings.HasPrefix(tag, "1.29.") {
					t.Errorf("%s: image %s is not of the Temporal 1.29 line", name, svc.Image)
				}
			}
			if strings.HasPrefix(svc.Image, "temporalio/ui:") {
				if v, _ := svc.Environment["TEMPORAL_CODEC_ENDPOINT"].(string); !strings.HasSuffix(v, "/codec") {
					t.Errorf("%s: TEMPORAL_CODEC_ENDPOINT %q does not point at rcmbot's codec server", name, v)
				}
			}
		case strings.HasPrefix(svc.Image, "rcmbot") || svc.Build != nil:
			rcmbotServices++
			cmd, _, err := root.Find(svc.Command)
			if err != nil || cmd == root {
				t.Errorf("%s: command %v is not an rcmbot command", name, svc.Command)
			}
			if len(svc.Environment) == 0 {
				t.Errorf("%s: no environment", name)
			}
			for k := range svc.Environment {
				if !known[k] {
					t.Errorf("%s sets %s, which rcmbot does not read", name, k)
				}
			}
		}
	}
	if rcmbotServices < 3 {
		t.Errorf("found %d rcmbot services", rcmbotServices)
	}
}
