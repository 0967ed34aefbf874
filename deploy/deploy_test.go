// Package deploy holds no code: its test reads the deployment files (the
// Kubernetes manifests, the compose file, the Dockerfile, the alert rules) and
// checks what the validators people run would flag and what ties them to the
// program: probe paths that are real routes, one port everywhere, the Pod
// Security "restricted" fields, pinned images, DATABASE_URL from a secret.
// scripts/validate-deploy.sh runs the external validators as well.
package deploy

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// The port gongsync listens on in every deployment (LISTEN_ADDR :8080).
const listenPort = 8080

// The non-root user of the distroless image ("nonroot").
const nonrootID = 65532

// The subset of Kubernetes objects the checks read.
type (
	object struct {
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name        string            `yaml:"name"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"metadata"`
		Spec yaml.Node `yaml:"spec"`
	}
	deploymentSpec struct {
		Replicas *int `yaml:"replicas"`
		Strategy struct {
			Type string `yaml:"type"`
		} `yaml:"strategy"`
		Template struct {
			Spec podSpec `yaml:"spec"`
		} `yaml:"template"`
	}
	podSpec struct {
		SecurityContext *securityContext `yaml:"securityContext"`
		Affinity        *struct {
			PodAntiAffinity map[string]any `yaml:"podAntiAffinity"`
		} `yaml:"affinity"`
		Containers  []container `yaml:"containers"`
		Volumes     []volume    `yaml:"volumes"`
		HostNetwork bool        `yaml:"hostNetwork"`
		HostPID     bool        `yaml:"hostPID"`
		HostIPC     bool        `yaml:"hostIPC"`
	}
	volume struct {
		Name     string         `yaml:"name"`
		EmptyDir map[string]any `yaml:"emptyDir"`
		HostPath map[string]any `yaml:"hostPath"`
	}
	securityContext struct {
		RunAsNonRoot             *bool `yaml:"runAsNonRoot"`
		RunAsUser                *int  `yaml:"runAsUser"`
		RunAsGroup               *int  `yaml:"runAsGroup"`
		Privileged               *bool `yaml:"privileged"`
		AllowPrivilegeEscalation *bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   *bool `yaml:"readOnlyRootFilesystem"`
		Capabilities             *struct {
			Add  []string `yaml:"add"`
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
		SeccompProfile *struct {
			Type string `yaml:"type"`
		} `yaml:"seccompProfile"`
	}
	container struct {
		Name            string           `yaml:"name"`
		Image           string           `yaml:"image"`
		Ports           []containerPort  `yaml:"ports"`
		Env             []envVar         `yaml:"env"`
		StartupProbe    *probe           `yaml:"startupProbe"`
		ReadinessProbe  *probe           `yaml:"readinessProbe"`
		LivenessProbe   *probe           `yaml:"livenessProbe"`
		SecurityContext *securityContext `yaml:"securityContext"`
		Resources       struct {
			Requests map[string]string `yaml:"requests"`
			Limits   map[string]string `yaml:"limits"`
		} `yaml:"resources"`
		VolumeMounts []struct {
			Name      string `yaml:"name"`
			MountPath string `yaml:"mountPath"`
		} `yaml:"volumeMounts"`
	}
	containerPort struct {
		Name          string `yaml:"name"`
		ContainerPort int    `yaml:"containerPort"`
	}
	envVar struct {
		Name      string `yaml:"name"`
		Value     string `yaml:"value"`
		ValueFrom *struct {
			SecretKeyRef *struct {
				Name     string `yaml:"name"`
				Key      string `yaml:"key"`
				Optional *bool  `yaml:"optional"`
			} `yaml:"secretKeyRef"`
		} `yaml:"valueFrom"`
	}
	probe struct {
		HTTPGet *struct {
			Path string    `yaml:"path"`
			Port yaml.Node `yaml:"port"`
		} `yaml:"httpGet"`
		TimeoutSeconds   int `yaml:"timeoutSeconds"`
		PeriodSeconds    int `yaml:"periodSeconds"`
		FailureThreshold int `yaml:"failureThreshold"`
	}
	kustomization struct {
		Resources []string `yaml:"resources"`
		Patches   []struct {
			Path string `yaml:"path"`
		} `yaml:"patches"`
		Images []struct {
			Name    string `yaml:"name"`
			NewName string `yaml:"newName"`
			NewTag  string `yaml:"newTag"`
			Digest  string `yaml:"digest"`
		} `yaml:"images"`
	}
)

func TestKubernetes(t *testing.T) {
	routes := documentedGETRoutes(t)
	base := deploymentIn(t, "kubernetes/base/deployment.yaml")
	pod := base.Template.Spec
	require.Len(t, pod.Containers, 1)
	app := pod.Containers[0]

	t.Run("PodSecurityRestricted", func(t *testing.T) {
		// https://kubernetes.io/docs/concepts/security/pod-security-standards/#restricted
		assert.False(t, pod.HostNetwork || pod.HostPID || pod.HostIPC, "host namespaces")
		for _, v := range pod.Volumes {
			assert.Nil(t, v.HostPath, "hostPath volume %s", v.Name)
		}
		require.NotNil(t, pod.SecurityContext, "pod securityContext")
		checkNonRoot(t, "pod", pod.SecurityContext)
		require.NotNil(t, pod.SecurityContext.SeccompProfile, "pod seccompProfile")
		assert.Equal(t, "RuntimeDefault", pod.SecurityContext.SeccompProfile.Type)

		sc := app.SecurityContext
		require.NotNil(t, sc, "container securityContext")
		checkNonRoot(t, "container", sc)
		assert.Equal(t, ptr(false), sc.AllowPrivilegeEscalation, "allowPrivilegeEscalation")
		assert.NotEqual(t, ptr(true), sc.Privileged, "privileged")
		assert.Equal(t, ptr(true), sc.ReadOnlyRootFilesystem, "readOnlyRootFilesystem")
		require.NotNil(t, sc.Capabilities, "capabilities")
		assert.Equal(t, []string{"ALL"}, sc.Capabilities.Drop, "capabilities drop")
		assert.Empty(t, sc.Capabilities.Add, "capabilities add")
		if sc.SeccompProfile != nil {
			assert.Equal(t, "RuntimeDefault", sc.SeccompProfile.Type)
		}
	})

	t.Run("TmpIsWritable", func(t *testing.T) {
		tmp := mountedVolume(t, pod, app, "/tmp")
		assert.NotNil(t, tmp.EmptyDir, "/tmp is an emptyDir")
	})

	t.Run("ProbesAskRealRoutes", func(t *testing.T) {
		for name, p := range map[string]*probe{"startupProbe": app.StartupProbe, "readinessProbe": app.ReadinessProbe, "livenessProbe": app.LivenessProbe} {
			require.NotNil(t, p, name)
			require.NotNil(t, p.HTTPGet, name)
			assert.Contains(t, routes, p.HTTPGet.Path, "%s asks %s, which api/openapi.yaml (and so the router) does not serve", name, p.HTTPGet.Path)
			assert.Equal(t, listenPort, resolvePort(t, app, p.HTTPGet.Port), "%s port", name)
			assert.Positive(t, p.TimeoutSeconds, "%s timeoutSeconds", name)
		}
		assert.Equal(t, "/readyz", app.ReadinessProbe.HTTPGet.Path)
		assert.Equal(t, "/healthz", app.LivenessProbe.HTTPGet.Path)
		// /readyz gives the database 2 s (internal/server/health.go).
		assert.Greater(t, app.ReadinessProbe.TimeoutSeconds, 2, "readiness timeoutSeconds must exceed /readyz's 2 s database check")
		startupWindow := app.StartupProbe.PeriodSeconds * app.StartupProbe.FailureThreshold
		assert.GreaterOrEqual(t, startupWindow, 120, "the startup probe leaves migrations %d s", startupWindow)
	})

	t.Run("OnePort", func(t *testing.T) {
		require.Len(t, app.Ports, 1)
		assert.Equal(t, containerPort{Name: "http", ContainerPort: listenPort}, app.Ports[0])
		if addr, ok := envValue(app, "LISTEN_ADDR"); ok {
			assert.Equal(t, ":"+strconv.Itoa(listenPort), addr)
		}
		var svc struct {
			Selector map[string]string `yaml:"selector"`
			Ports    []struct {
				TargetPort yaml.Node `yaml:"targetPort"`
			} `yaml:"ports"`
		}
		decodeSpec(t, objectIn(t, "kubernetes/base/service.yaml", "Service"), &svc)
		for _, p := range svc.Ports {
			assert.Equal(t, listenPort, resolvePort(t, app, p.TargetPort), "Service targetPort")
		}
		assert.NotEmpty(t, svc.Selector)
	})

	t.Run("Resources", func(t *testing.T) {
		for _, resource := range []string{"cpu", "memory", "ephemeral-storage"} {
			assert.NotEmpty(t, app.Resources.Requests[resource], "requests.%s", resource)
			assert.NotEmpty(t, app.Resources.Limits[resource], "limits.%s", resource)
		}
	})

	t.Run("ImagesPinned", func(t *testing.T) {
		images := map[string]bool{}
		for _, dir := range []string{"base", "sqlite", "postgres"} {
			k := kustomizationIn(t, "kubernetes/"+dir)
			for _, img := range k.Images {
				assert.True(t, img.NewTag != "" || img.Digest != "", "%s: images: %s has no tag or digest", dir, img.Name)
				assert.NotEqual(t, "latest", img.NewTag, "%s: images: %s", dir, img.Name)
				images[img.Name] = true
			}
		}
		for _, file := range yamlFiles(t, "kubernetes") {
			for _, image := range imagesIn(t, file) {
				name, tag := splitImage(image)
				assert.NotEqual(t, "latest", tag, "%s: %s", file, image)
				assert.True(t, tag != "" || images[name], "%s: %s has no tag and no images: entry", file, image)
			}
		}
	})

	t.Run("KustomizationFilesExist", func(t *testing.T) {
		for _, dir := range []string{"base", "sqlite", "postgres"} {
			k := kustomizationIn(t, "kubernetes/"+dir)
			for _, p := range k.Resources {
				assert.FileExists(t, filepath.Join("kubernetes", dir, p, kustomizationFileIf(p)), "%s: resource %s", dir, p)
			}
			for _, p := range k.Patches {
				if p.Path != "" {
					assert.FileExists(t, filepath.Join("kubernetes", dir, p.Path), "%s: patch %s", dir, p.Path)
				}
			}
		}
	})

	t.Run("SQLiteOnTheVolume", func(t *testing.T) {
		patch := deploymentIn(t, "kubernetes/sqlite/deployment-patch.yaml")
		assert.Equal(t, "Recreate", patch.Strategy.Type, "never two processes on one SQLite file")
		require.NotNil(t, patch.Replicas)
		assert.Equal(t, 1, *patch.Replicas)
		c := patch.Template.Spec.Containers[0]
		url, ok := envValue(c, "DATABASE_URL")
		require.True(t, ok, "the sqlite overlay sets DATABASE_URL")
		require.True(t, strings.HasPrefix(url, "sqlite:"), url)
		onVolume := false
		for _, m := range c.VolumeMounts {
			onVolume = onVolume || strings.HasPrefix(strings.TrimPrefix(url, "sqlite:"), m.MountPath+"/")
		}
		assert.True(t, onVolume, "%s is not on a mounted volume", url)
	})

	t.Run("PostgresDatabaseURLFromSecret", func(t *testing.T) {
		patch := deploymentIn(t, "kubernetes/postgres/deployment-patch.yaml")
		c := patch.Template.Spec.Containers[0]
		var found bool
		for _, e := range c.Env {
			if e.Name != "DATABASE_URL" {
				continue
			}
			found = true
			require.NotNil(t, e.ValueFrom, "DATABASE_URL comes from valueFrom")
			ref := e.ValueFrom.SecretKeyRef
			require.NotNil(t, ref, "DATABASE_URL comes from a secretKeyRef")
			assert.NotEmpty(t, ref.Name)
			assert.Equal(t, "DATABASE_URL", ref.Key)
			assert.Nil(t, ref.Optional, "optional would let a missing key fall back to the image's SQLite default")
		}
		assert.True(t, found, "the postgres overlay sets DATABASE_URL")
		assert.Greater(t, *patch.Replicas, 1)
		require.NotNil(t, patch.Template.Spec.Affinity, "pod anti-affinity")
		assert.NotEmpty(t, patch.Template.Spec.Affinity.PodAntiAffinity)
		assert.Contains(t, kindsIn(t, "kubernetes/postgres"), "PodDisruptionBudget")
	})

	t.Run("NetworkPolicy", func(t *testing.T) {
		var np struct {
			PolicyTypes []string `yaml:"policyTypes"`
			Ingress     []struct {
				Ports []struct {
					Port yaml.Node `yaml:"port"`
				} `yaml:"ports"`
			} `yaml:"ingress"`
		}
		decodeSpec(t, objectIn(t, "kubernetes/base/networkpolicy.yaml", "NetworkPolicy"), &np)
		assert.ElementsMatch(t, []string{"Ingress", "Egress"}, np.PolicyTypes)
		require.NotEmpty(t, np.Ingress)
		for _, rule := range np.Ingress {
			for _, p := range rule.Ports {
				assert.Equal(t, listenPort, resolvePort(t, app, p.Port), "NetworkPolicy ingress port")
			}
		}
	})

	t.Run("KubeScoreIgnoresAreExplained", func(t *testing.T) {
		for _, file := range yamlFiles(t, "kubernetes") {
			raw := readFile(t, file)
			if strings.Contains(raw, "kube-score/ignore:") {
				assert.Regexp(t, `(?s)#[^\n]*kube-score[^\n]*\n.*kube-score/ignore:`, raw, "%s: say why a kube-score check is ignored", file)
			}
		}
	})
}

func TestCompose(t *testing.T) {
	var compose struct {
		Name     string `yaml:"name"`
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Build       any               `yaml:"build"`
			Restart     string            `yaml:"restart"`
			Environment map[string]string `yaml:"environment"`
			Healthcheck struct {
				Test    []string `yaml:"test"`
				Timeout string   `yaml:"timeout"`
			} `yaml:"healthcheck"`
			Ports []string `yaml:"ports"`
		} `yaml:"services"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, "compose.yaml")), &compose))
	assert.NotEmpty(t, compose.Name, "a project name")
	for name, svc := range compose.Services {
		assert.NotEmpty(t, svc.Restart, "%s: restart", name)
		assert.NotEmpty(t, svc.Healthcheck.Test, "%s: healthcheck", name)
		if svc.Image != "" {
			_, tag := splitImage(svc.Image)
			assert.True(t, tag != "" && tag != "latest", "%s: image %s is not pinned", name, svc.Image)
		}
	}
	app, ok := compose.Services["gongsync"]
	require.True(t, ok)
	assert.Equal(t, []string{"CMD", "/app/gongsync", "healthcheck"}, app.Healthcheck.Test, "distroless: no shell, so CMD and the binary's own subcommand")
	assert.Equal(t, []string{strconv.Itoa(listenPort)}, app.Ports)
	assert.True(t, strings.HasPrefix(app.Environment["DATABASE_URL"], "postgres://"), "compose runs on PostgreSQL")
	assert.Contains(t, readFile(t, "compose.yaml"), "URL-safe", "a note that the password goes into a URL as it is")
}

func TestDockerfile(t *testing.T) {
	dockerfile := readFile(t, "../Dockerfile")
	stages := regexp.MustCompile(`(?m)^FROM\s+(?:--platform=\S+\s+)?(\S+)`).FindAllStringSubmatch(dockerfile, -1)
	require.Len(t, stages, 2, "a build stage and a runtime stage")
	for _, stage := range stages {
		_, tag := splitImage(stage[1])
		assert.True(t, tag != "" && tag != "latest", "%s is not pinned by tag", stage[1])
	}
	assert.Contains(t, stages[1][1], "distroless", "the runtime image")
	assert.Contains(t, stages[1][1], "nonroot")

	goMod := readFile(t, "../go.mod")
	want := regexp.MustCompile(`(?m)^toolchain go(\S+)`).FindStringSubmatch(goMod)
	if want == nil {
		want = regexp.MustCompile(`(?m)^go (\S+)`).FindStringSubmatch(goMod)
	}
	require.NotNil(t, want)
	assert.Equal(t, "golang:"+want[1]+"-bookworm", stages[0][1], "the builder's Go is go.mod's toolchain")

	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version="} {
		assert.Contains(t, dockerfile, want)
	}
	assert.Regexp(t, `(?m)^USER `+strconv.Itoa(nonrootID)+`(:`+strconv.Itoa(nonrootID)+`)?$`, dockerfile)
	assert.Regexp(t, `(?m)^\s*CMD \["/app/gongsync", "healthcheck"\]$`, dockerfile, "HEALTHCHECK through the binary")
	assert.Regexp(t, `(?m)^EXPOSE `+strconv.Itoa(listenPort)+`$`, dockerfile)
}

func TestIgnoreFiles(t *testing.T) {
	dockerignore := lines(readFile(t, "../.dockerignore"))
	for _, want := range []string{".git", "bin", "data", "**/.env"} {
		assert.Contains(t, dockerignore, want, ".dockerignore")
	}
	gitignore := lines(readFile(t, "../.gitignore"))
	for _, want := range []string{"/bin/", "/data/", "/deploy/.env"} {
		assert.Contains(t, gitignore, want, ".gitignore")
	}
}

func TestAlertRules(t *testing.T) {
	var rules struct {
		Groups []struct {
			Name  string `yaml:"name"`
			Rules []struct {
				Alert       string            `yaml:"alert"`
				Expr        string            `yaml:"expr"`
				Labels      map[string]string `yaml:"labels"`
				Annotations map[string]string `yaml:"annotations"`
			} `yaml:"rules"`
		} `yaml:"groups"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, "prometheus/alerts.yaml")), &rules))
	require.NotEmpty(t, rules.Groups)
	seen := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			assert.NotEmpty(t, r.Alert)
			assert.False(t, seen[r.Alert], "alert %s twice", r.Alert)
			seen[r.Alert] = true
			assert.NotEmpty(t, r.Expr, r.Alert)
			assert.NotEmpty(t, r.Labels["severity"], "%s: severity", r.Alert)
			assert.NotEmpty(t, r.Annotations["summary"], "%s: summary", r.Alert)
		}
	}
}

// documentedGETRoutes are the GET paths of api/openapi.yaml, which
// internal/server's TestOpenAPIMatchesRouter keeps equal to the router's.
func documentedGETRoutes(t *testing.T) []string {
	t.Helper()
	var spec struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, "../api/openapi.yaml")), &spec))
	var routes []string
	for path, operations := range spec.Paths {
		if _, ok := operations["get"]; ok {
			routes = append(routes, path)
		}
	}
	require.NotEmpty(t, routes)
	return routes
}

func checkNonRoot(t *testing.T, where string, sc *securityContext) {
	t.Helper()
	assert.Equal(t, ptr(true), sc.RunAsNonRoot, "%s runAsNonRoot", where)
	assert.Equal(t, ptr(nonrootID), sc.RunAsUser, "%s runAsUser", where)
	assert.Equal(t, ptr(nonrootID), sc.RunAsGroup, "%s runAsGroup", where)
}

func mountedVolume(t *testing.T, pod podSpec, c container, path string) volume {
	t.Helper()
	for _, m := range c.VolumeMounts {
		if m.MountPath != path {
			continue
		}
		for _, v := range pod.Volumes {
			if v.Name == m.Name {
				return v
			}
		}
		t.Fatalf("volume %s of %s is not declared", m.Name, path)
	}
	t.Fatalf("nothing is mounted on %s", path)
	return volume{}
}

// resolvePort turns a port given by number or by the container's port name
// into the number.
func resolvePort(t *testing.T, c container, port yaml.Node) int {
	t.Helper()
	if n, err := strconv.Atoi(port.Value); err == nil {
		return n
	}
	for _, p := range c.Ports {
		if p.Name == port.Value {
			return p.ContainerPort
		}
	}
	t.Fatalf("port %q is not a port of container %s", port.Value, c.Name)
	return 0
}

func envValue(c container, name string) (string, bool) {
	for _, e := range c.Env {
		if e.Name == name && e.ValueFrom == nil {
			return e.Value, true
		}
	}
	return "", false
}

func deploymentIn(t *testing.T, file string) deploymentSpec {
	t.Helper()
	var d deploymentSpec
	decodeSpec(t, objectIn(t, file, "Deployment"), &d)
	return d
}

func decodeSpec(t *testing.T, o object, into any) {
	t.Helper()
	require.NoError(t, o.Spec.Decode(into), "%s %s", o.Kind, o.Metadata.Name)
}

func objectIn(t *testing.T, file, kind string) object {
	t.Helper()
	for _, o := range objectsIn(t, file) {
		if o.Kind == kind {
			return o
		}
	}
	t.Fatalf("%s has no %s", file, kind)
	return object{}
}

func objectsIn(t *testing.T, file string) []object {
	t.Helper()
	dec := yaml.NewDecoder(bytes.NewReader([]byte(readFile(t, file))))
	var objects []object
	for {
		var o object
		err := dec.Decode(&o)
		if errors.Is(err, io.EOF) {
			return objects
		}
		require.NoError(t, err, file)
		objects = append(objects, o)
	}
}

func kindsIn(t *testing.T, dir string) []string {
	t.Helper()
	var kinds []string
	for _, file := range yamlFiles(t, dir) {
		for _, o := range objectsIn(t, file) {
			kinds = append(kinds, o.Kind)
		}
	}
	return kinds
}

func kustomizationIn(t *testing.T, dir string) kustomization {
	t.Helper()
	var k kustomization
	require.NoError(t, yaml.Unmarshal([]byte(readFile(t, filepath.Join(dir, "kustomization.yaml"))), &k))
	return k
}

func kustomizationFileIf(resource string) string {
	if strings.HasSuffix(resource, ".yaml") || strings.HasSuffix(resource, ".yml") {
		return ""
	}
	return "kustomization.yaml"
}

// imagesIn finds every "image:" value in a file, whatever the object.
func imagesIn(t *testing.T, file string) []string {
	t.Helper()
	var images []string
	var walk func(n *yaml.Node)
	walk = func(n *yaml.Node) {
		if n.Kind == yaml.MappingNode {
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == "image" && n.Content[i+1].Kind == yaml.ScalarNode {
					images = append(images, n.Content[i+1].Value)
				}
			}
		}
		for _, child := range n.Content {
			walk(child)
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader([]byte(readFile(t, file))))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return images
		}
		require.NoError(t, err, file)
		walk(&doc)
	}
}

// splitImage splits "registry:5000/name:tag@digest" into the name and the tag.
func splitImage(image string) (name, tag string) {
	image, _, _ = strings.Cut(image, "@")
	slash := strings.LastIndex(image, "/")
	if colon := strings.LastIndex(image, ":"); colon > slash {
		return image[:colon], image[colon+1:]
	}
	return image, ""
}

func yamlFiles(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	require.NoError(t, filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && (strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			files = append(files, path)
		}
		return err
	}))
	slices.Sort(files)
	require.NotEmpty(t, files)
	return files
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	raw, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(raw)
}

func lines(s string) []string {
	var out []string
	for line := range strings.SplitSeq(s, "\n") {
		if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
			out = append(out, line)
		}
	}
	return out
}

func ptr[T any](v T) *T { return &v }
