//go:build tools

// Package tools pins the Kubernetes commands this module builds (the tag keeps `go mod tidy` from dropping them).
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "k8s.io/kubernetes/cmd/kube-scheduler"
)
